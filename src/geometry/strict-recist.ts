/**
 * RECIST measured on a binary mask by RECIST's own definition, edge to edge (how ground truth is made from a
 * segmentation): the long axis is the longest chord between corners of the mask's pixel squares (the farthest pair, in
 * mm when pixels are not square); the short axis is the longest extent of the mask along a line perpendicular to it
 * (exact line–square intersections, lines every 0.05 px along the long axis). No tie rule: the longest wins
 * (exact ties: the first pair found; for the short axis, the line nearest the long axis's midpoint).
 * Pixel (i, j) covers [i ± 0.5] × [j ± 0.5]. Returns endpoints in pixel coordinates, long axis left → right,
 * short axis top → bottom; null for an empty mask.
 */
import type { Point, Recist, Spacing } from './types.ts';
import { convexHull } from './measure-mask.ts';
import { assertPositiveInt } from './validate.ts';

const SHORT_OFFSET_STEP_PX = 0.05;

export interface StrictRecist {
  readonly recist: Recist;
  /** Long- and short-axis lengths in mm (in px when no spacing was given). */
  readonly longMm: number;
  readonly shortMm: number;
}

interface LongAxis {
  /** Endpoints in mm coordinates (pixel index × spacing), a left of b. */
  readonly a: Point;
  readonly b: Point;
  readonly longMm: number;
  /** Centres of the mask's boundary pixels (a 4-neighbour outside) in mm coordinates: the extremes of any line through the mask lie on them. */
  readonly pixels: readonly Point[];
}

function longAxis(mask: Uint8Array, w: number, h: number, spacing: Spacing): LongAxis | null {
  assertPositiveInt(w, 'mask width');
  assertPositiveInt(h, 'mask height');
  if (mask.length !== w * h) throw new Error(`mask length=${mask.length} does not match ${w}×${h}=${w * h}`);
  const sx = spacing.x, sy = spacing.y;
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] !== 0;
  const corners: Point[] = [];
  const pixels: Point[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!inside(x, y)) continue;
      if (inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1)) continue;
      pixels.push({ x: x * sx, y: y * sy });
      for (const [dx, dy] of [[-0.5, -0.5], [0.5, -0.5], [-0.5, 0.5], [0.5, 0.5]]) corners.push({ x: (x + dx) * sx, y: (y + dy) * sy });
    }
  }
  if (pixels.length === 0) return null;
  const hull = convexHull(corners);
  let a = hull[0], b = hull[0], best = -1;
  for (let i = 0; i < hull.length; i++) {
    for (let j = i + 1; j < hull.length; j++) {
      const d = (hull[i].x - hull[j].x) ** 2 + (hull[i].y - hull[j].y) ** 2;
      if (d > best + 1e-9) { best = d; a = hull[i]; b = hull[j]; }
    }
  }
  if (b.x < a.x || (b.x === a.x && b.y < a.y)) [a, b] = [b, a];
  return { a, b, longMm: Math.sqrt(best), pixels };
}

/** The strict long axis's length in mm (px without spacing); 0 for an empty mask. Cheap: no short axis. */
export function strictLongAxisMm(mask: Uint8Array, w: number, h: number, spacing: Spacing = { x: 1, y: 1 }): number {
  return longAxis(mask, w, h, spacing)?.longMm ?? 0;
}

/** `offsetStepPx`: spacing of the perpendicular lines tried for the short axis (default 0.05 px; coarser for large masks). */
export function strictRecistFromMask(mask: Uint8Array, w: number, h: number, spacing: Spacing = { x: 1, y: 1 }, offsetStepPx = SHORT_OFFSET_STEP_PX): StrictRecist | null {
  const axis = longAxis(mask, w, h, spacing);
  if (!axis) return null;
  const { a, b, longMm, pixels } = axis;
  const sx = spacing.x, sy = spacing.y;
  const u = { x: (b.x - a.x) / longMm, y: (b.y - a.y) / longMm };
  const v = { x: -u.y, y: u.x };
  const step = offsetStepPx * Math.min(sx, sy);
  let short: [Point, Point] = [a, a], shortMm = 0, shortOffset = Infinity;
  for (let t = 0; t <= longMm + 1e-9; t += step) {
    const c = { x: a.x + t * u.x, y: a.y + t * u.y };
    let lo = Infinity, hi = -Infinity;
    for (const p of pixels) {
      const seg = lineThroughSquare(c, v, p, sx / 2, sy / 2);
      if (seg) { lo = Math.min(lo, seg[0]); hi = Math.max(hi, seg[1]); }
    }
    if (hi < lo) continue;
    const len = hi - lo, offset = Math.abs(t - longMm / 2);
    if (len > shortMm + 1e-9 || (Math.abs(len - shortMm) <= 1e-9 && offset < shortOffset)) {
      shortMm = len;
      shortOffset = offset;
      short = [{ x: c.x + lo * v.x, y: c.y + lo * v.y }, { x: c.x + hi * v.x, y: c.y + hi * v.y }];
    }
  }
  if (short[1].y < short[0].y) short = [short[1], short[0]];
  const px = (p: Point): Point => ({ x: p.x / sx, y: p.y / sy });
  return { recist: { long: [px(a), px(b)], short: [px(short[0]), px(short[1])] }, longMm, shortMm };
}

/** Parameter interval [s0, s1] where c + s·d crosses the axis-aligned box centred at p with half sides hx, hy (slab method), or null. */
function lineThroughSquare(c: Point, d: Point, p: Point, hx: number, hy: number): [number, number] | null {
  let s0 = -Infinity, s1 = Infinity;
  for (const [o, dir, lo, hi] of [[c.x, d.x, p.x - hx, p.x + hx], [c.y, d.y, p.y - hy, p.y + hy]] as const) {
    if (Math.abs(dir) < 1e-12) {
      if (o < lo || o > hi) return null;
      continue;
    }
    let ta = (lo - o) / dir, tb = (hi - o) / dir;
    if (ta > tb) [ta, tb] = [tb, ta];
    s0 = Math.max(s0, ta);
    s1 = Math.min(s1, tb);
    if (s0 > s1) return null;
  }
  return [s0, s1];
}
