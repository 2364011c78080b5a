/**
 * Proposal timing shared by bench/parts/proposal.ts and bench/gpu-run.ts: one lesion at a time after a warm-up
 * (kernel set-up, weight upload), and whole batches, through the Measurer interface the server uses.
 */
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
