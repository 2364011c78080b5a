/**
 * Model and training configuration (kept apart: `ModelConfig` is the architecture and what the losses
 * switch on — it is saved in every checkpoint's card; `TrainConfig` is the optimiser and schedule).
 *
 * Presets:
 * - `paper`: Tang et al. 2018 — ResNet-50 trunk ([3,4,6,3] bottlenecks, base width 64, expansion 4),
 *   FPN width 256, 2 hourglass stacks of width 256, recursion depth 4.
 * - `default`: the same topology, narrower, sized to infer one lesion in ≲150 ms on 2 CPU cores (wasm)
 *   and to train usefully in about an hour on 2 cores.
 * - `tiny`: for tests only.
 *
 * Ablations mirror the rows of the paper's Table 1 (`applyAblation`).
 */
import type { MaskMeasure } from '../geometry/mask-readout.ts';
import type { BoxJitter } from '../geometry/box.ts';

export type PresetName = 'default' | 'paper' | 'tiny';
export const PRESET_NAMES: readonly PresetName[] = ['default', 'paper', 'tiny'];

/** Table 1 rows: SHN alone (L_HM); STN(L_TPP)+SHN(L_HM); STN(L_TPP+L_LRP)+SHN(L_HM); full (+L_cos). */
export type AblationName = 'shn-only' | 'stn-tpp' | 'stn-tpp-lrp' | 'full';
export const ABLATION_NAMES: readonly AblationName[] = ['shn-only', 'stn-tpp', 'stn-tpp-lrp', 'full'];

export interface StnConfig {
  /** Bottleneck blocks in conv2_x..conv5_x (ResNet-50 = [3, 4, 6, 3]). */
  readonly blocks: readonly [number, number, number, number];
  /** Bottleneck width of conv2_x (ResNet-50 = 64); stage k has width baseWidth·2^k and outputs 4× that. */
  readonly baseWidth: number;
  /** Channels of the FPN laterals and 3×3 smoothing convs (paper 256). */
  readonly fpnWidth: number;
  /** Side of the LRP pseudo-mask / the FPN's finest level (32). */
  readonly maskSize: 32;
  /** false = no STN at all (shn-only ablation): the SHN sees the crop itself, θ = identity. */
  readonly enabled: boolean;
}

export interface ShnConfig {
  /** Number of stacked hourglasses (paper 2). */
  readonly stacks: number;
  /** Channels inside the hourglasses (paper 256). */
  readonly width: number;
  /** Hourglass recursion levels (4: 64 → 32 → 16 → 8 → 4). */
  readonly depth: number;
  /** Side of the canonical image the SHN reads (128). */
  readonly canonicalSize: 128;
  /** Side of the heatmaps (64). */
  readonly heatmapSize: 64;
}

export interface LossSwitches {
  /** L_LRP: pseudo-mask prediction (multi-task STN). */
  readonly lrp: boolean;
  /** L_TPP: transformation-parameter prediction. */
  readonly tpp: boolean;
  /** L_cos: orthogonality of the predicted axes. */
  readonly cos: boolean;
  /**
   * Not in the paper: an auxiliary integral-regression term (soft-argmax keypoints vs the true ones) on every
   * stack, meant to give the hourglasses a dense gradient early. It did the opposite: with it the default preset's SHN
   * never learned (L_HM above 1, worse than all-zero heatmaps; under the true θ its heatmaps peaked at 0.08 and decoded
   * 21 px off), without it L_HM fell 0.98 → 0.74 in an hour (2026-11-27, docs/accuracy.md "The SHN"). Off in the `paper` and
   * `default` presets; the `tiny` preset (tests) keeps it.
   */
  readonly coord: boolean;
}

/**
 * Where the proposal is read from. `heatmaps` (the paper): SHN heatmap argmax mapped back through θ. `mask`: the
 * STN's LRP pseudo-mask measured like a segmented lesion (src/geometry/mask-readout.ts), with the heatmap read-out
 * as fallback when the mask is empty. `mask+classical`: the mask read-out averaged with a classical segmentation of the
 * same box (src/segment/classical.ts), endpoint by endpoint, with `classicalWeight`. Not in the paper: on a 2-core training budget the densely supervised
 * pseudo-mask learns far faster than sparse keypoint heatmaps (docs/accuracy.md, "What the shipped read-out is"). Needs the STN and L_LRP.
 */
