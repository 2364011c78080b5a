/**
 * Training samples (paper Sect. 2–3): a slice and its RECIST mark → the 128² network crop around a (simulated or given)
 * rough box, with every target the cascade trains on: θ, the 32² ellipse pseudo-mask, and the 4 × 64² keypoint heatmaps.
 * All target geometry is in crop pixel coordinates (128²) or canonical pixel coordinates (64² heatmaps).
 */
import type { Affine, Box, MapStack, Point, Recist, Theta } from '../geometry/types.ts';
import type { Rng } from '../geometry/random.ts';
import { IDENTITY, applyAffine, compose, invertAffine, resizePixelAffine } from '../geometry/affine.ts';
import { randomAugmentation, type AugmentationOptions } from '../geometry/augment.ts';
import { boxHeight, boxWidth, clipBox, roughBoxUnclipped, validateBox, type BoxProtocol } from '../geometry/box.ts';
import { CROP_SIZE, cropToOriginalAffine, cropFrameFromBox, originalToCropAffine, warpBilinear, type CropFrame } from '../geometry/crop.ts';
import { encodeHeatmaps } from '../geometry/heatmap.ts';
import { pseudoMask } from '../geometry/mask.ts';
import { mapRecist, recistCenter, recistPoints } from '../geometry/recist.ts';
import { CANONICAL_SIZE, HEATMAP_SIZE, canonicalKeypoints, canonicalToCropAffine, thetaFromRecist } from '../geometry/theta.ts';
import { NETWORK_WINDOW, type CtSlice } from './types.ts';
import { windowToUnit } from './window.ts';

/** Side of the STN's lesion-region (LRP) pseudo-mask target. */
export const MASK_SIZE = 32;
/** HU used outside the slice (air); windows to 0. */
export const OUTSIDE_HU = -1024;
/** Training augmentation defaults (paper: "random translations, rotations, and scales"). */
export const DEFAULT_AUGMENTATION: Omit<AugmentationOptions, 'center'> = { maxShiftPx: 10, maxRotationDeg: 180, scaleRange: [0.8, 1.25] };

export interface Sample {
  /** 128² crop, HU windowed by NETWORK_WINDOW to [0, 1] (clamped), row-major. */
  readonly input: Float32Array;
  /** Crop frame in the (augmented) slice's pixel coordinates. */
  readonly frame: CropFrame;
  /** The rough box in the (augmented) slice's pixel coordinates. */
  readonly box: Box;
  /** The mark in crop pixel coordinates (128²). */
  readonly recistCrop: Recist;
  /** True θ of `recistCrop` (canonical normalized → crop normalized). */
  readonly theta: Theta;
  /** 32² ellipse pseudo-mask in crop space (LRP target). */
  readonly mask32: Float32Array;
  /** 4 × 64² Gaussian heatmaps (σ = 1) at the true canonical keypoints. */
  readonly heatmaps: MapStack;
  /** The true keypoints in 64² canonical pixel coordinates, order [longLeft, longRight, shortTop, shortBottom]. */
  readonly keypoints64: readonly [Point, Point, Point, Point];
  /** Original slice pixel → augmented slice pixel (IDENTITY without augmentation). */
  readonly augmentation: Affine;
}

export interface SampleOptions {
  /** Random similarity (DEFAULT_AUGMENTATION) about the lesion centre before the box is simulated. */
  readonly augment?: boolean;
  /** Overrides for the augmentation ranges. */
  readonly augmentation?: Partial<Omit<AugmentationOptions, 'center'>>;
  /** Use this box (slice pixel coordinates) instead of simulating one; not combinable with `augment`. */
  readonly box?: Box;
  /** Simulated boxes follow one of these, drawn uniformly per sample (default: the paper's protocol only). */
  readonly boxProtocols?: readonly BoxProtocol[];
  /**
   * The lesion's real segmentation on this slice (width·height, non-zero inside): the LRP target is this mask
   * resampled into the 32² crop grid (bilinear, so edge pixels are fractional) instead of the RECIST ellipse.
   */
  readonly mask?: Uint8Array;
}

