/**
 * Keypoint heatmaps: Gaussian encoding, sub-pixel decoding, entropy. Map pixel coordinates use the
 * pixel-centre convention (pixel (i, j) centred at (i, j)); `MapStack` is channel-major.
 */
import type { MapStack, Point } from './types.ts';
import { assertFinite, assertPositiveInt } from './validate.ts';

/** Heatmap size: a side for square maps or explicit width and height. */
export type MapSize = number | { readonly width: number; readonly height: number };

function dims(size: MapSize): { width: number; height: number } {
  const d = typeof size === 'number' ? { width: size, height: size } : size;
  assertPositiveInt(d.width, 'map width');
  assertPositiveInt(d.height, 'map height');
  return d;
}

/**
 * One channel per point: exp(−((x − px)² + (y − py)²) / 2σ²), peak 1 at the exact (sub-pixel) point, truncated to
 * zero beyond ⌈3σ⌉ + 1 px. The separable 1-D profiles are computed once per point and their product pasted into the
 * map with clipping; points off the map give partial or empty channels. σ in map pixels.
 */
export function encodeHeatmaps(points: readonly Point[], size: MapSize, sigma = 1): MapStack {
  const { width, height } = dims(size);
  assertFinite(sigma, 'sigma');
  if (sigma <= 0) throw new Error(`sigma=${sigma} must be > 0`);
  const data = new Float32Array(points.length * width * height);
  const radius = Math.ceil(3 * sigma) + 1;
  const inv = 1 / (2 * sigma * sigma);
  points.forEach((p, c) => {
    assertFinite(p.x, `keypoint ${c} x`);
    assertFinite(p.y, `keypoint ${c} y`);
    const xa = Math.max(0, Math.round(p.x) - radius), xb = Math.min(width - 1, Math.round(p.x) + radius);
    const ya = Math.max(0, Math.round(p.y) - radius), yb = Math.min(height - 1, Math.round(p.y) + radius);
    if (xa > xb || ya > yb) return;
    const gx = new Float64Array(xb - xa + 1);
    for (let x = xa; x <= xb; x++) gx[x - xa] = Math.exp(-((x - p.x) ** 2) * inv);
    const base = c * width * height;
    for (let y = ya; y <= yb; y++) {
      const gy = Math.exp(-((y - p.y) ** 2) * inv);
      const row = base + y * width;
      for (let x = xa; x <= xb; x++) data[row + x] = gx[x - xa] * gy;
    }
  });
  return { width, height, channels: points.length, data };
}

/** Floor used before taking logs in the sub-pixel step (non-positive values count as this). */
const LOG_FLOOR = 1e-10;

/** Quadratic-fit offset of the maximum from three log-values around it, clamped to ±0.5. */
function quadraticOffset(left: number, centre: number, right: number): number {
  const l = Math.log(Math.max(left, LOG_FLOOR)), c = Math.log(Math.max(centre, LOG_FLOOR)), r = Math.log(Math.max(right, LOG_FLOOR));
  const curvature = l - 2 * c + r;
  if (!(curvature < 0)) return 0;
  const off = (0.5 * (l - r)) / curvature;
  return Math.max(-0.5, Math.min(0.5, off));
}

/**
 * Per channel: the argmax pixel, refined by a quadratic fit on log values along x and along y (DARK-style;
 * exact for an untruncated Gaussian), offset clamped to ±0.5 px; edges fall back to no offset along that axis.
 * `peaks` are the raw maximum values. Works for any width × height.
 */
export function decodeHeatmaps(maps: MapStack): { points: Point[]; peaks: number[] } {
  const { width, height, channels, data } = maps;
  const n = width * height;
  if (data.length !== n * channels) throw new Error(`heatmap data length=${data.length} does not match ${channels}×${height}×${width}`);
  const points: Point[] = [];
  const peaks: number[] = [];
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    let best = 0, bestV = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = data[base + k];
      if (v > bestV) { bestV = v; best = k; }
    }
    const x = best % width, y = (best - x) / width;
    const at = (i: number, j: number): number => data[base + j * width + i];
    const dx = x > 0 && x < width - 1 && bestV > 0 ? quadraticOffset(at(x - 1, y), bestV, at(x + 1, y)) : 0;
    const dy = y > 0 && y < height - 1 && bestV > 0 ? quadraticOffset(at(x, y - 1), bestV, at(x, y + 1)) : 0;
    points.push({ x: x + dx, y: y + dy });
    peaks.push(bestV);
  }
  return { points, peaks };
}

/**
 * Normalized Shannon entropy of one map of `n` values starting at `offset`: negatives clamped to 0, values
 * normalized to sum 1, H = −Σ p ln p / ln n ∈ [0, 1]. A flat map gives 1, a single spike 0; an all-zero map
 * carries no location information and gives 1; n = 1 gives 0.
 */
export function heatmapEntropy(data: ArrayLike<number>, offset: number, n: number): number {
  assertPositiveInt(n, 'entropy length');
  if (!Number.isInteger(offset) || offset < 0 || offset + n > data.length) {
    throw new Error(`entropy range offset=${offset}, n=${n} exceeds data length=${data.length}`);
  }
  if (n === 1) return 0;
  let sum = 0;
  for (let k = offset; k < offset + n; k++) { const v = data[k]; if (v > 0) sum += v; }
  if (!(sum > 0) || !Number.isFinite(sum)) return 1;
  let h = 0;
  for (let k = offset; k < offset + n; k++) {
    const v = data[k];
    if (v > 0) { const p = v / sum; h -= p * Math.log(p); }
  }
  return Math.min(1, Math.max(0, h / Math.log(n)));
}

/** `heatmapEntropy` of each channel. */
export function heatmapEntropies(maps: MapStack): number[] {
  const n = maps.width * maps.height;
  return Array.from({ length: maps.channels }, (_, c) => heatmapEntropy(maps.data, c * n, n));
}
