/**
 * The square crop around a rough box and bilinear resampling.
 *
 * Convention (pixel centres, DESIGN.md): original pixel i covers [i − 0.5, i + 0.5). A `CropFrame` says the crop's
 * `size × size` pixels cover the original square [x0, x0 + side) × [y0, y0 + side) in *edge* coordinates, i.e.
 * crop pixel u covers original edge interval x0 + [u, u + 1)·side/size. Hence, in pixel-centre coordinates:
 *   original x = x0 + (u + 0.5)·side/size − 0.5        (fromCrop)
 *   crop u     = (x + 0.5 − x0)·size/side − 0.5        (toCrop)
 * and likewise for y with y0.
 */
import type { Affine, Box, Point } from './types.ts';
import { applyAffine } from './affine.ts';
import { boxCenter, boxHeight, boxWidth } from './box.ts';
import { assertFinite, assertPositiveInt } from './validate.ts';

/** Side of the network's input crop in pixels. */
export const CROP_SIZE = 128;

/** A square crop: original edge-coordinate origin (x0, y0), side in original pixels, size in crop pixels. */
export interface CropFrame {
  readonly x0: number;
  readonly y0: number;
  readonly side: number;
  readonly size: number;
}

/** The square enclosing `box`: centre = box centre, side = max(box width, box height). Throws on a degenerate box. */
export function cropFrameFromBox(box: Box, size: number = CROP_SIZE): CropFrame {
  assertPositiveInt(size, 'crop size');
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) assertFinite(box[k], `box ${k}`);
  const side = Math.max(boxWidth(box), boxHeight(box));
  if (!(side > 0)) throw new Error(`box (${box.x1}, ${box.y1})–(${box.x2}, ${box.y2}) has side=${side}; it must be > 0`);
  const c = boxCenter(box);
  return { x0: c.x + 0.5 - side / 2, y0: c.y + 0.5 - side / 2, side, size };
}

/** Affine crop pixel → original pixel (pixel-centre coordinates on both sides). */
export function cropToOriginalAffine(f: CropFrame): Affine {
  const r = f.side / f.size;
  return [r, 0, f.x0 + 0.5 * r - 0.5, 0, r, f.y0 + 0.5 * r - 0.5];
}

/** Affine original pixel → crop pixel; exact inverse of `cropToOriginalAffine`. */
export function originalToCropAffine(f: CropFrame): Affine {
  const r = f.size / f.side;
  return [r, 0, (0.5 - f.x0) * r - 0.5, 0, r, (0.5 - f.y0) * r - 0.5];
}

/** Original pixel coordinates → crop pixel coordinates. */
export function toCrop(frame: CropFrame, p: Point): Point {
  return applyAffine(originalToCropAffine(frame), p);
}

/** Crop pixel coordinates → original pixel coordinates. */
export function fromCrop(frame: CropFrame, p: Point): Point {
  return applyAffine(cropToOriginalAffine(frame), p);
}

/**
 * Bilinear resampling: out[j·outW + i] = src sampled at dstToSrc·(i, j) (pixel-centre coordinates on both sides).
 * Neighbours outside the `w × h` source contribute `fill` (like zero padding with fill = 0), so values blend
 * smoothly to `fill` within half a pixel outside the image.
 */
export function warpBilinear(
  src: ArrayLike<number>, w: number, h: number, dstToSrc: Affine, outW: number, outH: number, fill = 0,
): Float32Array {
  assertPositiveInt(w, 'source width');
  assertPositiveInt(h, 'source height');
  assertPositiveInt(outW, 'output width');
  assertPositiveInt(outH, 'output height');
  if (src.length !== w * h) throw new Error(`source length=${src.length} does not match ${w}×${h}=${w * h}`);
  const out = new Float32Array(outW * outH);
  const [a, b, c, d, e, f] = dstToSrc;
  for (let j = 0; j < outH; j++) {
    let sx = b * j + c, sy = e * j + f;
    for (let i = 0; i < outW; i++, sx += a, sy += d) {
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const k = y0 * w + x0;
        const top = src[k] + (src[k + 1] - src[k]) * fx;
        const bot = src[k + w] + (src[k + w + 1] - src[k + w]) * fx;
        out[j * outW + i] = top + (bot - top) * fy;
      } else if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h || !Number.isFinite(sx) || !Number.isFinite(sy)) {
        out[j * outW + i] = fill;
      } else {
        const at = (x: number, y: number): number => (x >= 0 && y >= 0 && x < w && y < h ? src[y * w + x] : fill);
        const top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
        const bot = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
        out[j * outW + i] = top + (bot - top) * fy;
      }
    }
  }
  return out;
}

/** The `size × size` crop of a `w × h` image for `frame`, bilinear, `fill` outside the image. */
export function cropImage(src: ArrayLike<number>, w: number, h: number, frame: CropFrame, fill = 0): Float32Array {
  return warpBilinear(src, w, h, cropToOriginalAffine(frame), frame.size, frame.size, fill);
}
