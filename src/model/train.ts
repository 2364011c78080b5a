/**
 * The paper's training schedule (Sect. 2.3) over any sample source:
 *   1. STN alone: L_STN = 10·L_LRP + L_TPP until it stalls, then L_LRP + 10·L_TPP;
 *   2. SHN alone on canonical crops made with the true θ (jittered so the SHN tolerates STN errors):
 *      L_SHN = L_HM + L_cos;
 *   3. joint, all losses with equal weights, heatmap targets made with the STN's own θ.
 * In every phase the learning rate is divided by 10 when the validation loss stops improving and the phase
 * ends after two drops (or when its step/time budget is spent). Gradients are accumulated over
 * micro-batches (the wasm heap stops at 4 GiB).
 */
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../data/samples.ts';
import type { Rng } from '../geometry/random.ts';
import { disposeBatch, microBatches, samplesToBatch, type Batch } from './batch.ts';
import { forwardCascade, trainableWeights, type Cascade } from './cascade.ts';
import { jointLoss, shnLoss, stnLoss, type LossResult, type StnPhase } from './losses.ts';
import { FlatOptimizer, flattenGrads } from './flat-optimizer.ts';
import { thetaToMatrices } from './sampler.ts';
import { heatmapTargets } from './targets.ts';
import type { PhaseKind, TrainConfig } from './config.ts';

export type PhaseName = 'stn' | 'shn' | 'joint';

/** θ jitter while the SHN trains alone (so it tolerates STN errors): translation (normalized), rotation (rad), log-scale. */
// As large as the STN's typical errors after a short CPU budget (rotation well under 90°, so the long-left /
// long-right order never flips).
export const THETA_JITTER = { shift: 0.08, rotation: 0.35, logScale: 0.15 } as const;

const PHASE_OF: Record<PhaseKind, PhaseName> = { 'stn-lrp-first': 'stn', 'stn-tpp-first': 'stn', shn: 'shn', joint: 'joint' };

export interface ProgressEvent {
  readonly phase: PhaseName;
  readonly step: number;
  readonly maxSteps: number;
  readonly elapsedS: number;
  readonly phaseBudgetS: number;
  readonly lr: number;
  readonly loss: number;
  readonly parts: Readonly<Record<string, number>>;
  readonly samplesPerS: number;
  readonly val?: number;
  readonly note?: string;
}

export interface TrainResult {
  readonly steps: Record<PhaseName, number>;
  readonly samplesSeen: number;
  readonly seconds: number;
  readonly finalVal: Record<string, number>;
}

/** Jittered true θ [B, 4] of the samples (JS side, seeded; no device read-back). */
function jitterTheta(samples: readonly Sample[], rng: Rng, j: typeof THETA_JITTER): tf.Tensor2D {
  const out = samples.map(({ theta: { tx, ty, alpha: a, s } }) => [
    tx + rng.normal(0, j.shift),
    ty + rng.normal(0, j.shift),
    a + rng.normal(0, j.rotation),
    s * Math.exp(rng.normal(0, j.logScale)),
  ]);
  return tf.tensor2d(out, [samples.length, 4]);
}

/** Read scalars with one asynchronous download (WebGPU in Node has no synchronous read-back). */
async function readScalars(named: Record<string, tf.Scalar>): Promise<Record<string, number>> {
  const keys = Object.keys(named);
  if (keys.length === 0) return {};
  const packed = tf.stack(keys.map((k) => named[k]));
  const values = await packed.data();
  packed.dispose();
  return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
}

/** The loss of one phase on one micro-batch, with its parts (paper 2.3 weights, ablation switches). */
function phaseLoss(c: Cascade, phase: PhaseName, b: Batch, stnPhase: StnPhase, thetaForShn: tf.Tensor2D | null, training: boolean): LossResult {
  const switches = c.config.losses;
  const hmSize = c.config.shn.heatmapSize;
  if (phase === 'stn') {
    const out = forwardCascade(c, b.input, { training, skipShn: true });
    return stnLoss(out, { mask32: b.mask, theta: b.theta }, stnPhase, switches);
  }
  // SHN alone: canonical image from the (jittered) true θ; joint: from the STN's own θ.
  const out = phase === 'shn' && thetaForShn
    ? forwardCascade(c, b.input, { training, theta: thetaForShn, skipStn: true })
    : forwardCascade(c, b.input, { training });
  const target = heatmapTargets(b.keypoints, thetaToMatrices(out.thetaUsed), hmSize);
  return phase === 'shn'
    ? shnLoss(out.heatmaps, target.maps, switches, target.points)
    : jointLoss(out, { mask32: b.mask, theta: b.theta, heatmaps: target.maps, keypoints: target.points }, switches);
}

