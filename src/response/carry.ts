/**
 * Carrying a target's box from a baseline slice to the same lesion's slice on a follow-up study, three ways:
 * - `normalized`: the same position relative to the image (x/W, y/H), the box's sides kept in mm;
 * - `body`: the two slices' body outlines (HU > −400, largest component, holes filled) aligned by their centroids and
 *   second moments (translation + scale in x and y; patients lie supine, so no rotation);
 * - `body+match`: from the body fit, the baseline's neighbourhood of the box (a square of 4 × the box's longer side,
 *   at least 60 mm) matched on the follow-up by normalized cross-correlation of soft-tissue-windowed HU, within
 *   ±40 mm of the body fit's guess.
 * The follow-up slice itself is given (the key slice of the same lesion); choosing the slice in z is not done here.
 * Pure functions on HU slices (no fs).
 */
import { fillHoles } from '../geometry/morphology.ts';
import { lesionExtent } from '../geometry/box.ts';
import { recistPoints } from '../geometry/recist.ts';
import type { Box, Point, Recist } from '../geometry/types.ts';
import type { CtSlice } from '../data/types.ts';

export type CarryMethod = 'normalized' | 'body' | 'body+match';
export const CARRY_METHODS: readonly CarryMethod[] = ['normalized', 'body', 'body+match'];

/** x' = ax·x + bx, y' = ay·y + by (baseline pixels → follow-up pixels). */
export interface AxisAlignedMap {
  readonly ax: number;
  readonly bx: number;
  readonly ay: number;
  readonly by: number;
}

export const applyMap = (m: AxisAlignedMap, p: Point): Point => ({ x: m.ax * p.x + m.bx, y: m.ay * p.y + m.by });

/** The body outline: pixels above `thresholdHu`, the largest 4-connected component, holes filled. */
export function bodyMask(slice: CtSlice, thresholdHu = -400): Uint8Array {
  const { width: W, height: H, hu } = slice;
  const fg = new Uint8Array(W * H);
  for (let i = 0; i < fg.length; i++) fg[i] = hu[i] > thresholdHu ? 1 : 0;
  const label = new Int32Array(W * H).fill(-1);
  const stack = new Int32Array(W * H);
  let best = -1, bestArea = 0, n = 0;
  for (let s = 0; s < W * H; s++) {
    if (!fg[s] || label[s] >= 0) continue;
    let top = 0, area = 0;
    label[s] = n; stack[top++] = s;
    while (top > 0) {
      const i = stack[--top];
      area++;
      const x = i % W;
      if (x > 0 && fg[i - 1] && label[i - 1] < 0) { label[i - 1] = n; stack[top++] = i - 1; }
      if (x < W - 1 && fg[i + 1] && label[i + 1] < 0) { label[i + 1] = n; stack[top++] = i + 1; }
      if (i >= W && fg[i - W] && label[i - W] < 0) { label[i - W] = n; stack[top++] = i - W; }
      if (i < W * (H - 1) && fg[i + W] && label[i + W] < 0) { label[i + W] = n; stack[top++] = i + W; }
    }
    if (area > bestArea) { bestArea = area; best = n; }
    n++;
  }
  const out = new Uint8Array(W * H);
  for (let i = 0; i < out.length; i++) out[i] = label[i] === best && best >= 0 ? 1 : 0;
  return fillHoles(out, W, H);
}

/** Centroid and standard deviations in x and y of a mask (pixels). Throws on an empty mask. */
export function maskMoments(mask: Uint8Array, W: number, H: number, context = 'mask'): { cx: number; cy: number; sx: number; sy: number; area: number } {
  let n = 0, mx = 0, my = 0, mxx = 0, myy = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!mask[y * W + x]) continue;
      n++; mx += x; my += y; mxx += x * x; myy += y * y;
    }
  }
  if (n === 0) throw new Error(`${context}: no body found (no pixel above the threshold)`);
  const cx = mx / n, cy = my / n;
  return { cx, cy, sx: Math.sqrt(Math.max(mxx / n - cx * cx, 1e-9)), sy: Math.sqrt(Math.max(myy / n - cy * cy, 1e-9)), area: n };
}

