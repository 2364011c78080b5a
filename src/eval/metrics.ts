/**
 * Agreement metrics between two RECIST marks (paper, Sect. 3 and Table 1), pure functions.
 *
 * Per lesion and per axis (long, short):
 * - keypoint location difference: mean distance of the two endpoints after the best endpoint matching
 *   (so an axis drawn in the opposite direction scores 0);
 * - diameter length difference |L_a − L_b|, the signed difference L_a − L_b and the relative difference
 *   (L_a − L_b) / L_b · 100 % (b is the reference);
 * - all of the above in pixels of the original image and in millimetres (components scaled by the row's
 *   spacing, which is px × spacing for DeepLesion's isotropic in-plane spacing).
 *
 * Summaries: {@link summarize} (mean, sample std, median, n) and {@link blandAltman} (bias ± 1.96 sd).
 */
import { axisAngleDiffDeg, segmentAngle, segmentLocationDistance, segmentMidpoint } from '../geometry/recist.ts';
import type { Point, Recist, Segment, Spacing } from '../geometry/types.ts';

export const AXES = ['long', 'short'] as const;
export type AxisName = (typeof AXES)[number];

/** How a mark (a) differs from a reference mark (b) on one axis. */
export interface AxisComparison {
  /** Mean endpoint distance after the best endpoint matching, px / mm. */
  readonly locPx: number;
  readonly locMm: number | null;
  /** |L_a − L_b|, px / mm. */
  readonly lenPx: number;
  readonly lenMm: number | null;
  /** L_a − L_b, px / mm. */
  readonly signedLenPx: number;
  readonly signedLenMm: number | null;
  /** (L_a − L_b) / L_b · 100 (NaN when L_b = 0). */
  readonly relLenPct: number;
  /** Where a location error comes from: distance of the two midpoints (px) and the angle between the axes (°, 0–90). */
  readonly centrePx: number;
  readonly angleDeg: number;
  /** The two lengths, px / mm. */
  readonly lenAPx: number;
  readonly lenBPx: number;
  readonly lenAMm: number | null;
  readonly lenBMm: number | null;
}

export interface RecistComparison {
  readonly long: AxisComparison;
  readonly short: AxisComparison;
}

const dist = (p: Point, q: Point, sx = 1, sy = 1): number => Math.hypot((p.x - q.x) * sx, (p.y - q.y) * sy);

/** Length of a segment (px, or mm when a spacing is given). */
export function segmentLength(s: Segment, spacing?: Spacing | null): number {
  return dist(s[0], s[1], spacing?.x ?? 1, spacing?.y ?? 1);
}

/**
 * Keypoint location difference of two segments: the mean of the two endpoint distances under the better of
 * the two endpoint matchings (order independent). In mm when a spacing is given.
 */
export function endpointLocationDifference(a: Segment, b: Segment, spacing?: Spacing | null): number {
  if (!spacing) return segmentLocationDistance(a, b);
  const sc = (s: Segment): Segment => [scale(s[0], spacing), scale(s[1], spacing)];
  return segmentLocationDistance(sc(a), sc(b));
}

const scale = (p: Point, s: Spacing): Point => ({ x: p.x * s.x, y: p.y * s.y });

/** Distance between the midpoints of two segments (px). */
export function midpointDistance(a: Segment, b: Segment): number {
  return dist(segmentMidpoint(a), segmentMidpoint(b));
}

/** Angle between the lines of two segments in degrees, in [0, 90] (endpoint order ignored); 0 when either is a point. */
export function axisAngleDifferenceDeg(a: Segment, b: Segment): number {
  if (segmentLength(a) === 0 || segmentLength(b) === 0) return 0;
  return axisAngleDiffDeg(segmentAngle(a), segmentAngle(b));
}

/** Compares one axis of mark a against reference b. `spacing` null → the mm fields are null. */
export function compareAxis(a: Segment, b: Segment, spacing: Spacing | null): AxisComparison {
  const lenAPx = segmentLength(a);
  const lenBPx = segmentLength(b);
  const lenAMm = spacing ? segmentLength(a, spacing) : null;
  const lenBMm = spacing ? segmentLength(b, spacing) : null;
  return {
    locPx: endpointLocationDifference(a, b),
    locMm: spacing ? endpointLocationDifference(a, b, spacing) : null,
    lenPx: Math.abs(lenAPx - lenBPx),
    lenMm: lenAMm !== null && lenBMm !== null ? Math.abs(lenAMm - lenBMm) : null,
    signedLenPx: lenAPx - lenBPx,
    signedLenMm: lenAMm !== null && lenBMm !== null ? lenAMm - lenBMm : null,
    relLenPct: lenBPx > 0 ? ((lenAPx - lenBPx) / lenBPx) * 100 : Number.NaN,
    centrePx: midpointDistance(a, b),
    angleDeg: axisAngleDifferenceDeg(a, b),
    lenAPx,
    lenBPx,
    lenAMm,
    lenBMm,
  };
}

/** Compares both axes of mark a against reference mark b. */
export function compareRecist(a: Recist, b: Recist, spacing: Spacing | null): RecistComparison {
  return { long: compareAxis(a.long, b.long, spacing), short: compareAxis(a.short, b.short, spacing) };
}

