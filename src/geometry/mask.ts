/**
 * Lesion pseudo-masks from RECIST marks (paper Sect. 2.1, LRP target). The mark is given in pixel coordinates of
 * the `size × size` mask itself (pixel (i, j) centred at (i, j)); a pixel is 1 when its centre is inside.
 * For the STN's 32 × 32 target, rescale the crop-space mark first (`resizePixelAffine(128, 32)`).
 */
import type { Point, Recist } from './types.ts';
import { distance, segmentMidpoint } from './recist.ts';
import { assertFinitePoint, assertPositiveInt } from './validate.ts';

export type PseudoMaskVariant = 'ellipse' | 'quarter';

/** Semi-axes shorter than this (mask px) are raised to it so a degenerate mark still marks its line. */
const MIN_SEMI_AXIS = 0.5;

/**
 * 'ellipse': centred at the long-axis midpoint, the long axis as one diameter, the short-axis length as the other
 * diameter, oriented perpendicular to the long axis.
 * 'quarter': four quarter-ellipses meeting at the crossing point of the two axis lines, each passing through the two
 * endpoints bounding its quadrant (exact for marks whose axes do not cross at their midpoints; expressed in the
 * skew frame of the two axes). Falls back to 'ellipse' when the axes are parallel or do not cross within both segments.
 */
export function pseudoMask(recist: Recist, size: number, variant: PseudoMaskVariant = 'ellipse'): Float32Array {
  assertPositiveInt(size, 'mask size');
  [recist.long[0], recist.long[1], recist.short[0], recist.short[1]].forEach((p, i) => assertFinitePoint(p, `recist endpoint ${i}`));
  if (variant !== 'ellipse' && variant !== 'quarter') throw new Error(`pseudo-mask variant=${String(variant)} is not 'ellipse' or 'quarter'`);
  const out = new Float32Array(size * size);
  if (variant === 'quarter' && fillQuarter(recist, size, out)) return out;
  fillEllipse(recist, size, out);
  return out;
}

function unit(a: Point, b: Point): Point {
  const d = distance(a, b);
  return d > 0 ? { x: (b.x - a.x) / d, y: (b.y - a.y) / d } : { x: 1, y: 0 };
}

function fillEllipse(r: Recist, size: number, out: Float32Array): void {
  const c = segmentMidpoint(r.long);
  const u = unit(r.long[0], r.long[1]);
  const a = Math.max(distance(r.long[0], r.long[1]) / 2, MIN_SEMI_AXIS);
  const b = Math.max(distance(r.short[0], r.short[1]) / 2, MIN_SEMI_AXIS);
  const ext = Math.max(a, b) + 1;
  const ia2 = 1 / (a * a), ib2 = 1 / (b * b);
  const [x0, x1, y0, y1] = [Math.max(0, Math.floor(c.x - ext)), Math.min(size - 1, Math.ceil(c.x + ext)), Math.max(0, Math.floor(c.y - ext)), Math.min(size - 1, Math.ceil(c.y + ext))];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - c.x, dy = y - c.y;
      const p = dx * u.x + dy * u.y, q = -dx * u.y + dy * u.x;
      if (p * p * ia2 + q * q * ib2 <= 1) out[y * size + x] = 1;
    }
  }
}

/** Returns false (and writes nothing) when the quarter construction does not apply. */
function fillQuarter(r: Recist, size: number, out: Float32Array): boolean {
  const [l0, l1] = r.long, [s0, s1] = r.short;
  const u = { x: l1.x - l0.x, y: l1.y - l0.y }, v = { x: s1.x - s0.x, y: s1.y - s0.y };
  const det = u.x * v.y - u.y * v.x;
  if (Math.abs(det) < 1e-9 * (Math.hypot(u.x, u.y) * Math.hypot(v.x, v.y) + 1e-300)) return false;
  // Crossing point: l0 + t·u = s0 + w·v.
  const rx = s0.x - l0.x, ry = s0.y - l0.y;
  const t = (rx * v.y - ry * v.x) / det, w = (rx * u.y - ry * u.x) / det;
  if (t < 0 || t > 1 || w < 0 || w > 1) return false;
  const X = { x: l0.x + t * u.x, y: l0.y + t * u.y };
  // Skew coordinates of p − X in the basis (u, v): p − X = α·u + β·v; half-lengths in those units.
  const aNeg = Math.max(t, 1e-6), aPos = Math.max(1 - t, 1e-6), bNeg = Math.max(w, 1e-6), bPos = Math.max(1 - w, 1e-6);
  const minA = MIN_SEMI_AXIS / Math.hypot(u.x, u.y), minB = MIN_SEMI_AXIS / Math.hypot(v.x, v.y);
  const ext = Math.max(distance(l0, l1), distance(s0, s1)) + 1;
  const [x0, x1, y0, y1] = [Math.max(0, Math.floor(X.x - ext)), Math.min(size - 1, Math.ceil(X.x + ext)), Math.max(0, Math.floor(X.y - ext)), Math.min(size - 1, Math.ceil(X.y + ext))];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x - X.x, py = y - X.y;
      const al = (px * v.y - py * v.x) / det, be = (u.x * py - u.y * px) / det;
      const A = Math.max(al < 0 ? aNeg : aPos, minA), B = Math.max(be < 0 ? bNeg : bPos, minB);
      if ((al / A) ** 2 + (be / B) ** 2 <= 1) out[y * size + x] = 1;
    }
  }
  return true;
}
