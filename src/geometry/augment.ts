/**
 * Training augmentation: one random similarity transform applied identically to an image (bilinear) and its marks.
 * The returned Affine maps original pixel coordinates → augmented pixel coordinates (same image size).
 */
import type { Affine, Point, Recist } from './types.ts';
import type { Rng } from './random.ts';
import { applyAffine, composeAll, invertAffine, rotationAbout, scaleAbout, translation } from './affine.ts';
import { warpBilinear } from './crop.ts';
import { mapRecist } from './recist.ts';
import { assertFinite } from './validate.ts';

export interface AugmentationOptions {
  /** Largest shift along x and along y, pixels (uniform in ±maxShiftPx). */
  readonly maxShiftPx: number;
  /** Largest rotation, degrees (uniform in ±maxRotationDeg; 180 gives any orientation). */
  readonly maxRotationDeg: number;
  /** Scale factor range [lo, hi], sampled log-uniformly so that 0.8–1.25 is symmetric. */
  readonly scaleRange: readonly [number, number];
  /** Centre of rotation and scaling (original pixel coordinates), typically the lesion centre. */
  readonly center: Point;
}

/**
 * A random similarity: scale about `center`, rotate about `center`, then shift. Draws 4 numbers from `rng`
 * (scale, rotation, shift x, shift y).
 */
export function randomAugmentation(rng: Rng, opts: AugmentationOptions): Affine {
  const { maxShiftPx, maxRotationDeg, scaleRange, center } = opts;
  assertFinite(maxShiftPx, 'maxShiftPx');
  assertFinite(maxRotationDeg, 'maxRotationDeg');
  assertFinite(center.x, 'augmentation center.x');
  assertFinite(center.y, 'augmentation center.y');
  const [lo, hi] = scaleRange;
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) throw new Error(`scaleRange=[${lo}, ${hi}] must satisfy 0 < lo ≤ hi`);
  const scale = Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  const angle = (rng.uniform(-1, 1) * maxRotationDeg * Math.PI) / 180;
  const dx = rng.uniform(-1, 1) * maxShiftPx, dy = rng.uniform(-1, 1) * maxShiftPx;
  return composeAll(translation(dx, dy), rotationAbout(center, angle), scaleAbout(center, scale));
}

/**
 * Applies `affine` (original → augmented pixel coordinates) to a `w × h` image (bilinear, `fill` where the
 * augmented image sees outside the original) and to the mark's endpoints.
 */
export function applyAugmentation(
  image: ArrayLike<number>, w: number, h: number, recist: Recist, affine: Affine, fill = 0,
): { image: Float32Array; recist: Recist } {
  return {
    image: warpBilinear(image, w, h, invertAffine(affine), w, h, fill),
    recist: mapRecist(recist, (p) => applyAffine(affine, p)),
  };
}
