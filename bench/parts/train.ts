/**
 * Training-step time at batch 8 (joint phase: every loss, every weight, Adam, global-norm clip — what
 * src/model/train.ts trainCascade does per step), with achieved GFLOP/s (training ≈ 3 × forward FLOPs), and
 * optionally a tf.profile of one step (top kernels by time).
 *
 *   tsx bench/parts/train.ts <default|paper> [--backend wasm] [--steps 3] [--micro 8] [--profile]
 *
 * Writes bench/results/train-<preset>-<backend>.json.
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { createTrainingSource } from '../../src/data/training-source.ts';
import { createRng } from '../../src/geometry/random.ts';
import { initBackend, type BackendName } from '../../src/model/backend/index.ts';
import { disposeCascade, disposeOutput, forwardCascade } from '../../src/model/cascade.ts';
import { resolveTrainConfig, type PresetName } from '../../src/model/config.ts';
import { trainCascade } from '../../src/model/train.ts';
import { benchModel, cascadeStats, median, round, writeResult } from './common.ts';
import { topKernels } from './profile-util.ts';
import { useOriginalKernels } from './baseline-kernels.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' }, steps: { type: 'string' }, micro: { type: 'string' }, profile: { type: 'boolean', default: false },
    // tfjs-backend-wasm's own Tile/Slice/Concat/Pack/GatherV2/Identity/Sum/Mean instead of ours (before/after)
    baseline: { type: 'boolean', default: false },
  },
});
const preset = (positionals[0] ?? 'default') as PresetName;
const backend = await initBackend(values.backend as BackendName);
const baseline = values.baseline ? useOriginalKernels() : null;
console.log(`backend: ${backend.detail}${baseline ? ` with wasm's own ${baseline.join(', ')} (baseline)` : ''}`);
const batch = 8;
// The wasm heap stops at 4 GiB: the paper preset needs micro-batches (gradients summed, as in training).
const micro = Number(values.micro ?? (preset === 'paper' && backend.name === 'wasm' ? 2 : 8));
const steps = Number(values.steps ?? (preset === 'paper' ? 1 : 4));

const { cascade, source } = await benchModel(preset);
const stats = cascadeStats(cascade);

/** Plain forward (inference mode) + read-back, the same work as the PyTorch peer's forward. */
async function forwardMs(b: number, reps: number): Promise<{ medianMs: number; runsMs: number[] }> {
  const x = tf.randomUniform([b, 128, 128, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const run = async () => {
    const o = forwardCascade(cascade, x, { training: false });
    await o.heatmaps[o.heatmaps.length - 1].data();
    disposeOutput(o);
  };
  await run();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    ts.push(performance.now() - t0);
  }
  x.dispose();
  return { medianMs: round(median(ts)), runsMs: ts.map((t) => round(t)) };
}
const forward = {
  batch1: await forwardMs(1, preset === 'paper' ? 3 : 15),
  batch8: await forwardMs(8, preset === 'paper' ? 2 : 8),
};
console.log(`forward: batch 1 ${forward.batch1.medianMs} ms, batch 8 ${forward.batch8.medianMs} ms`);
const resultName = `train-${preset}-${backend.name}${baseline ? '-baseline' : ''}`;
// Written now and again after the steps, so a run cut short by a time limit keeps the forward timings.
writeResult(resultName, {
  backend: backend.detail, preset, model: source, batch, microBatch: micro, baselineKernels: baseline, params: stats.params, trainableParams: stats.trainableParams,
  forwardGflopPerSample: round(stats.flopsPerSample / 1e9, 3), forward, note: 'training step not finished (time limit)',
});
const src = await createTrainingSource({ synthetic: true, dataDirs: [], realFraction: 0, excludePatients: [] });
const rng = createRng(5);
const data = src.sample(batch, rng);
const plan = (n: number) => resolveTrainConfig({
  batch, microBatch: micro, evalEvery: 1e9, optimizer: { kind: 'adam', momentum: 0.9, learningRate: 1e-4 },
  phases: [{ kind: 'joint', maxSteps: n }],
});
const times: number[] = [];
let last = performance.now();
// Step 1 is warm-up (kernel set-up, optimizer slots); the rest are timed.
await trainCascade(cascade, plan(steps + 1), () => data, data.slice(0, 1), rng, (e) => {
  const now = performance.now();
  times.push(now - last);
  last = now;
  console.log(`step ${e.step}: ${(times.at(-1)! / 1000).toFixed(2)} s (loss ${e.loss.toFixed(3)})`);
});
const timed = times.slice(1);
const stepMs = median(timed);
const trainFlops = 3 * stats.flopsPerSample * batch;
const result: Record<string, unknown> = {
  backend: backend.detail, preset, model: source, batch, microBatch: micro, baselineKernels: baseline,
  params: stats.params, trainableParams: stats.trainableParams,
  forwardGflopPerSample: round(stats.flopsPerSample / 1e9, 3), trainGflopPerStep: round(trainFlops / 1e9, 2),
  forward,
  stepMs: round(stepMs), stepRunsMs: times.map((t) => round(t)), achievedGflops: round(trainFlops / 1e9 / (stepMs / 1000), 2),
  note: 'median of the timed steps (the first step is warm-up); each step = trainCascade joint phase, batch 8: forward, losses, gradients, clip, Adam',
};
console.log(`${preset}: ${stepMs.toFixed(0)} ms/step, ${(trainFlops / 1e9).toFixed(1)} GFLOP → ${(trainFlops / 1e6 / stepMs).toFixed(1)} GFLOP/s`);

if (values.profile) {
  const prof = await tf.profile(async () => {
    await trainCascade(cascade, plan(1), () => data, data.slice(0, 1), rng);
  });
  result.profile = { what: 'one training step (trainCascade, 1 joint step + a 1-sample validation pass)', ...topKernels(prof, backend.name) };
}
writeResult(resultName, result);
disposeCascade(cascade);
process.exit(0);
