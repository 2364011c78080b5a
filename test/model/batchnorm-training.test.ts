/**
 * Batchnorm's closed-form training gradient (src/model/nets/batchnorm-training.ts) against tfjs-layers' own:
 * same outputs, gradients (input, γ, β, the convolution before it) and moving statistics; far fewer kernels.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { useClosedFormBatchnorm } from '../../src/model/nets/batchnorm-training.ts';

before(async () => {
  await initBackend('wasm');
});

/** conv → batchnorm → ReLU → conv → batchnorm, seeded; γ, β and the moving statistics away from 1/0. */
function smallNet(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: x });
  let seed = 10;
  for (const layer of m.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.getWeights().map((w) => tf.add(tf.randomUniform(w.shape, 0.2, 1.2, 'float32', seed++), 0));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return m;
}

function close(a: tf.Tensor, b: tf.Tensor, what: string, tol = 1e-4): void {
  assert.deepEqual(a.shape, b.shape, what);
  const x = a.dataSync(), y = b.dataSync();
  const scale = Math.max(1e-2, ...Array.from(x, Math.abs)); // floor: a bias before a batchnorm has a zero gradient, up to rounding
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= tol * scale, `${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

/** Output, gradients of a fixed loss w.r.t. every trainable weight and the input (two training-mode passes, so the
 * moving statistics move twice), and the kernels of it. */
async function trainingPass(m: tf.LayersModel, input: tf.Tensor4D) {
  const weights = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const target = tf.randomNormal([input.shape[0], 12, 12, 4], 0, 1, 'float32', 5);
  let out: tf.Tensor | null = null, grads: tf.Tensor[] = [];
  const loss = () => {
    const y = m.apply(input, { training: true }) as tf.Tensor;
    out = tf.keep(y.clone());
    return tf.mean(tf.square(tf.sub(y, target))) as tf.Scalar;
  };
  const profile = await tf.profile(() => {
    const r = tf.variableGrads(loss, weights);
    grads = weights.map((w) => r.grads[w.name]);
    const dx = tf.grad((x: tf.Tensor) => tf.mean(tf.square(tf.sub(m.apply(x, { training: true }) as tf.Tensor, target))))(input);
    grads.push(dx);
    r.value.dispose();
  });
  target.dispose();
  const kernels = profile.kernels.filter((k) => !['Identity', 'Reshape', 'Cast'].includes(k.name)).length;
  return { out: out as unknown as tf.Tensor, grads, kernels, moving: m.getWeights().filter((_, i) => m.weights[i].name.includes('moving')) };
}

test('closed-form batchnorm: same output, gradients and moving statistics as tfjs-layers, fewer kernels', async () => {
  const input = tf.randomNormal([3, 12, 12, 3], 0.3, 1.5, 'float32', 3) as tf.Tensor4D;
  const reference = smallNet(), closed = smallNet();
  useClosedFormBatchnorm(closed);
  const a = await trainingPass(reference, input), b = await trainingPass(closed, input);
  close(a.out, b.out, 'output');
  a.grads.forEach((g, i) => close(g, b.grads[i], `gradient ${i < reference.trainableWeights.length ? reference.trainableWeights[i].name : 'input'}`));
  assert.equal(a.moving.length, 4);
  a.moving.forEach((t, i) => close(t, b.moving[i], `moving statistic ${i}`));
  assert.ok(b.kernels < 0.8 * a.kernels, `kernels: closed form ${b.kernels}, tfjs-layers ${a.kernels}`);
  console.log(`# two training-mode gradient passes on a 2-batchnorm net: ${a.kernels} → ${b.kernels} kernels`);
  // Inference is untouched: the moving statistics, bit for bit.
  const ya = reference.predict(input) as tf.Tensor, yb = closed.predict(input) as tf.Tensor;
  assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()));
  tf.dispose([input, a.out, b.out, ...a.grads, ...b.grads, ya, yb]);
  reference.dispose();
  closed.dispose();
});
