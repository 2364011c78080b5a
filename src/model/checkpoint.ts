/**
 * Checkpoints: the cascade's two tf.LayersModels in tfjs layers format (model.json + weights.bin each)
 * plus a model card, written atomically (temp folder, then rename) so a kill -9 mid-save never leaves a
 * half-written model where a reader would load it.
 *
 * Layout of a model folder:
 *   card.json          ModelCard (preset, config, data, seed, metrics, backend, date, version)
 *   stn/model.json     localization net (absent for the shn-only ablation)
 *   stn/weights.bin
 *   shn/model.json     stacked hourglass
 *   shn/weights.bin
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { HEATMAP_READOUT_CONSTANTS, resolveConfig, type ModelConfig, type Readout } from './config.ts';
import type { Cascade } from './cascade.ts';

export interface ModelCard {
  readonly format: 'recist-cascade/1';
  /** Human-readable version, unique per saved model (e.g. `default-2026-11-26T17-10-00`). */
  readonly version: string;
  readonly preset: string;
  readonly ablation: string;
  readonly config: ModelConfig;
  readonly createdAt: string;
  readonly backend: string;
  readonly seed: number;
  /** What it was trained on, with counts (e.g. `{ synthetic: 48000 samples, real: 0 }`). */
  readonly data: Record<string, unknown>;
  /** Training budget actually spent. */
  readonly training: Record<string, unknown>;
  /** Validation metrics at save time (say which data and box protocol). */
  readonly metrics: Record<string, unknown>;
  /** The model it was fine-tuned from, if any. */
  readonly parent: string | null;
  readonly command: string;
}

async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (!weightData) throw new Error(`saving ${dir}: model has no weights`);
      const buffers = Array.isArray(weightData) ? weightData : [weightData];
      const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b)));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'weights.bin'), bytes);
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    }),
  );
}

async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  const raw = await readFile(jsonPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${jsonPath}: cannot read model (${err.code ?? err.message})`);
  });
  let parsed: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${jsonPath}: not valid JSON (${(err as Error).message})`);
  }
  const specs = parsed.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(parsed.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: specs, weightData }));
}

const pidAlive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Folders saveCheckpoint leaves beside `target` when it is killed: `.NAME.tmp-PID-TIME` (new) and `NAME.old-PID-TIME` (old). */
function interruptedSaves(target: string): { path: string; kind: 'tmp' | 'old'; pid: number; time: number }[] {
  const parent = dirname(target), base = basename(target);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const out: { path: string; kind: 'tmp' | 'old'; pid: number; time: number }[] = [];
  for (const n of names) {
    const tmp = n.startsWith(`.${base}.tmp-`) ? /-(\d+)-(\d+)$/.exec(n.slice(base.length + 5)) : null;
    const old = n.startsWith(`${base}.old-`) ? /^(\d+)-(\d+)$/.exec(n.slice(base.length + 5)) : null;
    const m = tmp ?? old;
    if (m) out.push({ path: join(parent, n), kind: tmp ? 'tmp' : 'old', pid: Number(m[1]), time: Number(m[2]) });
  }
  return out;
}

/**
 * A kill -9 between saveCheckpoint's two renames leaves no folder at `target`, only the old model moved aside
 * (`NAME.old-PID-TIME`, complete) and the new one in its temp folder. Put the old one back (its writer is dead);
 * then drop the leftovers of dead writers. No-op when `target` exists.
 */
export function recoverInterruptedSave(dir: string): void {
  const target = resolve(dir);
  const leftovers = interruptedSaves(target).filter((l) => !pidAlive(l.pid));
  if (!existsSync(target)) {
    const old = leftovers.filter((l) => l.kind === 'old' && existsSync(join(l.path, 'card.json'))).sort((a, b) => b.time - a.time)[0];
    if (!old) return;
    renameSync(old.path, target);
  }
  for (const l of leftovers) if (existsSync(l.path)) rmSync(l.path, { recursive: true, force: true });
}

/** Save a cascade and its card to `dir` atomically (the old folder, if any, is replaced in one rename). */
export async function saveCheckpoint(cascade: Cascade, card: ModelCard, dir: string): Promise<void> {
  const target = resolve(dir);
  recoverInterruptedSave(target);
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  if (cascade.stn) await saveLayersModel(cascade.stn, join(tmp, 'stn'));
  await saveLayersModel(cascade.shn, join(tmp, 'shn'));
  await writeFile(join(tmp, 'card.json'), JSON.stringify(card, null, 2) + '\n');
  const old = `${target}.old-${process.pid}-${Date.now()}`;
  if (existsSync(target)) await rename(target, old);
  await rename(tmp, target);
  await rm(old, { recursive: true, force: true });
}

export async function readModelCard(dir: string): Promise<ModelCard> {
  if (!existsSync(dir)) recoverInterruptedSave(dir);
  const path = join(dir, 'card.json');
  const raw = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${path}: no model card (${err.code ?? err.message}); is ${dir} a model folder?`);
  });
  const card = JSON.parse(raw) as ModelCard;
  if (card.format !== 'recist-cascade/1') throw new Error(`${path}: field format is ${JSON.stringify(card.format)}, expected "recist-cascade/1"`);
  return card;
}

/**
 * Load a cascade saved by `saveCheckpoint`. The card's config is re-validated (cards written before a config field
 * existed get that field's default); `readout` overrides the card's read-out (e.g. to compare both on one model).
 */
export async function loadCheckpoint(dir: string, opts: { readout?: Readout } = {}): Promise<{ cascade: Cascade; card: ModelCard }> {
  const saved = await readModelCard(dir);
  let config: ModelConfig;
  try {
    // an overridden read-out takes its own defaults for every read-out constant
    // Another read-out keeps the card's constants that still apply to it: none for heatmaps, all but the classical
    // weight for `mask`; `mask+classical` from a card without a weight takes the preset's.
    const drop = opts.readout === 'heatmaps' ? Object.keys(HEATMAP_READOUT_CONSTANTS)
      : opts.readout === 'mask' || saved.config.classicalWeight == null ? ['classicalWeight'] : [];
    const unset = Object.fromEntries(drop.map((k) => [k, undefined]));
    config = resolveConfig({ ...saved.config, ...(opts.readout ? { ...unset, readout: opts.readout } : {}) });
  } catch (err) {
    throw new Error(`${join(dir, 'card.json')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const card: ModelCard = { ...saved, config };
  const stn = existsSync(join(dir, 'stn', 'model.json')) ? await loadLayersModel(join(dir, 'stn')) : null;
  const shn = await loadLayersModel(join(dir, 'shn'));
  return { cascade: { config, stn, shn }, card };
}
