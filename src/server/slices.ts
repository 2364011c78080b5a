/** Windowed 8-bit PNG rendering of slices, with a small LRU cache of encoded images. */
import { encode } from 'fast-png';
import type { CtSlice, HuWindow } from '../data/types.ts';
import { LruCache } from '../data/deeplesion.ts';
import { checkWindow, parseWindow, windowToBytes } from '../data/window.ts';

/** Encodes a slice as an 8-bit grayscale PNG through `window`. */
export function renderSlicePng(slice: CtSlice, window: HuWindow): Uint8Array {
  return encode({ width: slice.width, height: slice.height, data: windowToBytes(slice.hu, window), channels: 1, depth: 8 });
}

/**
 * Reads the `window` query value: a preset name, `center,width`, or absent (the slice's own window, else
 * soft tissue). Centre and width are rounded to whole HU so the cache sees few distinct keys.
 */
export function windowFromQuery(value: unknown, fallback: HuWindow | null): HuWindow {
  if (value === undefined || value === '') return fallback ?? parseWindow('soft-tissue');
  if (typeof value !== 'string' || value.length > 40) throw new Error('window: expected a preset name or "center,width"');
  const w = parseWindow(value);
  const rounded = { center: Math.round(w.center), width: Math.max(1, Math.round(w.width)) };
  if (Math.abs(rounded.center) > 10000 || rounded.width > 20000) throw new Error(`window ${value}: out of range`);
  return checkWindow(rounded, `window ${value}`);
}

export class SliceRenderer {
  private readonly cache: LruCache<string, Uint8Array>;
  constructor(capacity = 48) {
    this.cache = new LruCache(capacity);
  }
  png(sliceId: string, window: HuWindow, load: () => CtSlice): Uint8Array {
    return this.cache.get(`${sliceId}|${window.center},${window.width}`, () => renderSlicePng(load(), window));
  }
}
