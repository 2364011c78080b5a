/**
 * RECIST axes measured on a binary mask (synthetic ground truth, classical baseline), in the mask's pixel coordinates.
 * Mask pixels are squares centred on integer coordinates (pixel (i, j) covers [i ± 0.5] × [j ± 0.5]); the returned
 * endpoints lie on the boundary of that union of squares (to within the sampling step).
 */
import type { Point, Recist } from './types.ts';
import { assertPositiveInt } from './validate.ts';

/** Angular tolerance of the short axis around the perpendicular to the long axis, radians (±3°). */
export const SHORT_AXIS_TOLERANCE_RAD = (3 * Math.PI) / 180;
/**
 * Pixel quantization makes near-maximal chords ties: each end of a chord is only known to ±0.5 px, and on roundish
 * lesions diagonal chords across a flat pixel tip beat the true axis by a few percent. Long axis: pairs within
 * max(LONG_TIE_PX, LONG_TIE_FRACTION · farthest) of the farthest are ties (a flat 9-pixel tip already makes a diagonal
 * 1.1 px longer than the axis), broken by the smallest endpoint displacement from the mask's principal axis through
 * its centroid (angle deviation · half length + midpoint offset, px). Short axis: runs within SHORT_TIE_PX of the
 * longest are ties, broken towards the long-axis midpoint, then the perpendicular.
 */
export const LONG_TIE_PX = 1.5;
export const SHORT_TIE_PX = 1;
export const LONG_TIE_FRACTION = 0.03;

const STEP_ANGLE_RAD = Math.PI / 180;
const OFFSET_STEP_PX = 0.5;
const SAMPLE_STEP_PX = 0.25;

