/**
 * HU windowing: named presets and the linear ramp that maps [center − width/2, center + width/2] to [0, 1]
 * (values outside clip). The network input uses {@link NETWORK_WINDOW} (the DeepLesion default).
 */
import { NETWORK_WINDOW, type HuWindow } from './types.ts';

/** Named display windows (center/width in HU). */
export const WINDOW_PRESETS = {
  softTissue: { center: 40, width: 400 },
  lung: { center: -600, width: 1500 },
  liver: { center: 60, width: 160 },
  bone: { center: 400, width: 1800 },
  deeplesion: NETWORK_WINDOW,
} as const satisfies Record<string, HuWindow>;
export type WindowPresetName = keyof typeof WINDOW_PRESETS;

/** Accepted spellings for presets on the command line (case- and separator-insensitive). */
const ALIASES: Record<string, WindowPresetName> = {
  softtissue: 'softTissue', soft: 'softTissue', abdomen: 'softTissue', lung: 'lung', liver: 'liver', bone: 'bone',
  deeplesion: 'deeplesion', default: 'deeplesion', network: 'deeplesion',
};

/**
 * A window from a preset name (`soft-tissue`, `lung`, `liver`, `bone`, `deeplesion`) or `center,width`
 * (e.g. `-600,1500`, `50/450`). Throws naming the value otherwise.
 */
export function parseWindow(text: string): HuWindow {
  const key = text.toLowerCase().replace(/[\s_-]/g, '');
  const preset = ALIASES[key];
  if (preset) return WINDOW_PRESETS[preset];
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*[,/:]\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m) return checkWindow({ center: Number(m[1]), width: Number(m[2]) }, `window "${text}"`);
  throw new Error(`window "${text}": not a preset (${Object.keys(WINDOW_PRESETS).join(', ')}) or "center,width"`);
}

/** Validates a window (finite center, width > 0), naming `what` in the error. */
export function checkWindow(window: HuWindow, what = 'window'): HuWindow {
  if (!Number.isFinite(window.center) || !Number.isFinite(window.width) || window.width <= 0) {
    throw new Error(`${what}: invalid window center ${window.center}, width ${window.width} (width must be > 0)`);
  }
  return window;
}

/** [low, high] HU of a window. */
export function windowRange(window: HuWindow): [number, number] {
  return [window.center - window.width / 2, window.center + window.width / 2];
}

/** Maps HU to [0, 1] with the window (clipped; NaN maps to 0 so no NaN reaches a network or an image). */
export function windowToUnit(hu: ArrayLike<number>, window: HuWindow = NETWORK_WINDOW): Float32Array {
  checkWindow(window);
  const [low] = windowRange(window);
  const scale = 1 / window.width;
  const out = new Float32Array(hu.length);
  for (let i = 0; i < hu.length; i++) {
    const v = (hu[i] - low) * scale;
    out[i] = v > 1 ? 1 : v > 0 ? v : 0;
  }
  return out;
}

/** Maps HU to 0..255 bytes with the window (rounded, clipped). */
export function windowToBytes(hu: ArrayLike<number>, window: HuWindow = NETWORK_WINDOW): Uint8Array {
  const unit = windowToUnit(hu, window);
  const out = new Uint8Array(unit.length);
  for (let i = 0; i < unit.length; i++) out[i] = Math.round(unit[i] * 255);
  return out;
}

/** Inverse of {@link windowToBytes}: byte b ↦ HU at b/255 along the window (for 8-bit exports). */
export function bytesToHu(bytes: ArrayLike<number>, window: HuWindow, maxValue = 255): Float32Array {
  checkWindow(window);
  const [low] = windowRange(window);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = low + (bytes[i] / maxValue) * window.width;
  return out;
}