export type Readout = 'heatmaps' | 'mask' | 'mask+classical';
export const READOUTS: readonly Readout[] = ['heatmaps', 'mask', 'mask+classical'];

/** Whether a read-out measures the STN's pseudo-mask (`mask`, `mask+classical`). */
export const usesMask = (r: Readout): boolean => r !== 'heatmaps';

export interface ModelConfig {
  readonly preset: PresetName;
  readonly readout: Readout;
  /**
   * Mask read-out only: a measurement at least this round (short/long ≥ the value) takes its orientation from the
   * rough box's longer side (`orientByBox`), as the box-cross baseline does; null = never. The network sees a square
   * crop, so the box's aspect is information it does not have. Chosen on synthetic lesions, never on dev lesions.
   */
  readonly boxOrientationRatio: number | null;
  /**
   * `mask+classical` read-out only: the weight of the classical segmentation's marks (src/segment/classical.ts, when
   * it finds a segment) in the endpoint-matched average with the network's (`blendRecist`); null otherwise. Chosen on
   * synthetic lesions under the paper's and square boxes (pick-readout-constant.ts --param classicalWeight, in git history;
   * `recist tune-readout` picks it now), never on dev
   * lesions.
   */
  readonly classicalWeight: number | null;
  /**
   * Mask read-outs only (1 otherwise): the final marks' axes are scaled by this about their midpoints. Every method here
   * measures lesions short (a thresholded blur sits inside the boundary a reader clicks on); chosen on synthetic lesions
   * under the paper's and square boxes (pick-readout-constant.ts --param lengthScale), never on dev lesions.
   */
  readonly lengthScale: number;
  /**
   * Mask read-outs only (1 otherwise): the short axis's own scale, used instead of `lengthScale` for it. The
   * pseudo-mask measures the short axis longer, relative to the long one, than readers do (+5–9 % median on synthetic
   * and dev lesions); chosen on synthetic lesions like `lengthScale` (pick-readout-constant.ts --param
   * shortLengthScale), never on dev lesions.
   */
  readonly shortLengthScale: number;
  /**
   * Mask read-outs only (null otherwise): the last step moves each axis's length toward box-cross's (2/3 of the rough
   * box's sides) by this weight per axis (`towardBoxLengths`): the box a reader draws around a lesion measures its size
   * too, and on the short axis more reliably than the pseudo-mask. Chosen on synthetic lesions under the paper's and
   * square boxes (pick-readout-constant.ts --param boxLengthWeight.long|boxLengthWeight.short), never on dev
   * lesions; it costs accuracy when boxes are drawn much looser than the paper's (docs/accuracy.md, "How the box is drawn matters").
   */
  readonly boxLengthWeight: { readonly long: number; readonly short: number } | null;
  /**
   * Test-time augmentation over the rough box (null = none; by default on the mask read-outs only, the heatmap read-out
   * stays the paper's): the proposal is read on the reader's box and
   * on `k` jittered copies (`jitterBoxes`), and the marks averaged (`averageRecists`); the uncertainty and the overlay
   * stay the reader's box's. Chosen on synthetic lesions under the paper's and square boxes (try-box-jitter.ts),
   * never on dev lesions.
   */
  readonly boxJitter: BoxJitter | null;
  /**
   * How the mask read-outs measure the pseudo-mask: `tie` (near-longest chords broken toward the principal axis,
   * chosen for DeepLesion-like marks) or `strict` (RECIST's edge-to-edge definition, as mask ground truth is measured).
   */
  readonly maskMeasure: MaskMeasure;
  /** Side of the network's input crop (128). */
  readonly inputSize: 128;
  readonly stn: StnConfig;
  readonly shn: ShnConfig;
  readonly losses: LossSwitches;
}

