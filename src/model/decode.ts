/**
 * From the cascade's outputs for one crop to RECIST marks in the original slice's pixels:
 * heatmap argmax (+ sub-pixel refinement) → canonical heatmap pixels → Θ → crop pixels → original pixels;
 * or, with the mask read-out, the pseudo-mask measured in crop pixels → original pixels.
 */
import { fromCrop, type CropFrame } from '../geometry/crop.ts';
import { towardBoxLengths } from '../geometry/box.ts';
import { decodeHeatmaps, heatmapEntropies } from '../geometry/heatmap.ts';
import { maskEntropy, orientByBox, recistFromProbabilityMap, type MaskMeasure } from '../geometry/mask-readout.ts';
import { blendRecist, mapRecist, normalizeRecist, scaleAxes } from '../geometry/recist.ts';
import { canonicalToCrop, recistFromKeypoints } from '../geometry/theta.ts';
import type { Box, MapStack, Recist, Theta } from '../geometry/types.ts';
import type { ModelConfig } from './config.ts';

/** NHWC heatmaps of one sample ([H, W, C] flattened) → channel-major MapStack. */
export function nhwcToMapStack(data: ArrayLike<number>, size: number, channels: number): MapStack {
  const out = new Float32Array(size * size * channels);
  const plane = size * size;
  for (let i = 0; i < plane; i++) for (let c = 0; c < channels; c++) out[c * plane + i] = data[i * channels + c];
  return { width: size, height: size, channels, data: out };
}

export interface Decoded {
  /** Where the marks come from (the heatmaps also when the mask read-out found no lesion). */
  readonly readout: 'heatmaps' | 'mask';
  /** Marks in crop pixels. */
  readonly recistCrop: Recist;
  /** Marks in original slice pixels (long = the longer axis). */
  readonly recist: Recist;
  /** The 4 heatmaps' normalized entropies; null when the heatmaps were not computed (mask read-outs skip the SHN). */
  readonly entropies: [number, number, number, number] | null;
  /** Uncertainty of the read-out used: the mean heatmap entropy, or the pseudo-mask's (`maskEntropy`). */
  readonly entropy: number;
}

/** A square lesion-probability map covering the crop (the STN's sigmoid pseudo-mask), row-major. */
export interface ProbabilityMap {
  readonly data: ArrayLike<number>;
  readonly size: number;
}

/**
 * Decode one sample under its θ and crop frame: from `mask` when given (the mask read-out) and it holds a lesion,
 * else from the heatmaps; null when the pseudo-mask holds no lesion and there are no heatmaps (the caller runs the
 * SHN for that sample). `entropies` are the heatmaps' (null without them); `entropy` belongs to the read-out used.
 */
export function decodeProposal(heatmaps: MapStack | null, theta: Theta, frame: CropFrame, mask?: ProbabilityMap, measure: MaskMeasure = 'tie'): Decoded | null {
  const fromMask = mask ? recistFromProbabilityMap(mask.data, mask.size, frame.size, 0.5, measure) : null;
  if (!fromMask && !heatmaps) return null;
  const recistCrop = fromMask ?? recistFromKeypoints(canonicalToCrop(decodeHeatmaps(heatmaps!).points, theta, heatmaps!.width, frame.size));
  const recist = normalizeRecist(mapRecist(recistCrop, (p) => fromCrop(frame, p)));
  const e = heatmaps ? heatmapEntropies(heatmaps) : null;
  const entropies: Decoded['entropies'] = e ? [e[0], e[1], e[2], e[3]] : null;
  const entropy = fromMask && mask ? maskEntropy(mask.data) : (e![0] + e![1] + e![2] + e![3]) / 4;
  return { readout: fromMask ? 'mask' : 'heatmaps', recistCrop, recist, entropies, entropy };
}

/**
 * The last read-out step, on marks in slice pixels: a round pseudo-mask measurement (short/long ≥ `ratio`) takes its
 * orientation from the rough box's longer side (`orientByBox`); heatmap read-outs and ratio null are left as they are.
 */
export function orientLikeBox(readout: Decoded['readout'], recist: Recist, box: Box, ratio: number | null): Recist {
  return readout === 'mask' && ratio !== null ? orientByBox(recist, box, ratio) : recist;
}

/**
 * The read-out's steps after decoding, on marks in slice pixels, in order: `orientLikeBox`; for a pseudo-mask
 * measurement with `classicalWeight` set and a classical segment found, the endpoint-matched average with it
 * (`blendRecist`; read-out `mask+classical`); for pseudo-mask measurements, the long axis scaled by `lengthScale`, the
 * short by `shortLengthScale`, and last each axis's length moved toward box-cross's by `boxLengthWeight`
 * (`towardBoxLengths`).
 */
export function finishReadout(
  readout: Decoded['readout'], recist: Recist, box: Box, classical: Recist | null | undefined,
  config: Pick<ModelConfig, 'boxOrientationRatio' | 'classicalWeight' | 'lengthScale' | 'shortLengthScale' | 'boxLengthWeight'>,
): { readonly recist: Recist; readonly readout: Decoded['readout'] | 'mask+classical' } {
  const oriented = orientLikeBox(readout, recist, box, config.boxOrientationRatio);
  const weight = readout === 'mask' && config.classicalWeight !== null && classical ? config.classicalWeight : null;
  const blended = weight === null || !classical ? oriented : blendRecist(oriented, classical, weight);
  const scaled = readout === 'mask' && (config.lengthScale !== 1 || config.shortLengthScale !== 1)
    ? scaleAxes(blended, config.lengthScale, config.shortLengthScale) : blended;
  const sized = readout === 'mask' && config.boxLengthWeight ? towardBoxLengths(scaled, box, config.boxLengthWeight) : scaled;
  return { recist: sized, readout: weight === null ? readout : 'mask+classical' };
}
