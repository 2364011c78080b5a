/**
 * `createMeasurer`: the cascade behind one interface. Callers hand a CT slice and a rough box and get RECIST
 * marks in the slice's pixels; the backend ladder, tensors and coordinate frames stay in here.
 */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { CtSlice } from '../data/types.ts';
import { NETWORK_WINDOW } from '../data/types.ts';
import { windowToUnit } from '../data/window.ts';
import { validateBox } from '../geometry/box.ts';
import { CROP_SIZE, cropFrameFromBox, cropImage, type CropFrame } from '../geometry/crop.ts';
import type { Box, MapStack, Recist, Theta } from '../geometry/types.ts';
import { REPO_ROOT } from '../data/paths.ts';
import { classicalRecist } from '../segment/classical.ts';
import { initBackend, type BackendName } from './backend/index.ts';
import { forwardCascade, type Cascade } from './cascade.ts';
import { loadCheckpoint, type ModelCard } from './checkpoint.ts';
import { usesMask, type ModelConfig, type Readout } from './config.ts';
import { decodeProposal, finishReadout, nhwcToMapStack, type ProbabilityMap } from './decode.ts';
import type { Measurer, Proposal } from './measurer-types.ts';

export const DEFAULT_MODEL_DIR = resolve(REPO_ROOT, 'models', 'default');

/** HU outside the slice (air), so crops that overhang the image edge look like the scanner's surroundings. */
const OUTSIDE_HU = -1024;

/**
 * The network input for one box: the square crop, resampled to 128², windowed to [0, 1] (and the box itself); for a
 * `mask+classical` read-out (`config.classicalWeight` set) also the classical segmentation's marks in the same box.
 */
export function cropInput(slice: CtSlice, box: Box, config?: Pick<ModelConfig, 'classicalWeight'>): Crop {
  validateBox(box, slice.width, slice.height, `box on ${slice.source}`);
  const frame = cropFrameFromBox(box, CROP_SIZE);
  const hu = cropImage(slice.hu, slice.width, slice.height, frame, OUTSIDE_HU);
  const classical = config?.classicalWeight != null ? classicalRecist(slice, box) : null;
  return { input: windowToUnit(hu, NETWORK_WINDOW), frame, box, classical: classical?.source === 'segment' ? classical.recist : null };
}

/**
 * A prepared crop; `box` (slice pixels) lets the mask read-out orient round lesions like the box (boxOrientationRatio);
 * `classical` (slice pixels; null when not asked for or no segment was found) is blended in by the mask+classical read-out.
 */
export type Crop = { readonly input: Float32Array; readonly frame: CropFrame; readonly box: Box; readonly classical?: Recist | null };

/** The cascade's outputs for a batch, on the CPU: θ [B, 4], last-stack heatmaps [B, h, h, 4], pseudo-mask probabilities. */
export interface CascadeOutputs {
  readonly thetas: Float32Array;
  readonly maps: Float32Array;
  readonly hmSize: number;
  /** Pseudo-mask probabilities [B, m, m, 1] (mask read-outs) or null. */
  readonly masks: Float32Array | null;
  readonly maskSize: number;
}

/**
 * Run the cascade on `n` inputs of CROP_SIZE² packed in `batch` and read the outputs back asynchronously, so it works
 * on every backend (WebGPU in Node has no synchronous read-back).
 */
export async function runCascade(cascade: Cascade, batch: Float32Array, n: number): Promise<CascadeOutputs> {
  const [theta, heatmaps, mask] = tf.tidy(() => {
    const out = forwardCascade(cascade, tf.tensor4d(batch, [n, CROP_SIZE, CROP_SIZE, 1]), { training: false });
    const m = usesMask(cascade.config.readout) && out.maskLogits ? [tf.sigmoid(out.maskLogits)] : [];
    return [out.theta, out.heatmaps[out.heatmaps.length - 1], ...m];
  }) as [tf.Tensor2D, tf.Tensor4D, tf.Tensor4D?];
  const [thetas, maps, masks] = await Promise.all([
    theta.data() as Promise<Float32Array>, heatmaps.data() as Promise<Float32Array>, mask ? (mask.data() as Promise<Float32Array>) : null,
  ]);
  tf.dispose([theta, heatmaps, ...(mask ? [mask] : [])]);
  return { thetas, maps, hmSize: heatmaps.shape[1], masks, maskSize: mask?.shape[1] ?? 0 };
}

