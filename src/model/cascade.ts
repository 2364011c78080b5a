/**
 * The cascade: STN localization net → grid generator + bilinear sampler → stacked hourglass network.
 *
 * Frames: the input is the 128×128 crop (network window, [0, 1]); θ maps canonical normalized coordinates to
 * crop normalized coordinates (docs/DESIGN.md); the canonical image is the crop resampled at θ
 * (CANONICAL_SIZE²); heatmaps are in canonical space at HEATMAP_SIZE².
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.ts';
import { buildStn, THETA_IDENTITY } from './nets/stn.ts';
import { buildShn } from './nets/shn.ts';
import { transformImage } from './sampler.ts';
import { disposeFolded, foldedModel } from './nets/folded.ts';
import { useClosedFormBatchnorm } from './nets/batchnorm-training.ts';

export interface Cascade {
  readonly config: ModelConfig;
  /** null for the shn-only ablation (config.stn.enabled = false). */
  readonly stn: tf.LayersModel | null;
  readonly shn: tf.LayersModel;
}

export interface ForwardOptions {
  /** Batchnorm in training mode (batch statistics, moving averages updated). */
  readonly training: boolean;
  /** Use this θ [B, 4] for the sampler instead of the STN's (teacher forcing / SHN-only training). */
  readonly theta?: tf.Tensor2D;
  /** With `theta`: do not run the STN at all (SHN phase: saves time and leaves the STN's batchnorm
   * statistics untouched). maskLogits is then null and theta is a copy of opts.theta. */
  readonly skipStn?: boolean;
  /** Do not run the SHN (STN phases, mask read-outs): heatmaps is then [] and canonical null (the sampler is skipped). */
  readonly skipShn?: boolean;
  /** Inference only (no gradients reach the weights): run the nets with batchnorm folded into their convolutions and
   * ReLUs fused (`foldedModel`). Requires training: false. */
  readonly folded?: boolean;
}

export interface CascadeOutput {
  /** LRP logits [B, 32, 32, 1] (sigmoid → pseudo-mask); null without an STN or with skipStn. */
  readonly maskLogits: tf.Tensor4D | null;
  /** The STN's θ [B, 4] (identity without an STN, opts.theta with skipStn). */
  readonly theta: tf.Tensor2D;
  /** The θ the sampler used [B, 4] (opts.theta when given, else `theta`). */
  readonly thetaUsed: tf.Tensor2D;
  /** Canonical image [B, 128, 128, 1]; null with skipShn. */
  readonly canonical: tf.Tensor4D | null;
  /** Heatmaps of every stack, each [B, 64, 64, 4]; the last is the prediction. */
  readonly heatmaps: tf.Tensor4D[];
}

export interface BuildOptions {
  /** Seed for every random initializer (deterministic weights); omitted = Math.random. */
  readonly seed?: number;
}

export function buildCascade(config: ModelConfig, opts: BuildOptions = {}): Cascade {
  const stn = config.stn.enabled ? buildStn(config.stn, config.inputSize, opts.seed) : null;
  const shn = buildShn(config.shn, opts.seed === undefined ? undefined : opts.seed + 1);
  return { config, stn, shn };
}

function identityTheta(batch: number): tf.Tensor2D {
  return tf.tidy(() => tf.tensor2d(THETA_IDENTITY as unknown as number[], [1, 4]).tile([batch, 1]) as tf.Tensor2D);
}

