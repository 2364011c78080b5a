/**
 * Timing (printed, not asserted): one batch-8 training step of a small conv net (128×128×1 input) on
 * wasm, with the native Conv2DBackpropInput ("before": wasm's loop; without any of our kernels wasm
 * cannot train at all: Conv2DBackpropFilter is missing) vs all kernels of src/model/backend ("after").
 *
 *   tsx bench/backend-train-step.ts            runs every combination in child processes
 *   tsx bench/backend-train-step.ts after 2    one combination (mode, threads) in this process
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/model/backend/index.ts';
import { seeded } from '../src/model/backend/compare.ts';

function buildNet(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [128, 128, 1], filters: 32, kernelSize: 7, strides: 2, padding: 'same' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 1, activation: 'relu' }));
  m.add(tf.layers.upSampling2d({ size: [2, 2] }));
  m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }));
  return m;
}

async function one(mode: string): Promise<void> {
  const info = await initBackend('wasm');
  if (mode === 'before') {
    const { unregisterWasmGradKernels, WASM_GRAD_KERNELS } = await import('../src/model/backend/wasm-grad-kernels.ts');
    unregisterWasmGradKernels(); // restores wasm's own Conv2DBackpropInput, MaxPoolGrad, ResizeNearestNeighborGrad
    for (const k of WASM_GRAD_KERNELS) if (k.kernelName !== 'Conv2DBackpropInput' && !tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel(k);
  }
  const net = buildNet();
  const opt = tf.train.sgd(1e-3);
  const x = tf.tensor4d(seeded(8 * 128 * 128, 1), [8, 128, 128, 1]);
  const y = tf.tensor4d(seeded(8 * 32 * 32 * 4, 2), [8, 32, 32, 4]);
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const loss = opt.minimize(() => tf.losses.meanSquaredError(y, net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
    times.push(performance.now() - t0);
  }
  const steady = times.slice(1).sort((a, b) => a - b);
  console.log(`${mode.padEnd(6)} ${info.detail.padEnd(26)} step ms: median ${steady[1].toFixed(0)} (runs ${times.map((t) => t.toFixed(0)).join(', ')}; first includes warm-up)`);
}

const [mode, threads] = process.argv.slice(2);
if (mode) {
  await one(mode);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const m of ['before', 'after']) for (const t of ['1', '2']) {
    try {
      process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', self, m, t], {
        env: { ...process.env, RECIST_WASM_THREADS: t }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
      }));
    } catch (e) {
      // Emscripten echoes its whole source on an uncaught error: show only the message line.
      const err = String((e as { stderr?: string }).stderr ?? e);
      console.log(`${m} ${t} threads: FAILED ${/Error: .{0,200}/.exec(err)?.[0] ?? err.slice(-200)}`);
    }
  }
}
