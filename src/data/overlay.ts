/**
 * Overlays for looking at data: a windowed slice as RGB with RECIST marks (long axis red, short axis green,
 * further readers in other colours) and boxes, optionally cropped around a point and zoomed (nearest
 * neighbour), encoded as an RGB PNG with fast-png. A contact sheet tiles several overlays.
 */
import { encode } from 'fast-png';
import type { Box, Point, Recist } from '../geometry/types.ts';
import { NETWORK_WINDOW, type CtSlice, type HuWindow } from './types.ts';
import { windowToBytes } from './window.ts';

export type Rgb = readonly [number, number, number];

/** An 8-bit RGB raster, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export const COLORS = {
  long: [255, 40, 40] as Rgb,
  short: [40, 230, 40] as Rgb,
  box: [60, 140, 255] as Rgb,
  /** Extra readers / predictions, in order. */
  readers: [[255, 220, 0], [0, 220, 255], [255, 0, 255], [255, 140, 0], [255, 255, 255]] as Rgb[],
};

/** One thing to draw: a RECIST mark and/or a box, with colours. */
export interface OverlayLayer {
  readonly recist?: Recist;
  readonly box?: Box;
  readonly longColor?: Rgb;
  readonly shortColor?: Rgb;
  readonly boxColor?: Rgb;
}

/** Layer for the i-th extra reader (0-based): both axes in that reader's colour. */
export function readerLayer(recist: Recist, index: number): OverlayLayer {
  const c = COLORS.readers[index % COLORS.readers.length];
  return { recist, longColor: c, shortColor: c };
}

/** Options for {@link renderOverlay}. */
export interface OverlayOptions {
  /** Display window (default: the slice's own window, else the DeepLesion/network window). */
  readonly window?: HuWindow;
  /** Crop a square of `size` source pixels centred on `center` (clipped to the image). */
  readonly crop?: { readonly center: Point; readonly size: number };
  /** Integer nearest-neighbour zoom factor (default 1). */
  readonly zoom?: number;
  /** Line width in output pixels (default 1.5·zoom^0.5, at least 1). */
  readonly lineWidth?: number;
}

/** Renders a windowed slice with marks as RGB. Coordinates of marks are source-pixel coordinates. */
export function renderOverlay(slice: CtSlice, layers: readonly OverlayLayer[], opts: OverlayOptions = {}): RgbImage {
  const zoom = opts.zoom ?? 1;
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 32) throw new Error(`${slice.source}: overlay zoom ${zoom} must be an integer in 1..32`);
  let x0 = 0, y0 = 0, w = slice.width, h = slice.height;
  if (opts.crop) {
    const size = Math.max(1, Math.round(opts.crop.size));
    w = Math.min(size, slice.width);
    h = Math.min(size, slice.height);
    x0 = Math.min(Math.max(0, Math.round(opts.crop.center.x - w / 2)), slice.width - w);
    y0 = Math.min(Math.max(0, Math.round(opts.crop.center.y - h / 2)), slice.height - h);
  }
  const gray = windowToBytes(slice.hu, opts.window ?? slice.window ?? NETWORK_WINDOW);
  const W = w * zoom, H = h * zoom;
  const data = new Uint8Array(W * H * 3);
  for (let Y = 0; Y < H; Y++) {
    const row = (y0 + Math.floor(Y / zoom)) * slice.width + x0;
    for (let X = 0; X < W; X++) {
      const g = gray[row + Math.floor(X / zoom)];
      const o = (Y * W + X) * 3;
      data[o] = g; data[o + 1] = g; data[o + 2] = g;
    }
  }
  const img = { width: W, height: H, data };
  const toOut = (p: Point): Point => ({ x: (p.x - x0 + 0.5) * zoom - 0.5, y: (p.y - y0 + 0.5) * zoom - 0.5 });
  const lw = opts.lineWidth ?? Math.max(1, 1.5 * Math.sqrt(zoom));
  for (const layer of layers) {
    if (layer.box) {
      const b = layer.box;
      const c = layer.boxColor ?? COLORS.box;
      const corners = [{ x: b.x1, y: b.y1 }, { x: b.x2, y: b.y1 }, { x: b.x2, y: b.y2 }, { x: b.x1, y: b.y2 }].map(toOut);
      for (let i = 0; i < 4; i++) drawLine(img, corners[i], corners[(i + 1) % 4], c, lw);
    }
    if (layer.recist) {
      const { long, short } = layer.recist;
      drawLine(img, toOut(long[0]), toOut(long[1]), layer.longColor ?? COLORS.long, lw);
      drawLine(img, toOut(short[0]), toOut(short[1]), layer.shortColor ?? COLORS.short, lw);
    }
  }
  return img;
}

/** Paints a disc of diameter `width` at every half-pixel step along the segment (clipped to the image). */
export function drawLine(img: RgbImage, a: Point, b: Point, color: Rgb, width = 1): void {
  if (![a.x, a.y, b.x, b.y].every(Number.isFinite)) return;
  const r = Math.max(0.5, width / 2);
  const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) * 2));
  for (let s = 0; s <= steps; s++) {
    const cx = a.x + ((b.x - a.x) * s) / steps;
    const cy = a.y + ((b.y - a.y) * s) / steps;
    for (let y = Math.ceil(cy - r); y <= Math.floor(cy + r); y++) {
      if (y < 0 || y >= img.height) continue;
      for (let x = Math.ceil(cx - r); x <= Math.floor(cx + r); x++) {
        if (x < 0 || x >= img.width || (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        img.data.set(color, (y * img.width + x) * 3);
      }
    }
  }
}

/** Tiles images left-to-right, top-to-bottom on a dark background with a 4-px gap. */
export function contactSheet(images: readonly RgbImage[], columns = 4): RgbImage {
  if (images.length === 0) throw new Error('contactSheet: no images');
  const gap = 4;
  const cols = Math.max(1, Math.min(columns, images.length));
  const rows = Math.ceil(images.length / cols);
  const cw = Math.max(...images.map((i) => i.width));
  const ch = Math.max(...images.map((i) => i.height));
  const W = cols * cw + (cols + 1) * gap, H = rows * ch + (rows + 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(24);
  images.forEach((img, k) => {
    const ox = gap + (k % cols) * (cw + gap), oy = gap + Math.floor(k / cols) * (ch + gap);
    for (let y = 0; y < img.height; y++) {
      data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((oy + y) * W + ox) * 3);
    }
  });
  return { width: W, height: H, data };
}

/** Encodes an RGB raster as an 8-bit RGB PNG. */
export function encodeRgbPng(img: RgbImage): Uint8Array {
  return encode({ width: img.width, height: img.height, data: img.data, depth: 8, channels: 3 });
}

/** Convenience: render and encode in one call. */
export function overlayPng(slice: CtSlice, layers: readonly OverlayLayer[], opts: OverlayOptions = {}): Uint8Array {
  return encodeRgbPng(renderOverlay(slice, layers, opts));
}
