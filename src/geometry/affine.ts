/**
 * 2-D affine maps as `Affine = [a, b, c, d, e, f]`: x' = a·x + b·y + c, y' = d·x + e·y + f.
 * The frame an affine maps between is stated by whoever builds it; helpers here are frame-agnostic,
 * except `pixelToNormalized`/`normalizedToPixel` which follow DESIGN.md (pixel centres, align_corners = false).
 */
import type { Affine, Point } from './types.ts';
import { assertFinite } from './validate.ts';

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** `compose(outer, inner)` = outer ∘ inner: applies `inner` first, then `outer`. */
export function compose(outer: Affine, inner: Affine): Affine {
  const [a1, b1, c1, d1, e1, f1] = outer;
  const [a2, b2, c2, d2, e2, f2] = inner;
  return [
    a1 * a2 + b1 * d2, a1 * b2 + b1 * e2, a1 * c2 + b1 * f2 + c1,
    d1 * a2 + e1 * d2, d1 * b2 + e1 * e2, d1 * c2 + e1 * f2 + f1,
  ];
}

/** Composes several maps; `composeAll(m1, m2, m3)` = m1 ∘ m2 ∘ m3 (m3 applied first). */
export function composeAll(...maps: readonly Affine[]): Affine {
  return maps.reduce((acc, m) => compose(acc, m), IDENTITY);
}

/** Inverse map. Throws when the linear part is singular (|det| < 1e-12), naming the determinant. */
export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new Error(`affine [${m.join(', ')}] is not invertible: det=${det}`);
  }
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Applies `m` to one point. */
export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

/** Applies `m` to each point. */
export function applyAffineToPoints(m: Affine, points: readonly Point[]): Point[] {
  return points.map((p) => applyAffine(m, p));
}

/** Translation by (dx, dy). */
export function translation(dx: number, dy: number): Affine {
  assertFinite(dx, 'translation dx');
  assertFinite(dy, 'translation dy');
  return [1, 0, dx, 0, 1, dy];
}

/** Rotation by `angleRad` (radians; positive turns +x towards +y, i.e. clockwise on screen with y down) about `center`. */
export function rotationAbout(center: Point, angleRad: number): Affine {
  assertFinite(angleRad, 'rotation angle');
  const c = Math.cos(angleRad), s = Math.sin(angleRad);
  return composeAll(translation(center.x, center.y), [c, -s, 0, s, c, 0], translation(-center.x, -center.y));
}

/** Isotropic scaling by `factor` about `center`. Throws for a non-positive or non-finite factor. */
export function scaleAbout(center: Point, factor: number): Affine {
  assertFinite(factor, 'scale factor');
  if (factor <= 0) throw new Error(`scale factor=${factor} must be > 0`);
  return composeAll(translation(center.x, center.y), [factor, 0, 0, 0, factor, 0], translation(-center.x, -center.y));
}

/**
 * Pixel coordinate → normalized coordinate for a map of `size` pixels along that axis
 * (align_corners = false): `xn = (2u + 1) / size − 1`. Pixel centre 0 ↦ −1 + 1/size; the map's outer edges ↦ ±1.
 */
export function pixelToNormalized(u: number, size: number): number {
  return (2 * u + 1) / size - 1;
}

/** Inverse of `pixelToNormalized`: `u = ((xn + 1)·size − 1) / 2`. */
export function normalizedToPixel(xn: number, size: number): number {
  return ((xn + 1) * size - 1) / 2;
}

/** Affine pixel → normalized for a `width × height` map (x uses width, y uses height). */
export function pixelToNormalizedAffine(width: number, height: number): Affine {
  return [2 / width, 0, 1 / width - 1, 0, 2 / height, 1 / height - 1];
}

/** Affine normalized → pixel for a `width × height` map; inverse of `pixelToNormalizedAffine`. */
export function normalizedToPixelAffine(width: number, height: number): Affine {
  return [width / 2, 0, (width - 1) / 2, 0, height / 2, (height - 1) / 2];
}

/**
 * Pixel coordinates of a `fromSize`-pixel square map → the same physical location on a `toSize`-pixel map
 * covering the same region (pixel-centre convention): `v = (u + 0.5)·toSize/fromSize − 0.5`.
 */
export function resizePixelAffine(fromSize: number, toSize: number): Affine {
  const r = toSize / fromSize;
  return [r, 0, 0.5 * r - 0.5, 0, r, 0.5 * r - 0.5];
}
