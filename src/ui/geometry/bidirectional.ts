/**
 * Editing geometry of a bidirectional (RECIST) mark, after cornerstone3D's BidirectionalTool, as pure functions.
 * The four endpoints are the truth; lengths are derived. Coordinates are image pixels (x right, y down).
 *
 * Handle indices: 0, 1 = long-axis ends; 2, 3 = short-axis ends.
 *
 * Locked (perpendicular) editing:
 *  - dragging a long-axis end rotates the short-axis points about the fixed long-axis end by the signed angle
 *    between the old and the new long-axis direction (`dragLongAxisEnd`);
 *  - dragging a short-axis end moves that end to the pointer and its partner by the drag's projection on the
 *    long axis, so the short axis keeps its direction (`dragShortAxisEnd`);
 *  - a move that would leave the short axis off the long axis (not crossing it strictly inside) is refused:
 *    the input mark is returned unchanged.
 * Unlocked editing moves only the dragged point (`dragHandle` with `locked = false`).
 */
import type { Point, Recist } from '../../geometry/types.ts';

export type HandleIndex = 0 | 1 | 2 | 3;

const sub = (a: Point, b: Point): Point => ({ x: a.x - b.x, y: a.y - b.y });
const add = (a: Point, b: Point): Point => ({ x: a.x + b.x, y: a.y + b.y });
const scale = (a: Point, k: number): Point => ({ x: a.x * k, y: a.y * k });
const dot = (a: Point, b: Point): number => a.x * b.x + a.y * b.y;
const cross = (a: Point, b: Point): number => a.x * b.y - a.y * b.x;
const norm = (a: Point): number => Math.hypot(a.x, a.y);

/** The 4 handles in index order. */
export function handlesOf(r: Recist): [Point, Point, Point, Point] {
  return [r.long[0], r.long[1], r.short[0], r.short[1]];
}

/** Builds a mark from 4 handles in index order. */
export function recistOfHandles(h: readonly Point[]): Recist {
  return { long: [h[0], h[1]], short: [h[2], h[3]] };
}

/** Rotates `p` about `c` by `angle` radians (y down: positive = clockwise on screen). */
export function rotateAbout(p: Point, c: Point, angle: number): Point {
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const d = sub(p, c);
  return { x: c.x + d.x * cos - d.y * sin, y: c.y + d.x * sin + d.y * cos };
}

/** Signed angle from vector a to vector b (atan2 of cross and dot), in (−π, π]. */
export function signedAngle(a: Point, b: Point): number {
  return Math.atan2(cross(a, b), dot(a, b));
}

/**
 * Where the line through the short axis crosses the long-axis segment, as parameters: t along the long axis
 * (0..1 between its ends) and u along the short axis (0..1 between its ends). Null when parallel or degenerate.
 */
export function axisIntersection(r: Recist): { t: number; u: number; point: Point } | null {
  const p = r.long[0], d1 = sub(r.long[1], r.long[0]);
  const q = r.short[0], d2 = sub(r.short[1], r.short[0]);
  const den = cross(d1, d2);
  if (Math.abs(den) < 1e-12 || norm(d1) === 0 || norm(d2) === 0) return null;
  const qp = sub(q, p);
  const t = cross(qp, d2) / den;
  const u = cross(qp, d1) / den;
  return { t, u, point: add(p, scale(d1, t)) };
}

/** True when the short axis crosses the long axis strictly inside both segments (a valid bidirectional mark). */
export function axesCross(r: Recist, eps = 1e-9): boolean {
  const i = axisIntersection(r);
  return i !== null && i.t > eps && i.t < 1 - eps && i.u > eps && i.u < 1 - eps;
}

/** |cos| of the angle between the axes (0 = perpendicular). */
export function axisCosine(r: Recist): number {
  const a = sub(r.long[1], r.long[0]), b = sub(r.short[1], r.short[0]);
  const n = norm(a) * norm(b);
  return n === 0 ? 0 : Math.abs(dot(a, b)) / n;
}

/** A new short axis for a long axis: through its midpoint, perpendicular, each half ⅓ of the long axis. */
export function initialShortAxis(long: readonly [Point, Point]): Recist {
  const mid = scale(add(long[0], long[1]), 0.5);
  const d = sub(long[1], long[0]);
  const perp = scale({ x: -d.y, y: d.x }, 1 / 3);
  return { long: [long[0], long[1]], short: [sub(mid, perp), add(mid, perp)] };
}

