/**
 * Offline active-learning simulation (`recist al-sim`): on a folder whose lesions all have marks, start from a model,
 * split lesions into a pool and a fixed test part BY PATIENT, then per strategy repeat: rank the unlabeled pool with
 * the current model's scores, reveal the true marks of the top k as corrections, fine-tune, evaluate on the test
 * part. Every strategy starts from the same model, uses the same split, the same fine-tune seeds per round and the
 * same test boxes, so the curves differ only by which lesions were picked.
 *
 * The model is injected (`AlSimModel`): this module never calls tfjs (src/active imports geometry only); the
 * adapter lives in src/model/finetune-al.ts and the command in src/cli/commands/al-sim.ts.
 */
import { getStrategy } from './strategies.ts';
import { hash32 } from '../geometry/random.ts';
import type { LesionScore } from './scores.ts';

export interface AlLesion {
  readonly id: string;
  readonly patient: string;
}

export interface AlMetrics {
  /** Mean long-axis location error (original px): the headline number. */
  readonly longLocPx: number;
  readonly [key: string]: number;
}

/** Test errors of one model: the means, and per test lesion the long-axis location error (px, mean over the boxes). */
export interface AlEvaluation {
  readonly metrics: AlMetrics;
  readonly perLesionLongLocPx: Readonly<Record<string, number>>;
}

export interface AlSimModel<M> {
  /** Uncertainty of each pool lesion under `model` (fields the strategies read: entropy, entropyPx, tta). */
  score(model: M, ids: readonly string[], kind: 'entropy' | 'tta'): Promise<Map<string, { entropy?: number; entropyPx?: number; tta?: number }>>;
  /** Fine-tune `model` on the corrections revealed so far; returns the model to continue with. */
  fineTune(model: M, correctionIds: readonly string[], ctx: { strategy: string; round: number; seed: number }): Promise<{ model: M; promoted: boolean; reason: string; seconds: number }>;
  evaluate(model: M, testIds: readonly string[]): Promise<AlEvaluation>;
  /** A model-free reference (e.g. the box-cross baseline) on the same test lesions and boxes. */
  baseline?(testIds: readonly string[]): Promise<AlMetrics>;
  version(model: M): string;
  release?(model: M): void;
}

export interface AlSimOptions {
  readonly lesions: readonly AlLesion[];
  /** Share of patients in the test part (default 1/3). */
  readonly testFraction?: number;
  readonly strategies: readonly string[];
  /** Lesions revealed per round. */
  readonly k: number;
  readonly rounds: number;
  readonly seed: number;
  /**
   * Also score each round's model on the lesions it was taught (all revealed so far — behind a gate that includes the
   * held-out ones it validated on — with the test part's box seeds), next to the start model on the same lesions: did
   * the fine-tune learn what it was shown, or only fail to carry it to new patients?
   */
  readonly scoreTaught?: boolean;
  readonly onEvent?: (line: string) => void;
}

export interface AlPoint {
  readonly round: number;
  readonly corrections: number;
  readonly metrics: AlMetrics;
  /** Per test lesion: long-axis location error (px), so strategies can be compared lesion by lesion (scripts/al-sim-paired.ts). */
  readonly testLongLocPx: Readonly<Record<string, number>>;
  readonly picked: readonly string[];
  /** Mean uncertainty (the strategy's score when it has one, else entropy) of the picked lesions. */
  readonly pickedEntropy: number | null;
  readonly promoted: boolean | null;
  readonly reason: string;
  readonly modelVersion: string;
  readonly fineTuneSeconds: number;
  /** With `scoreTaught`: mean long-axis location error (px) on the revealed lesions, of this round's model and of the start model. */
  readonly taught?: { readonly longLocPx: number; readonly startLongLocPx: number };
}

export interface AlCurve {
  readonly strategy: string;
  readonly points: readonly AlPoint[];
}

export interface AlSimResult {
  readonly pool: readonly string[];
  readonly test: readonly string[];
  readonly poolPatients: number;
  readonly testPatients: number;
  /** Patient of each test lesion (paired intervals resample patients). */
  readonly testPatientOf: Readonly<Record<string, string>>;
  readonly start: AlMetrics;
  /** The model-free reference on the test part, when the model adapter has one. */
  readonly baseline: AlMetrics | null;
  readonly curves: readonly AlCurve[];
  readonly seconds: number;
}

/** Split lesions by patient (seeded): no patient has lesions in both parts. At least one patient on each side. */
export function splitByPatient(lesions: readonly AlLesion[], testFraction: number, seed: number): { pool: AlLesion[]; test: AlLesion[] } {
  const patients = [...new Set(lesions.map((l) => l.patient))].sort((a, b) => hash32(`${seed}:${a}`) - hash32(`${seed}:${b}`) || a.localeCompare(b));
  if (patients.length < 2) throw new Error(`al-sim: ${patients.length} patient(s); need at least 2 to split pool and test by patient`);
  const nTest = Math.min(patients.length - 1, Math.max(1, Math.round(patients.length * testFraction)));
  const testSet = new Set(patients.slice(0, nTest));
  return { pool: lesions.filter((l) => !testSet.has(l.patient)), test: lesions.filter((l) => testSet.has(l.patient)) };
}

