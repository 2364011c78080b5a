/** Small numeric helpers for the synthetic-lesion generator (patch-sized arrays; no I/O). */
import type { Rng } from '../../geometry/random.ts';

/** Separable Gaussian blur of a w×h patch (edge-clamped). σ ≤ 0.05 returns a copy. */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0.05)) return src.slice();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
        acc += k[i + r] * src[row + xx];
      }
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        const yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
        acc += k[i + r] * tmp[yy * w + x];
      }
      out[y * w + x] = acc;
    }
  }
  return out;
}

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