/** The normalized-position map (same relative position in the image). */
export function normalizedMap(base: CtSlice, follow: CtSlice): AxisAlignedMap {
  // pixel centres at integer coordinates: u ↦ (u + 0.5)·W'/W − 0.5
  const ax = follow.width / base.width, ay = follow.height / base.height;
  return { ax, bx: 0.5 * ax - 0.5, ay, by: 0.5 * ay - 0.5 };
}

/** The body-outline map: centroid to centroid, spread to spread (each axis on its own). */
export function bodyMap(base: CtSlice, follow: CtSlice): AxisAlignedMap {
  const a = maskMoments(bodyMask(base), base.width, base.height, base.source);
  const b = maskMoments(bodyMask(follow), follow.width, follow.height, follow.source);
  const ax = b.sx / a.sx, ay = b.sy / a.sy;
  return { ax, bx: b.cx - ax * a.cx, ay, by: b.cy - ay * a.cy };
}

/** HU clipped to a soft-tissue window [-160, 240], the range that shows organs and lesions. */
const clipHu = (v: number): number => (v < -160 ? -160 : v > 240 ? 240 : v);

function sampleBilinear(s: CtSlice, x: number, y: number): number {
  const W = s.width, H = s.height;
  const xc = Math.min(Math.max(x, 0), W - 1), yc = Math.min(Math.max(y, 0), H - 1);
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, W - 1), y1 = Math.min(y0 + 1, H - 1);
  const fx = xc - x0, fy = yc - y0;
  const v = (xx: number, yy: number): number => clipHu(s.hu[yy * W + xx]);
  return (v(x0, y0) * (1 - fx) + v(x1, y0) * fx) * (1 - fy) + (v(x0, y1) * (1 - fx) + v(x1, y1) * fx) * fy;
}

export interface MatchOptions {
  /** Template half-side in follow-up pixels (default: 2 × the box's longer side, at least 30 mm). */
  readonly halfPx?: number;
  /** Search radius around the guess in follow-up pixels (default 40 mm). */
  readonly searchPx?: number;
}

/**
 * Refines a carried centre: the baseline neighbourhood of `baseCentre`, resampled onto the follow-up's pixel grid
 * through `map`, is slid over the follow-up around map(baseCentre); the best normalized cross-correlation wins
 * (1-px steps, then a parabolic sub-pixel peak). Returns the follow-up centre and its correlation.
 */
export function matchCentre(base: CtSlice, follow: CtSlice, baseCentre: Point, map: AxisAlignedMap, boxSidePx: number, opts: MatchOptions = {}): { centre: Point; ncc: number } {
  const mmPx = follow.spacing ? (follow.spacing.x + follow.spacing.y) / 2 : 0.8;
  const half = Math.round(opts.halfPx ?? Math.max(2 * boxSidePx * Math.abs(map.ax), 30 / mmPx));
  const search = Math.round(opts.searchPx ?? 40 / mmPx);
  const guess = applyMap(map, baseCentre);
  const side = 2 * half + 1;
  // Template: follow-up grid offsets (dx, dy) mapped back to baseline pixels.
  const tpl = new Float64Array(side * side);
  let tm = 0;
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const v = sampleBilinear(base, baseCentre.x + (i - half) / map.ax, baseCentre.y + (j - half) / map.ay);
      tpl[j * side + i] = v; tm += v;
    }
  }
  tm /= tpl.length;
  let tss = 0;
  for (let k = 0; k < tpl.length; k++) { tpl[k] -= tm; tss += tpl[k] * tpl[k]; }
  const gx = Math.round(guess.x), gy = Math.round(guess.y);
  const scores = new Float64Array((2 * search + 1) ** 2).fill(-2);
  const patch = new Float64Array(side * side);
  let best = -2, bi = 0, bj = 0;
  for (let oy = -search; oy <= search; oy++) {
    for (let ox = -search; ox <= search; ox++) {
      const cx = gx + ox, cy = gy + oy;
      let pm = 0;
      for (let j = 0; j < side; j++) {
        const yy = Math.min(Math.max(cy + j - half, 0), follow.height - 1);
        for (let i = 0; i < side; i++) {
          const xx = Math.min(Math.max(cx + i - half, 0), follow.width - 1);
          const v = clipHu(follow.hu[yy * follow.width + xx]);
          patch[j * side + i] = v; pm += v;
        }
      }
      pm /= patch.length;
      let num = 0, pss = 0;
      for (let k = 0; k < patch.length; k++) { const d = patch[k] - pm; num += d * tpl[k]; pss += d * d; }
      const ncc = tss > 0 && pss > 0 ? num / Math.sqrt(tss * pss) : -1;
      scores[(oy + search) * (2 * search + 1) + (ox + search)] = ncc;
      if (ncc > best) { best = ncc; bi = ox; bj = oy; }
    }
  }
  const n = 2 * search + 1;
  const at = (ox: number, oy: number): number => scores[(oy + search) * n + (ox + search)];
  const sub = (m: number, z: number, p: number): number => { const d = m - 2 * z + p; return d < 0 ? (0.5 * (m - p)) / d : 0; };
  const dx = Math.abs(bi) < search ? sub(at(bi - 1, bj), at(bi, bj), at(bi + 1, bj)) : 0;
  const dy = Math.abs(bj) < search ? sub(at(bi, bj - 1), at(bi, bj), at(bi, bj + 1)) : 0;
  return { centre: { x: gx + bi - dx, y: gy + bj - dy }, ncc: best };
}

