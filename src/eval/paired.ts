/**
 * Is a model's lead over a baseline real, or what 24 lesions happen to show? Per lesion, the model's error minus the
 * baseline's (each the mean over the same rough boxes, against the same reader), for each of the four Table 1
 * figures; the mean difference with a 95 % bootstrap interval that resamples patients, not lesions (a patient's
 * lesions share a scan, a liver and a reader), and the share of lesions the model measures better. Negative = the
 * model is closer to the reader. Pure functions of an EvalResult.
 */
import { createRng } from '../geometry/random.ts';
import { AXES, type AxisName, mean, percentileInterval95 } from './metrics.ts';
import { DL_READER, type EvalResult } from './run.ts';

export type PairedFigure = `${AxisName} ${'loc' | 'len'}`;
export const PAIRED_FIGURES: readonly PairedFigure[] = AXES.flatMap((a) => [`${a} loc`, `${a} len`] as PairedFigure[]);

export interface PairedDifference {
  readonly method: string;
  readonly baseline: string;
  readonly reader: string;
  readonly figure: PairedFigure;
  /** Lesions both were scored on, and their patients. */
  readonly n: number;
  readonly patients: number;
  /** Mean error (px) of the method and of the baseline over those lesions, and their mean difference. */
  readonly methodMean: number;
  readonly baselineMean: number;
  readonly meanDiff: number;
  /** 95 % percentile interval of the mean difference, patients resampled with replacement (seeded). */
  readonly interval: [number, number];
  /** Share of the lesions where the method's error is below the baseline's. */
  readonly betterShare: number;
}

/**
 * Percentile bootstrap 95 % interval of the mean of `values`, resampling whole clusters (`clusterOf[i]` names value
 * i's cluster) with replacement; seeded, so a report repeats. Each resample's mean is over the values it drew.
 */
export function clusterBootstrapMean(values: readonly number[], clusterOf: readonly string[], resamples = 2000, seed = 0): [number, number] {
  if (values.length !== clusterOf.length) throw new Error(`clusterBootstrapMean: ${values.length} values but ${clusterOf.length} cluster labels`);
  if (values.length === 0) return [Number.NaN, Number.NaN];
  const clusters = new Map<string, number[]>();
  values.forEach((v, i) => (clusters.get(clusterOf[i]) ?? clusters.set(clusterOf[i], []).get(clusterOf[i])!).push(v));
  const groups = [...clusters.values()];
  const rng = createRng(seed);
  const means: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let sum = 0, count = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[rng.int(groups.length)];
      for (const v of g) sum += v;
      count += g.length;
    }
    means.push(sum / count);
  }
  return percentileInterval95(means);
}

/** The method − baseline differences on the four figures against `reader`; [] when either was not scored against it. */
export function pairedDifferences(result: EvalResult, method: string, baseline: string, reader = DL_READER): PairedDifference[] {
  const items = (row: string) => result.comparisons.find((c) => c.row === row && c.column === reader)?.items;
  const a = items(method), b = items(baseline);
  if (!a || !b) return [];
  const byId = new Map(b.map((it) => [it.id, it.cmp]));
  const patientOf = new Map(result.lesions.map((l) => [l.id, l.patient]));
  const pairs = a.flatMap((it) => (byId.has(it.id) ? [{ id: it.id, m: it.cmp, b: byId.get(it.id)! }] : []));
  if (pairs.length === 0) return [];
  const clusters = pairs.map((p) => patientOf.get(p.id) ?? p.id);
  return PAIRED_FIGURES.map((figure) => {
    const [axis, kind] = figure.split(' ') as [AxisName, 'loc' | 'len'];
    const key = kind === 'loc' ? 'locPx' : 'lenPx';
    const m = pairs.map((p) => p.m[axis][key]), base = pairs.map((p) => p.b[axis][key]);
    const diffs = m.map((v, i) => v - base[i]);
    return {
      method, baseline, reader, figure, n: pairs.length, patients: new Set(clusters).size,
      methodMean: mean(m), baselineMean: mean(base), meanDiff: mean(diffs),
      interval: clusterBootstrapMean(diffs, clusters),
      betterShare: diffs.filter((d) => d < 0).length / diffs.length,
    };
  });
}

/** Every model method against every baseline of the result (methods by their `kind`). */
export function modelVsBaselines(result: EvalResult, reader = DL_READER): PairedDifference[] {
  const models = result.methods.filter((m) => m.kind === 'model').map((m) => m.name);
  const baselines = result.methods.filter((m) => m.kind === 'baseline').map((m) => m.name);
  return models.flatMap((m) => baselines.flatMap((b) => pairedDifferences(result, m, b, reader)));
}
