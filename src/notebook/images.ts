/**
 * Rasters for notebooks: [0, 1] images and heatmaps → RGB (`RgbImage` of src/data/overlay), zoom, RECIST marks,
 * dots, tiles, masks as tints, and {@link show} (PNG through the notebook's display).
 */
import { COLORS, contactSheet, drawLine, encodeRgbPng, renderOverlay, type OverlayLayer, type OverlayOptions, type Rgb, type RgbImage } from '../data/overlay.ts';
import type { CtSlice } from '../data/types.ts';
import type { Point, Recist } from '../geometry/types.ts';
import { mapRecist } from '../geometry/recist.ts';
import { display } from './display.ts';

export type { Rgb, RgbImage } from '../data/overlay.ts';

function checkSize(what: string, values: ArrayLike<number>, width: number, height: number, offset = 0): void {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`${what}: size ${width}×${height}, expected positive integers`);
  }
  if (values.length < offset + width * height) throw new Error(`${what}: ${values.length} values, expected at least ${offset + width * height} (offset ${offset} + ${width}×${height})`);
}

/** Gray image from values in [0, 1] (clipped), row-major. */
export function gray(values: ArrayLike<number>, width: number, height: number): RgbImage {
  checkSize('gray', values, width, height);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
    data[i * 3] = v; data[i * 3 + 1] = v; data[i * 3 + 2] = v;
  }
  return { width, height, data };
}

/** Anchors of a perceptual "inferno"-like colour map (black → purple → orange → yellow). */
const INFERNO: readonly Rgb[] = [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164]];

/** The colour map at t ∈ [0, 1] (clipped). */
export function colorAt(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(x));
  const f = x - i;
  const a = INFERNO[i], b = INFERNO[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/**
 * A map (e.g. one heatmap channel at `offset` of a channel-major MapStack) as colours, scaled linearly from its own
 * minimum to its own maximum, or from 0 to `max` when given.
 */
export function heat(values: ArrayLike<number>, width: number, height: number, offset = 0, max?: number): RgbImage {
  checkSize('heat', values, width, height, offset);
  let lo = max === undefined ? Infinity : 0, hi = max ?? -Infinity;
  if (max === undefined) {
    for (let i = 0; i < width * height; i++) { const v = values[offset + i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const span = hi - lo;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colorAt(span > 0 ? (values[offset + i] - lo) / span : 0), i * 3);
  return { width, height, data };
}

/** `base` with a translucent colour where the square `mask` (maskSize², nearest-neighbour scaled) is above 0.5. */
export function tint(base: RgbImage, mask: ArrayLike<number>, maskSize: number, color: Rgb = [255, 60, 60], alpha = 0.45): RgbImage {
  checkSize('tint mask', mask, maskSize, maskSize);
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

/** Nearest-neighbour zoom by an integer factor k ≥ 1. */
export function zoom(img: RgbImage, k: number): RgbImage {
  if (!Number.isInteger(k) || k < 1) throw new Error(`zoom: factor ${k}, expected an integer ≥ 1`);
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
export function marks(img: RgbImage, r: Recist, longColor: Rgb = COLORS.long, shortColor: Rgb = COLORS.short, width = 1.5): RgbImage {
  const out = { ...img, data: img.data.slice() };
  drawLine(out, r.long[0], r.long[1], longColor, width);
  drawLine(out, r.short[0], r.short[1], shortColor, width);
  return out;
}

/** Small filled discs at `points` (pixel coordinates of `img`). */
export function dots(img: RgbImage, points: readonly Point[], color: Rgb, radius = 2): RgbImage {
  const out = { ...img, data: img.data.slice() };
  for (const p of points) drawLine(out, p, p, color, radius * 2);
  return out;
}

/** Tiles images in rows of `columns`. */
export function sheet(images: readonly RgbImage[], columns: number): RgbImage {
  return contactSheet(images, columns);
}

/** A slice region with marks and boxes (src/data/overlay's renderOverlay). */
export function slicePicture(slice: CtSlice, layers: readonly OverlayLayer[], opts: OverlayOptions = {}): RgbImage {
  return renderOverlay(slice, layers, opts);
}

/**
 * A 128² network crop (values in [0, 1]) zoomed ×`k`, with RECIST marks given in crop pixels (mapped to the zoomed
 * image's pixel centres).
 */
export function cropPicture(input: ArrayLike<number>, size: number, recists: readonly { recist: Recist; long?: Rgb; short?: Rgb }[] = [], k = 2): RgbImage {
  let img = zoom(gray(input, size, size), k);
  for (const m of recists) img = marks(img, mapRecist(m.recist, (p) => ({ x: k * p.x + (k - 1) / 2, y: k * p.y + (k - 1) / 2 })), m.long, m.short, 1);
  return img;
}

/** PNG bytes of a raster. */
export function png(img: RgbImage): Uint8Array {
  return encodeRgbPng(img);
}

/** Displays a raster as a PNG output. */
export function show(img: RgbImage): void {
  display().png(encodeRgbPng(img));
}
