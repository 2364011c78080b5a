/**
 * End-to-end evaluation on a DeepLesion-layout folder (DL_info.csv + Images_png, optionally readers.csv) or a mask
 * folder (its lesions' strict RECIST from the masks is the reference, named DL in the tables like the folder's own marks).
 *
 * For every lesion and every seed, the paper's rough box is simulated from the folder's (DL) mark with an Rng
 * seeded by (seed, lesion id) — independent of lesion order and filtering — and every method predicts from
 * (slice, box) only. Predictions are compared with every reader (DL and the extra readers); per lesion, the
 * comparisons are averaged over seeds. Readers are compared with each other once (no boxes involved).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LesionRecord } from '../data/types.ts';
import { openLesionSet, type LesionInfo, type LesionSetOptions } from '../data/lesion-set.ts';
import { describeBoxProtocol, roughBoxFor, type BoxProtocol } from '../geometry/box.ts';
import { axisLengthsPx } from '../geometry/recist.ts';
import type { Box, Recist, Spacing } from '../geometry/types.ts';
import type { Method } from './baselines/index.ts';
import {
  AXES, type AxisName, blandAltman, blandAltmanPercent, type BlandAltman, compareRecist, meanComparison,
  type RecistComparison, type Summary, summarize, summarizeBy,
} from './metrics.ts';
import { buildTableFromComparisons, type PairComparisons, type ReaderTable, type SetRole } from './reader-table.ts';
import { marksByReader } from '../data/synth/readers.ts';

/**
 * Extra readers: `readers.csv` beside DL_info.csv, in the synthetic generator's format
 * (`File_name,Lesion_id,Reader,Measurement_coordinates`, Lesion_id = `DeepLesionFolder.lesionId`; see
 * src/data/synth/readers.ts).
 */
/** Name of the folder's own marks as a reader. */
export const DL_READER = 'DL';
export const READERS_CSV = 'readers.csv';
export type { LesionInfo } from '../data/lesion-set.ts';

export interface Prediction {
  readonly seed: number;
  readonly box: Box;
  readonly recist: Recist;
  /** The method's uncertainty for this proposal (models: the proposal's entropy); null for the baselines. */
  readonly uncertainty: number | null;
  readonly ms: number;
}

export interface MethodSummary {
  readonly method: string;
  readonly reader: string;
  readonly n: number;
  readonly axes: Record<AxisName, {
    readonly locPx: Summary; readonly lenPx: Summary; readonly locMm: Summary; readonly lenMm: Summary;
    readonly signedLenMm: Summary;
    /** Relative length difference, signed (%), and its absolute value (%). */
    readonly relLenPct: Summary; readonly absRelLenPct: Summary;
    /** Midpoint distance (px) and axis angle (°): which part of the location error is position, which orientation. */
    readonly centrePx: Summary; readonly angleDeg: Summary;
    readonly blandAltmanMm: BlandAltman; readonly blandAltmanPct: BlandAltman;
  }>;
  /** Per lesion type: long/short location and length (px). */
  readonly byType: Record<string, Record<AxisName, { readonly locPx: Summary; readonly lenPx: Summary; readonly locMm: Summary; readonly lenMm: Summary }>>;
}

export interface EvalResult {
  readonly dataDir: string;
  /** Mask folders: the split part evaluated (null: every lesion of the folder). */
  readonly split: LesionSetOptions['split'];
  /** What was evaluated, in words (count, folder, split part). */
  readonly lesionSet: string;
  readonly seeds: readonly number[];
  readonly boxProtocol: string;
  readonly lesions: readonly LesionInfo[];
  /** Readers in column order: DL first, then extra readers. */
  readonly readers: readonly string[];
  readonly methods: readonly { readonly name: string; readonly kind: string; readonly info: Readonly<Record<string, string>> }[];
  readonly readerMarks: Record<string, Record<string, Recist>>;
  readonly predictions: Record<string, Record<string, Prediction[]>>;
  /** Per row (reader or method) and reference reader: per-lesion comparisons (methods: mean over seeds). */
  readonly comparisons: readonly PairComparisons[];
  readonly tablePx: ReaderTable;
  readonly tableMm: ReaderTable;
  /** Methods and readers against each reference reader. */
  readonly summaries: readonly MethodSummary[];
  readonly startedAt: string;
  readonly seconds: number;
}

