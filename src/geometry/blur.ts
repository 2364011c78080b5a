/** Separable Gaussian blur of a row-major w×h float image, edges clamped. */

/**
 * Blurs with a kernel truncated at `truncate`·σ (at least 1 px); σ ≤ 0.05 returns a copy. The synthetic-lesion
 * generator uses the default 3σ, the classical segmentation 2.5σ.
 */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number, truncate = 3): Float32Array {
  if (!(sigma > 0.05)) return src.slice();
  const r = Math.max(1, Math.ceil(truncate * sigma));
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
      for (let i = -r; i <= r; i++) acc += k[i + r] * src[row + Math.min(w - 1, Math.max(0, x + i))];
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) acc += k[i + r] * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x];
      out[y * w + x] = acc;
    }
  }
  return out;
}
