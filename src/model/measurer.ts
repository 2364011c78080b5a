/**
 * `createMeasurer`: the cascade behind one interface. Callers hand a CT slice and a rough box and get RECIST
 * marks in the slice's pixels; the backend ladder, tensors and coordinate frames stay in here.
 */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { CtSlice } from '../data/types.ts';
import { NETWORK_WINDOW } from '../data/types.ts';
import { windowToUnit } from '../data/window.ts';
import { jitterBoxes, validateBox } from '../geometry/box.ts';
import { CROP_SIZE, cropFrameFromBox, cropImage, type CropFrame } from '../geometry/crop.ts';
import type { Box, MapStack, Recist, Theta } from '../geometry/types.ts';
import { averageRecists } from '../geometry/recist.ts';
import { decodeHeatmaps } from '../geometry/heatmap.ts';
import { canonicalToCrop, recistFromKeypoints } from '../geometry/theta.ts';
import { REPO_ROOT } from '../data/paths.ts';
import { classicalRecist } from '../segment/classical.ts';
import { initBackend, type BackendName } from './backend/index.ts';
import { disposeCascade, forwardCascade, type Cascade } from './cascade.ts';
import { loadCheckpoint, type ModelCard } from './checkpoint.ts';
import { usesMask, type ModelConfig, type Readout } from './config.ts';
import { decodeProposal, finishReadout, nhwcToMapStack, type Decoded, type ProbabilityMap } from './decode.ts';
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

/** The cascade's outputs for a batch, on the CPU: θ [B, 4], last-stack heatmaps [B, h, h, 4] (null when the SHN was not
 * run), pseudo-mask probabilities. */
interface CascadeOutputs {
  readonly thetas: Float32Array;
  readonly maps: Float32Array | null;
  readonly hmSize: number;
  /** Pseudo-mask probabilities [B, m, m, 1] (mask read-outs) or null. */
  readonly masks: Float32Array | null;
  readonly maskSize: number;
}

/**
 * Run the cascade on `n` inputs of CROP_SIZE² packed in `batch` (batchnorm folded) and read the outputs back
 * asynchronously, so it works on every backend (WebGPU in Node has no synchronous read-back). `heatmaps` (default: unless
 * the read-out uses the pseudo-mask) runs the SHN; without it (and the sampler) the folded forward costs about a seventh
 * (bench/results/SUMMARY.md).
 */
async function runCascade(cascade: Cascade, batch: Float32Array, n: number, opts: { heatmaps?: boolean } = {}): Promise<CascadeOutputs> {
  const mask = usesMask(cascade.config.readout) && cascade.stn !== null;
  const heatmaps = opts.heatmaps ?? !mask;
  const [theta, ...rest] = tf.tidy(() => {
    const out = forwardCascade(cascade, tf.tensor4d(batch, [n, CROP_SIZE, CROP_SIZE, 1]), { training: false, skipShn: !heatmaps, folded: true });
    const hm = heatmaps ? [out.heatmaps[out.heatmaps.length - 1]] : [];
    return [out.theta, ...hm, ...(mask && out.maskLogits ? [tf.sigmoid(out.maskLogits)] : [])];
  }) as tf.Tensor[];
  const hmT = heatmaps ? rest[0] : null;
  const maskT = rest[heatmaps ? 1 : 0] ?? null;
  const [thetas, maps, masks] = await Promise.all([
    theta.data() as Promise<Float32Array>, hmT ? (hmT.data() as Promise<Float32Array>) : null, maskT ? (maskT.data() as Promise<Float32Array>) : null,
  ]);
  tf.dispose([theta, ...rest]);
  return { thetas, maps, hmSize: hmT?.shape[1] ?? 0, masks, maskSize: maskT?.shape[1] ?? 0 };
}

/** Sample i of a batch's outputs: θ, its heatmaps (channel-major; null when not run) and its pseudo-mask when there is one. */
function sampleOutputs(o: CascadeOutputs, i: number): { theta: Theta; heatmaps: MapStack | null; mask?: ProbabilityMap } {
  const per = o.hmSize * o.hmSize * 4, perMask = o.maskSize * o.maskSize;
  const theta: Theta = { tx: o.thetas[i * 4], ty: o.thetas[i * 4 + 1], alpha: o.thetas[i * 4 + 2], s: o.thetas[i * 4 + 3] };
  const heatmaps = o.maps ? nhwcToMapStack(o.maps.subarray(i * per, (i + 1) * per), o.hmSize, 4) : null;
  return o.masks ? { theta, heatmaps, mask: { data: o.masks.subarray(i * perMask, (i + 1) * perMask), size: o.maskSize } } : { theta, heatmaps };
}

/** One decoded sample with the outputs it was read from. */
export type DecodedSample = ReturnType<typeof sampleOutputs> & { readonly decoded: Decoded };

/**
 * Run the cascade on a batch (one crop frame per input) and decode every sample. Mask read-outs run the STN only, then
 * the SHN for just the samples whose pseudo-mask holds no lesion (their heatmap fallback).
 */
