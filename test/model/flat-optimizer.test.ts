/**
 * The flat optimizer (src/model/flat-optimizer.ts) against tf.train.adam / tf.train.momentum after a per-variable
 * global-norm clip (the training step before it): same values, a fraction of the kernels, no leaked tensors.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { FlatOptimizer, flattenGrads, type FlatOptimizerConfig } from '../../src/model/flat-optimizer.ts';

before(async () => {
  await initBackend('wasm');
});

const SHAPES = [[3, 3, 2, 4], [4], [10], [1, 1, 4, 8]];

function makeVars(shapes: number[][], seed: number): tf.Variable[] {
  return shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i)));
}

/** Per-variable global-norm clip, by definition: g · min(1, max / ‖all g‖₂). */
function clipReference(grads: tf.NamedTensorMap, maxNorm: number): { name: string; tensor: tf.Tensor }[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => g.square().sum())));
    const scale = tf.minimum(1, tf.div(maxNorm, norm));
    return Object.entries(grads).map(([name, g]) => ({ name, tensor: g.mul(scale) }));
  });
}

/** Gradients of the same made-up loss for both variable sets: step 0 far above the clip norm, later steps below. */
function gradsFor(vars: tf.Variable[], step: number): tf.NamedTensorMap {
  return tf.variableGrads(() => tf.addN(vars.map((v, i) => v.square().mul((step === 0 ? 40 : 0.05) * (i + 1)).sum())) as tf.Scalar, vars).grads;
}

for (const kind of ['adam', 'sgd-momentum'] as const) {
  test(`flat ${kind}: same values as tf.train after the global-norm clip, over 4 steps (clip engaged on the first)`, () => {
    const cfg: FlatOptimizerConfig = { kind, learningRate: 0.01, momentum: 0.9, maxGradNorm: 5 };
    const ref = makeVars(SHAPES, 1), flat = makeVars(SHAPES, 1);
    const refOpt = kind === 'adam' ? tf.train.adam(cfg.learningRate) : tf.train.momentum(cfg.learningRate, cfg.momentum);
    const flatOpt = new FlatOptimizer(flat, cfg);
    for (let step = 0; step < 4; step++) {
      const gr = gradsFor(ref, step);
      const clipped = clipReference(gr, cfg.maxGradNorm);
      refOpt.applyGradients(clipped);
      const gf = gradsFor(flat, step);
      const g = flattenGrads(flat, gf);
      flatOpt.apply(g);
      tf.dispose([gr, clipped.map((c) => c.tensor), gf, g]);
    }
    ref.forEach((r, i) => {
      const a = r.dataSync(), b = flat[i].dataSync();
      const moved = a.some((x, j) => x !== 0); // sanity: there is something to compare
      assert.ok(moved);
      for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-5 * (1 + Math.abs(a[j])), `${kind} var ${i}[${j}]: ${a[j]} vs ${b[j]}`);
    });
    refOpt.dispose();
    flatOpt.dispose();
    tf.dispose([...ref, ...flat]);
  });
}

test('flat Adam: a step issues under a quarter of the kernels of clip + tf.train.adam, and leaks no tensor', async () => {
  const shapes = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? [3, 3, 4, 4] : [4]));
  const ref = makeVars(shapes, 7), flat = makeVars(shapes, 7);
  const refOpt = tf.train.adam(1e-3), flatOpt = new FlatOptimizer(flat, { kind: 'adam', learningRate: 1e-3, momentum: 0, maxGradNorm: 5 });
  const count = async (f: () => void) => (await tf.profile(f)).kernels.filter((k) => k.name !== 'Reshape' && k.name !== 'Identity').length;
  // Second steps: the optimizers' moment buffers exist already.
  let refKernels = 0, flatKernels = 0;
  for (let step = 0; step < 2; step++) {
    const gr = gradsFor(ref, 1), gf = gradsFor(flat, 1);
    const g = flattenGrads(flat, gf);
    const before = tf.memory().numTensors;
    refKernels = await count(() => {
      const clipped = clipReference(gr, 5);
      refOpt.applyGradients(clipped);
      tf.dispose(clipped.map((c) => c.tensor));
    });
    flatKernels = await count(() => flatOpt.apply(g));
    if (step === 1) assert.equal(tf.memory().numTensors, before, 'tensors leaked by a step');
    tf.dispose([gr, gf, g]);
  }
  console.log(`# 60 variables: flat Adam step ${flatKernels} kernels, clip + tf.train.adam ${refKernels}`);
  assert.ok(flatKernels * 4 < refKernels, `flat ${flatKernels} kernels vs per-variable ${refKernels}`);
  refOpt.dispose();
  flatOpt.dispose();
  tf.dispose([...ref, ...flat]);
});

test('flat optimizer: a gradient of the wrong length is named; a variable the loss does not reach stays where it is', () => {
  const vars = makeVars(SHAPES, 3);
  const opt = new FlatOptimizer(vars, { kind: 'adam', learningRate: 1e-3, momentum: 0, maxGradNorm: 5 });
  const g = tf.zeros([5]) as tf.Tensor1D;
  assert.throws(() => opt.apply(g), /gradient has 5 values, the variables 118/);
  // Only the first variable gets a gradient (as tf.variableGrads returns it when a loss term is switched off).
  const before = vars.map((v) => v.dataSync().slice());
  const grads = { [vars[0].name]: tf.onesLike(vars[0]) };
  const flat = flattenGrads(vars, grads);
  for (let i = 0; i < 3; i++) opt.apply(flat);
  assert.ok(vars[0].dataSync().every((x, i) => x < before[0][i]), 'the reached variable moves against its gradient');
  vars.slice(1).forEach((v, k) => assert.deepEqual(v.dataSync(), before[k + 1], `${v.name} has no gradient and must not move`));
  tf.dispose([g, flat, ...Object.values(grads), ...vars]);
  opt.dispose();
});