function asList(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** Run the cascade on crops [B, 128, 128, 1]. All returned tensors are new: dispose them (tf.dispose(out)). */
export function forwardCascade(c: Cascade, input: tf.Tensor4D, opts: ForwardOptions): CascadeOutput {
  const size = c.config.inputSize;
  const [B, H, W, C] = input.shape;
  if (H !== size || W !== size || C !== 1) throw new Error(`forwardCascade: input [${input.shape}], expected [B, ${size}, ${size}, 1]`);
  if (opts.theta && (opts.theta.rank !== 2 || opts.theta.shape[0] !== B || opts.theta.shape[1] !== 4)) {
    throw new Error(`forwardCascade: opts.theta [${opts.theta.shape}], expected [${B}, 4]`);
  }
  if (opts.skipStn && !opts.theta) throw new Error('forwardCascade: skipStn needs opts.theta');
  if (opts.folded && opts.training) throw new Error('forwardCascade: folded is for inference (training: false)');
  const kwargs = { training: opts.training };
  const apply = (m: tf.LayersModel, x: tf.Tensor): tf.Tensor[] => {
    if (opts.folded) return foldedModel(m)(x);
    if (opts.training) useClosedFormBatchnorm(m); // ~40 % fewer kernels per training step (nets/batchnorm-training.ts)
    return asList(m.apply(x, kwargs) as tf.Tensor | tf.Tensor[]);
  };
  const canonicalSize = c.config.shn.canonicalSize;
  const [maskLogits, theta, thetaUsed, canonical, ...heatmaps] = tf.tidy(() => {
    let mask: tf.Tensor = tf.zeros([0]); // placeholder when absent (a tidy cannot return null)
    let th: tf.Tensor2D;
    if (c.stn && !opts.skipStn) {
      const [m, t] = apply(c.stn, input);
      mask = m; // [B, 32, 32, 1]
      th = t as tf.Tensor2D; // [B, 4]
    } else {
      th = opts.skipStn && opts.theta ? opts.theta.clone() : identityTheta(B);
    }
    const used = opts.theta ? opts.theta.clone() : th.clone();
    if (opts.skipShn) return [mask, th, used, tf.zeros([0])]; // no SHN: no canonical image either
    // No STN and no given θ: the canonical image is the crop itself (exact; identity sampling equals it).
    const canon = !c.stn && !opts.theta ? input.clone() : transformImage(input, used, canonicalSize, canonicalSize); // [B, 128, 128, 1]
    const hms = apply(c.shn, canon); // stacks × [B, 64, 64, 4]
    return [mask, th, used, canon, ...hms];
  });
  return {
    maskLogits: maskLogits.size === 0 ? (maskLogits.dispose(), null) : (maskLogits as tf.Tensor4D),
    theta: theta as tf.Tensor2D,
    thetaUsed: thetaUsed as tf.Tensor2D,
    canonical: canonical.size === 0 ? (canonical.dispose(), null) : (canonical as tf.Tensor4D),
    heatmaps: heatmaps as tf.Tensor4D[],
  };
}

/** Disposes every tensor of a forward's output. */
export function disposeOutput(o: CascadeOutput): void {
  tf.dispose([o.theta, o.thetaUsed, ...o.heatmaps, ...(o.maskLogits ? [o.maskLogits] : []), ...(o.canonical ? [o.canonical] : [])]);
}

/** The trainable variables of one part (batchnorm moving statistics excluded). */
export function trainableWeights(c: Cascade, part: 'stn' | 'shn' | 'all'): tf.Variable[] {
  const models = part === 'stn' ? [c.stn] : part === 'shn' ? [c.shn] : [c.stn, c.shn];
  const out: tf.Variable[] = [];
  for (const m of models) {
    if (!m) continue;
    for (const w of m.trainableWeights) {
      const v = w.read();
      if (!(v instanceof tf.Variable)) throw new Error(`trainableWeights: ${w.name} is not backed by a tf.Variable`);
      out.push(v);
    }
  }
  return out;
}

export function disposeCascade(c: Cascade): void {
  for (const m of [c.stn, c.shn]) if (m) disposeFolded(m);
  c.stn?.dispose();
  c.shn.dispose();
}

/**
 * The same cascade (same weights) with L_TPP switched off in its config, for training the STN on its pseudo-mask alone:
 * the θ head then gets no gradient. Mask read-outs never read θ, and with α at chance its loss is mostly noise through
 * the shared backbone (`recist train --no-tpp-loss`, the default fine-tune of mask read-out models).
 */
export function withoutTppLoss(c: Cascade): Cascade {
  return { ...c, config: { ...c.config, losses: { ...c.config.losses, tpp: false } } };
}