function makeOptimizer(plan: TrainConfig, vars: readonly tf.Variable[], lr: number): FlatOptimizer {
  return new FlatOptimizer(vars, { ...plan.optimizer, learningRate: lr, maxGradNorm: MAX_GRAD_NORM });
}

/** Mean validation loss of a phase (with the STN weighting being trained) over fixed validation samples (no jitter, inference mode). */
export async function validationLoss(c: Cascade, phase: PhaseName, val: readonly Sample[], microBatch: number, stnPhase: StnPhase = 'tpp-first'): Promise<{ loss: number; parts: Record<string, number> }> {
  const sums: Record<string, number> = {};
  for (const chunk of microBatches(val, microBatch)) {
    const b = samplesToBatch(chunk);
    const theta = phase === 'shn' && c.stn ? b.theta : null;
    const scalars = tf.tidy(() => {
      const { total, parts } = phaseLoss(c, phase, b, stnPhase, theta, false);
      return { total, ...parts };
    });
    const values = await readScalars(scalars);
    tf.dispose(Object.values(scalars));
    disposeBatch(b);
    for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v * chunk.length;
  }
  const { total, ...parts } = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / val.length]));
  return { loss: total, parts };
}

/**
 * Train `c` in place following `plan` (phases, optimizer, plateau schedule). `nextSamples(n)` returns n fresh
 * training samples (synthetic, augmented, or real); `val` is a fixed validation set that is never trained on.
 */
export async function trainCascade(
  c: Cascade,
  plan: TrainConfig,
  nextSamples: (n: number) => Sample[] | Promise<Sample[]>,
  val: readonly Sample[],
  rng: Rng,
  onProgress: (e: ProgressEvent) => void = () => {},
  checkpoint?: { readonly everyS: number; readonly save: (progress: { samplesSeen: number; seconds: number; steps: Record<PhaseName, number> }) => Promise<void> },
): Promise<TrainResult> {
  const t0 = Date.now();
  let lastCheckpoint = Date.now();
  const steps: Record<PhaseName, number> = { stn: 0, shn: 0, joint: 0 };
  let samplesSeen = 0;
  for (const phasePlan of plan.phases) {
    const phase = PHASE_OF[phasePlan.kind];
    if (phase === 'stn' && !c.stn) continue;
    const stnPhase = phasePlan.kind === 'stn-lrp-first' && c.config.losses.lrp ? 'lrp-first' : 'tpp-first';
    const vars = trainableWeights(c, phase === 'stn' ? 'stn' : phase === 'shn' ? 'shn' : 'all');
    const budgetS = phasePlan.maxSeconds ?? Infinity;
    let lr = plan.optimizer.learningRate;
    let optimizer = makeOptimizer(plan, vars, lr);
    let best = Infinity;
    let sinceBest = 0;
    let decays = 0;
    let lastVal: number | undefined;
    const phaseStart = Date.now();
    for (let step = 1; step <= phasePlan.maxSteps; step++) {
      if ((Date.now() - phaseStart) / 1000 > budgetS) break;
      const stepStart = Date.now();
      const samples = await nextSamples(plan.batch);
      const { loss, parts } = await accumulateStep(c, phase, stnPhase, samples, plan, vars, optimizer, rng);
      steps[phase] += 1;
      samplesSeen += samples.length;
      let note: string | undefined;
      let stop = false;
      if (step % plan.evalEvery === 0) {
        lastVal = (await validationLoss(c, phase, val, plan.microBatch, stnPhase)).loss;
        if (lastVal < best * 0.995) {
          best = lastVal;
          sinceBest = 0;
        } else if (++sinceBest >= plan.lrDecay.patience) {
          // Paper: lr ÷ 10 once the validation loss is stable; after `times` decays the next plateau ends the phase.
          sinceBest = 0;
          if (decays >= plan.lrDecay.times) {
            stop = true;
            note = `validation loss stable after ${decays} decays: phase ${phasePlan.kind} done`;
          } else {
            decays++;
            lr /= plan.lrDecay.factor;
            optimizer.dispose();
            optimizer = makeOptimizer(plan, vars, lr);
            note = `validation loss stable: lr → ${lr.toExponential(1)} (decay ${decays}/${plan.lrDecay.times})`;
          }
        }
      }
      onProgress({
        phase, step, maxSteps: phasePlan.maxSteps, elapsedS: (Date.now() - phaseStart) / 1000, phaseBudgetS: budgetS,
        lr, loss, parts, samplesPerS: samples.length / ((Date.now() - stepStart) / 1000), val: lastVal, note,
      });
      if (checkpoint && (Date.now() - lastCheckpoint) / 1000 >= checkpoint.everyS) {
        await checkpoint.save({ samplesSeen, seconds: (Date.now() - t0) / 1000, steps: { ...steps } });
        lastCheckpoint = Date.now();
      }
      if (stop) break;
    }
    optimizer.dispose();
  }
  const finalVal: Record<string, number> = {};
  for (const phase of ['shn', 'joint'] as const) {
    if (steps[phase] > 0) finalVal[phase] = (await validationLoss(c, phase, val, plan.microBatch)).loss;
  }
  return { steps, samplesSeen, seconds: (Date.now() - t0) / 1000, finalVal };
}