/**
 * The default read-out's constants, picked on the 80-lesion synthetic evaluation set only (seeds 0–2, never on dev
 * lesions) for the network of 2026-11-26, and kept for the shipped network (the same one after 40 more minutes of its
 * STN on L_LRP alone). Re-picked for the shipped network the same way they would be 0.85 / 0.25 / 1.05 (synthetic
 * long-axis location 4.68 → 3.73 px), but those do not carry over to the real dev lesions (3.61 → 3.84 px): a sharper
 * synthetic pseudo-mask earns more trust in its orientation than it has on real lesions. docs/accuracy.md "What changed on 2026-11-27".
 *
 * BOX_ORIENTATION_RATIO: short/long from which the mask read-out orients by the box, the best of 0.6–0.9 (the grid of
 * pick-box-orientation.ts then; it now also tries 0.85 and 0.95).
 */
export const BOX_ORIENTATION_RATIO = 0.75;

/** Weight of the classical segmentation in the default `mask+classical` read-out: the best of 0–1 (steps of 0.25), mean
 * location error over both axes and the paper + square box protocols (pick-readout-constant.ts). */
export const CLASSICAL_WEIGHT = 0.75;

/** Length calibration of the default read-out: the best of 1, 1.05, 1.1, 1.15 (0.95 added to the grid since; mean of location and length errors, both
 * axes, paper + square boxes, the mask+classical read-out at CLASSICAL_WEIGHT; pick-readout-constant.ts). */
export const LENGTH_SCALE = 1.1;

/** The short axis's scale in the default read-out (2026-11-27, for the shipped network): the best of 0.975–1.05 (steps
 * of 0.025) with LENGTH_SCALE fixed, same score and lesions as LENGTH_SCALE (pick-readout-constant.ts). */
export const SHORT_LENGTH_SCALE = 1.025;

/** The default read-out's pull of each axis's length toward box-cross's (2026-11-27, for the shipped network): the best
 * of 0–0.375 (long) and 0–1 (short) in steps of 0.125, same score and lesions as LENGTH_SCALE (pick-readout-constant.ts). */
export const BOX_LENGTH_WEIGHT = { long: 0.125, short: 0.75 } as const;

/** The default read-out's box jitter (2026-11-27, for the shipped network): picked on synthetic lesions
 * under the paper's and square boxes (try-box-jitter.ts), before the dev lesions were scored with it. */
export const BOX_JITTER: BoxJitter = { k: 6, shift: 0.1, scale: 0.1 };

/** The read-out constants of a heatmap read-out (none of them apply): the paper preset's and every Table 1 row's. */
export const HEATMAP_READOUT_CONSTANTS = {
  boxOrientationRatio: null, classicalWeight: null, lengthScale: 1, shortLengthScale: 1, boxLengthWeight: null, boxJitter: null,
} as const satisfies Pick<ModelConfig, 'boxOrientationRatio' | 'classicalWeight' | 'lengthScale' | 'shortLengthScale' | 'boxLengthWeight' | 'boxJitter'>;

const FULL_LOSSES: LossSwitches = { lrp: true, tpp: true, cos: true, coord: true };
const PAPER_LOSSES: LossSwitches = { lrp: true, tpp: true, cos: true, coord: false };

export const PRESETS: { readonly [K in PresetName]: ModelConfig } = {
  paper: {
    preset: 'paper',
    readout: 'heatmaps',
    ...HEATMAP_READOUT_CONSTANTS,
    maskMeasure: 'tie',
    inputSize: 128,
    stn: { blocks: [3, 4, 6, 3], baseWidth: 64, fpnWidth: 256, maskSize: 32, enabled: true },
    shn: { stacks: 2, width: 256, depth: 4, canonicalSize: 128, heatmapSize: 64 },
    losses: PAPER_LOSSES,
  },
  default: {
    preset: 'default',
    readout: 'mask+classical',
    boxOrientationRatio: BOX_ORIENTATION_RATIO,
    classicalWeight: CLASSICAL_WEIGHT,
    lengthScale: LENGTH_SCALE,
    shortLengthScale: SHORT_LENGTH_SCALE,
    boxLengthWeight: BOX_LENGTH_WEIGHT,
    boxJitter: BOX_JITTER,
    maskMeasure: 'tie',
    inputSize: 128,
    // ~0.3 GFLOP per lesion (paper: ~19), so it trains in about an hour on 2 CPU cores (wasm) and proposes
    // within the interactive budget; the STN only has to find the lesion's pose, so it is narrowed the most.
    stn: { blocks: [3, 4, 6, 3], baseWidth: 8, fpnWidth: 32, maskSize: 32, enabled: true },
    shn: { stacks: 2, width: 32, depth: 4, canonicalSize: 128, heatmapSize: 64 },
    losses: PAPER_LOSSES,
  },
  tiny: {
    preset: 'tiny',
    readout: 'mask',
    boxOrientationRatio: BOX_ORIENTATION_RATIO,
    classicalWeight: null,
    lengthScale: 1,
    shortLengthScale: 1,
    boxLengthWeight: null,
    boxJitter: null,
    maskMeasure: 'tie',
    inputSize: 128,
    stn: { blocks: [1, 1, 1, 1], baseWidth: 8, fpnWidth: 16, maskSize: 32, enabled: true },
    shn: { stacks: 1, width: 16, depth: 2, canonicalSize: 128, heatmapSize: 64 },
    losses: FULL_LOSSES,
  },
};

