/**
 * Lesion geometry distribution: long diameter (mm), short/long axis ratio and long-axis orientation, either
 * resampled from real DeepLesion annotation rows (`annotations/DL_info_val_test.csv`, 9,742 rows) or, without
 * the shared data, from a built-in parametric fit of those rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../geometry/random.ts';
import { readDlInfo } from '../deeplesion-csv.ts';
import { ANNOTATIONS_CSV } from '../paths.ts';

/** One lesion geometry. */
export interface LesionGeometry {
  /** Long diameter, mm. */
  readonly longMm: number;
  /** Short / long, in (0, 1]. */
  readonly ratio: number;
  /** Long-axis direction, radians in (−π/2, π/2] (image coordinates, y down). */
  readonly angle: number;
}

export interface SizeSamplerOptions {
  /**
   * Bias towards a size range (the dev set's 3–28 mm): with probability `weight` the draw is restricted to
   * [minMm, maxMm], otherwise it comes from the whole distribution.
   */
  readonly range?: { readonly minMm: number; readonly maxMm: number; readonly weight: number };
  /** Multiplicative jitter (log-space std) on resampled diameters so rows do not repeat exactly. Default 0.03. */
  readonly jitter?: number;
}

export interface SizeSampler {
  /** 'empirical' (resampled real rows) or 'fallback' (built-in fit). */
  readonly kind: 'empirical' | 'fallback';
  sample(rng: Rng): LesionGeometry;
}

/**
 * Built-in fit of the 9,742 rows of DL_info_val_test.csv (computed once with a script that reads every row,
 * takes long = max(|long axis|, |short axis|)·Spacing_x in mm, ratio = min/max, angle of the long axis folded
 * to (−90°, 90°]):
 *  - long diameter: lognormal, mean(ln mm) = 2.9180, sd(ln mm) = 0.7288 (data median 18.29 mm; quantiles
 *    5/25/75/95 % = 5.23/11.89/29.43/62.03 mm; in 3–28 mm: 7,006 rows, median 14.84 mm);
 *  - axis ratio: beta by moments, mean 0.7301, sd 0.1673 → α = 4.412, β = 1.631 (data median 0.750);
 *  - orientation: histogram in 12 bins of 15° from −90° (counts below).
 */
export const FALLBACK_FIT = {
  logLongMean: 2.918,
  logLongSd: 0.7288,
  ratioAlpha: 4.412,
  ratioBeta: 1.631,
  angleBinCounts: [728, 745, 793, 900, 925, 915, 1088, 748, 726, 640, 675, 859],
  medianLongMm: 18.29,
  medianRatio: 0.75,
  medianLongMmIn3to28: 14.84,
} as const;

/** Lesions above this are never drawn (they cannot be placed on a 512² slice in homogeneous tissue). */
export const MAX_LONG_MM = 150;
export const MIN_LONG_MM = 2.5;

/** Geometry of every row of a DL_info CSV. */
export function realGeometries(csvPath: string): LesionGeometry[] {
  return readDlInfo(csvPath).map((r) => {
    const [a, b] = r.recist.long;
    const [c, d] = r.recist.short;
    const l = Math.hypot((b.x - a.x) * r.spacing.x, (b.y - a.y) * r.spacing.y);
    const s = Math.hypot((d.x - c.x) * r.spacing.x, (d.y - c.y) * r.spacing.y);
    const [p, q] = l >= s ? [a, b] : [c, d];
    return { longMm: Math.max(l, s), ratio: Math.max(l, s) > 0 ? Math.min(l, s) / Math.max(l, s) : 1, angle: foldAngle(Math.atan2(q.y - p.y, q.x - p.x)) };
  });
}

/** Folds a direction to (−π/2, π/2]. */
export function foldAngle(a: number): number {
  let t = a;
  while (t <= -Math.PI / 2) t += Math.PI;
  while (t > Math.PI / 2) t -= Math.PI;
  return t;
}

/** Samples rows of real geometries (with jitter and an optional range bias). */
export function empiricalSampler(rows: readonly LesionGeometry[], opts: SizeSamplerOptions = {}): SizeSampler {
  const usable = rows.filter((r) => r.longMm >= MIN_LONG_MM && r.longMm <= MAX_LONG_MM && r.ratio > 0.05);
  if (usable.length === 0) throw new Error('empiricalSampler: no usable rows');
  const range = opts.range;
  const inRange = range ? usable.filter((r) => r.longMm >= range.minMm && r.longMm <= range.maxMm) : [];
  const jitter = opts.jitter ?? 0.03;
  return {
    kind: 'empirical',
    sample(rng) {
      const pool = range && inRange.length > 0 && rng.next() < range.weight ? inRange : usable;
      const r = pool[rng.int(pool.length)];
      const longMm = r.longMm * Math.exp(rng.normal(0, jitter));
      const ratio = Math.min(1, r.ratio * Math.exp(rng.normal(0, jitter)));
      return { longMm, ratio, angle: foldAngle(r.angle + rng.normal(0, 0.05)) };
    },
  };
}

function gammaSample(rng: Rng, shape: number): number {
  // Marsaglia–Tsang (shape ≥ 1 here).
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** The built-in parametric distribution ({@link FALLBACK_FIT}). */
export function fallbackSampler(opts: SizeSamplerOptions = {}): SizeSampler {
  const f = FALLBACK_FIT;
  const total = f.angleBinCounts.reduce((s, c) => s + c, 0);
  return {
    kind: 'fallback',
    sample(rng) {
      const range = opts.range;
      const restrict = range && rng.next() < range.weight;
      const lo = restrict ? range.minMm : MIN_LONG_MM;
      const hi = restrict ? range.maxMm : MAX_LONG_MM;
      let longMm = 0;
      for (let k = 0; k < 1000; k++) {
        longMm = Math.exp(rng.normal(f.logLongMean, f.logLongSd));
        if (longMm >= lo && longMm <= hi) break;
        longMm = Math.min(hi, Math.max(lo, longMm));
      }
      const g1 = gammaSample(rng, f.ratioAlpha);
      const g2 = gammaSample(rng, f.ratioBeta);
      const ratio = Math.max(0.1, g1 / (g1 + g2));
      let u = rng.next() * total;
      let bin = 0;
      while (bin < f.angleBinCounts.length - 1 && (u -= f.angleBinCounts[bin]) >= 0) bin++;
      const angle = foldAngle(-Math.PI / 2 + ((bin + rng.next()) * Math.PI) / 12 + 1e-9);
      return { longMm, ratio, angle };
    },
  };
}

const cache = new Map<string, LesionGeometry[]>();

/** Empirical sampler when the shared annotations exist, the built-in fit otherwise. */
export function createSizeSampler(sharedDir: string | null, opts: SizeSamplerOptions = {}): SizeSampler {
  const csv = sharedDir ? join(sharedDir, ANNOTATIONS_CSV) : null;
  if (csv && existsSync(csv)) {
    let rows = cache.get(csv);
    if (!rows) {
      rows = realGeometries(csv);
      cache.set(csv, rows);
    }
    return empiricalSampler(rows, opts);
  }
  return fallbackSampler(opts);
}

/** The dev set's size range, as a bias option. */
export const DEV_RANGE_BIAS: NonNullable<SizeSamplerOptions['range']> = { minMm: 3, maxMm: 28, weight: 0.7 };
