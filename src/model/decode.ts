/**
 * From the cascade's outputs for one crop to RECIST marks in the original slice's pixels:
 * heatmap argmax (+ sub-pixel refinement) → canonical heatmap pixels → Θ → crop pixels → original pixels.
 */
import { fromCrop, type CropFrame } from '../geometry/crop.ts';
import { decodeHeatmaps, heatmapEntropies } from '../geometry/heatmap.ts';
import { mapRecist, normalizeRecist } from '../geometry/recist.ts';
import { canonicalToCrop, recistFromKeypoints } from '../geometry/theta.ts';
import type { MapStack, Recist, Theta } from '../geometry/types.ts';

/** NHWC heatmaps of one sample ([H, W, C] flattened) → channel-major MapStack. */
export function nhwcToMapStack(data: ArrayLike<number>, size: number, channels: number): MapStack {
  const out = new Float32Array(size * size * channels);
  const plane = size * size;
  for (let i = 0; i < plane; i++) for (let c = 0; c < channels; c++) out[c * plane + i] = data[i * channels + c];
  return { width: size, height: size, channels, data: out };
}

export interface Decoded {
  /** Marks in crop pixels. */
  readonly recistCrop: Recist;
  /** Marks in original slice pixels (long = the longer axis). */
  readonly recist: Recist;
  readonly entropies: [number, number, number, number];
  readonly entropy: number;
}

/** Decode one sample's heatmaps under its θ and crop frame. */
export function decodeProposal(heatmaps: MapStack, theta: Theta, frame: CropFrame): Decoded {
  const { points } = decodeHeatmaps(heatmaps);
  const cropPts = canonicalToCrop(points, theta, heatmaps.width, frame.size);
  const recistCrop = recistFromKeypoints(cropPts);
  const recist = normalizeRecist(mapRecist(recistCrop, (p) => fromCrop(frame, p)));
  const e = heatmapEntropies(heatmaps);
  const entropies: [number, number, number, number] = [e[0], e[1], e[2], e[3]];
  return { recistCrop, recist, entropies, entropy: (e[0] + e[1] + e[2] + e[3]) / 4 };
}