/** A partial config: `preset` picks the base (default `default`), the rest overrides field by field. */
export interface ModelConfigInput {
  readonly preset?: PresetName;
  /** Default: the preset's, or `heatmaps` when the STN or L_LRP is off. */
  readonly readout?: Readout;
  /** Default: the preset's with the mask read-out, else null. */
  readonly boxOrientationRatio?: number | null;
  /** Default: the preset's (or CLASSICAL_WEIGHT) with the mask+classical read-out, else null. */
  readonly classicalWeight?: number | null;
  /** Default: the preset's with a mask read-out, else 1. */
  readonly lengthScale?: number;
  /** Default: the preset's with a mask read-out, else 1 (also for a saved config written before the field existed). */
  readonly shortLengthScale?: number;
  /** Default: the preset's with a mask read-out, else null (also for a saved config written before the field existed). */
  readonly boxLengthWeight?: { readonly long: number; readonly short: number } | null;
  /** Default: the preset's with a mask read-out, else null (also for a saved config written before the field existed). */
  readonly boxJitter?: BoxJitter | null;
  /** Default: `tie` (also for a saved config written before the field existed). */
  readonly maskMeasure?: MaskMeasure;
  readonly inputSize?: number;
  readonly stn?: Partial<{ [K in keyof StnConfig]: K extends 'blocks' ? readonly number[] : number | boolean }>;
  readonly shn?: Partial<{ [K in keyof ShnConfig]: number }>;
  readonly losses?: Partial<LossSwitches>;
  /** Applied after the overrides. */
  readonly ablation?: AblationName;
}

function fail(field: string, value: unknown, expected: string): never {
  throw new Error(`model config: field ${field} is ${JSON.stringify(value)}, expected ${expected}`);
}

function posInt(field: string, v: unknown, max = 4096): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) fail(field, v, `an integer in [1, ${max}]`);
  return v;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(field, v, 'a boolean');
  return v;
}

