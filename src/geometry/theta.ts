/**
 * θ = {tx, ty, α, s} and the canonical layout (DESIGN.md, paper Eq. 1–3).
 *
 * Θ maps canonical (target) normalized coordinates to crop (source) normalized coordinates:
 *   [xs, ys]ᵀ = [[s cos α, −s sin α, tx], [s sin α, s cos α, ty]] · [xt, yt, 1]ᵀ.
 * Canonical layout: long-axis midpoint at the origin, long axis from (−0.5, 0) to (+0.5, 0), α ∈ (−π/2, π/2].
 * Normalized coordinates are align_corners = false (`pixelToNormalized`), so one θ serves maps of any size:
 * the 128² canonical image, the 64² heatmaps, and the 128² crop.
 */
import type { Affine, Point, Recist, Theta } from './types.ts';
import { composeAll, invertAffine, applyAffine, normalizedToPixelAffine, pixelToNormalizedAffine } from './affine.ts';
import { CROP_SIZE } from './crop.ts';
import { assertFinite, assertFinitePoint, assertPositiveInt } from './validate.ts';

/** Side of the canonical (STN output) image in pixels. */
export const CANONICAL_SIZE = 128;
/** Side of the keypoint heatmaps in pixels. */
export const HEATMAP_SIZE = 64;
/** Half the canonical long-axis length in normalized units: long axis = (−0.5, 0) → (0.5, 0). */
export const CANONICAL_HALF_LONG = 0.5;

/** Wraps an angle (radians) into (−π/2, π/2]. */
export function wrapHalfTurn(alpha: number): number {
  let a = alpha % Math.PI;
  if (a > Math.PI / 2) a -= Math.PI;
  if (a <= -Math.PI / 2) a += Math.PI;
  return a;
}

/**
 * The true θ for a RECIST mark given in crop pixel coordinates of a `cropSize`-pixel square crop.
 * Throws when the long axis has zero length (θ would not be invertible) or a coordinate is not finite.
 */
export function thetaFromRecist(recistInCropPixels: Recist, cropSize: number = CROP_SIZE): Theta {
  assertPositiveInt(cropSize, 'crop size');
  const [p, q] = recistInCropPixels.long;
  assertFinitePoint(p, 'long[0]');
  assertFinitePoint(q, 'long[1]');
  const toN = pixelToNormalizedAffine(cropSize, cropSize);
  const a = applyAffine(toN, p), b = applyAffine(toN, q);
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  if (!(len > 1e-9)) throw new Error(`long axis (${p.x}, ${p.y})–(${q.x}, ${q.y}) has length ${len}; θ needs a non-zero long axis`);
  return {
    tx: (a.x + b.x) / 2,
    ty: (a.y + b.y) / 2,
    alpha: wrapHalfTurn(Math.atan2(dy, dx)),
    s: len / (2 * CANONICAL_HALF_LONG),
  };
}

/** Θ of Eq. 2 as an Affine: canonical normalized → crop normalized. */
export function thetaToMatrix(theta: Theta): Affine {
  for (const k of ['tx', 'ty', 'alpha', 's'] as const) assertFinite(theta[k], `theta.${k}`);
  const c = Math.cos(theta.alpha), s = Math.sin(theta.alpha);
  return [theta.s * c, -theta.s * s, theta.tx, theta.s * s, theta.s * c, theta.ty];
}

/** Alias named in DESIGN.md. */
export const thetaToAffine = thetaToMatrix;

/**
 * Reads θ back from a similarity matrix Θ (canonical normalized → crop normalized); α is wrapped into (−π/2, π/2]
 * only if the matrix was built that way (it is returned as atan2(d, a)).
 */
export function thetaFromMatrix(m: Affine): Theta {
  return { tx: m[2], ty: m[5], alpha: Math.atan2(m[3], m[0]), s: Math.hypot(m[0], m[3]) };
}

/** Affine canonical pixel (at `canonicalSize`) → crop pixel (at `cropSize`). */
export function canonicalToCropAffine(theta: Theta, canonicalSize: number, cropSize: number = CROP_SIZE): Affine {
  return composeAll(normalizedToPixelAffine(cropSize, cropSize), thetaToMatrix(theta), pixelToNormalizedAffine(canonicalSize, canonicalSize));
}

/** Affine crop pixel (at `cropSize`) → canonical pixel (at `canonicalSize`); inverse of `canonicalToCropAffine`. */
export function cropToCanonicalAffine(theta: Theta, canonicalSize: number, cropSize: number = CROP_SIZE): Affine {
  return invertAffine(canonicalToCropAffine(theta, canonicalSize, cropSize));
}

/** Canonical pixel coordinates (map of `canonicalSize`, e.g. 64 for heatmaps) → crop pixel coordinates. */
export function canonicalToCrop(points: readonly Point[], theta: Theta, canonicalSize: number, cropSize: number = CROP_SIZE): Point[] {
  const m = canonicalToCropAffine(theta, canonicalSize, cropSize);
  return points.map((p) => applyAffine(m, p));
}

/** Crop pixel coordinates → canonical pixel coordinates (map of `canonicalSize`). */
export function cropToCanonical(points: readonly Point[], theta: Theta, canonicalSize: number, cropSize: number = CROP_SIZE): Point[] {
  const m = cropToCanonicalAffine(theta, canonicalSize, cropSize);
  return points.map((p) => applyAffine(m, p));
}

/**
 * The 4 keypoints of a crop-space mark in canonical pixel coordinates of a `size`-pixel map, in the fixed
 * channel order [longLeft, longRight, shortTop, shortBottom]: long-left has the smaller canonical x,
 * short-top the smaller canonical y.
 */
export function canonicalKeypoints(recistCrop: Recist, theta: Theta, size: number, cropSize: number = CROP_SIZE): [Point, Point, Point, Point] {
  const [l0, l1, s0, s1] = cropToCanonical([recistCrop.long[0], recistCrop.long[1], recistCrop.short[0], recistCrop.short[1]], theta, size, cropSize);
  const [ll, lr] = l0.x <= l1.x ? [l0, l1] : [l1, l0];
  const [st, sb] = s0.y <= s1.y ? [s0, s1] : [s1, s0];
  return [ll, lr, st, sb];
}

/** A Recist from 4 keypoints in channel order [longLeft, longRight, shortTop, shortBottom] (same frame in and out). */
export function recistFromKeypoints(points: readonly Point[]): Recist {
  if (points.length !== 4) throw new Error(`recistFromKeypoints got ${points.length} points, expected 4`);
  return { long: [points[0], points[1]], short: [points[2], points[3]] };
}
