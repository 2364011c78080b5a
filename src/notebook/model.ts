/**
 * Which model a notebook shows, and the cascade's intermediate outputs for display.
 *
 * `openNotebookModel()`: `$RECIST_MODEL` or models/default (the shipped, trained cascade) when it exists, else an
 * UNTRAINED `tiny` cascade (buildCascade(resolveConfig({ preset: 'tiny' }), { seed: 1 })) so a notebook still runs end to
 * end; its outputs then show the plumbing, not the method's accuracy, and {@link modelNote} says so.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CROP_SIZE, type CropFrame } from '../geometry/crop.ts';
import type { MapStack, Theta } from '../geometry/types.ts';
import { initBackend, type BackendName } from '../model/backend/index.ts';
import { buildCascade, forwardCascade, type Cascade } from '../model/cascade.ts';
import { loadCheckpoint, type ModelCard } from '../model/checkpoint.ts';
import { resolveConfig } from '../model/config.ts';
import { decodeProposal, nhwcToMapStack, type Decoded } from '../model/decode.ts';
import { measurerFromCascade } from '../model/measurer.ts';
import type { Measurer } from '../model/measurer-types.ts';
import { PACKAGE_ROOT } from './project.ts';

export interface NotebookModel {
  readonly cascade: Cascade;
  readonly card: ModelCard | null;
  /** The card's version, or `tiny-untrained`. */
  readonly version: string;
  readonly trained: boolean;
  readonly dir: string | null;
  /** The backend the model runs on (name and detail). */
  readonly backend: string;
  /** A measurer over this cascade (the same proposals as createMeasurer's); its dispose() frees the cascade. */
  readonly measurer: Measurer;
}

/** Model folders (with a card.json and shn/model.json) under models/ and `$RECIST_MODELS_DIR`, oldest first. */
export function modelDirs(): string[] {
  const roots = [join(PACKAGE_ROOT, 'models'), process.env.RECIST_MODELS_DIR].filter((r): r is string => !!r && existsSync(r));
  return roots.flatMap((root) => readdirSync(root).map((d) => join(root, d)))
    .filter((d) => existsSync(join(d, 'card.json')) && existsSync(join(d, 'shn', 'model.json')))
    .sort((a, b) => statSync(join(a, 'card.json')).mtimeMs - statSync(join(b, 'card.json')).mtimeMs);
}

/** Loads a model folder, or (dir = null) builds the untrained tiny cascade, on `$RECIST_BACKEND` (default auto). */
export async function openModel(dir: string | null): Promise<NotebookModel> {
  const b = await initBackend((process.env.RECIST_BACKEND as BackendName | undefined) ?? 'auto');
  if (dir) {
    const { cascade, card } = await loadCheckpoint(dir);
    return { cascade, card, version: card.version, trained: true, dir, backend: b.detail, measurer: measurerFromCascade(cascade, card, b.name) };
  }
  const cascade = buildCascade(resolveConfig({ preset: 'tiny' }), { seed: 1 });
  return { cascade, card: null, version: 'tiny-untrained', trained: false, dir: null, backend: b.detail, measurer: measurerFromCascade(cascade, { version: 'tiny-untrained' }, b.name) };
}

/** `$RECIST_MODEL` or models/default when present, else the untrained tiny cascade. */
export async function openNotebookModel(): Promise<NotebookModel> {
  const dir = resolve(PACKAGE_ROOT, process.env.RECIST_MODEL ?? join('models', 'default'));
  return openModel(existsSync(join(dir, 'card.json')) ? dir : null);
}

/** Markdown that says which model this is (and, for the untrained cascade, what its outputs do not show). */
export function modelNote(m: NotebookModel): string {
  if (m.trained && m.card) {
    const v = (m.card.metrics as { validation?: Record<string, unknown> }).validation;
    const val = v && typeof v.longLocPx === 'number' ? `; validation long-axis location error ${(v.longLocPx as number).toFixed(2)} px` : '';
    return `**Model:** \`${m.version}\` from \`${relative(PACKAGE_ROOT, m.dir ?? '')}\` (preset ${m.card.preset}, ablation ${m.card.ablation}, read-out ${m.cascade.config.readout}${val}); backend ${m.backend}.`;
  }
  return `**Model: UNTRAINED \`tiny\` cascade** (models/default does not exist): randomly initialised weights, so the pseudo-masks, θ, heatmaps and marks below show the plumbing, not the method's accuracy. Backend ${m.backend}.`;
}