/**
 * Locked drag of long-axis end `index` (0 or 1) to `to`: the other end is fixed, the short-axis points rotate about
 * it by the signed angle of the move. Refused (input returned) when the long axis would collapse or the short axis
 * would no longer cross it.
 */
export function dragLongAxisEnd(r: Recist, index: 0 | 1, to: Point): Recist {
  const fixed = r.long[1 - index];
  const before = sub(r.long[index], fixed), after = sub(to, fixed);
  if (norm(after) < 1e-6 || norm(before) === 0) return r;
  const angle = signedAngle(before, after);
  const long: [Point, Point] = index === 0 ? [to, fixed] : [fixed, to];
  const next: Recist = { long, short: [rotateAbout(r.short[0], fixed, angle), rotateAbout(r.short[1], fixed, angle)] };
  return axesCross(next) ? next : r;
}

/**
 * Locked drag of short-axis end `index` (2 or 3) to `to`: that end follows the pointer; its partner moves by the
 * drag's projection on the long-axis direction, so the short axis keeps its direction. Refused when the short axis
 * would no longer cross the long axis strictly inside both segments.
 */
export function dragShortAxisEnd(r: Recist, index: 2 | 3, to: Point): Recist {
  const k = index - 2;
  const moving = r.short[k], partner = r.short[1 - k];
  const dir = sub(r.long[1], r.long[0]);
  const len = norm(dir);
  if (len === 0) return r;
  const unit = scale(dir, 1 / len);
  const delta = sub(to, moving);
  const along = scale(unit, dot(delta, unit));
  const movedPartner = add(partner, along);
  const short: [Point, Point] = k === 0 ? [to, movedPartner] : [movedPartner, to];
  const next: Recist = { long: r.long, short };
  return axesCross(next) ? next : r;
}

/** Moves handle `index` to `to`: the perpendicular-preserving drags when `locked`, a free move otherwise. */
export function dragHandle(r: Recist, index: HandleIndex, to: Point, locked: boolean): Recist {
  if (!Number.isFinite(to.x) || !Number.isFinite(to.y)) return r;
  if (!locked) {
    const h = handlesOf(r);
    h[index] = to;
    return recistOfHandles(h);
  }
  return index < 2 ? dragLongAxisEnd(r, index as 0 | 1, to) : dragShortAxisEnd(r, index as 2 | 3, to);
}

/** Translates the whole mark by (dx, dy). */
export function translateRecist(r: Recist, dx: number, dy: number): Recist {
  const m = (p: Point): Point => ({ x: p.x + dx, y: p.y + dy });
  return { long: [m(r.long[0]), m(r.long[1])], short: [m(r.short[0]), m(r.short[1])] };
}

/** On release: swaps the axes if the short one became longer (cornerstone's `_endCallback`, without its typos). */
export function swapIfShortLonger(r: Recist): Recist {
  const l = norm(sub(r.long[1], r.long[0])), s = norm(sub(r.short[1], r.short[0]));
  return s > l ? { long: r.short, short: r.long } : r;
}

/**
 * Index of the handle nearest `p` within `radius` (same units as the points), or null. Ties go to the lower index.
 */
export function hitHandle(r: Recist, p: Point, radius: number): HandleIndex | null {
  let best: HandleIndex | null = null, bestD = radius;
  handlesOf(r).forEach((h, i) => {
    const d = norm(sub(h, p));
    if (d <= bestD && (best === null || d < bestD)) { best = i as HandleIndex; bestD = d; }
  });
  return best;
}

/** Lengths in mm of both axes with anisotropic spacing (mm/px); pixels when spacing is null. */
export function axisLengths(r: Recist, spacing: { x: number; y: number } | null): { long: number; short: number; unit: 'mm' | 'px' } {
  const sx = spacing?.x ?? 1, sy = spacing?.y ?? 1;
  const len = (a: Point, b: Point): number => Math.hypot((b.x - a.x) * sx, (b.y - a.y) * sy);
  return { long: len(r.long[0], r.long[1]), short: len(r.short[0], r.short[1]), unit: spacing ? 'mm' : 'px' };
}