/** Sample i of a batch's outputs: θ, its heatmaps (channel-major) and its pseudo-mask when there is one. */
export function sampleOutputs(o: CascadeOutputs, i: number): { theta: Theta; heatmaps: MapStack; mask?: ProbabilityMap } {
  const per = o.hmSize * o.hmSize * 4, perMask = o.maskSize * o.maskSize;
  const theta: Theta = { tx: o.thetas[i * 4], ty: o.thetas[i * 4 + 1], alpha: o.thetas[i * 4 + 2], s: o.thetas[i * 4 + 3] };
  const heatmaps = nhwcToMapStack(o.maps.subarray(i * per, (i + 1) * per), o.hmSize, 4);
  return o.masks ? { theta, heatmaps, mask: { data: o.masks.subarray(i * perMask, (i + 1) * perMask), size: o.maskSize } } : { theta, heatmaps };
}

function decodeAll(crops: readonly Crop[], o: CascadeOutputs, config: ModelConfig, modelVersion: string, backend: string, ms: number): Proposal[] {
  return crops.map((c, i) => {
    const { theta, heatmaps, mask } = sampleOutputs(o, i);
    const d = decodeProposal(heatmaps, theta, c.frame, mask);
    const { recist, readout } = finishReadout(d.readout, d.recist, c.box, c.classical, config);
    const maskStack = mask && d.readout === 'mask' ? { width: mask.size, height: mask.size, channels: 1, data: Float32Array.from(mask.data) } : undefined;
    return {
      recist, readout, entropy: d.entropy, entropies: d.entropies, heatmaps, ...(maskStack ? { mask: maskStack } : {}),
      theta, crop: c.frame, modelVersion, backend, ms,
    };
  });
}

/** Run the cascade on prepared crops and decode each into a Proposal. */
export async function proposeFromCrops(cascade: Cascade, crops: readonly Crop[], modelVersion: string, backend: string): Promise<Proposal[]> {
  const t0 = performance.now();
  const batch = new Float32Array(crops.length * CROP_SIZE * CROP_SIZE);
  crops.forEach((c, i) => batch.set(c.input, i * CROP_SIZE * CROP_SIZE));
  const outputs = await runCascade(cascade, batch, crops.length);
  return decodeAll(crops, outputs, cascade.config, modelVersion, backend, (performance.now() - t0) / Math.max(1, crops.length));
}

/** A Measurer over an already loaded cascade (used by fine-tuning and evaluation as well). */
export function measurerFromCascade(cascade: Cascade, card: Pick<ModelCard, 'version'>, backend: string): Measurer {
  return {
    modelVersion: card.version,
    backend,
    async measure(slice, box) {
      const t0 = performance.now();
      const [p] = await proposeFromCrops(cascade, [cropInput(slice, box, cascade.config)], card.version, backend);
      return { ...p, ms: performance.now() - t0 };
    },
    async measureBatch(items) {
      return proposeFromCrops(cascade, items.map((it) => cropInput(it.slice, it.box, cascade.config)), card.version, backend);
    },
    dispose() {
      cascade.stn?.dispose();
      cascade.shn.dispose();
    },
  };
}

/** Load a model folder (default: the shipped `models/default`) on the best available backend. */
export async function createMeasurer(opts: { modelDir?: string; backend?: BackendName | 'auto'; readout?: Readout } = {}): Promise<Measurer & { card: ModelCard }> {
  const backend = await initBackend(opts.backend ?? ((process.env.RECIST_BACKEND as BackendName | undefined) ?? 'auto'));
  const dir = resolve(opts.modelDir ?? process.env.RECIST_MODEL ?? DEFAULT_MODEL_DIR);
  const { cascade, card } = await loadCheckpoint(dir, { readout: opts.readout });
  return { ...measurerFromCascade(cascade, card, backend.name), card };
}
