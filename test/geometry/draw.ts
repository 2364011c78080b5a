/** Test helper: rasterize a filled ellipse (pixel centres inside → `inside`, else `outside`). */
import type { Point } from '../../src/geometry/types.ts';

export function drawEllipse(w: number, h: number, c: Point, a: number, b: number, angle: number, inside = 1, outside = 0): Float32Array {
  const out = new Float32Array(w * h).fill(outside);
  const cs = Math.cos(angle), sn = Math.sin(angle);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - c.x, dy = y - c.y;
      const p = dx * cs + dy * sn, q = -dx * sn + dy * cs;
      if ((p * p) / (a * a) + (q * q) / (b * b) <= 1) out[y * w + x] = inside;
    }
  }
  return out;
}

/** Bilinear value at a continuous pixel-centre point (0 outside). */
export function sampleAt(img: Float32Array, w: number, h: number, p: Point): number {
  const x0 = Math.floor(p.x), y0 = Math.floor(p.y), fx = p.x - x0, fy = p.y - y0;
  const at = (x: number, y: number): number => (x >= 0 && y >= 0 && x < w && y < h ? img[y * w + x] : 0);
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}