/** Copy a partial config over its preset, validate every field, and name the bad one when it throws. */
export function resolveConfig(partial: ModelConfigInput = {}): ModelConfig {
  const presetName = partial.preset ?? 'default';
  if (!PRESET_NAMES.includes(presetName)) fail('preset', presetName, `one of ${PRESET_NAMES.join(', ')}`);
  const base = PRESETS[presetName];
  const inputSize = partial.inputSize ?? base.inputSize;
  if (inputSize !== 128) fail('inputSize', inputSize, '128');

  const s = { ...base.stn, ...(partial.stn ?? {}) } as Record<string, unknown>;
  const blocks = s.blocks;
  if (!Array.isArray(blocks) || blocks.length !== 4) fail('stn.blocks', blocks, 'four block counts, e.g. [3, 4, 6, 3]');
  blocks.forEach((b, i) => posInt(`stn.blocks[${i}]`, b, 64));
  const stn: StnConfig = {
    blocks: [blocks[0], blocks[1], blocks[2], blocks[3]] as [number, number, number, number],
    baseWidth: posInt('stn.baseWidth', s.baseWidth, 512),
    fpnWidth: posInt('stn.fpnWidth', s.fpnWidth, 1024),
    maskSize: s.maskSize === 32 ? 32 : fail('stn.maskSize', s.maskSize, '32'),
    enabled: bool('stn.enabled', s.enabled),
  };

  const h = { ...base.shn, ...(partial.shn ?? {}) } as Record<string, unknown>;
  const width = posInt('shn.width', h.width, 1024);
  if (width % 2 !== 0) fail('shn.width', width, 'an even number (residual modules halve it)');
  const shn: ShnConfig = {
    stacks: posInt('shn.stacks', h.stacks, 8),
    width,
    // 64×64 halves at most 6 times; 4 (down to 4×4) is the paper's.
    depth: posInt('shn.depth', h.depth, 6),
    canonicalSize: h.canonicalSize === 128 ? 128 : fail('shn.canonicalSize', h.canonicalSize, '128'),
    heatmapSize: h.heatmapSize === 64 ? 64 : fail('shn.heatmapSize', h.heatmapSize, '64'),
  };

  const l = { ...base.losses, ...(partial.losses ?? {}) } as Record<string, unknown>;
  const losses: LossSwitches = {
    lrp: bool('losses.lrp', l.lrp), tpp: bool('losses.tpp', l.tpp), cos: bool('losses.cos', l.cos), coord: bool('losses.coord', l.coord),
  };
  if (stn.enabled && !losses.tpp && !losses.lrp) fail('losses', losses, 'lrp or tpp on while the STN is enabled');
  const hasMask = stn.enabled && losses.lrp;
  const readout = partial.readout ?? (hasMask ? base.readout : 'heatmaps');
  if (!READOUTS.includes(readout)) fail('readout', readout, `one of ${READOUTS.join(', ')}`);
  if (usesMask(readout) && !hasMask) fail('readout', readout, '"heatmaps" (the mask read-outs need the STN with L_LRP)');
  const boxOrientationRatio = partial.boxOrientationRatio !== undefined ? partial.boxOrientationRatio : usesMask(readout) ? base.boxOrientationRatio : null;
  if (boxOrientationRatio !== null && !(typeof boxOrientationRatio === 'number' && boxOrientationRatio > 0 && boxOrientationRatio <= 1)) {
    fail('boxOrientationRatio', boxOrientationRatio, 'null or a number in (0, 1]');
  }
  if (boxOrientationRatio !== null && !usesMask(readout)) fail('boxOrientationRatio', boxOrientationRatio, 'null (it only applies to the mask read-outs)');
  const classicalWeight = partial.classicalWeight !== undefined ? partial.classicalWeight : readout === 'mask+classical' ? (base.classicalWeight ?? CLASSICAL_WEIGHT) : null;
  if (classicalWeight !== null && !(typeof classicalWeight === 'number' && classicalWeight >= 0 && classicalWeight <= 1)) {
    fail('classicalWeight', classicalWeight, 'null or a number in [0, 1]');
  }
  if (classicalWeight !== null && readout !== 'mask+classical') fail('classicalWeight', classicalWeight, 'null (it only applies to the mask+classical read-out)');
  if (classicalWeight === null && readout === 'mask+classical') fail('classicalWeight', classicalWeight, 'a number in [0, 1] for the mask+classical read-out');

  /** A length scale of the mask read-outs: the given value, else the preset's (1 for heatmap read-outs), checked. */
  const maskScale = (name: 'lengthScale' | 'shortLengthScale'): number => {
    const v = partial[name] !== undefined ? partial[name] : usesMask(readout) ? base[name] : 1;
    if (!(typeof v === 'number' && v >= 0.5 && v <= 2)) fail(name, v, 'a number in [0.5, 2]');
    if (v !== 1 && !usesMask(readout)) fail(name, v, '1 (it only applies to the mask read-outs)');
    return v;
  };
  const lengthScale = maskScale('lengthScale');
  const shortLengthScale = maskScale('shortLengthScale');
  const boxLengthWeight = partial.boxLengthWeight !== undefined ? partial.boxLengthWeight : usesMask(readout) ? base.boxLengthWeight : null;
  if (boxLengthWeight !== null) {
    const ok = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
    if (typeof boxLengthWeight !== 'object' || !ok(boxLengthWeight.long) || !ok(boxLengthWeight.short)) {
      fail('boxLengthWeight', boxLengthWeight, 'null or { long, short } with both in [0, 1]');
    }
    if (!usesMask(readout)) fail('boxLengthWeight', boxLengthWeight, 'null (it only applies to the mask read-outs)');
  }

  const boxJitter = partial.boxJitter !== undefined ? partial.boxJitter : usesMask(readout) ? base.boxJitter : null;
  if (boxJitter !== null) {
    const ok = typeof boxJitter === 'object' && Number.isInteger(boxJitter.k) && boxJitter.k >= 0 && boxJitter.k <= 32
      && typeof boxJitter.shift === 'number' && boxJitter.shift >= 0 && boxJitter.shift <= 0.5 && typeof boxJitter.scale === 'number' && boxJitter.scale >= 0 && boxJitter.scale <= 0.5;
    if (!ok) fail('boxJitter', boxJitter, 'null or { k: integer in [0, 32], shift: [0, 0.5], scale: [0, 0.5] }');
  }

  const maskMeasure = partial.maskMeasure ?? 'tie';
  if (maskMeasure !== 'tie' && maskMeasure !== 'strict') fail('maskMeasure', maskMeasure, '"tie" or "strict"');
  const config: ModelConfig = { preset: presetName, readout, boxOrientationRatio, classicalWeight, lengthScale, shortLengthScale, boxLengthWeight, boxJitter, maskMeasure, inputSize: 128, stn, shn, losses };
  return partial.ablation === undefined ? config : applyAblation(config, partial.ablation);
}