export interface CarriedBox {
  readonly method: CarryMethod;
  readonly box: Box;
  readonly centre: Point;
  /** `body+match`: the correlation of the best match. */
  readonly ncc?: number;
}

/**
 * The baseline box carried onto the follow-up slice: its centre mapped, its sides scaled (normalized: kept in mm by the
 * two pixel spacings; body: by the body fit's scale), then clipped to the image.
 */
export function carryBox(base: CtSlice, follow: CtSlice, box: Box, method: CarryMethod): CarriedBox {
  const c = { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
  const w = box.x2 - box.x1, h = box.y2 - box.y1;
  let centre: Point, sx: number, sy: number, ncc: number | undefined;
  if (method === 'normalized') {
    centre = applyMap(normalizedMap(base, follow), c);
    sx = base.spacing && follow.spacing ? base.spacing.x / follow.spacing.x : 1;
    sy = base.spacing && follow.spacing ? base.spacing.y / follow.spacing.y : 1;
  } else {
    const map = bodyMap(base, follow);
    sx = map.ax; sy = map.ay;
    if (method === 'body') centre = applyMap(map, c);
    else ({ centre, ncc } = matchCentre(base, follow, c, map, Math.max(w, h)));
  }
  const hw = (w * sx) / 2, hh = (h * sy) / 2;
  const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const out: Box = {
    x1: clip(centre.x - hw, follow.width - 1), y1: clip(centre.y - hh, follow.height - 1),
    x2: clip(centre.x + hw, follow.width - 1), y2: clip(centre.y + hh, follow.height - 1),
  };
  return { method, box: out, centre, ...(ncc !== undefined ? { ncc } : {}) };
}

/** A lesion's centre as the DLS benchmark defines it: the mean of its 4 RECIST endpoints. */
export function marksCentre(r: Recist): Point {
  const p = recistPoints(r);
  return { x: (p[0].x + p[1].x + p[2].x + p[3].x) / 4, y: (p[0].y + p[1].y + p[2].y + p[3].y) / 4 };
}

/**
 * The box a follow-up proposal starts from once the baseline marks are accepted: their extent, each side × 1.5
 * (area × 2.25, inside the paper's 2–2.5 range) about the lesion's centre, clipped to the image.
 */
export function boxAroundMarks(r: Recist, width: number, height: number): Box {
  const e = lesionExtent(r), c = marksCentre(r);
  const hw = Math.max(e.x2 - e.x1, 1) * 0.75, hh = Math.max(e.y2 - e.y1, 1) * 0.75;
  return { x1: Math.max(0, c.x - hw), y1: Math.max(0, c.y - hh), x2: Math.min(width - 1, c.x + hw), y2: Math.min(height - 1, c.y + hh) };
}
