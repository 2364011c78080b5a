/**
 * DeepLesion 16-bit grayscale PNG ↔ HU slices. DeepLesion stores HU + 32768 as unsigned 16-bit values.
 * Decoding and encoding use fast-png; this file only validates and converts.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { decode, encode } from 'fast-png';
import type { Spacing } from '../geometry/types.ts';
import type { CtSlice, HuWindow } from './types.ts';

/** DeepLesion's PNG offset: HU = stored value − 32768. */
export const DEEPLESION_HU_OFFSET = 32768;

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Optional metadata attached to a decoded slice (the PNG itself carries none). */
export interface Png16Options {
  readonly spacing?: Spacing | null;
  readonly window?: HuWindow | null;
}

/** True when the buffer starts with the PNG signature. */
export function isPng(buffer: Uint8Array): boolean {
  return buffer.length >= 8 && PNG_SIGNATURE.every((b, i) => buffer[i] === b);
}

/** Bit depth and channel count from the IHDR chunk, without decoding pixels (null if not a PNG). */
export function pngHeader(buffer: Uint8Array): { width: number; height: number; depth: number; colorType: number } | null {
  if (!isPng(buffer) || buffer.length < 29) return null;
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), depth: buffer[24], colorType: buffer[25] };
}

const COLOR_TYPE_NAMES: Record<number, string> = { 0: 'grayscale', 2: 'RGB', 3: 'palette', 4: 'grayscale+alpha', 6: 'RGBA' };

/**
 * Decodes any PNG with fast-png, turning its exceptions into messages that name the source.
 * Shared by the 16-bit and 8-bit readers.
 */
export function decodePngChecked(buffer: Uint8Array, name: string): ReturnType<typeof decode> {
  if (!isPng(buffer)) throw new Error(`${name}: not a PNG file (no PNG signature)`);
  try {
    const png = decode(buffer, { checkCrc: true });
    if (png.data.length < png.width * png.height * png.channels) {
      throw new Error(`pixel data has ${png.data.length} samples, expected ${png.width * png.height * png.channels}`);
    }
    return png;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${name}: corrupt or truncated PNG (${buffer.length} bytes): ${why}`);
  }
}

/** Decodes an in-memory DeepLesion 16-bit grayscale PNG to HU. `name` is used in errors and as `source`. */
export function decodePng16(buffer: Uint8Array, name: string, opts: Png16Options = {}): CtSlice {
  const header = pngHeader(buffer);
  if (!header) throw new Error(`${name}: not a PNG file (no PNG signature or header)`);
  if (header.colorType !== 0) {
    const kind = COLOR_TYPE_NAMES[header.colorType] ?? `color type ${header.colorType}`;
    throw new Error(`${name}: PNG is ${kind}, expected 16-bit grayscale (DeepLesion HU + 32768)`);
  }
  if (header.depth !== 16) {
    throw new Error(
      `${name}: PNG is ${header.depth}-bit grayscale, expected 16-bit (DeepLesion HU + 32768); ` +
        'for a windowed 8-bit export use readExport8(path, window)',
    );
  }
  const png = decodePngChecked(buffer, name);
  const { width, height } = png;
  const hu = new Float32Array(width * height);
  const data = png.data;
  for (let i = 0; i < hu.length; i++) hu[i] = data[i] - DEEPLESION_HU_OFFSET;
  return { width, height, hu, spacing: opts.spacing ?? null, window: opts.window ?? null, source: name };
}

/** Reads a DeepLesion 16-bit PNG file as HU. Spacing and window are null unless given. */
export function readPng16Hu(path: string, opts: Png16Options = {}): CtSlice {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read PNG: ${err instanceof Error ? err.message : String(err)}`);
  }
  return decodePng16(buffer, path, opts);
}

/**
 * Encodes a slice as a DeepLesion 16-bit PNG. HU are rounded and clipped to the storable range
 * [−32768, 32767]; a NaN HU throws (it would be silently written as a number otherwise).
 */
export function encodePng16Hu(slice: CtSlice): Uint8Array {
  const { width, height, hu } = slice;
  if (hu.length !== width * height) {
    throw new Error(`${slice.source}: hu has ${hu.length} values, expected width·height = ${width * height}`);
  }
  const data = new Uint16Array(hu.length);
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i];
    if (Number.isNaN(v)) throw new Error(`${slice.source}: pixel ${i % width},${Math.floor(i / width)} is NaN, cannot encode`);
    data[i] = Math.min(65535, Math.max(0, Math.round(v) + DEEPLESION_HU_OFFSET));
  }
  return encode({ width, height, data, depth: 16, channels: 1 });
}

/** Writes a bytes buffer atomically: a temporary file beside `path`, then rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`${path}: cannot write: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes a slice as a DeepLesion 16-bit PNG (HU + 32768), atomically. */
export function writePng16Hu(path: string, slice: CtSlice): void {
  writeFileAtomic(path, encodePng16Hu(slice));
}