/** Points on the convex hull (Andrew's monotone chain), keeping points on hull edges (within 1e-9 px²): flat pixel sides tie. */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length <= 2) return pts;
  const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [], upper: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) < -1e-9) lower.pop();
    lower.push(p);
  }
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) < -1e-9) upper.pop();
    upper.push(p);
  }
  const seen = new Set<string>();
  return lower.concat(upper).filter((p) => {
    const key = `${p.x},${p.y}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Centroid and major-axis orientation (radians) of the mask's second central moments (0 when isotropic). */
export function principalAxis(mask: Uint8Array, w: number, h: number): { angle: number; centroid: Point } {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
  }
  const mx = sx / n, my = sy / n;
  const cxx = sxx / n - mx * mx, cyy = syy / n - my * my, cxy = sxy / n - mx * my;
  return { angle: 0.5 * Math.atan2(2 * cxy, cxx - cyy), centroid: { x: mx, y: my } };
}

/** Wraps an angle into [−π/2, π/2]. */
const wrapHalf = (a: number): number => a - Math.PI * Math.round(a / Math.PI);

/**
 * Long axis: the farthest pair of boundary-pixel centres (brute force over convex-hull points, ties as above), extended
 * by half a pixel at each end so it spans the pixel squares. Short axis: the longest inside run along lines within ±3°
 * of the perpendicular, scanned every 0.5 px along the long axis and sampled every 0.25 px (nearest pixel).
 * Long axis ordered left → right, short axis top → bottom. Returns null for an empty mask.
 * Considers the whole mask; pass a single connected component. About 1–3 ms for a 100 × 100 mask.
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
  const principal = principalAxis(mask, w, h);
  let max2 = 0;
  for (let i = 0; i < hull.length; i++) {
    for (let j = i + 1; j < hull.length; j++) max2 = Math.max(max2, (hull[i].x - hull[j].x) ** 2 + (hull[i].y - hull[j].y) ** 2);
  }
  const minLen = Math.sqrt(max2) - Math.max(LONG_TIE_PX, LONG_TIE_FRACTION * Math.sqrt(max2));
  let a = hull[0], b = hull[0], bestScore = Infinity;
  for (let i = 0; i < hull.length; i++) {
    for (let j = i + 1; j < hull.length; j++) {
      const dx = hull[j].x - hull[i].x, dy = hull[j].y - hull[i].y;
      const len = Math.hypot(dx, dy);
      if (len < minLen) continue;
      // How far the chord's endpoints sit from the principal axis through the centroid, px: rotation + shift.
      const dev = Math.abs(wrapHalf(Math.atan2(dy, dx) - principal.angle));
      const off = Math.hypot((hull[i].x + hull[j].x) / 2 - principal.centroid.x, (hull[i].y + hull[j].y) / 2 - principal.centroid.y);
      const score = (dev * len) / 2 + off;
      if (score < bestScore - 1e-9) { bestScore = score; a = hull[i]; b = hull[j]; }
    }
  }
  if (b.x < a.x || (b.x === a.x && b.y < a.y)) [a, b] = [b, a];
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const u = len > 0 ? { x: (b.x - a.x) / len, y: (b.y - a.y) / len } : { x: 1, y: 0 };
  const long: [Point, Point] = [{ x: a.x - 0.5 * u.x, y: a.y - 0.5 * u.y }, { x: b.x + 0.5 * u.x, y: b.y + 0.5 * u.y }];
  return { long, short: shortAxis(inside, hull, a, u, len) };
}

function shortAxis(inside: (x: number, y: number) => boolean, hull: readonly Point[], a: Point, u: Point, len: number): [Point, Point] {
  const project = (p: Point, d: Point): number => (p.x - a.x) * d.x + (p.y - a.y) * d.y;
  const candidates: { length: number; offset: number; tilt: number; seg: [Point, Point] }[] = [];
  const steps = Math.round(SHORT_AXIS_TOLERANCE_RAD / STEP_ANGLE_RAD);
  for (let k = -steps; k <= steps; k++) {
    const phi = Math.PI / 2 + k * STEP_ANGLE_RAD;
    const v = { x: u.x * Math.cos(phi) - u.y * Math.sin(phi), y: u.x * Math.sin(phi) + u.y * Math.cos(phi) };
    let tMin = Infinity, tMax = -Infinity;
    for (const p of hull) { const t = project(p, v); tMin = Math.min(tMin, t); tMax = Math.max(tMax, t); }
    for (let o = -0.5; o <= len + 0.5 + 1e-9; o += OFFSET_STEP_PX) {
      const origin = { x: a.x + o * u.x, y: a.y + o * u.y };
      const run = longestRun(inside, origin, v, tMin - 1, tMax + 1);
      if (!run) continue;
      const p0 = { x: origin.x + run.t0 * v.x, y: origin.y + run.t0 * v.y }, p1 = { x: origin.x + run.t1 * v.x, y: origin.y + run.t1 * v.y };
      const mid = { x: (p0.x + p1.x) / 2, y: (p0.y + p1.y) / 2 };
      candidates.push({ length: run.t1 - run.t0, offset: Math.abs(project(mid, u) - len / 2), tilt: Math.abs(k), seg: [p0, p1] });
    }
  }
  if (candidates.length === 0) return [a, a];
  const longest = Math.max(...candidates.map((c) => c.length));
  let best = candidates[0], bestKey = Infinity;
  for (const c of candidates) {
    if (c.length < longest - SHORT_TIE_PX) continue;
    const key = Math.round(c.offset / OFFSET_STEP_PX) * 1000 + c.tilt;
    if (key < bestKey) { bestKey = key; best = c; }
  }
  const [s0, s1] = best.seg;
  return s0.y <= s1.y ? [s0, s1] : [s1, s0];
}

/**
 * Longest contiguous inside run along origin + t·v for t in [tMin, tMax], sampled every SAMPLE_STEP_PX with
 * nearest-pixel lookup; the run's ends are extended by half a sample step. Null when the line misses the mask.
 */
function longestRun(inside: (x: number, y: number) => boolean, origin: Point, v: Point, tMin: number, tMax: number): { t0: number; t1: number } | null {
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
