/**
 * Proposal latency and throughput on one backend: `tsx bench/parts/proposal.ts <wasm|cpu|webgpu> [--reps N]
 * [--batches 8,64]`. A proposal is what the server's `propose` event costs in the model: crop + window on the
 * slice, cascade forward, read-back, decode (src/model/measurer.ts). Lesions: the demo worklist (synthetic lesions
 * on a real CT slice), boxes 1.5× the reference extent. Then the forward pass alone in four variants (whole cascade or
 * STN only, layers models or batchnorm folded), medians and kernel counts. Writes bench/results/proposal-<backend>.json.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { demoDataset } from '../../src/server/datasets.ts';
import { initBackend, type BackendName } from '../../src/model/backend/index.ts';
import { measurerFromCascade } from '../../src/model/measurer.ts';
import { benchModel, cascadeStats, quantile, round, writeResult } from './common.ts';
import { batchThroughput, proposalLatencies, timeForward, type ProposalItem } from './proposal-timing.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string' }, batches: { type: 'string' } },
});
const backendName = (positionals[0] ?? 'wasm') as BackendName;
const backend = await initBackend(backendName);
console.log(`backend: ${backend.detail}`);
const slow = backend.name === 'cpu';
const reps = Number(values.reps ?? (slow ? 3 : 40));
const batches = (values.batches ?? (slow ? '' : '8,64')).split(',').filter(Boolean).map(Number);

const { cascade, source } = await benchModel('default');
const measurer = measurerFromCascade(cascade, { version: 'bench' }, backend.name);
const ds = demoDataset();
const items: ProposalItem[] = ds.lesions.map((l) => {
  const r = l.reference!;
  const xs = [r.long[0].x, r.long[1].x, r.short[0].x, r.short[1].x];
  const ys = [r.long[0].y, r.long[1].y, r.short[0].y, r.short[1].y];
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
  const half = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 8) * 0.75;
  return { slice: ds.slice(l.sliceRef), box: { x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half } };
});

const lat = await proposalLatencies(measurer, items, reps, slow ? 1 : 3);
console.log(`latency batch 1: p50 ${quantile(lat, 0.5).toFixed(0)} ms, p95 ${quantile(lat, 0.95).toFixed(0)} ms (${reps} proposals)`);

const throughput: Record<string, unknown> = {};
for (const b of batches) {
  const t = await batchThroughput(measurer, items, b, b >= 64 ? 3 : 5);
  throughput[`batch${b}`] = t;
  console.log(`batch ${b}: ${t.medianMs.toFixed(0)} ms → ${t.lesionsPerS.toFixed(1)} lesions/s`);
}

// The forward pass behind a proposal, variant by variant (same weights, same random crops, one run): the whole
// cascade with the layers models (every read-out before 2026-11-27, and the heatmap read-out now), the STN alone without
// sampler or SHN (what a mask read-out needs), and both with batchnorm folded into the convolutions (src/model/nets/folded.ts).
const variants: Record<string, unknown> = {};
for (const b of slow ? [1] : [1, 8]) {
  const x = tf.randomUniform([b, 128, 128, 1], 0, 1, 'float32', b) as tf.Tensor4D;
  for (const [name, opts] of [['cascade', {}], ['cascade folded', { folded: true }], ['STN only', { skipShn: true }], ['STN only folded', { skipShn: true, folded: true }]] as const) {
    const t = await timeForward(cascade, x, opts, slow ? 2 : 9);
    variants[`${name}, batch ${b}`] = { medianMs: t.wallMs, kernels: t.kernels };
    console.log(`forward ${name}, batch ${b}: ${t.wallMs.toFixed(1)} ms median, ${t.kernels} kernels`);
  }
  x.dispose();
}

const stats = cascadeStats(cascade);
writeResult(`proposal-${backend.name}`, {
  backend: backend.detail, model: source, preset: cascade.config.preset, gflopPerLesion: round(stats.flopsPerSample / 1e9, 3),
  latencyBatch1: { p50Ms: round(quantile(lat, 0.5)), p95Ms: round(quantile(lat, 0.95)), n: reps, runsMs: lat.map((t) => round(t)) },
  throughput, forwardVariants: variants,
});
measurer.dispose();
process.exit(0);