/** Global gradient-norm cap: the joint phase back-propagates heatmap errors into θ through the sampler,
 * where one bad batch can otherwise throw the STN's scale far off. */
export const MAX_GRAD_NORM = 5;

/** One optimizer step: gradients summed over micro-batches (as one flat vector), then applied once. Returns the batch loss. */
async function accumulateStep(
  c: Cascade, phase: PhaseName, stnPhase: 'lrp-first' | 'tpp-first', samples: readonly Sample[],
  plan: Pick<TrainConfig, 'microBatch' | 'freezeBatchnorm'>, vars: tf.Variable[], optimizer: FlatOptimizer, rng: Rng,
): Promise<{ loss: number; parts: Record<string, number> }> {
  let accumulated: tf.Tensor1D | null = null;
  // Loss parts stay on the device until one read at the end of the step (weighted by micro-batch share).
  const partTensors: Record<string, tf.Scalar>[] = [];
  for (const chunk of microBatches(samples, plan.microBatch)) {
    const b = samplesToBatch(chunk);
    const thetaJ = phase === 'shn' && c.stn ? jitterTheta(chunk, rng, THETA_JITTER) : null;
    const share = chunk.length / samples.length;
    const { value, grads } = tf.variableGrads(() => {
      const { total, parts } = phaseLoss(c, phase, b, stnPhase, thetaJ, !plan.freezeBatchnorm);
      partTensors.push(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, tf.keep(v.mul(share) as tf.Scalar)])));
      return total.mul(share) as tf.Scalar;
    }, vars);
    partTensors.push({ total: value });
    disposeBatch(b);
    thetaJ?.dispose();
    const flat = flattenGrads(vars, grads);
    tf.dispose(grads);
    if (accumulated) {
      const sum: tf.Tensor1D = accumulated.add(flat);
      tf.dispose([accumulated, flat]);
      accumulated = sum;
    } else accumulated = flat;
  }
  if (!accumulated) throw new Error('accumulateStep: no samples');
  const sums: Record<string, tf.Scalar> = {};
  for (const m of partTensors) for (const [k, v] of Object.entries(m)) sums[k] = sums[k] ? (tf.add(sums[k], v) as tf.Scalar) : v;
  const { total: loss, ...parts } = await readScalars(sums);
  tf.dispose([...partTensors.flatMap((m) => Object.values(m)), ...Object.values(sums)]);
  if (!Number.isFinite(loss)) {
    accumulated.dispose();
    throw new Error(`training diverged in phase ${phase}: loss ${loss}`);
  }
  optimizer.apply(accumulated);
  accumulated.dispose();
  return { loss, parts };
}