/** What the cascade computes for one crop, read back to the CPU. */
export interface CascadeView {
  /** Pseudo-mask probabilities (sigmoid of the LRP logits), maskSize², or null without an STN. */
  readonly mask: Float32Array | null;
  readonly maskSize: number;
  /** The STN's θ. */
  readonly theta: Theta;
  /** The canonical image the SHN reads (the crop resampled through the predicted θ), CROP_SIZE². */
  readonly canonical: Float32Array;
  /** The last stack's 4 heatmaps, channel-major. */
  readonly heatmaps: MapStack;
  /** The paper's read-out of those heatmaps (SHN argmax → Θ → crop → slice), with entropies; null without a frame. */
  readonly decoded: Decoded | null;
}

/**
 * Runs the whole cascade (STN, sampler, SHN; inference mode, batchnorm folded as the measurer runs it) on network crops (each CROP_SIZE², values in [0, 1]) in
 * batches of `batch`, and returns every intermediate output. With `frames`, each crop's heatmaps are also decoded to
 * slice pixels (`decodeProposal`, the paper's heatmap read-out, whatever the model's own read-out is). Leaves no
 * tensors behind.
 */
export function inspectCascade(cascade: Cascade, inputs: readonly Float32Array[], frames?: readonly CropFrame[], batch = 16): CascadeView[] {
  const n = CROP_SIZE * CROP_SIZE;
  inputs.forEach((x, i) => { if (x.length !== n) throw new Error(`inspectCascade: input ${i} has ${x.length} values, expected ${CROP_SIZE}² = ${n}`); });
  if (frames && frames.length !== inputs.length) throw new Error(`inspectCascade: ${frames.length} frames for ${inputs.length} inputs`);
  const out: CascadeView[] = [];
  for (let at = 0; at < inputs.length; at += batch) {
    const chunk = inputs.slice(at, at + batch);
    const packed = new Float32Array(chunk.length * n);
    chunk.forEach((x, k) => packed.set(x, k * n));
    const kept = tf.tidy(() => {
      const o = forwardCascade(cascade, tf.tensor4d(packed, [chunk.length, CROP_SIZE, CROP_SIZE, 1]), { training: false, folded: true });
      if (!o.canonical) throw new Error('inspectCascade: the cascade ran without its sampler (no canonical image)');
      return { theta: o.theta, canonical: o.canonical, heat: o.heatmaps[o.heatmaps.length - 1], ...(o.maskLogits ? { mask: tf.sigmoid(o.maskLogits) } : {}) };
    }) as { theta: tf.Tensor2D; canonical: tf.Tensor4D; heat: tf.Tensor4D; mask?: tf.Tensor };
    const { theta, canonical, heat } = kept;
    const mask = kept.mask ?? null;
    const m = mask ? (mask.dataSync() as Float32Array) : null;
    const th = theta.dataSync();
    const can = canonical.dataSync() as Float32Array;
    const hm = heat.dataSync() as Float32Array;
    const ms = mask ? mask.shape[1]! : 0;
    const hs = heat.shape[1];
    tf.dispose([mask, theta, canonical, heat].filter((t): t is tf.Tensor => t !== null));
    chunk.forEach((_, k) => {
      const t: Theta = { tx: th[k * 4], ty: th[k * 4 + 1], alpha: th[k * 4 + 2], s: th[k * 4 + 3] };
      const maps = nhwcToMapStack(hm.subarray(k * hs * hs * 4, (k + 1) * hs * hs * 4), hs, 4);
      const frame = frames?.[at + k];
      out.push({
        mask: m ? m.slice(k * ms * ms, (k + 1) * ms * ms) : null, maskSize: ms, theta: t,
        canonical: can.slice(k * n, (k + 1) * n), heatmaps: maps, decoded: frame ? decodeProposal(maps, t, frame) : null,
      });
    });
  }
  return out;
}
