/**
 * One prepared run for a lent NVIDIA machine (WebGPU through Dawn): timings the issues ask for, then the
 * default model's training with samples generated in worker threads. Packed with
 * `../shared/tools/pack-for-gpu.sh bench/gpu-run.ts`; also runs here on wasm for a dry run:
 *   RECIST_BACKEND=wasm GPU_TRAIN_MINUTES=0.5 npx tsx bench/gpu-run.ts /tmp/gpu-out
 * Writes to OUT (argv[2] or $OUT): bench.json, log lines on stdout, and model/ (card.json, stn/, shn/).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runSampleWorkerIfRequested } from '../src/data/sample-workers.ts';
import { createTrainingSource } from '../src/data/training-source.ts';
import { createRng } from '../src/geometry/random.ts';
import { initBackend, type BackendName } from '../src/model/backend/index.ts';
import { buildCascade, disposeCascade, forwardCascade } from '../src/model/cascade.ts';
import { resolveConfig, resolveTrainConfig, type PresetName } from '../src/model/config.ts';
import { trainCascade } from '../src/model/train.ts';
import { runTraining } from '../src/model/train-run.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeForward(preset: PresetName, batch: number, reps: number): Promise<number> {
  const c = buildCascade(resolveConfig({ preset }));
  const x = tf.randomUniform([batch, 128, 128, 1]) as tf.Tensor4D;
  const run = async () => {
    const out = forwardCascade(c, x, { training: false });
    await out.heatmaps[out.heatmaps.length - 1].data();
    tf.dispose([out.theta, out.thetaUsed, out.canonical, ...out.heatmaps]);
    out.maskLogits?.dispose();
  };
  for (let i = 0; i < 3; i++) await run();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    ts.push(performance.now() - t0);
  }
  x.dispose();
  disposeCascade(c);
  return median(ts);
}

async function timeTrainStep(preset: PresetName, batch: number, steps: number): Promise<number> {
  const c = buildCascade(resolveConfig({ preset }));
  const src = await createTrainingSource({ synthetic: true, dataDirs: [], realFraction: 0, excludePatients: [] });
  const rng = createRng(5);
  const data = src.sample(batch, rng);
  const times: number[] = [];
  let last = 0;
  const plan = resolveTrainConfig({ batch, microBatch: batch, evalEvery: 1e9, optimizer: { kind: 'adam', momentum: 0.9, learningRate: 1e-4 }, phases: [{ kind: 'joint', maxSteps: steps + 2 }] });
  last = performance.now();
  await trainCascade(c, plan, () => data, data.slice(0, 2), rng, () => {
    const now = performance.now();
    times.push(now - last);
    last = now;
  });
  disposeCascade(c);
  return median(times.slice(2));
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? process.env.OUT ?? 'gpu-out');
  mkdirSync(out, { recursive: true });
  const backend = await initBackend((process.env.RECIST_BACKEND as BackendName | undefined) ?? 'webgpu');
  console.log(`backend: ${backend.detail}`);
  const results: Record<string, unknown> = { backend: backend.detail, date: new Date().toISOString() };
  const save = () => writeFileSync(join(out, 'bench.json'), JSON.stringify(results, null, 2));
  // Training first: its time budget is fixed, so the model is written even if the timings run long.
  const minutes = Number(process.env.GPU_TRAIN_MINUTES ?? '6');
  if (minutes > 0) {
    const t0 = Date.now();
    const card = await runTraining({
      dataDirs: [], synthetic: true, realFraction: 0, preset: 'default', outDir: join(out, 'model'), minutes,
      batch: Number(process.env.GPU_BATCH ?? 32), microBatch: Number(process.env.GPU_BATCH ?? 32), optimizer: 'adam', lr: 1e-3, seed: 0, valCount: 64,
      resume: false, backend: backend.name, command: `bench/gpu-run.ts (GPU_TRAIN_MINUTES=${minutes})`,
      workers: Number(process.env.GPU_WORKERS ?? 14), log: (l) => console.log(l),
    });
    results.training = { minutes, wallS: (Date.now() - t0) / 1000, version: card.version, metrics: card.metrics, data: card.data };
    save();
  }
  if (process.env.GPU_SKIP_BENCH !== '1') {
    for (const preset of ['default', 'paper'] as const) {
      const f1 = await timeForward(preset, 1, 20);
      const f8 = await timeForward(preset, 8, 20);
      const step8 = await timeTrainStep(preset, 8, 4);
      results[preset] = { forwardBatch1Ms: f1, forwardBatch8Ms: f8, trainStepBatch8Ms: step8 };
      console.log(`${preset}: forward batch 1 ${f1.toFixed(1)} ms, batch 8 ${f8.toFixed(1)} ms, joint train step batch 8 ${step8.toFixed(0)} ms`);
      save();
    }
    const step32 = await timeTrainStep('default', 32, 4);
    results.defaultTrainStepBatch32Ms = step32;
    console.log(`default: joint train step batch 32 ${step32.toFixed(0)} ms`);
    save();
  }
  console.log(JSON.stringify(results));
}

if (!runSampleWorkerIfRequested()) {
  main().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}