export async function decodeBatch(cascade: Cascade, batch: Float32Array, frames: readonly CropFrame[]): Promise<DecodedSample[]> {
  const per = CROP_SIZE * CROP_SIZE;
  const decode = (o: CascadeOutputs, j: number, i: number) => {
    const s = sampleOutputs(o, j);
    const decoded = decodeProposal(s.heatmaps, s.theta, frames[i], s.mask, cascade.config.maskMeasure);
    return decoded ? { ...s, decoded } : null;
  };
  const first = await runCascade(cascade, batch, frames.length);
  const out = frames.map((_, i) => decode(first, i, i));
  const missing = out.flatMap((d, i) => (d ? [] : [i]));
  if (missing.length > 0) {
    const sub = new Float32Array(missing.length * per);
    missing.forEach((i, j) => sub.set(batch.subarray(i * per, (i + 1) * per), j * per));
    const again = await runCascade(cascade, sub, missing.length, { heatmaps: true });
    missing.forEach((i, j) => (out[i] = decode(again, j, i)));
  }
  return out as DecodedSample[];
}

/**
 * The SHN alone on one crop normalized by a given θ (the STN not run): its marks in crop pixels and its last stack's
 * heatmaps. For read-out trials that hand the SHN another θ than the STN's (scripts/shn-under-theta.ts,
 * pick-box-aspect.ts).
 */
export async function shnUnderTheta(cascade: Cascade, input: Float32Array, theta: Theta): Promise<{ recist: Recist; heatmaps: MapStack }> {
  const S = cascade.config.inputSize;
  const maps = tf.tidy(() => {
    const out = forwardCascade(cascade, tf.tensor4d(input, [1, S, S, 1]), { training: false, theta: tf.tensor2d([[theta.tx, theta.ty, theta.alpha, theta.s]]), skipStn: true });
    return out.heatmaps[out.heatmaps.length - 1];
  });
  const heatmaps = nhwcToMapStack(await maps.data(), maps.shape[1]!, 4);
  maps.dispose();
  return { recist: recistFromKeypoints(canonicalToCrop(decodeHeatmaps(heatmaps).points, theta, heatmaps.width, S)), heatmaps };
}

function toProposal(c: Crop, s: DecodedSample, config: ModelConfig, modelVersion: string, backend: string, ms: number): Proposal {
  const { theta, heatmaps, mask, decoded: d } = s;
  const { recist, readout } = finishReadout(d.readout, d.recist, c.box, c.classical, config);
  const maskStack = mask && d.readout === 'mask' ? { width: mask.size, height: mask.size, channels: 1, data: Float32Array.from(mask.data) } : undefined;
  return {
    recist, readout, entropy: d.entropy, entropies: d.entropies, ...(heatmaps ? { heatmaps } : {}), ...(maskStack ? { mask: maskStack } : {}),
    theta, crop: c.frame, modelVersion, backend, ms,
  };
}

/** Run the cascade on prepared crops and decode each into a Proposal. */
export async function proposeFromCrops(cascade: Cascade, crops: readonly Crop[], modelVersion: string, backend: string): Promise<Proposal[]> {
  const t0 = performance.now();
  const batch = new Float32Array(crops.length * CROP_SIZE * CROP_SIZE);
  crops.forEach((c, i) => batch.set(c.input, i * CROP_SIZE * CROP_SIZE));
  const samples = await decodeBatch(cascade, batch, crops.map((c) => c.frame));
  const ms = (performance.now() - t0) / Math.max(1, crops.length);
  return crops.map((c, i) => toProposal(c, samples[i], cascade.config, modelVersion, backend, ms));
}

const fromHeatmaps = (p: Proposal): boolean => p.readout === 'heatmaps';

/**
 * Proposals for (slice, box) items, the crops made here: with `config.boxJitter`, each item's marks are the average
 * (`averageRecists`) of its box's and those of its jittered copies (`jitterBoxes`) read the same way, all in one batch; everything else in the
 * proposal (uncertainty, maps for the overlay, crop frame) is the reader's box's.
 */
export async function proposeForBoxes(
  cascade: Cascade, items: readonly { readonly slice: CtSlice; readonly box: Box }[], modelVersion: string, backend: string, opts: { readonly jitter?: boolean } = {},
): Promise<Proposal[]> {
  const jitter = opts.jitter === false ? null : cascade.config.boxJitter;
  // Each item's own box comes first: cropInput validates it (and names the slice) before any copy is read.
  const boxesOf = items.map((it) => (jitter && jitter.k > 0 ? [it.box, ...jitterBoxes(it.box, jitter, it.slice.width, it.slice.height)] : [it.box]));
  const t0 = performance.now();
  const props = await proposeFromCrops(cascade, items.flatMap((it, i) => boxesOf[i].map((b) => cropInput(it.slice, b, cascade.config))), modelVersion, backend);
  const ms = (performance.now() - t0) / Math.max(1, items.length);
  let at = 0;
  return boxesOf.map((boxes) => {
    // Only copies read like the reader's box count (a copy whose pseudo-mask came out empty fell back to the heatmaps).
    const mine = props.slice(at, (at += boxes.length)).filter((p, _i, all) => fromHeatmaps(p) === fromHeatmaps(all[0]));
    return { ...mine[0], recist: mine.length > 1 ? averageRecists(mine.map((p) => p.recist)) : mine[0].recist, ms };
  });
}

/** A Measurer over an already loaded cascade (used by fine-tuning and evaluation as well). */
export function measurerFromCascade(cascade: Cascade, card: Pick<ModelCard, 'version'>, backend: string): Measurer {
  return {
    modelVersion: card.version,
    backend,
    async measure(slice, box) {
      const t0 = performance.now();
      const [p] = await proposeForBoxes(cascade, [{ slice, box }], card.version, backend);
      return { ...p, ms: performance.now() - t0 };
    },
    async measureBatch(items, opts) {
      return proposeForBoxes(cascade, items, card.version, backend, opts);
    },
    dispose() {
      disposeCascade(cascade);
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
