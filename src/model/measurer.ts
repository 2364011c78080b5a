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
import type { Box, Recist, Theta } from '../geometry/types.ts';
import { REPO_ROOT } from '../data/paths.ts';
import { classicalRecist } from '../segment/classical.ts';
import { initBackend, type BackendName } from './backend/index.ts';
import { forwardCascade, type Cascade } from './cascade.ts';
import { loadCheckpoint, type ModelCard } from './checkpoint.ts';
import { usesMask, type ModelConfig, type Readout } from './config.ts';
import { decodeProposal, finishReadout, nhwcToMapStack } from './decode.ts';
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

/** The cascade's θ, last-stack heatmaps and (mask read-out) pseudo-mask probabilities for a batch of crops, still on the device. */
function runOnCrops(cascade: Cascade, crops: readonly Crop[]): { theta: tf.Tensor2D; heatmaps: tf.Tensor4D; mask: tf.Tensor4D | null } {
  const n = crops.length;
  const size = CROP_SIZE;
  const batch = new Float32Array(n * size * size);
  crops.forEach((c, i) => batch.set(c.input, i * size * size));
  const input = tf.tensor4d(batch, [n, size, size, 1]);
  const out = forwardCascade(cascade, input, { training: false });
  const heatmaps = out.heatmaps[out.heatmaps.length - 1];
  const mask = usesMask(cascade.config.readout) && out.maskLogits ? (tf.sigmoid(out.maskLogits) as tf.Tensor4D) : null;
  tf.dispose([input, out.thetaUsed, out.canonical, ...out.heatmaps.slice(0, -1), ...(out.maskLogits ? [out.maskLogits] : [])]);
  return { theta: out.theta, heatmaps, mask };
}

interface Outputs {
  readonly thetas: Float32Array;
  readonly maps: Float32Array;
  readonly hmSize: number;
  /** Pseudo-mask probabilities [B, m, m, 1] (mask read-out) or null. */
  readonly masks: Float32Array | null;
  readonly maskSize: number;
}

function decodeAll(crops: readonly Crop[], o: Outputs, config: ModelConfig, modelVersion: string, backend: string, ms: number): Proposal[] {
  const per = o.hmSize * o.hmSize * 4;
  const perMask = o.maskSize * o.maskSize;
  return crops.map((c, i) => {
    const theta: Theta = { tx: o.thetas[i * 4], ty: o.thetas[i * 4 + 1], alpha: o.thetas[i * 4 + 2], s: o.thetas[i * 4 + 3] };
    const heatmaps = nhwcToMapStack(o.maps.subarray(i * per, (i + 1) * per), o.hmSize, 4);
    const mask = o.masks ? { data: o.masks.subarray(i * perMask, (i + 1) * perMask), size: o.maskSize } : undefined;
    const d = decodeProposal(heatmaps, theta, c.frame, mask);
    const { recist, readout } = finishReadout(d.readout, d.recist, c.box, c.classical, config);
    const maskStack = mask && d.readout === 'mask' ? { width: mask.size, height: mask.size, channels: 1, data: Float32Array.from(mask.data) } : undefined;
    return {
      recist, readout, entropy: d.entropy, entropies: d.entropies, heatmaps, ...(maskStack ? { mask: maskStack } : {}),
      theta, crop: c.frame, modelVersion, backend, ms,
    };
  });
}

/**
 * Run the cascade on prepared crops and decode each into a Proposal. Reads back asynchronously, so it works
 * on every backend (WebGPU in Node has no synchronous read-back).
 */
export async function proposeFromCrops(cascade: Cascade, crops: readonly Crop[], modelVersion: string, backend: string): Promise<Proposal[]> {
  const t0 = performance.now();
  const { theta, heatmaps, mask } = runOnCrops(cascade, crops);
  const [thetas, maps, masks] = await Promise.all([
    theta.data() as Promise<Float32Array>, heatmaps.data() as Promise<Float32Array>, mask ? (mask.data() as Promise<Float32Array>) : null,
  ]);
  tf.dispose([theta, heatmaps, ...(mask ? [mask] : [])]);
  const outputs = { thetas, maps, hmSize: heatmaps.shape[1], masks, maskSize: mask?.shape[1] ?? 0 };
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
