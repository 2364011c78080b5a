/**
 * The model side of `recist al-sim` (src/active/al-sim.ts `AlSimModel`): scoring pool lesions (heatmap entropy, or
 * TTA proposals handed to an injected spread function), fine-tuning on revealed marks (`fineTune`) and/or fitting a
 * site calibration on them (injected `calibrate`), and evaluation
 * on the test lesions with rough boxes simulated per the paper protocol, seeded per (seed, lesion id) exactly as
 * src/eval/run.ts `roughBoxFor` does.
 */
import { join } from 'node:path';
import type { FolderLesion } from '../data/lesion-set.ts';
import type { TrainingSource } from '../data/training-source.ts';
import { boxCross, roughBoxFor } from '../geometry/box.ts';
import { axisLengthsMm, axisLengthsPx, entropyPx, segmentLocationDistance } from '../geometry/recist.ts';
import type { Recist } from '../geometry/types.ts';
import { disposeCascade, type Cascade } from './cascade.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { fineTune, splitCorrections, tooFewHeldOut } from './finetune.ts';
import { cropInput, proposeForBoxes } from './measurer.ts';
import { ttaProposals } from './finetune-tta.ts';
import { fitClassicalWeight, withClassicalWeight } from './readout-fit.ts';

export interface AlModelRef {
  readonly dir: string;
  readonly version: string;
  readonly cascade: Cascade;
  /** Site calibration fitted on the revealed corrections, applied to every proposal (absent: none). */
  readonly adjust?: (r: Recist) => Recist;
}

/** Fits a calibration on (raw proposal, revealed truth) pairs and returns it as a map on marks. */
export type CalibrationFitter = (pairs: readonly { readonly proposal: Recist; readonly final: Recist }[]) => (r: Recist) => Recist;

export interface AlAdapterOptions {
  /** The folder's lesions (`openLesionSet`: a DeepLesion folder's rows or a mask folder's lesions, optionally one split part). */
  readonly folderLesions: readonly FolderLesion[];
  /** Where fine-tuned rounds are saved (one folder per strategy and round). */
  readonly workDir: string;
  readonly steps?: number;
  readonly minutes?: number;
  readonly learningRate?: number;
  readonly optimizer?: 'adam' | 'sgd-momentum';
  readonly batch?: number;
  readonly replay: TrainingSource | null;
  readonly replayFraction: number;
  /** Batchnorm frozen while fine-tuning (fineTune's default: false). */
  readonly freezeBatchnorm?: boolean;
  /** true: hold out the fixed validation split of the revealed corrections and keep the old model when worse. */
  readonly gate: boolean;
  /** Rough-box seeds for the test evaluation (results averaged). */
  readonly evalSeeds: readonly number[];
  /** Rough-box seed for scoring the pool. */
  readonly scoreSeed: number;
  /** TTA spread of K proposals (src/active/uncertainty.ts ttaSpread(..).relative), injected: model may not import active. */
  readonly ttaScore?: (proposals: Recist[]) => number;
  /**
   * Learn from corrections by calibration too: after each round, fit a site calibration (src/active/reader-bias.ts
   * `fitReaderCalibration`, injected) on the round's model's proposals for all revealed lesions (the pool's scoring
   * boxes) against their marks, and apply it to the test proposals. With steps 0 the network is not fine-tuned at all.
   */
  readonly calibrate?: CalibrationFitter;
  /**
   * Learn the read-out too: after each round (and before any calibration), re-pick the `mask+classical` read-out's
   * classical weight on the round's model's proposals for all revealed lesions (the pool's scoring boxes)
   * (`fitClassicalWeight`, src/model/readout-fit.ts) and evaluate with it.
   */
  readonly fitReadout?: boolean;
  /**
   * The marks corrections reveal and the test part is scored against, per lesion id — one reader's (e.g. readers.csv's
   * "site", `recist al-sim --reader`); absent: the folder's own (DL_info.csv). Rough boxes are always drawn around the
   * folder's marks: the reader draws the box around the lesion, not around their own later measurement.
   */
  readonly reference?: ReadonlyMap<string, Recist>;
  readonly log?: (line: string) => void;
}