export async function runAlSim<M>(start: M, ops: AlSimModel<M>, o: AlSimOptions): Promise<AlSimResult> {
  const t0 = Date.now();
  const say = o.onEvent ?? (() => {});
  if (!(Number.isInteger(o.k) && o.k >= 1)) throw new Error(`al-sim: k = ${o.k} must be a positive integer`);
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error(`al-sim: rounds = ${o.rounds} must be a positive integer`);
  o.strategies.forEach(getStrategy);
  const { pool, test } = splitByPatient(o.lesions, o.testFraction ?? 1 / 3, o.seed);
  const poolIds = pool.map((l) => l.id), testIds = test.map((l) => l.id);
  if (poolIds.length < o.k) throw new Error(`al-sim: pool has ${poolIds.length} lesions, fewer than k = ${o.k}`);
  say(`split by patient (seed ${o.seed}): pool ${poolIds.length} lesions / test ${testIds.length} lesions`);
  const startEval = await ops.evaluate(start, testIds), startMetrics = startEval.metrics;
  const baseline = ops.baseline ? await ops.baseline(testIds) : null;
  const startOnPool = o.scoreTaught ? (await ops.evaluate(start, poolIds)).perLesionLongLocPx : null;
  const meanOver = (ids: readonly string[], perLesion: Readonly<Record<string, number>>): number => ids.reduce((s, id) => s + perLesion[id], 0) / ids.length;
  say(`start model ${ops.version(start)}: test long-axis location ${startMetrics.longLocPx.toFixed(2)} px${baseline ? ` (box-cross ${baseline.longLocPx.toFixed(2)} px)` : ''}`);
  const curves: AlCurve[] = [];
  for (const name of o.strategies) {
    const strategy = getStrategy(name);
    const uses = strategy.info().uses;
    let model = start;
    const labeled = new Set<string>();
    const points: AlPoint[] = [{ round: 0, corrections: 0, metrics: startMetrics, testLongLocPx: startEval.perLesionLongLocPx, picked: [], pickedEntropy: null, promoted: null, reason: 'start model', modelVersion: ops.version(start), fineTuneSeconds: 0 }];
    for (let round = 1; round <= o.rounds; round++) {
      const remaining = poolIds.filter((id) => !labeled.has(id));
      if (remaining.length === 0) break;
      const raw = await ops.score(model, remaining, uses === 'tta' ? 'tta' : 'entropy');
      const version = ops.version(model);
      const scores = new Map<string, LesionScore>([...raw].map(([id, s]) => [id, { lesionId: id, modelVersion: version, time: 0, ...s }]));
      const ranking = strategy({ items: remaining, labeled, seed: o.seed }, scores);
      const picked = ranking.order.slice(0, o.k);
      picked.forEach((id) => labeled.add(id));
      const ent = picked.map((id) => (uses === null ? scores.get(id)?.entropy : ranking.scores[id])).filter((v): v is number => v !== undefined);
      const ft = await ops.fineTune(model, [...labeled], { strategy: name, round, seed: o.seed * 1000 + round });
      // Compared by version: a calibrated model shares its network (and version) with the model it came from.
      if (ops.version(ft.model) !== ops.version(model) && ops.version(model) !== ops.version(start)) ops.release?.(model);
      model = ft.model;
      const { metrics, perLesionLongLocPx } = await ops.evaluate(model, testIds);
      const taughtIds = [...labeled];
      const taught = startOnPool ? { longLocPx: meanOver(taughtIds, (await ops.evaluate(model, taughtIds)).perLesionLongLocPx), startLongLocPx: meanOver(taughtIds, startOnPool) } : undefined;
      points.push({
        round, corrections: labeled.size, metrics, testLongLocPx: perLesionLongLocPx, picked, pickedEntropy: ent.length ? ent.reduce((a, b) => a + b, 0) / ent.length : null,
        promoted: ft.promoted, reason: ft.reason, modelVersion: ops.version(model), fineTuneSeconds: ft.seconds, ...(taught ? { taught } : {}),
      });
      say(`${name} round ${round}: ${labeled.size} corrections, test long-axis location ${metrics.longLocPx.toFixed(2)} px${taught ? `, taught lesions ${taught.startLongLocPx.toFixed(2)} → ${taught.longLocPx.toFixed(2)} px` : ''} (${ft.reason}; fine-tune ${ft.seconds.toFixed(0)} s)`);
    }
    if (ops.version(model) !== ops.version(start)) ops.release?.(model);
    curves.push({ strategy: name, points });
  }
  return {
    pool: poolIds, test: testIds, poolPatients: new Set(pool.map((l) => l.patient)).size, testPatients: new Set(test.map((l) => l.patient)).size,
    testPatientOf: Object.fromEntries(test.map((l) => [l.id, l.patient])),
    start: startMetrics, baseline, curves, seconds: (Date.now() - t0) / 1000,
  };
}
