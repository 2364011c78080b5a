/**
 * RECIST axes measured on a binary mask (synthetic ground truth, classical baseline).
 * Mask pixels are squares centred on integer coordinates (pixel (i, j) covers [i ± 0.5] × [j ± 0.5]); the
 * returned endpoints lie on the boundary of that union of squares, in the mask's pixel coordinates.
 */
import type { Point, Recist } from './types.ts';
import { assertPositiveInt } from './validate.ts';

/** Angular tolerance of the short axis around the perpendicular to the long axis, radians (±3°). */
export const SHORT_AXIS_TOLERANCE_RAD = (3 * Math.PI) / 180;

const STEP_ANGLE_RAD = Math.PI / 180;
const OFFSET_STEP_PX = 0.5;
const SAMPLE_STEP_PX = 0.25;

/** Convex hull (Andrew's monotone chain), counter-clockwise in y-down coordinates, no collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [], upper: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * Long axis: the farthest pair of boundary-pixel centres (brute force over hull vertices), extended by half a pixel
 * at each end so it spans the pixel squares. Short axis: the longest run inside the mask along lines within ±3° of
 * the perpendicular, scanned every 0.5 px along the long axis and sampled every 0.25 px (nearest pixel).
 * Returns null for an empty mask. Considers the whole mask; pass a single connected component.
 */
export function recistFromMask(mask: Uint8Array, w: number, h: number): Recist | null {
  assertPositiveInt(w, 'mask width');
  assertPositiveInt(h, 'mask height');
  if (mask.length !== w * h) throw new Error(`mask length=${mask.length} does not match ${w}×${h}=${w * h}`);
  const inside = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] !== 0;
  const boundary: Point[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) boundary.push({ x, y });
    }
  }
  if (boundary.length === 0) return null;
  const hull = convexHull(boundary);
  let a = hull[0], b = hull[0], best = -1;
  for (let i = 0; i < hull.length; i++) {
    for (let j = i + 1; j < hull.length; j++) {
      const d = (hull[i].x - hull[j].x) ** 2 + (hull[i].y - hull[j].y) ** 2;
      if (d > best) { best = d; a = hull[i]; b = hull[j]; }
    }
  }
  const len = Math.sqrt(Math.max(best, 0));
  const u = len > 0 ? { x: (b.x - a.x) / len, y: (b.y - a.y) / len } : { x: 1, y: 0 };
  if (u.x < 0 || (u.x === 0 && u.y < 0)) { [a, b] = [b, a]; u.x = -u.x; u.y = -u.y; }
  const long: [Point, Point] = [{ x: a.x - 0.5 * u.x, y: a.y - 0.5 * u.y }, { x: b.x + 0.5 * u.x, y: b.y + 0.5 * u.y }];
  const short = longestPerpendicularRun(inside, hull, a, u, len);
  return { long, short };
}

function longestPerpendicularRun(
  inside: (x: number, y: number) => boolean, hull: readonly Point[], a: Point, u: Point, len: number,
): [Point, Point] {
  const project = (p: Point, d: Point): number => (p.x - a.x) * d.x + (p.y - a.y) * d.y;
  let bestLen = -1;
  let best: [Point, Point] = [a, a];
  const steps = Math.round(SHORT_AXIS_TOLERANCE_RAD / STEP_ANGLE_RAD);
  for (let k = -steps; k <= steps; k++) {
    const phi = Math.PI / 2 + k * STEP_ANGLE_RAD;
    const v = { x: u.x * Math.cos(phi) - u.y * Math.sin(phi), y: u.x * Math.sin(phi) + u.y * Math.cos(phi) };
    // Range of the line parameter covering the hull (plus the half-pixel squares), along v and across v.
    let vMin = Infinity, vMax = -Infinity;
    for (const p of hull) { const t = project(p, v); vMin = Math.min(vMin, t); vMax = Math.max(vMax, t); }
    vMin -= 1; vMax += 1;
    // Offsets of the scan line measured along u (the long axis); lines are a + o·u + t·v.
    for (let o = -0.5; o <= len + 0.5 + 1e-9; o += OFFSET_STEP_PX) {
      const origin = { x: a.x + o * u.x, y: a.y + o * u.y };
      const run = longestRunOnLine(inside, origin, v, vMin, vMax);
      if (run && run.t1 - run.t0 > bestLen) {
        bestLen = run.t1 - run.t0;
        best = [{ x: origin.x + run.t0 * v.x, y: origin.y + run.t0 * v.y }, { x: origin.x + run.t1 * v.x, y: origin.y + run.t1 * v.y }];
      }
    }
  }
  return best[0].y <= best[1].y ? best : [best[1], best[0]];
}

/**
 * Longest contiguous inside run along origin + t·v for t in [tMin, tMax], sampled every SAMPLE_STEP_PX with
 * nearest-pixel lookup; the run's ends are extended by half a sample step. Null when the line misses the mask.
 */
function longestRunOnLine(
  inside: (x: number, y: number) => boolean, origin: Point, v: Point, tMin: number, tMax: number,
): { t0: number; t1: number } | null {
  let best: { t0: number; t1: number } | null = null;
  let start = NaN, end = NaN;
  const close = (): void => {
    if (Number.isNaN(start)) return;
    const t0 = start - SAMPLE_STEP_PX / 2, t1 = end + SAMPLE_STEP_PX / 2;
    if (!best || t1 - t0 > best.t1 - best.t0) best = { t0, t1 };
    start = NaN;
  };
  for (let t = tMin; t <= tMax + 1e-9; t += SAMPLE_STEP_PX) {
    if (inside(Math.round(origin.x + t * v.x), Math.round(origin.y + t * v.y))) {
      if (Number.isNaN(start)) start = t;
      end = t;
    } else close();
  }
  close();
  return best;
}