export interface EvaluateOptions {
  readonly dir: string;
  readonly methods: readonly Method[];
  readonly seeds: readonly number[];
  /** How the rough boxes are drawn; default PAPER_BOX_PROTOCOL. */
  readonly boxProtocol?: BoxProtocol;
  /** DeepLesion folders: keep a lesion when true (e.g. by type). */
  readonly lesionFilter?: (record: LesionRecord, id: string) => boolean;
  /** Mask folders: only this part of a patient split. */
  readonly split?: LesionSetOptions['split'];
  /** readers.csv path; default `<dir>/readers.csv` when it exists. `null` disables extra readers. */
  readonly readersCsv?: string | null;
  readonly onProgress?: (p: { readonly done: number; readonly total: number; readonly lesionId: string; readonly method: string; readonly seed: number }) => void;
}

/** The evaluation's rough box (the notebooks reach it from here). */
export { roughBoxFor } from '../geometry/box.ts';

export async function evaluateFolder(opts: EvaluateOptions): Promise<EvalResult> {
  const t0 = Date.now();
  if (opts.seeds.length === 0) throw new Error('evaluateFolder: seeds is empty; give at least one seed');
  const names = new Set<string>();
  for (const m of opts.methods) {
    if (names.has(m.name)) throw new Error(`evaluateFolder: two methods are named ${JSON.stringify(m.name)}`);
    names.add(m.name);
  }
  const set = openLesionSet(opts.dir, { lesionFilter: opts.lesionFilter, split: opts.split });
  const picked = set.lesions.map((l) => ({ lesion: l, id: l.info.id }));
  if (picked.length === 0) throw new Error(`${opts.dir}: no lesions to evaluate`);

  // Readers.
  const readerMarks: Record<string, Record<string, Recist>> = { [DL_READER]: {} };
  for (const { lesion, id } of picked) readerMarks[DL_READER][id] = lesion.recist;
  const csvPath = opts.readersCsv === undefined ? (existsSync(join(opts.dir, READERS_CSV)) ? join(opts.dir, READERS_CSV) : null) : opts.readersCsv;
  if (csvPath) {
    const keep = new Set(picked.map((p) => p.id));
    for (const [name, marks] of marksByReader(csvPath)) {
      if (name === DL_READER || names.has(name)) throw new Error(`${csvPath}: reader name ${JSON.stringify(name)} clashes with ${name === DL_READER ? 'the folder\'s DL marks' : 'a method'}`);
      readerMarks[name] = Object.fromEntries([...marks].filter(([id]) => keep.has(id)));
    }
  }
  const readers = Object.keys(readerMarks);

  // Predictions.
  const predictions: Record<string, Record<string, Prediction[]>> = Object.fromEntries(opts.methods.map((m) => [m.name, {}]));
  const total = picked.length * opts.seeds.length * opts.methods.length;
  let done = 0;
  for (const { lesion, id } of picked) {
    const slice = lesion.slice();
    for (const seed of opts.seeds) {
      const box = roughBoxFor(lesion.recist, id, seed, slice.width, slice.height, opts.boxProtocol);
      for (const m of opts.methods) {
        const ts = performance.now();
        const { recist, uncertainty } = await m.predict(slice, box);
        const ms = performance.now() - ts;
        (predictions[m.name][id] ??= []).push({ seed, box, recist, uncertainty: uncertainty ?? null, ms });
        done++;
        opts.onProgress?.({ done, total, lesionId: id, method: m.name, seed });
      }
    }
  }

  // Comparisons: readers vs readers (a reader never against itself), methods vs readers (mean over seeds).
  const lesions: LesionInfo[] = picked.map(({ lesion }) => lesion.info);
  const spacingOf = new Map(lesions.map((l) => [l.id, l.spacing]));
  const comparisons: PairComparisons[] = [];
  for (const row of readers) {
    for (const col of readers) {
      if (row === col) continue;
      const items: { id: string; cmp: RecistComparison }[] = [];
      for (const [id, a] of Object.entries(readerMarks[row])) {
        const b = readerMarks[col][id];
        if (b) items.push({ id, cmp: compareRecist(a, b, spacingOf.get(id) ?? null) });
      }
      comparisons.push({ row, column: col, items });
    }
  }
  for (const m of opts.methods) {
    for (const col of readers) {
      const items: { id: string; cmp: RecistComparison }[] = [];
      for (const [id, preds] of Object.entries(predictions[m.name])) {
        const b = readerMarks[col][id];
        if (!b) continue;
        items.push({ id, cmp: meanComparison(preds.map((p) => compareRecist(p.recist, b, spacingOf.get(id) ?? null))) });
      }
      comparisons.push({ row: m.name, column: col, items });
    }
  }
  const rows: { name: string; role: SetRole }[] = [
    ...readers.map((name) => ({ name, role: 'reader' as const })),
    ...opts.methods.map((m) => ({ name: m.name, role: 'method' as const })),
  ];
  const typeOf = new Map(lesions.map((l) => [l.id, l.typeName]));
  return {
    dataDir: opts.dir,
    split: opts.split ?? null,
    lesionSet: set.description,
    seeds: [...opts.seeds],
    boxProtocol: describeBoxProtocol(opts.boxProtocol),
    lesions,
    readers,
    methods: opts.methods.map((m) => ({ name: m.name, kind: m.kind, info: { ...(m.info ?? {}) } })),
    readerMarks,
    predictions,
    comparisons,
    tablePx: buildTableFromComparisons(rows, comparisons, 'px'),
    tableMm: buildTableFromComparisons(rows, comparisons, 'mm'),
    summaries: comparisons.map((p) => summarizePair(p, typeOf)),
    startedAt: new Date(t0).toISOString(),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Summaries of one row against one reference reader. */
export function summarizePair(p: PairComparisons, typeOf: ReadonlyMap<string, string>): MethodSummary {
  const axes = {} as MethodSummary['axes'];
  for (const axis of AXES) {
    const c = p.items.map((it) => it.cmp[axis]);
    axes[axis] = {
      locPx: summarize(c.map((x) => x.locPx)),
      lenPx: summarize(c.map((x) => x.lenPx)),
      locMm: summarize(c.map((x) => x.locMm)),
      lenMm: summarize(c.map((x) => x.lenMm)),
      signedLenMm: summarize(c.map((x) => x.signedLenMm)),
      relLenPct: summarize(c.map((x) => x.relLenPct)),
      absRelLenPct: summarize(c.map((x) => Math.abs(x.relLenPct))),
      centrePx: summarize(c.map((x) => x.centrePx)),
      angleDeg: summarize(c.map((x) => x.angleDeg)),
      blandAltmanMm: blandAltman(c.map((x) => x.lenAMm), c.map((x) => x.lenBMm)),
      blandAltmanPct: blandAltmanPercent(c.map((x) => x.lenAMm ?? x.lenAPx), c.map((x) => x.lenBMm ?? x.lenBPx)),
    };
  }
  const byType: MethodSummary['byType'] = {};
  const key = (it: { id: string }): string => typeOf.get(it.id) ?? 'unknown';
  for (const axis of AXES) {
    const groups = {
      locPx: summarizeBy(p.items, key, (it) => it.cmp[axis].locPx),
      lenPx: summarizeBy(p.items, key, (it) => it.cmp[axis].lenPx),
      locMm: summarizeBy(p.items, key, (it) => it.cmp[axis].locMm),
      lenMm: summarizeBy(p.items, key, (it) => it.cmp[axis].lenMm),
    };
    for (const [t, s] of groups.locPx) {
      byType[t] ??= {} as Record<AxisName, { locPx: Summary; lenPx: Summary; locMm: Summary; lenMm: Summary }>;
      byType[t][axis] = { locPx: s, lenPx: groups.lenPx.get(t)!, locMm: groups.locMm.get(t)!, lenMm: groups.lenMm.get(t)! };
    }
  }
  return { method: p.row, reader: p.column, n: p.items.length, axes, byType };
}

/** The summary of `row` against reference `reader`, or undefined. */
export function findSummary(result: EvalResult, row: string, reader = DL_READER): MethodSummary | undefined {
  return result.summaries.find((s) => s.method === row && s.reader === reader);
}
