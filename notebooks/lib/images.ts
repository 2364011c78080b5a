/**
 * Raster display glue: [0, 1] images and heatmaps → RGB rasters (src/data/overlay's RgbImage), zoom, marks, tiles,
 * and `show` through tslab's display API (PNG bytes).
 */
import * as tslab from 'tslab';
import { load } from './project';
import type { RgbImage, Rgb } from '../.types/data/overlay';
import type { Point, Recist } from '../.types/geometry/types';

const overlay = load<typeof import('../.types/data/overlay')>('data/overlay.ts');

/** Gray image from values in [0, 1] (clipped). */
export function gray(values: ArrayLike<number>, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
    data[i * 3] = v; data[i * 3 + 1] = v; data[i * 3 + 2] = v;
  }
  return { width, height, data };
}

/** Anchors of a perceptual "inferno"-like colour map (black → purple → orange → yellow). */
const INFERNO: readonly Rgb[] = [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164]];

function colorAt(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(x));
  const f = x - i;
  const a = INFERNO[i], b = INFERNO[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f].map(Math.round) as unknown as Rgb;
}

/** A map as colours, scaled linearly from its own minimum to its own maximum (or to [0, `max`]). */
export function heat(values: ArrayLike<number>, width: number, height: number, offset = 0, max?: number): RgbImage {
  let lo = max === undefined ? Infinity : 0, hi = max ?? -Infinity;
  if (max === undefined) {
    for (let i = 0; i < width * height; i++) { const v = values[offset + i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const span = hi - lo;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colorAt(span > 0 ? (values[offset + i] - lo) / span : 0), i * 3);
  return { width, height, data };
}

/** Gray image with a translucent colour where `mask` > 0.5 (mask may be smaller: nearest-neighbour scaled). */
export function tint(base: RgbImage, mask: ArrayLike<number>, maskSize: number, color: Rgb = [255, 60, 60], alpha = 0.45): RgbImage {
  const data = base.data.slice();
  for (let y = 0; y < base.height; y++) {
    for (let x = 0; x < base.width; x++) {
      const m = mask[Math.floor((y * maskSize) / base.height) * maskSize + Math.floor((x * maskSize) / base.width)];
      if (!(m > 0.5)) continue;
      const o = (y * base.width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(data[o + c] * (1 - alpha) + color[c] * alpha);
    }
  }
  return { ...base, data };
}

/** Nearest-neighbour zoom by an integer factor. */
export function zoom(img: RgbImage, k: number): RgbImage {
  const W = img.width * k, H = img.height * k;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = (Math.floor(y / k) * img.width + Math.floor(x / k)) * 3;
      data.set(img.data.subarray(s, s + 3), (y * W + x) * 3);
    }
  }
  return { width: W, height: H, data };
}

/** Draws a RECIST mark (pixel coordinates of `img`): long axis in `longColor`, short in `shortColor`. */
export function marks(img: RgbImage, r: Recist, longColor: Rgb = overlay.COLORS.long, shortColor: Rgb = overlay.COLORS.short, width = 1.5): RgbImage {
  const out = { ...img, data: img.data.slice() };
  overlay.drawLine(out, r.long[0], r.long[1], longColor, width);
  overlay.drawLine(out, r.short[0], r.short[1], shortColor, width);
  return out;
}

/** Small filled discs at `points` (pixel coordinates of `img`). */
export function dots(img: RgbImage, points: readonly Point[], color: Rgb, radius = 2): RgbImage {
  const out = { ...img, data: img.data.slice() };
  for (const p of points) overlay.drawLine(out, p, p, color, radius * 2);
  return out;
}

/** Tiles images (src/data/overlay contactSheet). */
export function sheet(images: readonly RgbImage[], columns: number): RgbImage {
  return overlay.contactSheet(images, columns);
}

/** Displays a raster as a PNG output. */
export function show(img: RgbImage): void {
  tslab.display.png(overlay.encodeRgbPng(img));
}
