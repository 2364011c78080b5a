/**
 * Proposal timing shared by bench/parts/proposal.ts and bench/gpu-run.ts: one lesion at a time after a warm-up
 * (kernel set-up, weight upload), and whole batches, through the Measurer interface the server uses; and the forward
 * pass alone, variant by variant.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeOutput, forwardCascade, type Cascade, type ForwardOptions } from '../../src/model/cascade.ts';
import type { Box } from '../../src/geometry/types.ts';
import type { CtSlice } from '../../src/data/types.ts';
import type { Measurer } from '../../src/model/measurer-types.ts';
import { quantile, round } from './common.ts';

export type ProposalItem = { readonly slice: CtSlice; readonly box: Box };

/** Per-proposal wall times (ms) of `reps` single-lesion proposals cycling through `items`. */
export async function proposalLatencies(measurer: Measurer, items: readonly ProposalItem[], reps: number, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await measurer.measure(items[i % items.length].slice, items[i % items.length].box);
  const lat: number[] = [];
  for (let i = 0; i < reps; i++) {
    const it = items[i % items.length];
    const t0 = performance.now();
    const p = await measurer.measure(it.slice, it.box);
    lat.push(performance.now() - t0);
    if (!Number.isFinite(p.recist.long[0].x)) throw new Error('proposal has NaN marks');
  }
  return lat;
}

/** Median wall time of `runs` batches of `size` lesions (after one warm-up batch), and lesions per second. */
export async function batchThroughput(measurer: Measurer, items: readonly ProposalItem[], size: number, runs: number): Promise<{ medianMs: number; lesionsPerS: number; runsMs: number[] }> {
  const batch = Array.from({ length: size }, (_, i) => items[i % items.length]);
  await measurer.measureBatch(batch);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await measurer.measureBatch(batch);
    times.push(performance.now() - t0);
  }
  const med = quantile(times, 0.5);
  return { medianMs: round(med), lesionsPerS: round((size * 1000) / med, 2), runsMs: times.map((t) => round(t)) };
}

export type ForwardVariant = Pick<ForwardOptions, 'folded' | 'skipShn'>;

/**
 * One inference forward of `x` with `variant`, its outputs read back (θ, pseudo-mask, last heatmaps), timed `reps` times
 * after `warmup` runs (the first one also folds the weights): median wall time, median JS time until forwardCascade
 * returns (the host's share on GPU backends), and the kernel calls of one forward, every tf.profile entry
 * (`kernelCalls`, the count of the GPU runs) and without tfjs's `__op` wrappers (`kernels`).
 */
export async function timeForward(cascade: Cascade, x: tf.Tensor4D, variant: ForwardVariant, reps: number, warmup = 1): Promise<{ wallMs: number; enqueueMs: number; kernelCalls: number; kernels: number }> {
  let enqueue = 0;
  const run = async () => {
    const t0 = performance.now();
    const o = forwardCascade(cascade, x, { training: false, ...variant });
    enqueue = performance.now() - t0;
    await Promise.all([o.theta.data(), o.maskLogits?.data(), ...o.heatmaps.slice(-1).map((h) => h.data())]);
    disposeOutput(o);
  };
  for (let i = 0; i < warmup; i++) await run();
  const profiled = (await tf.profile(run)).kernels;
  const walls: number[] = [], enq: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    walls.push(performance.now() - t0);
    enq.push(enqueue);
  }
  return {
    wallMs: round(quantile(walls, 0.5)), enqueueMs: round(quantile(enq, 0.5)),
    kernelCalls: profiled.length, kernels: profiled.filter((k) => !k.name.endsWith('__op')).length,
  };
}
