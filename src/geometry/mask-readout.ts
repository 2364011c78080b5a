/**
 * RECIST read out of a predicted lesion probability map (the STN's LRP pseudo-mask, paper Sect. 2.1), measured the
 * way a reader measures a segmented lesion: the map is bilinearly upsampled to the crop's resolution, thresholded,
 * the central connected component kept with its holes filled, then `recistFromMask` (longest diameter, longest
 * perpendicular chord). The map covers the crop with pixel centres aligned as in `resizePixelAffine`
 * (align_corners = false): map pixel u ↔ crop pixel (u + 0.5)·(crop / map) − 0.5.
 */
import { recistFromMask } from './measure-mask.ts';
import { strictRecistFromMask } from './strict-recist.ts';
import { fillHoles, pickComponent } from './morphology.ts';
import { boxHeight, boxWidth } from './box.ts';
import { axisLengthsPx, segmentMidpoint } from './recist.ts';
import type { Box, Point, Recist } from './types.ts';
import { assertPositiveInt } from './validate.ts';

/** Bilinear upsampling of a square map (align_corners = false, edge-clamped). */
export function upsampleBilinear(map: ArrayLike<number>, from: number, to: number): Float32Array {
  assertPositiveInt(from, 'map size');
  assertPositiveInt(to, 'target size');
  if (map.length !== from * from) throw new Error(`map length=${map.length} does not match ${from}×${from}`);
  const out = new Float32Array(to * to);
  const r = from / to;
  const coord = (X: number): [number, number, number] => {
    const u = Math.min(from - 1, Math.max(0, (X + 0.5) * r - 0.5));
    const u0 = Math.floor(u);
    return [u0, Math.min(from - 1, u0 + 1), u - u0];
  };
  for (let Y = 0; Y < to; Y++) {
    const [y0, y1, fy] = coord(Y);
    for (let X = 0; X < to; X++) {
      const [x0, x1, fx] = coord(X);
      const top = map[y0 * from + x0] * (1 - fx) + map[y0 * from + x1] * fx;
      const bottom = map[y1 * from + x0] * (1 - fx) + map[y1 * from + x1] * fx;
      out[Y * to + X] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * Marks in crop pixels from a lesion probability map (values in [0, 1]) covering a `cropSize`² crop, or null when
 * no component above `threshold` reaches the crop's central half (the rough box keeps the lesion near the centre).
 */
export function recistFromProbabilityMap(prob: ArrayLike<number>, mapSize: number, cropSize: number, threshold = 0.5, measure: MaskMeasure = 'tie'): Recist | null {
  if (!(threshold > 0 && threshold < 1)) throw new Error(`mask read-out threshold=${threshold}, expected a number in (0, 1)`);
  const up = upsampleBilinear(prob, mapSize, cropSize);
  const bin = new Uint8Array(cropSize * cropSize);
  for (let i = 0; i < bin.length; i++) bin[i] = up[i] >= threshold ? 1 : 0;
  const c = (cropSize - 1) / 2;
  const comp = pickComponent(bin, cropSize, cropSize, c, c, cropSize, cropSize);
  if (!comp) return null;
  const filled = fillHoles(comp, cropSize, cropSize);
  return measure === 'strict' ? strictRecistFromMask(filled, cropSize, cropSize, undefined, STRICT_READOUT_STEP_PX)!.recist : recistFromMask(filled, cropSize, cropSize);
}

/**
 * How a pseudo-mask is measured: `tie` (`recistFromMask`: near-longest chords broken toward the principal axis) or
 * `strict` (`strictRecistFromMask`: RECIST's own edge-to-edge definition, how mask ground truth is measured).
 */
export type MaskMeasure = 'tie' | 'strict';
/** Perpendicular-line spacing of the strict read-out on the 128² crop (crop pixels are finer than the slice's). */
const STRICT_READOUT_STEP_PX = 0.25;

/**
 * Uncertainty of a lesion probability map: the mean binary entropy (bits) of its pixels, in [0, 1] — 0 for a crisp
 * 0/1 mask, 1 when every pixel is 0.5. The rough-box protocol scales every lesion to about the same share of the crop,
 * so the boundary (where the uncertainty lives) has about the same length in map pixels whatever the lesion's size.
 */
export function maskEntropy(prob: ArrayLike<number>): number {
  if (prob.length === 0) throw new Error('maskEntropy: empty map');
  let h = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = Math.min(1, Math.max(0, prob[i]));
    if (p > 0 && p < 1) h -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
  }
  return h / prob.length;
}

/**
 * A box has a longer side to follow only when its sides differ by at least this factor: a square box (a reader who
 * draws squares, or the square-box protocol) says nothing about orientation, and `orientByBox` leaves the marks alone.
 * 2026-11-27, on the synthetic evaluation lesions (paper + square boxes, seeds 0–2): long-axis location under square
 * boxes 6.59 → 4.71 px with any factor of 1.1–1.3, unchanged under the paper's boxes (4.60–4.72 px, noise); 1.1 is the
 * smallest that tells a square box from the extent-shaped ones (pick-box-aspect.ts).
 */
export const BOX_ORIENTATION_MIN_ASPECT = 1.1;

/**
 * Orientation from the rough box for nearly round measurements: when short/long ≥ `minRatio` and the box is not
 * square (longer / shorter side ≥ BOX_ORIENTATION_MIN_ASPECT), the marks are turned about the long axis's midpoint so
 * that the long axis runs along the box's longer side (as the box-cross baseline has it), keeping both lengths and the
 * short axis perpendicular through the same midpoint. A segmented lesion that round says little about where a reader
 * puts the long axis; the box the reader drew around it says more, when it has a longer side. Elongated measurements
 * and square boxes are returned unchanged. Pure; coordinates of the slice the box is in.
 */
export function orientByBox(r: Recist, box: Box, minRatio: number, minAspect = BOX_ORIENTATION_MIN_ASPECT): Recist {
  if (!boxOrientsMarks(r, box, minRatio, minAspect)) return r;
  const horizontal = boxWidth(box) >= boxHeight(box);
  return marksAlong(r, horizontal ? { x: 1, y: 0 } : { x: 0, y: 1 }, horizontal ? { x: 0, y: 1 } : { x: 1, y: 0 });
}

/** Whether the box orients these marks: they are round enough (short/long ≥ `minRatio`) and the box is not square
 * (longer / shorter side ≥ `minAspect`). */
export function boxOrientsMarks(r: Recist, box: Box, minRatio: number, minAspect = BOX_ORIENTATION_MIN_ASPECT): boolean {
  const { long, short } = axisLengthsPx(r);
  if (!(long > 0) || short / long < minRatio) return false;
  const w = boxWidth(box), h = boxHeight(box);
  return Math.max(w, h) >= minAspect * Math.min(w, h);
}

/** The marks' two lengths laid along unit directions `u` (long axis) and `v` (short axis) through the long axis's
 * midpoint. Pure. */
export function marksAlong(r: Recist, u: Point, v: Point): Recist {
  const { long, short } = axisLengthsPx(r);
  const c = segmentMidpoint(r.long);
  const seg = (d: Point, len: number): [Point, Point] =>
    [{ x: c.x - (d.x * len) / 2, y: c.y - (d.y * len) / 2 }, { x: c.x + (d.x * len) / 2, y: c.y + (d.y * len) / 2 }];
  return { long: seg(u, long), short: seg(v, short) };
}
