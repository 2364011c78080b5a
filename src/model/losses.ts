/**
 * Losses (paper 2.3). All are MSE-type and normalized so that each component lies in [0, 1] for predictions
 * in the valid range (a trivial prediction scores about 1, a perfect one 0):
 *
 * - L_LRP: mean over pixels of (sigmoid(logits) − pseudo-mask)². Both in [0, 1].
 * - L_TPP: mean over the batch and the four parameters of
 *     ((tx − tx*)/2)², ((ty − ty*)/2)²      translations live in [-1, 1], so a full-range error scores 1;
 *     sin²(α − α*)                        π-periodic: α and α ± π score the same (the long-left/long-right
 *                                         order is a convention), and ≈ (α − α*)² for small errors;
 *     (ln|s| − ln s*)² / ln(4)²           scale compared in log space (a 2× error costs the same growing or
 *                                         shrinking; ×4 off scores 1). |s| (as ½·ln(s² + ε)) makes s → −s free,
 *                                         consistent with the α ± π symmetry: (α, −s) ≡ (α + π, s).
 * - L_HM: per stack, Σ(h − t)² / Σt² over the batch (MSE divided by the target's mean square: an all-zero
 *   prediction scores 1), then the MEAN over stacks so the term stays in [0, 1] and weighs the same as
 *   L_cos ("each contributes equally"). Every stack is supervised (intermediate supervision).
 * - L_cos: cos² of the angle between the predicted long and short axes (keypoints by soft-argmax from the
 *   last stack): 0 when perpendicular, 1 when parallel.
 *
 * Composite losses return `{ total, parts }`; inside tf.variableGrads/optimizer.minimize the parts are
 * intermediate tensors: `tf.keep` them (or read them) if they are needed outside.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSwitches } from './config.ts';
import { softArgmax2d, SOFT_ARGMAX_BETA } from './soft-argmax.ts';

export interface LossResult {
  readonly total: tf.Scalar;
  /** Unweighted components by name (`lrp`, `tpp`, `hm`, `hm0`, `hm1`, …, `cos`), each a scalar. */
  readonly parts: Readonly<Record<string, tf.Scalar>>;
}

const LN4_SQ = Math.log(4) ** 2;
const EPS = 1e-6;
const AXIS_EPS_PX2 = 1;

