/**
 * Classical (non-learned) RECIST baseline: segment the lesion inside the rough box, then measure the mask
 * (`recistFromMask`: longest diameter + longest perpendicular chord). Falls back to the box-cross when no
 * plausible segment is found.
 *
 * Segmentation, on HU at the original resolution:
 * 1. Work region = the rough box plus a margin; HU clamped to [−400, 500] (air/bone extremes do not dominate
 *    means) and Gaussian-smoothed (σ from the box size).
 * 2. Both polarities are tried (lesion brighter / darker than its surroundings, v = ±HU), and a range of thresholds
 *    (quantiles of v inside the box). Each candidate: pixels in the box with v ≥ T, opened (3×3 cross) to cut thin
 *    bridges, the connected component nearest the box centre (area-weighted), holes filled.
 * 3. Each candidate is scored: contrast between the segment and a ring around it (in units of the local noise),
 *    minus penalties for touching the box border (the protocol keeps the lesion inside the box) and for an extent
 *    that does not fit the protocol (the lesion extent is 1/√k ≈ 0.63–0.71 of each box side, k ∈ [2, 2.5];
 *    the box-cross baseline uses the same prior; a rotated lesion's mask extent exceeds its endpoint extent by up to
 *    √2); candidates whose extent is below 0.55 of a box side are rejected. The best candidate wins if its contrast is clear.
 * Only the slice and the rough box are used: nothing from DL_info.csv.
 */
import { gaussianBlur } from '../geometry/blur.ts';
import { boxCross } from '../geometry/box.ts';
import { recistFromMask } from '../geometry/measure-mask.ts';
import { dilate, fillHoles, open3, pickComponent, smoothMask } from '../geometry/morphology.ts';
import { mapRecist } from '../geometry/recist.ts';
import type { Box, Recist } from '../geometry/types.ts';
import type { CtSlice } from '../data/types.ts';

export interface ClassicalOptions {
  /** Expected lesion-extent / box-side ratio (protocol: 1/√k, k ∈ [2, 2.5] → ≈ 0.67). */
  readonly extentRatio?: number;
  /** Minimum contrast (segment vs ring, noise units) to accept a segment; below it the box-cross is returned. */
  readonly minContrast?: number;
}

export interface ClassicalResult {
  readonly recist: Recist;
  /** 'segment' when the mask was measured, 'fallback' when the box-cross was returned. */
  readonly source: 'segment' | 'fallback';
  /** The chosen mask in region coordinates (null on fallback), for overlays and debugging. */
  readonly mask: { readonly data: Uint8Array; readonly x0: number; readonly y0: number; readonly width: number; readonly height: number } | null;
  readonly polarity: 1 | -1 | 0;
  readonly score: number;
  readonly contrast: number;
}

const HU_MIN = -400;
/** Background ring for contrast and the refined threshold: from RING[0] to RING[1] px outside the segment. */
const RING = [0, 3] as const;
/** Accepted segment-extent / box-side ratios (protocol 0.63–0.71, with slack for mask vs endpoint extent). */
const EXTENT_WINDOW = [0.55, 1.0] as const;
const HU_MAX = 500;
const QUANTILES = [0.3, 0.36, 0.42, 0.48, 0.54, 0.6, 0.66, 0.72, 0.78, 0.84];

