/**
 * 8-bit image exports (PNG via fast-png, baseline JPEG via jpeg-js) made with a known HU window → approximate HU.
 * Byte b maps to low + b/255 · width (the inverse of {@link windowToBytes}); values outside the window were
 * clipped by the export and cannot be recovered. Color images must be gray (R = G = B, within JPEG noise).
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { decodePngChecked, isPng } from './png16.ts';
import type { CtSlice, HuWindow } from './types.ts';
import { bytesToHu, checkWindow } from './window.ts';

/** True when the buffer starts with the JPEG SOI marker. */
export function isJpeg(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/** Largest R/G/B disagreement tolerated in a "gray" color image (0 for PNG, some slack for lossy JPEG). */
const GRAY_TOLERANCE = { png: 0, jpeg: 24 } as const;

function grayFromChannels(data: ArrayLike<number>, n: number, channels: number, colorChannels: number, tol: number, name: string): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[i * channels];
    if (colorChannels === 3) {
      const g = data[i * channels + 1];
      const b = data[i * channels + 2];
      if (Math.abs(r - g) > tol || Math.abs(r - b) > tol) {
        throw new Error(`${name}: color image (pixel ${i}: R ${r}, G ${g}, B ${b}); expected a grayscale export`);
      }
      out[i] = Math.round((r + g + b) / 3);
    } else out[i] = r;
  }
  return out;
}

/** Decodes an in-memory 8-bit PNG or JPEG export into HU using the window it was exported with. */
export function decodeExport8(buf: Uint8Array, name: string, window: HuWindow): CtSlice {
  checkWindow(window, `${name}: window`);
  let gray: Uint8Array;
  let width: number;
  let height: number;
  if (isPng(buf)) {
    const png = decodePngChecked(buf, name);
    if (png.depth !== 8) throw new Error(`${name}: PNG is ${png.depth}-bit, expected an 8-bit export (use readPng16Hu for 16-bit DeepLesion PNGs)`);
    if (png.palette) throw new Error(`${name}: palette PNG, expected a grayscale 8-bit export`);
    ({ width, height } = png);
    const colorChannels = png.channels >= 3 ? 3 : 1;
    gray = grayFromChannels(png.data, width * height, png.channels, colorChannels, GRAY_TOLERANCE.png, name);
  } else if (isJpeg(buf)) {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
    } catch (err) {
      throw new Error(`${name}: corrupt, truncated or unsupported JPEG: ${err instanceof Error ? err.message : String(err)}`);
    }
    ({ width, height } = img);
    const channels = img.data.length / (width * height);
    if (channels !== 1 && channels !== 3) throw new Error(`${name}: JPEG decoded to ${channels} channels, expected 1 or 3`);
    gray = grayFromChannels(img.data, width * height, channels, channels, GRAY_TOLERANCE.jpeg, name);
  } else {
    throw new Error(`${name}: not a PNG or JPEG file`);
  }
  return { width, height, hu: bytesToHu(gray, window), spacing: null, window, source: name };
}

/** Reads an 8-bit PNG/JPEG export made with `window` as approximate HU. */
export function readExport8(path: string, window: HuWindow): CtSlice {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read image: ${err instanceof Error ? err.message : String(err)}`);
  }
  return decodeExport8(buf, path, window);
}
