/**
 * One fine-tune job, end to end, as the server's worker (or a CLI) runs it:
 *   corrections exported to a job folder (`exportCorrections`: a small HU sub-image around each lesion + marks)
 *   → the active version (`ensureBaseVersion`) → `fineTune` on the fixed split → if promotable, the new version is
 *   saved as `<labels>/models/vNNNN` (atomic rename). Promotion (rewriting active.json) is left to the caller, the
 *   single writer of the pointer, so a worker killed at any point leaves the active model untouched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTrainingSource } from '../data/training-source.ts';
import type { CtSlice } from '../data/types.ts';
import { mapRecist, recistCenter, recistExtent } from '../geometry/recist.ts';
import type { Box, Recist, Spacing } from '../geometry/types.ts';
import { disposeCascade } from './cascade.ts';
import { fineTune, MIN_VALIDATION_CORRECTIONS, splitCorrections, tooFewHeldOut, type FineTuneMetrics, type FineTuneProgress } from './finetune.ts';
import type { ReadoutFit } from './readout-fit.ts';
import { ensureBaseVersion, nextVersionName, saveVersion, cleanStale } from './versions.ts';

export interface ExportedCorrection {
  readonly lesionId: string;
  readonly reader: string;
  readonly slice: CtSlice;
  readonly recist: Recist;
  readonly box: Box | null;
}

interface CorrectionRecord {
  readonly lesionId: string;
  readonly reader: string;
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly spacing: Spacing | null;
  readonly source: string;
  /** Sub-image origin in the original slice (so marks can be mapped back for logs). */
  readonly origin: { readonly x: number; readonly y: number };
  readonly recist: Recist;
  readonly box: Box | null;
}

export const JOB_FILE = 'corrections.json';

/**
 * Writes corrections to `dir`: per lesion a Float32 HU sub-image (large enough for every augmentation and rough box
 * buildSample draws: ±(2.5 × the lesion extent + 24 px) around the lesion centre, clipped to the slice) and the
 * marks and box in sub-image pixels.
 */