/** Classical RECIST estimate for one rough box. */
export function classicalRecist(slice: CtSlice, box: Box, opts: ClassicalOptions = {}): ClassicalResult {
  const ratio = opts.extentRatio ?? 0.67;
  const minContrast = opts.minContrast ?? 1.0;
  const fallback = (): ClassicalResult => ({ recist: boxCross(box), source: 'fallback', mask: null, polarity: 0, score: -Infinity, contrast: 0 });

  const bw = box.x2 - box.x1, bh = box.y2 - box.y1;
  if (!(bw >= 3 && bh >= 3)) return fallback();
  const margin = Math.max(3, Math.round(0.2 * Math.max(bw, bh)));
  const x0 = Math.max(0, Math.floor(box.x1) - margin), y0 = Math.max(0, Math.floor(box.y1) - margin);
  const x1 = Math.min(slice.width - 1, Math.ceil(box.x2) + margin), y1 = Math.min(slice.height - 1, Math.ceil(box.y2) + margin);
  const W = x1 - x0 + 1, H = y1 - y0 + 1;
  if (W < 3 || H < 3) return fallback();

  // Region HU, clamped, smoothed.
  const raw = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = slice.hu[(y + y0) * slice.width + (x + x0)];
      raw[y * W + x] = Math.min(HU_MAX, Math.max(HU_MIN, v));
    }
  }
  const sigma = Math.min(2.5, Math.max(1.6, Math.min(bw, bh) / 12));
  const s = gaussianBlur(raw, W, H, sigma, 2.5);

  // Pixels inside the box (pixel centres), and the box-edge pixels.
  const inBox = new Uint8Array(W * H);
  const edge = new Uint8Array(W * H);
  const bx1 = Math.ceil(box.x1) - x0, bx2 = Math.floor(box.x2) - x0, by1 = Math.ceil(box.y1) - y0, by2 = Math.floor(box.y2) - y0;
  let nBox = 0, nEdge = 0;
  for (let y = Math.max(0, by1); y <= Math.min(H - 1, by2); y++) {
    for (let x = Math.max(0, bx1); x <= Math.min(W - 1, bx2); x++) {
      inBox[y * W + x] = 1;
      nBox++;
      if (x === bx1 || x === bx2 || y === by1 || y === by2) {
        edge[y * W + x] = 1;
        nEdge++;
      }
    }
  }
  if (nBox < 9) return fallback();
  // Edges created by clipping to the image are not evidence of leaking.
  const clippedX1 = box.x1 <= 0, clippedY1 = box.y1 <= 0, clippedX2 = box.x2 >= slice.width - 1, clippedY2 = box.y2 >= slice.height - 1;
  const cx = (box.x1 + box.x2) / 2 - x0, cy = (box.y1 + box.y2) / 2 - y0;

  // Noise level: robust spread of the smoothed-minus-raw residual inside the box, floor 8 HU.
  const boxVals: number[] = [];
  const resid: number[] = [];
  for (let i = 0; i < W * H; i++) {
    if (!inBox[i]) continue;
    boxVals.push(s[i]);
    resid.push(Math.abs(raw[i] - s[i]));
  }
  const noise = Math.max(8, 1.4826 * quantile(resid, 0.5) * 1.5);

  const ctx: ScoreContext = { edge, nEdge, noise, bw, bh, ratio, x0, y0, clippedX1, clippedX2, clippedY1, clippedY2, bx1, bx2, by1, by2 };
  const candidate = (v: Float32Array, T: number): { mask: Uint8Array; score: number; contrast: number; meanIn: number; meanOut: number } | null => {
    const bin = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) bin[i] = inBox[i] && v[i] >= T ? 1 : 0;
    const comp = pickComponent(open3(bin, W, H), W, H, cx, cy, bw, bh);
    if (!comp) return null;
    const mask = smoothMask(fillHoles(comp, W, H), W, H);
    const sc = scoreMask(mask, v, W, H, ctx);
    return sc.score === -Infinity ? null : { mask, ...sc };
  };
  let best: (ClassicalResult & { v: Float32Array; meanIn: number; meanOut: number }) | null = null;
  for (const polarity of [1, -1] as const) {
    const v = polarity === 1 ? s : s.map((x) => -x);
    const sorted = (polarity === 1 ? boxVals : boxVals.map((x) => -x)).sort((a, b) => a - b);
    const tried = new Set<number>();
    for (const q of QUANTILES) {
      const T = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      if (tried.has(T)) continue;
      tried.add(T);
      const c = candidate(v, T);
      if (c && (!best || c.score > best.score)) {
        best = { recist: boxCross(box), source: 'segment', mask: { data: c.mask, x0, y0, width: W, height: H }, polarity, score: c.score, contrast: c.contrast, v, meanIn: c.meanIn, meanOut: c.meanOut };
      }
    }
  }
  // Refinement: move the threshold to half-way between the segment's and its ring's mean (the half-contrast edge
  // of a blurred step), twice, keeping it when it stays a valid candidate.
  for (let it = 0; best && it < 2; it++) {
    const c = candidate(best.v, (best.meanIn + best.meanOut) / 2);
    if (!c) break;
    best = { ...best, mask: { data: c.mask, x0, y0, width: W, height: H }, score: c.score, contrast: c.contrast, meanIn: c.meanIn, meanOut: c.meanOut };
  }
  if (!best || !best.mask || best.contrast < minContrast) return fallback();
  const measured = recistFromMask(best.mask.data, W, H);
  if (!measured) return fallback();
  const recist = mapRecist(measured, (p) => ({ x: p.x + x0, y: p.y + y0 }));
  return { recist, source: 'segment', mask: best.mask, polarity: best.polarity, score: best.score, contrast: best.contrast };
}

