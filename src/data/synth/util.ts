/** Small numeric helpers for the synthetic-lesion generator (patch-sized arrays; no I/O). */
import type { Rng } from '../../geometry/random.ts';
import { gaussianBlur } from '../../geometry/blur.ts';

/** White Gaussian noise blurred with σ `corr` and normalized to unit standard deviation. */
export function smoothNoise(w: number, h: number, rng: Rng, corr: number): Float32Array {
  const white = new Float32Array(w * h);
  for (let i = 0; i < white.length; i++) white[i] = rng.normal();
  const f = gaussianBlur(white, w, h, corr);
  let s2 = 0;
  for (let i = 0; i < f.length; i++) s2 += f[i] * f[i];
  const inv = 1 / Math.sqrt(s2 / f.length || 1);
  for (let i = 0; i < f.length; i++) f[i] *= inv;
  return f;
}

/** Median of the first n values (copies; quickselect-free sort is fine at patch sizes). */
export function median(values: ArrayLike<number>, n = values.length): number {
  if (n === 0) return Number.NaN;
  const a = Float64Array.from({ length: n }, (_, i) => values[i]);
  a.sort();
  return n % 2 ? a[(n - 1) >> 1] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/**
 * Robust noise standard deviation of an image region: MAD of the high-pass residual v − mean(4 neighbours),
 * ×1.4826 (MAD → σ) / √1.25 (the residual's variance is 1.25 σ² for white noise). Structures (edges,
 * vessels) barely move a median, so this reads the noise, not the anatomy.
 */
export function highPassNoise(hu: ArrayLike<number>, width: number, height: number, x0: number, y0: number, x1: number, y1: number): number {
  const xa = Math.max(1, x0);
  const ya = Math.max(1, y0);
  const xb = Math.min(width - 2, x1);
  const yb = Math.min(height - 2, y1);
  const n = Math.max(0, xb - xa + 1) * Math.max(0, yb - ya + 1);
  if (n < 9) return 0;
  const r = new Float64Array(n);
  let k = 0;
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const i = y * width + x;
      r[k++] = hu[i] - 0.25 * (hu[i - 1] + hu[i + 1] + hu[i - width] + hu[i + width]);
    }
  }
  r.sort();
  const med = r[n >> 1];
  for (let i = 0; i < n; i++) r[i] = Math.abs(r[i] - med);
  r.sort();
  return (r[n >> 1] * 1.4826) / Math.sqrt(1.25);
}

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