export async function exportCorrections(dir: string, items: readonly ExportedCorrection[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const records: CorrectionRecord[] = [];
  for (const [k, it] of items.entries()) {
    const { slice } = it;
    const e = recistExtent(it.recist);
    const c = recistCenter(it.recist);
    let half = 2.5 * Math.max(e.x2 - e.x1, e.y2 - e.y1, 4) + 24;
    if (it.box) half = Math.max(half, Math.abs(it.box.x1 - c.x), Math.abs(it.box.x2 - c.x), Math.abs(it.box.y1 - c.y), Math.abs(it.box.y2 - c.y)) + 4;
    const x0 = Math.max(0, Math.floor(c.x - half)), y0 = Math.max(0, Math.floor(c.y - half));
    const x1 = Math.min(slice.width, Math.ceil(c.x + half) + 1), y1 = Math.min(slice.height, Math.ceil(c.y + half) + 1);
    const w = x1 - x0, h = y1 - y0;
    if (w < 2 || h < 2) throw new Error(`exportCorrections: lesion ${it.lesionId} lies outside its ${slice.width}×${slice.height} slice`);
    const hu = new Float32Array(w * h);
    for (let y = 0; y < h; y++) hu.set(slice.hu.subarray((y0 + y) * slice.width + x0, (y0 + y) * slice.width + x0 + w), y * w);
    const file = `${String(k).padStart(4, '0')}.f32`;
    await writeFile(join(dir, file), Buffer.from(hu.buffer, hu.byteOffset, hu.byteLength));
    const shift = (p: { x: number; y: number }) => ({ x: p.x - x0, y: p.y - y0 });
    records.push({
      lesionId: it.lesionId, reader: it.reader, file, width: w, height: h, spacing: slice.spacing ?? null, source: slice.source,
      origin: { x: x0, y: y0 }, recist: mapRecist(it.recist, shift),
      box: it.box ? { x1: it.box.x1 - x0, y1: it.box.y1 - y0, x2: it.box.x2 - x0, y2: it.box.y2 - y0 } : null,
    });
  }
  await writeFile(join(dir, JOB_FILE), JSON.stringify({ format: 'recist-corrections/1', corrections: records }, null, 1));
}

export async function importCorrections(dir: string): Promise<ExportedCorrection[]> {
  const path = join(dir, JOB_FILE);
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { format?: string; corrections?: CorrectionRecord[] };
  if (parsed.format !== 'recist-corrections/1' || !Array.isArray(parsed.corrections)) throw new Error(`${path}: not a recist-corrections/1 file`);
  return Promise.all(parsed.corrections.map(async (r, i) => {
    const buf = await readFile(join(dir, r.file));
    if (buf.byteLength !== r.width * r.height * 4) throw new Error(`${path} correction ${i + 1}: ${r.file} has ${buf.byteLength} bytes, expected ${r.width * r.height * 4}`);
    const hu = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const slice: CtSlice = { width: r.width, height: r.height, hu, spacing: r.spacing, window: null, source: `${r.source} (sub-image at ${r.origin.x},${r.origin.y})` };
    return { lesionId: r.lesionId, reader: r.reader, slice, recist: r.recist, box: r.box };
  }));
}

export interface FineTuneJobOptions {
  /** Versions folder (`versionsRoot(labelsDir)`). */
  readonly versionsDir: string;
  /** Model copied in as v0001 when the site has no versions yet. */
  readonly baseModelDir: string;
  /** Job folder written by `exportCorrections`. */
  readonly jobDir: string;
  readonly steps?: number;
  readonly minutes?: number;
  /** Also re-pick the read-out's classical weight on the corrections (fineTune's `fitReadout`; with steps 0, that alone). */
  readonly fitReadout?: boolean;
  readonly seed?: number;
  readonly learningRate?: number;
  /** Replay synthetic lesions (default true) with this share of each batch (default 0.5). */
  readonly replay?: boolean;
  readonly replayFraction?: number;
  readonly validationFraction?: number;
  readonly tolerancePx?: number;
  /** Held-out corrections needed before a promotion (default MIN_VALIDATION_CORRECTIONS). */
  readonly minValidation?: number;
  readonly onProgress?: (p: FineTuneProgress) => void;
}

export interface FineTuneJobResult {
  readonly baseVersion: string;
  readonly baseModelVersion: string;
  readonly promoted: boolean;
  readonly reason: string;
  /** The saved version folder name (only when promotable). */
  readonly savedVersion: string | null;
  readonly modelVersion: string | null;
  readonly metricsBefore: FineTuneMetrics;
  readonly metricsAfter: FineTuneMetrics;
  /** Errors on (up to TAUGHT_SAMPLE of) the corrections trained on, before and after (fineTune's taughtBefore/After). */
  readonly taughtBefore: FineTuneMetrics;
  readonly taughtAfter: FineTuneMetrics;
  /** The read-out fit, when the job re-picked it (fineTune's readoutFit). */
  readonly readoutFit: ReadoutFit | null;
  readonly trainCorrections: number;
  readonly validationCorrections: number;
  readonly seconds: number;
}

export async function runFineTuneJob(o: FineTuneJobOptions): Promise<FineTuneJobResult> {
  cleanStale(o.versionsDir);
  const base = await ensureBaseVersion(o.versionsDir, o.baseModelDir);
  const all = await importCorrections(o.jobDir);
  const { train, validation } = splitCorrections(all, o.validationFraction);
  // A job that could not be promoted whatever it learned is not run (nothing to train on, or too few held-out corrections).
  const minValidation = o.minValidation ?? MIN_VALIDATION_CORRECTIONS;
  const few = tooFewHeldOut(validation.length, minValidation);
  const skip = train.length === 0 ? `no corrections outside the validation split to train on (${validation.length} held out)`
    : few ? `${few}; not trained, keeping the current model` : null;
  if (skip) {
    const empty = (n: number): FineTuneMetrics => ({ longLocPx: NaN, shortLocPx: NaN, longLenPx: NaN, shortLenPx: NaN, n });
    return {
      baseVersion: base.name, baseModelVersion: base.card.version, promoted: false, savedVersion: null, modelVersion: null,
      reason: skip, metricsBefore: empty(validation.length), metricsAfter: empty(validation.length), taughtBefore: empty(0), taughtAfter: empty(0), readoutFit: null,
      trainCorrections: train.length, validationCorrections: validation.length, seconds: 0,
    };
  }
  const useReplay = o.replay ?? true;
  const replay = useReplay ? await createTrainingSource({ synthetic: true, dataDirs: [], realFraction: 0, excludePatients: [] }) : null;
  const r = await fineTune({
    baseModelDir: base.dir, corrections: train, replay, replayFraction: o.replayFraction ?? 0.5, validation,
    steps: o.steps, minutes: o.minutes, fitReadout: o.fitReadout, seed: o.seed ?? 1, learningRate: o.learningRate, tolerancePx: o.tolerancePx, minValidation,
    onProgress: o.onProgress, command: `fine-tune job ${o.jobDir}`,
  });
  try {
    let savedVersion: string | null = null;
    let modelVersion: string | null = null;
    if (r.promoted) {
      savedVersion = nextVersionName(o.versionsDir);
      modelVersion = `${r.card.version}-${savedVersion}`;
      await saveVersion(o.versionsDir, r.cascade, { ...r.card, version: modelVersion }, savedVersion);
    }
    return {
      baseVersion: base.name, baseModelVersion: base.card.version, promoted: r.promoted, reason: r.reason, savedVersion, modelVersion,
      metricsBefore: r.metricsBefore, metricsAfter: r.metricsAfter, taughtBefore: r.taughtBefore, taughtAfter: r.taughtAfter, readoutFit: r.readoutFit,
      trainCorrections: train.length, validationCorrections: validation.length,
      seconds: r.seconds,
    };
  } finally {
    disposeCascade(r.cascade);
  }
}

export const jobExists = (dir: string): boolean => existsSync(join(dir, JOB_FILE));