function assertShapes(where: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${where}: prediction [${a.shape}] and target [${b.shape}] differ`);
  }
}

/** MSE of sigmoid(mask logits) against the pseudo-mask; both [B, 32, 32, 1]. */
export function lrpLoss(maskLogits: tf.Tensor4D, mask32: tf.Tensor4D): tf.Scalar {
  assertShapes('lrpLoss', maskLogits, mask32);
  return tf.tidy(() => tf.sigmoid(maskLogits).sub(mask32).square().mean() as tf.Scalar);
}

/** Normalized squared errors per parameter [B, 4] (tx, ty, α, s), see the file comment. */
/** Scale floor inside L_TPP's log-scale term. */
const S_FLOOR = 0.03;

export function tppErrors(theta: tf.Tensor2D, thetaTrue: tf.Tensor2D): tf.Tensor2D {
  assertShapes('tppLoss', theta, thetaTrue);
  return tf.tidy(() => {
    const [tx, ty, a, s] = tf.unstack(theta, 1);
    const [tx0, ty0, a0, s0] = tf.unstack(thetaTrue, 1);
    const eTx = tx.sub(tx0).div(2).square();
    const eTy = ty.sub(ty0).div(2).square();
    const eA = tf.sin(a.sub(a0)).square();
    // |s| is floored at 0.03 (true scales are ≳ 0.2): ln|s| near s = 0 would otherwise give unbounded loss
    // and gradient spikes that wreck the optimizer's moments (seen in 2-core training runs).
    const logS = s.square().add(S_FLOOR * S_FLOOR).log().mul(0.5);
    const logS0 = s0.square().add(S_FLOOR * S_FLOOR).log().mul(0.5); // same floor: zero error at the truth
    const eS = logS.sub(logS0).square().div(LN4_SQ);
    return tf.stack([eTx, eTy, eA, eS], 1) as tf.Tensor2D;
  });
}

/** L_TPP between predicted and true θ, both [B, 4]. */
export function tppLoss(theta: tf.Tensor2D, thetaTrue: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tppErrors(theta, thetaTrue).mean() as tf.Scalar);
}

/** Normalized heatmap MSE of each stack [B, 64, 64, 4] against the target: Σ(h − t)² / Σt². */
export function heatmapLossPerStack(heatmaps: readonly tf.Tensor4D[], target: tf.Tensor4D): tf.Scalar[] {
  if (heatmaps.length === 0) throw new Error('heatmapLoss: no heatmaps (was the SHN skipped?)');
  heatmaps.forEach((h) => assertShapes('heatmapLoss', h, target));
  return tf.tidy(() => {
    const energy = target.square().sum().maximum(EPS);
    return heatmaps.map((h) => h.sub(target).square().sum().div(energy) as tf.Scalar);
  });
}

/** L_HM: mean over stacks of the normalized heatmap MSE (intermediate supervision on every stack). */
export function heatmapLoss(heatmaps: readonly tf.Tensor4D[], target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.addN(heatmapLossPerStack(heatmaps, target)).div(heatmaps.length) as tf.Scalar);
}

/** cos² between long (kp1 − kp0) and short (kp3 − kp2) axes for keypoints [B, 4, 2] → [B]. */
export function axisCosSquared(keypoints: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const pt = (k: number) => keypoints.slice([0, k, 0], [-1, 1, 2]).reshape([-1, 2]); // [B, 2]
    const l = pt(1).sub(pt(0));
    const s = pt(3).sub(pt(2));
    const dot = l.mul(s).sum(1);
    // ε = 1 px²: near-degenerate axes (all soft-argmax points near the centre, as from untrained
    // near-zero heatmaps) give ≈ 0 instead of a noisy cos² of sub-pixel vectors.
    const nl = l.square().sum(1).add(AXIS_EPS_PX2);
    const ns = s.square().sum(1).add(AXIS_EPS_PX2);
    return dot.square().div(nl.mul(ns)) as tf.Tensor1D;
  });
}

/** L_cos on the last stack's heatmaps [B, 64, 64, 4] (soft-argmax keypoints). */
export function cosLoss(heatmapsLast: tf.Tensor4D, beta = SOFT_ARGMAX_BETA): tf.Scalar {
  return tf.tidy(() => axisCosSquared(softArgmax2d(heatmapsLast, beta)).mean() as tf.Scalar);
}

export type StnPhase = 'lrp-first' | 'tpp-first';

export interface StnOutputs {
  readonly maskLogits: tf.Tensor4D | null;
  readonly theta: tf.Tensor2D;
}

export interface LossTargets {
  /** Pseudo-mask [B, 32, 32, 1] in {0, 1} (or soft). */
  readonly mask32?: tf.Tensor4D;
  /** True θ [B, 4]. */
  readonly theta?: tf.Tensor2D;
  /** Heatmap targets [B, 64, 64, 4] for the θ the SHN actually saw. */
  readonly heatmaps?: tf.Tensor4D;
  /** The same keypoints as the heatmap targets [B, 4, 2], in heatmap pixels (for the `coord` term). */
  readonly keypoints?: tf.Tensor3D;
}

function need<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null) throw new Error(`loss: ${what} is required by the switched-on loss terms`);
  return v;
}

/**
 * L_STN: 'lrp-first' = 10·L_LRP + L_TPP, then 'tpp-first' = L_LRP + 10·L_TPP. Terms switched off in
 * `switches` (ablations) are left out.
 */
export function stnLoss(out: StnOutputs, targets: LossTargets, phase: StnPhase, switches: LossSwitches): LossResult {
  const terms: [string, number, tf.Scalar][] = [];
  if (switches.lrp) terms.push(['lrp', phase === 'lrp-first' ? 10 : 1, lrpLoss(need(out.maskLogits, 'the STN mask output'), need(targets.mask32, 'targets.mask32'))]);
  if (switches.tpp) terms.push(['tpp', phase === 'tpp-first' ? 10 : 1, tppLoss(out.theta, need(targets.theta, 'targets.theta'))]);
  return combine(terms);
}

/** Heatmap pixels per unit of the coordinate loss: a 4 px mean endpoint error scores 1. */
export const COORD_LOSS_SCALE_PX = 4;

/**
 * Auxiliary integral regression (not in the paper, `losses.coord`): mean distance between each stack's
 * soft-argmax keypoints and the target keypoints [B, 4, 2], over stacks, in units of COORD_LOSS_SCALE_PX.
 */
export function coordLoss(heatmaps: readonly tf.Tensor4D[], keypoints: tf.Tensor3D, beta = SOFT_ARGMAX_BETA): tf.Scalar {
  return tf.tidy(() => {
    const per = heatmaps.map((h) => softArgmax2d(h, beta).sub(keypoints).square().sum(-1).add(1e-6).sqrt().mean());
    return tf.addN(per).div(heatmaps.length * COORD_LOSS_SCALE_PX) as tf.Scalar;
  });
}

function hmTerms(heatmaps: readonly tf.Tensor4D[], target: tf.Tensor4D, switches: LossSwitches, keypoints?: tf.Tensor3D): [string, number, tf.Scalar][] {
  const per = heatmapLossPerStack(heatmaps, target);
  const hm = tf.tidy(() => tf.addN(per).div(per.length) as tf.Scalar);
  const terms: [string, number, tf.Scalar][] = [['hm', 1, hm]];
  // Per-stack values for logging only (weight 0 terms are not summed).
  per.forEach((p, i) => terms.push([`hm${i}`, 0, p]));
  if (switches.cos) terms.push(['cos', 1, cosLoss(heatmaps[heatmaps.length - 1])]);
  if (switches.coord) terms.push(['coord', 1, coordLoss(heatmaps, need(keypoints, 'target keypoints (losses.coord)'))]);
  return terms;
}

/** Sum of weight × term over terms with weight ≠ 0; every term goes into parts (unweighted). */
function combine(terms: [string, number, tf.Scalar][]): LossResult {
  const parts: Record<string, tf.Scalar> = {};
  for (const [name, , v] of terms) parts[name] = v;
  const summed = terms.filter(([, w]) => w !== 0);
  if (summed.length === 0) throw new Error('loss: every term is switched off');
  const total = tf.tidy(() => tf.addN(summed.map(([, w, v]) => (w === 1 ? v : v.mul(w)))) as tf.Scalar);
  return { total, parts };
}

/** L_SHN = L_HM + L_cos (L_cos only when switches.cos). */
export function shnLoss(heatmaps: readonly tf.Tensor4D[], targetHeatmaps: tf.Tensor4D, switches: LossSwitches, targetKeypoints?: tf.Tensor3D): LossResult {
  return combine(hmTerms(heatmaps, targetHeatmaps, switches, targetKeypoints));
}

export interface JointOutputs extends StnOutputs {
  readonly heatmaps: readonly tf.Tensor4D[];
}

/** Joint training: every switched-on term with weight 1 (LRP/TPP only when the STN ran). */
export function jointLoss(out: JointOutputs, targets: LossTargets, switches: LossSwitches): LossResult {
  const terms: [string, number, tf.Scalar][] = [];
  if (out.maskLogits !== null) {
    if (switches.lrp) terms.push(['lrp', 1, lrpLoss(out.maskLogits, need(targets.mask32, 'targets.mask32'))]);
    if (switches.tpp) terms.push(['tpp', 1, tppLoss(out.theta, need(targets.theta, 'targets.theta'))]);
  }
  terms.push(...hmTerms(out.heatmaps, need(targets.heatmaps, 'targets.heatmaps'), switches, targets.keypoints));
  return combine(terms);
}