/** Table 1's switches per row (the auxiliary coord term keeps the base config's setting). */
const ABLATION_SWITCHES: Record<AblationName, { readonly stn: boolean; readonly lrp: boolean; readonly tpp: boolean; readonly cos: boolean }> = {
  'shn-only': { stn: false, lrp: false, tpp: false, cos: false },
  'stn-tpp': { stn: true, lrp: false, tpp: true, cos: false },
  'stn-tpp-lrp': { stn: true, lrp: true, tpp: true, cos: false },
  full: { stn: true, lrp: true, tpp: true, cos: true },
};

/** Switch the STN and loss terms to reproduce one row of Table 1 (heatmap read-out, as in the paper); returns a new config. */
export function applyAblation(config: ModelConfig, name: AblationName): ModelConfig {
  const sw = Object.hasOwn(ABLATION_SWITCHES, name) ? ABLATION_SWITCHES[name] : fail('ablation', name, `one of ${ABLATION_NAMES.join(', ')}`);
  return {
    ...config, readout: 'heatmaps', ...HEATMAP_READOUT_CONSTANTS,
    stn: { ...config.stn, enabled: sw.stn }, losses: { lrp: sw.lrp, tpp: sw.tpp, cos: sw.cos, coord: config.losses.coord },
  };
}

/** Which Table 1 row a config is (`custom` when its switches match none). */
export function ablationOf(config: ModelConfig): AblationName | 'custom' {
  const { lrp, tpp, cos } = config.losses;
  if (!config.stn.enabled) return !cos ? 'shn-only' : 'custom';
  if (tpp && !lrp && !cos) return 'stn-tpp';
  if (tpp && lrp && !cos) return 'stn-tpp-lrp';
  if (tpp && lrp && cos) return 'full';
  return 'custom';
}

// ---------------------------------------------------------------------------------------------------------
// Training (optimiser and schedule), separate from the architecture.

/** Which loss a phase optimises and which weights it updates (paper 2.3). */
export type PhaseKind =
  | 'stn-lrp-first' // L_STN = 10·L_LRP + L_TPP, STN weights only
  | 'stn-tpp-first' // L_STN = L_LRP + 10·L_TPP, STN weights only
  | 'shn' // L_SHN = L_HM + L_cos, SHN weights only, canonical image from the true θ (teacher forcing)
  | 'joint'; // all losses, equal weights, all weights, canonical image from the STN's θ

