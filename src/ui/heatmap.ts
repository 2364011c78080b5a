/** Packed heatmaps (see `PackedHeatmaps` in server/events.ts) → an RGBA overlay. Pure (no DOM). */
import type { PackedHeatmaps } from '../server/events.ts';

/** Colours per keypoint channel: long-left, long-right (amber), short-top, short-bottom (teal). */
export const CHANNEL_COLOURS: readonly (readonly [number, number, number])[] = [[255, 176, 0], [255, 120, 0], [41, 211, 166], [60, 160, 255]];

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * RGBA (width·height·4) where each pixel takes the colour of its strongest channel and alpha grows with that
 * channel's value relative to its own peak (so all four keypoints show, whatever their absolute scale): as √value for
 * heatmaps (faint tails stay visible), linearly for a pseudo-mask (its near-zero background stays clear).
 */
export function heatmapRgba(h: PackedHeatmaps, maxAlpha = 200): Uint8ClampedArray {
  const bytes = base64ToBytes(h.data);
  const n = h.width * h.height;
  if (bytes.length !== n * h.channels) throw new Error(`heatmaps: ${bytes.length} bytes, expected ${n * h.channels}`);
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    let best = 0, bc = 0;
    for (let c = 0; c < h.channels; c++) {
      const v = bytes[c * n + i];
      if (v > best) { best = v; bc = c; }
    }
    const col = CHANNEL_COLOURS[bc % CHANNEL_COLOURS.length];
    out[i * 4] = col[0]; out[i * 4 + 1] = col[1]; out[i * 4 + 2] = col[2];
    out[i * 4 + 3] = Math.round((h.kind === 'mask' ? best / 255 : Math.sqrt(best / 255)) * maxAlpha);
  }
  return out;
}