export async function loadAlModel(dir: string): Promise<AlModelRef> {
  const { cascade, card } = await loadCheckpoint(dir);
  return { dir, version: card.version, cascade };
}

export function createAlAdapter(o: AlAdapterOptions) {
  const byId = new Map<string, FolderLesion>(o.folderLesions.map((l) => [l.info.id, l]));
  const rec = (id: string): FolderLesion => {
    const r = byId.get(id);
    if (!r) throw new Error(`al-sim: unknown lesion ${id}`);
    return r;
  };
  if (o.reference) {
    const missing = [...byId.keys()].filter((id) => !o.reference!.has(id));
    if (missing.length) throw new Error(`al-sim: the reference reader has no marks for ${missing.length} lesion(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  /** The marks a correction reveals and the test part is scored against. */
  const target = (id: string): Recist => o.reference?.get(id) ?? rec(id).recist;
  /** A lesion's slice and its rough box of `seed` (drawn around the folder's marks). */
  const boxed = (id: string, seed: number) => {
    const r = rec(id);
    const slice = r.slice();
    return { slice, box: roughBoxFor(r.recist, id, seed, slice.width, slice.height) };
  };
  const lesions = [...byId.entries()].map(([id, r]) => ({ id, patient: r.info.patient }));
  /** Mean errors vs the reference marks over the evaluation seeds (and each lesion's long-axis location error), for marks predicted 16 lesions at a time. */
  const errorsOn = async (ids: readonly string[], predict: (part: readonly string[], seed: number) => Recist[] | Promise<Recist[]>): Promise<{ readonly metrics: { readonly longLocPx: number; readonly [key: string]: number }; readonly perLesionLongLocPx: Record<string, number> }> => {
    let loc = 0, lenMm = 0, lenPct = 0, shortLoc = 0, shortLenMm = 0, n = 0;
    const perLesion: Record<string, number> = {};
    for (const seed of o.evalSeeds) {
      for (let i = 0; i < ids.length; i += 16) {
        const part = ids.slice(i, i + 16);
        const marks = await predict(part, seed);
        part.forEach((id, j) => {
          const r = rec(id), t = target(id), p = marks[j];
          const d = segmentLocationDistance(p.long, t.long);
          loc += d;
          perLesion[id] = (perLesion[id] ?? 0) + d / o.evalSeeds.length;
          shortLoc += segmentLocationDistance(p.short, t.short);
          const a = axisLengthsMm(p, r.info.spacing), b = axisLengthsMm(t, r.info.spacing);
          lenMm += Math.abs(a.long - b.long);
          shortLenMm += Math.abs(a.short - b.short);
          lenPct += (100 * Math.abs(axisLengthsPx(p).long - axisLengthsPx(t).long)) / Math.max(axisLengthsPx(t).long, 1e-6);
          n++;
        });
      }
    }
    return { metrics: { longLocPx: loc / n, shortLocPx: shortLoc / n, longLenMm: lenMm / n, longLenPct: lenPct / n, shortLenMm: shortLenMm / n }, perLesionLongLocPx: perLesion };
  };

  /** Fine-tune the network on the revealed corrections (the gate keeps the old model when the held-out part got worse). */
  const fineTuneNetwork = async (m: AlModelRef, ids: readonly string[], ctx: { strategy: string; round: number; seed: number }): Promise<{ model: AlModelRef; promoted: boolean; reason: string; seconds: number }> => {
    const items = ids.map((id) => {
      const { slice, box } = boxed(id, o.scoreSeed);
      // With a reference reader, the gate's validation boxes are drawn around the lesion (the folder's marks) as everywhere else.
      return { lesionId: id, slice, recist: target(id), box: o.reference ? box : null };
    });
    const { train, validation } = o.gate ? splitCorrections(items) : { train: items, validation: [] };
    if (train.length === 0) return { model: m, promoted: false, reason: `all ${items.length} corrections are in the validation split: nothing to train on`, seconds: 0 };
    // As the server's job: a fine-tune that the gate could not promote is not run.
    const few = o.gate ? tooFewHeldOut(validation.length) : null;
    if (few) return { model: m, promoted: false, reason: `${few}; not trained`, seconds: 0 };
    const res = await fineTune({
      baseModelDir: m.dir, corrections: train, replay: o.replay, replayFraction: o.replayFraction, validation,
      steps: o.steps, minutes: o.minutes, seed: ctx.seed, learningRate: o.learningRate, optimizer: o.optimizer, batch: o.batch, freezeBatchnorm: o.freezeBatchnorm,
      command: `al-sim ${ctx.strategy} round ${ctx.round}`,
    });
    const accept = o.gate ? res.promoted : true;
    if (!accept) {
      disposeCascade(res.cascade);
      return { model: m, promoted: false, reason: res.reason, seconds: res.seconds };
    }
    const dir = join(o.workDir, `${ctx.strategy}-r${String(ctx.round).padStart(2, '0')}`);
    const version = `${res.card.version}-${ctx.strategy}-r${ctx.round}`;
    await saveCheckpoint(res.cascade, { ...res.card, version }, dir);
    return { model: { dir, version, cascade: res.cascade }, promoted: true, reason: o.gate ? res.reason : `${train.length} corrections (no gate)`, seconds: res.seconds };
  };

  const ops = {
    async score(m: AlModelRef, ids: readonly string[], kind: 'entropy' | 'tta') {
      const out = new Map<string, { entropy?: number; entropyPx?: number; tta?: number }>();
      for (let i = 0; i < ids.length; i += 16) {
        const part = ids.slice(i, i + 16);
        const items = part.map((id) => boxed(id, o.scoreSeed));
        const props = await proposeForBoxes(m.cascade, items, m.version, 'al-sim', { jitter: false }); // as the server scores
        const tta = kind === 'tta' && o.ttaScore ? await ttaProposals(m.cascade, items.map((it) => cropInput(it.slice, it.box))) : null;
        part.forEach((id, j) => out.set(id, { entropy: props[j].entropy, entropyPx: entropyPx(props[j].entropy, props[j].recist), ...(tta && o.ttaScore ? { tta: o.ttaScore(tta[j]) } : {}) }));
      }
      return out;
    },
    async fineTune(m: AlModelRef, ids: readonly string[], ctx: { strategy: string; round: number; seed: number }) {
      let r = o.steps === 0 ? { model: m, promoted: true, reason: `${ids.length} corrections (network unchanged)`, seconds: 0 } : await fineTuneNetwork(m, ids, ctx);
      if (o.fitReadout) {
        const t0 = performance.now();
        const fit = await fitClassicalWeight(r.model.cascade, ids.map((id) => ({ lesionId: id, ...boxed(id, o.scoreSeed), recist: target(id) })));
        const cascade = fit.classicalWeight === null ? r.model.cascade : withClassicalWeight(r.model.cascade, fit.classicalWeight);
        r = { ...r, model: { ...r.model, cascade }, reason: `${r.reason}; ${fit.reason}`, seconds: r.seconds + (performance.now() - t0) / 1000 };
      }
      if (!o.calibrate) return r;
      const t0 = performance.now();
      const props = await proposeForBoxes(r.model.cascade, ids.map((id) => boxed(id, o.scoreSeed)), r.model.version, 'al-sim');
      const adjust = o.calibrate(props.map((p, i) => ({ proposal: p.recist, final: target(ids[i]) })));
      return { ...r, model: { ...r.model, adjust }, reason: `${r.reason}; site calibration on ${ids.length}`, seconds: r.seconds + (performance.now() - t0) / 1000 };
    },
    evaluate: (m: AlModelRef, ids: readonly string[]) => errorsOn(ids, async (part, seed) =>
      (await proposeForBoxes(m.cascade, part.map((id) => boxed(id, seed)), m.version, 'al-sim')).map((p) => (m.adjust ? m.adjust(p.recist) : p.recist))),
    /** The box-cross baseline on the same test lesions and boxes (the reference line of the curves). */
    baseline: async (ids: readonly string[]) => (await errorsOn(ids, (part, seed) => part.map((id) => boxCross(boxed(id, seed).box)))).metrics,
    version: (m: AlModelRef) => m.version,
    release: (m: AlModelRef) => disposeCascade(m.cascade),
  };
  return { ops, lesions };
}