export interface TrainPhase {
  readonly kind: PhaseKind;
  /** Upper bound on optimiser steps in this phase. */
  readonly maxSteps: number;
  /** Optional wall-clock bound in seconds (whichever comes first). */
  readonly maxSeconds?: number;
}

export interface TrainConfig {
  /** `sgd-momentum` is the paper's; `adam` converges within the short CPU budgets of the shipped presets. */
  readonly optimizer: { readonly kind: 'sgd-momentum' | 'adam'; readonly momentum: number; readonly learningRate: number };
  /** Samples per optimiser step. */
  readonly batch: number;
  /** Samples per forward/backward pass; gradients of batch/microBatch passes are summed (wasm heap limit). */
  readonly microBatch: number;
  /** Learning rate ÷ lrDecay.factor when the validation loss is stable for `patience` evaluations; stop after `times` decays. */
  readonly lrDecay: { readonly factor: number; readonly patience: number; readonly times: number };
  /** Steps between validation evaluations. */
  readonly evalEvery: number;
  readonly phases: readonly TrainPhase[];
  readonly seed: number;
  /** Batchnorm in inference mode while training (moving statistics used, never updated; γ and β still learn): for
   * fine-tuning on a handful of corrections, whose batch statistics are not the population's. */
  readonly freezeBatchnorm: boolean;
}

/** Paper 2.3: SGD, momentum 0.9, lr 5e-4 ÷10 twice on plateaus; STN and SHN separately, then jointly. */
export const DEFAULT_TRAIN: TrainConfig = {
  optimizer: { kind: 'sgd-momentum', momentum: 0.9, learningRate: 5e-4 },
  batch: 8,
  microBatch: 8,
  lrDecay: { factor: 10, patience: 3, times: 2 },
  evalEvery: 200,
  phases: [
    { kind: 'stn-lrp-first', maxSteps: 2000 },
    { kind: 'stn-tpp-first', maxSteps: 2000 },
    { kind: 'shn', maxSteps: 4000 },
    { kind: 'joint', maxSteps: 2000 },
  ],
  seed: 1,
  freezeBatchnorm: false,
};

/** Validate a TrainConfig (names the bad field). */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  const c: TrainConfig = { ...DEFAULT_TRAIN, ...partial };
  const o = c.optimizer;
  if (o.kind !== 'sgd-momentum' && o.kind !== 'adam') fail('train.optimizer.kind', o.kind, '"sgd-momentum" or "adam"');
  if (!(o.momentum >= 0 && o.momentum < 1)) fail('train.optimizer.momentum', o.momentum, 'a number in [0, 1)');
  if (!(o.learningRate > 0 && o.learningRate < 10)) fail('train.optimizer.learningRate', o.learningRate, 'a number in (0, 10)');
  posInt('train.batch', c.batch, 4096);
  posInt('train.microBatch', c.microBatch, 4096);
  if (c.batch % c.microBatch !== 0) fail('train.microBatch', c.microBatch, `a divisor of train.batch (${c.batch})`);
  if (!(c.lrDecay.factor > 1)) fail('train.lrDecay.factor', c.lrDecay.factor, 'a number > 1');
  posInt('train.lrDecay.patience', c.lrDecay.patience, 1e6);
  if (!Number.isInteger(c.lrDecay.times) || c.lrDecay.times < 0) fail('train.lrDecay.times', c.lrDecay.times, 'an integer ≥ 0');
  posInt('train.evalEvery', c.evalEvery, 1e9);
  if (typeof c.freezeBatchnorm !== 'boolean') fail('train.freezeBatchnorm', c.freezeBatchnorm, 'true or false');
  if (!Array.isArray(c.phases) || c.phases.length === 0) fail('train.phases', c.phases, 'a non-empty list');
  c.phases.forEach((p, i) => {
    if (!['stn-lrp-first', 'stn-tpp-first', 'shn', 'joint'].includes(p.kind)) fail(`train.phases[${i}].kind`, p.kind, 'stn-lrp-first, stn-tpp-first, shn or joint');
    if (!Number.isInteger(p.maxSteps) || p.maxSteps < 0) fail(`train.phases[${i}].maxSteps`, p.maxSteps, 'an integer ≥ 0');
  });
  return c;
}