interface ScoreContext {
  edge: Uint8Array; nEdge: number; noise: number; bw: number; bh: number; ratio: number; x0: number; y0: number;
  clippedX1: boolean; clippedX2: boolean; clippedY1: boolean; clippedY2: boolean; bx1: number; bx2: number; by1: number; by2: number;
}

function scoreMask(mask: Uint8Array, v: Float32Array, W: number, H: number, c: ScoreContext): { score: number; contrast: number; meanIn: number; meanOut: number } {
  // Ring: pixels up to RING[1] px (4-connected distance) outside the mask.
  const inner = dilate(mask, W, H, RING[0]);
  const ring = dilate(inner, W, H, RING[1] - RING[0]);
  let sIn = 0, nIn = 0, sOut = 0, nOut = 0, touch = 0;
  let mx1 = Infinity, mx2 = -Infinity, my1 = Infinity, my2 = -Infinity;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (mask[i]) {
        sIn += v[i]; nIn++;
        if (x < mx1) mx1 = x; if (x > mx2) mx2 = x; if (y < my1) my1 = y; if (y > my2) my2 = y;
        if (c.edge[i]) {
          const clippedSide = (x === c.bx1 && c.clippedX1) || (x === c.bx2 && c.clippedX2) || (y === c.by1 && c.clippedY1) || (y === c.by2 && c.clippedY2);
          if (!clippedSide) touch++;
        }
      } else if (ring[i] && !inner[i]) {
        sOut += v[i]; nOut++;
      }
    }
  }
  if (nIn === 0 || nOut === 0) return { score: -Infinity, contrast: 0, meanIn: 0, meanOut: 0 };
  const contrast = (sIn / nIn - sOut / nOut) / c.noise;
  const ew = (mx2 - mx1 + 1) / c.bw, eh = (my2 - my1 + 1) / c.bh;
  // Hard protocol window: the extent is 1/√k ∈ [0.63, 0.71] of each box side; segments far outside are wrong.
  if (ew < EXTENT_WINDOW[0] || eh < EXTENT_WINDOW[0] || ew > EXTENT_WINDOW[1] || eh > EXTENT_WINDOW[1]) return { score: -Infinity, contrast: 0, meanIn: 0, meanOut: 0 };
  // The mask's extent is the endpoint extent (≈ ratio of the box side) for axis-aligned lesions and up to √2 times it
  // for rotated ones: no penalty inside [ratio, ratio·1.3].
  const off = (e: number): number => Math.max(0, Math.log(c.ratio / e)) + Math.max(0, Math.log(e / (c.ratio * 1.3)));
  const extentPenalty = off(ew) + off(eh);
  const touchFrac = touch / Math.max(1, c.nEdge);
  const score = Math.min(contrast, 6) - 4 * extentPenalty - 8 * touchFrac;
  return { score, contrast, meanIn: sIn / nIn, meanOut: sOut / nOut };
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