export interface Summary {
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for n = 1, NaN for n = 0. */
  readonly std: number;
  readonly median: number;
  readonly n: number;
}

/** Mean, sample std, median and count of the finite values (NaN and null are dropped). */
export function summarize(values: readonly (number | null)[]): Summary {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, median: Number.NaN, n: 0 };
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, median: median(v), n };
}

/** Plain mean (NaN for no values); `summarize` when NaN and null must be dropped. */
export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** The 2.5th and 97.5th percentiles of bootstrap replicates (nearest rank; NaN for none). */
export function percentileInterval95(replicates: readonly number[]): [number, number] {
  if (replicates.length === 0) return [Number.NaN, Number.NaN];
  const s = [...replicates].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
  return [at(0.025), at(0.975)];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface BlandAltman {
  /** Mean of a − b. */
  readonly bias: number;
  /** Sample std of a − b. */
  readonly sd: number;
  /** 95% limits of agreement, bias ∓ 1.96 sd. */
  readonly lower: number;
  readonly upper: number;
  readonly n: number;
  /** Per-pair points for plotting: x = (a + b) / 2, y = a − b. */
  readonly points: readonly { readonly mean: number; readonly diff: number }[];
}

/** Bland–Altman agreement of paired measurements a and b (pairs with a non-finite value are dropped). */
export function blandAltman(a: readonly (number | null)[], b: readonly (number | null)[]): BlandAltman {
  if (a.length !== b.length) throw new Error(`blandAltman: a has ${a.length} values, b has ${b.length}; expected pairs`);
  const points: { mean: number; diff: number }[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    points.push({ mean: (x + y) / 2, diff: x - y });
  }
  const s = summarize(points.map((p) => p.diff));
  return { bias: s.mean, sd: s.std, lower: s.mean - 1.96 * s.std, upper: s.mean + 1.96 * s.std, n: s.n, points };
}

/** Relative Bland–Altman: differences in % of the pair mean, 100·(a − b)/((a + b)/2). */
export function blandAltmanPercent(a: readonly (number | null)[], b: readonly (number | null)[]): BlandAltman {
  if (a.length !== b.length) throw new Error(`blandAltmanPercent: a has ${a.length} values, b has ${b.length}; expected pairs`);
  const points: { mean: number; diff: number }[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    const m = (x + y) / 2;
    if (m <= 0) continue;
    points.push({ mean: m, diff: (100 * (x - y)) / m });
  }
  const s = summarize(points.map((p) => p.diff));
  return { bias: s.mean, sd: s.std, lower: s.mean - 1.96 * s.std, upper: s.mean + 1.96 * s.std, n: s.n, points };
}

/** Groups values by a key (e.g. lesion type) and summarizes each group; keys sorted. */
export function summarizeBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number | null): Map<string, Summary> {
  const groups = new Map<string, (number | null)[]>();
  for (const it of items) {
    const k = key(it);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(value(it));
  }
  return new Map([...groups.keys()].sort().map((k) => [k, summarize(groups.get(k) ?? [])]));
}

/** Averages several comparisons of the same lesion (e.g. over seeds), field by field. */
export function meanComparison(items: readonly RecistComparison[]): RecistComparison {
  if (items.length === 0) throw new Error('meanComparison: no comparisons to average');
  const axis = (name: AxisName): AxisComparison => {
    const m = (f: (c: AxisComparison) => number | null): number => {
      const vals = items.map((c) => f(c[name]));
      return vals.reduce<number>((s, x) => s + (x ?? Number.NaN), 0) / vals.length;
    };
    const mm = (f: (c: AxisComparison) => number | null): number | null => (items[0][name].locMm === null ? null : m(f));
    return {
      locPx: m((c) => c.locPx), locMm: mm((c) => c.locMm),
      lenPx: m((c) => c.lenPx), lenMm: mm((c) => c.lenMm),
      signedLenPx: m((c) => c.signedLenPx), signedLenMm: mm((c) => c.signedLenMm),
      relLenPct: m((c) => c.relLenPct),
      centrePx: m((c) => c.centrePx), angleDeg: m((c) => c.angleDeg),
      lenAPx: m((c) => c.lenAPx), lenBPx: m((c) => c.lenBPx),
      lenAMm: mm((c) => c.lenAMm), lenBMm: mm((c) => c.lenBMm),
    };
  };
  return { long: axis('long'), short: axis('short') };
}

/** Formats "mean±std" with 3 significant digits, as in the paper's Table 1 (8.16±10.2). */
export function formatMeanStd(s: { mean: number; std: number }, digits = 3): string {
  return `${formatSig(s.mean, digits)}±${formatSig(s.std, digits)}`;
}

/** 3 significant digits without exponent: 8.163 → "8.16", 10.24 → "10.2", 0.5 → "0.500", 123.4 → "123". */
export function formatSig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x === 0) return (0).toFixed(digits - 1);
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  let out = x.toFixed(decimals);
  // Rounding may bump the magnitude (9.996 → "10.00"): recompute with the new magnitude.
  const rounded = Number(out);
  const mag2 = rounded === 0 ? mag : Math.floor(Math.log10(Math.abs(rounded)));
  if (mag2 !== mag) out = x.toFixed(Math.max(0, digits - 1 - mag2));
  return out;
}