/**
 * Builds one sample. Random draws, in order: augmentation (4 numbers, only with `augment`), rough box (3 numbers,
 * only without `box`). Only the 128² crop is resampled (one bilinear warp from the slice), so it costs well under 5 ms.
 * If the clipped rough box degenerates (< 1 px side, lesion pushed off the slice), the unclipped box is used.
 */
export function buildSample(slice: CtSlice, recist: Recist, rng: Rng, opts: SampleOptions = {}): Sample {
  recistPoints(recist).forEach((p, i) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new Error(`${slice.source}: RECIST endpoint ${i} (${p.x}, ${p.y}) is not finite`);
  });
  if (opts.box && opts.augment) throw new Error(`${slice.source}: buildSample options box and augment cannot be combined`);
  const augmentation = opts.augment
    ? randomAugmentation(rng, { ...DEFAULT_AUGMENTATION, ...opts.augmentation, center: recistCenter(recist) })
    : IDENTITY;
  const marks = mapRecist(recist, (p) => applyAffine(augmentation, p));
  const box = opts.box ? validateBox(opts.box, slice.width, slice.height, `${slice.source}: box`) : simulateBox(marks, rng, slice, opts.boxProtocols);
  const frame = cropFrameFromBox(box, CROP_SIZE);
  const cropToSlice = compose(invertAffine(augmentation), cropToOriginalAffine(frame));
  const hu = warpBilinear(slice.hu, slice.width, slice.height, cropToSlice, CROP_SIZE, CROP_SIZE, OUTSIDE_HU);
  const toCropPx = originalToCropAffine(frame);
  const recistCrop = mapRecist(marks, (p) => applyAffine(toCropPx, p));
  const theta = thetaFromRecist(recistCrop, CROP_SIZE);
  const to32 = resizePixelAffine(CROP_SIZE, MASK_SIZE);
  const keypoints64 = canonicalKeypoints(recistCrop, theta, HEATMAP_SIZE, CROP_SIZE);
  return {
    input: windowToUnit(hu, NETWORK_WINDOW),
    frame,
    box,
    recistCrop,
    theta,
    mask32: opts.mask
      ? realMask32(opts.mask, slice, compose(cropToSlice, invertAffine(to32)))
      : pseudoMask(mapRecist(recistCrop, (p) => applyAffine(to32, p)), MASK_SIZE, 'ellipse'),
    heatmaps: encodeHeatmaps(keypoints64, HEATMAP_SIZE, 1),
    keypoints64,
    augmentation,
  };
}

function realMask32(mask: Uint8Array, slice: CtSlice, mask32ToSlice: Affine): Float32Array {
  if (mask.length !== slice.width * slice.height) throw new Error(`${slice.source}: lesion mask has ${mask.length} pixels, the slice ${slice.width}×${slice.height}`);
  return warpBilinear(mask, slice.width, slice.height, mask32ToSlice, MASK_SIZE, MASK_SIZE, 0).map((v) => Math.min(1, Math.max(0, v)));
}

function simulateBox(marks: Recist, rng: Rng, slice: CtSlice, protocols?: readonly BoxProtocol[]): Box {
  // One protocol: no draw, so the paper-only stream of random numbers is unchanged.
  const protocol = protocols && protocols.length > 0 ? protocols[protocols.length === 1 ? 0 : rng.int(protocols.length)] : undefined;
  const raw = roughBoxUnclipped(marks, rng, protocol);
  const clipped = clipBox(raw, slice.width, slice.height);
  return boxWidth(clipped) >= 1 && boxHeight(clipped) >= 1 ? clipped : raw;
}

/** Affine crop pixel (128²) → original (un-augmented) slice pixel for a sample. */
export function sampleCropToSliceAffine(sample: Sample): Affine {
  return compose(invertAffine(sample.augmentation), cropToOriginalAffine(sample.frame));
}

/**
 * The canonical image on the CPU: the 128² crop `input128` resampled bilinearly through Θ at `size`² (0 outside).
 * Same geometry as the model's differentiable sampler; for tests and notebooks.
 */
export function canonicalImage(input128: Float32Array, theta: Theta, size: number = CANONICAL_SIZE): Float32Array {
  return warpBilinear(input128, CROP_SIZE, CROP_SIZE, canonicalToCropAffine(theta, size, CROP_SIZE), size, size, 0);
}
