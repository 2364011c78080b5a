/**
 * The cascade on the tiny preset: a few optimiser steps on a fixed batch of synthetic ellipse lesions lower
 * the joint loss; ablations and teacher forcing route θ as documented; no tensor leaks.
 * Backend: wasm through initBackend (gradient kernels registered there), cpu if wasm cannot start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { applyAblation, PRESETS } from '../../src/model/config.ts';
import { buildCascade, disposeCascade, disposeOutput, forwardCascade, trainableWeights, type Cascade } from '../../src/model/cascade.ts';
import { jointLoss } from '../../src/model/losses.ts';

let backend = 'cpu';
before(async () => {
  try {
    backend = (await initBackend('wasm')).detail;
  } catch {
    backend = (await initBackend('cpu')).detail;
  }
});

const N = 128;
const norm = (u: number, n: number) => (2 * u + 1) / n - 1;

interface Lesion { cx: number; cy: number; a: number; b: number; phi: number }
const LESIONS: Lesion[] = [
  { cx: 64, cy: 60, a: 22, b: 12, phi: 0.3 },
  { cx: 58, cy: 70, a: 18, b: 14, phi: -0.8 },
  { cx: 70, cy: 66, a: 26, b: 10, phi: 1.2 },
  { cx: 62, cy: 58, a: 20, b: 16, phi: -0.2 },
];

/** Crops, pseudo-masks, true θ and canonical heatmap targets for the lesions (DESIGN.md canonical layout). */
function syntheticBatch(ls: Lesion[]) {
  const img = new Float32Array(ls.length * N * N);
  const mask = new Float32Array(ls.length * 32 * 32);
  const hm = new Float32Array(ls.length * 64 * 64 * 4);
  const theta: number[][] = [];
  const inside = (l: Lesion, x: number, y: number) => {
    const dx = x - l.cx, dy = y - l.cy;
    const u = (dx * Math.cos(l.phi) + dy * Math.sin(l.phi)) / l.a, v = (-dx * Math.sin(l.phi) + dy * Math.cos(l.phi)) / l.b;
    return u * u + v * v <= 1;
  };
  ls.forEach((l, k) => {
    for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) img[k * N * N + j * N + i] = inside(l, i, j) ? 0.8 : 0.2 + 0.05 * Math.sin(i * 0.3 + j * 0.2);
    // Mask pixel (i, j) of the 32-grid covers crop pixels centred at 4i + 1.5.
    for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) mask[k * 1024 + j * 32 + i] = inside(l, 4 * i + 1.5, 4 * j + 1.5) ? 1 : 0;
    theta.push([norm(l.cx, N), norm(l.cy, N), l.phi, (4 * l.a) / N]);
    // Canonical keypoints: long (∓0.5, 0), short (0, ∓0.5·b/a), in 64-px heatmap coordinates.
    const toPx = (xn: number) => ((xn + 1) * 64 - 1) / 2;
    const kps = [[-0.5, 0], [0.5, 0], [0, (-0.5 * l.b) / l.a], [0, (0.5 * l.b) / l.a]].map(([x, y]) => [toPx(x), toPx(y)]);
    for (let j = 0; j < 64; j++) for (let i = 0; i < 64; i++) for (let c = 0; c < 4; c++) {
      hm[((k * 64 + j) * 64 + i) * 4 + c] = Math.exp(-((i - kps[c][0]) ** 2 + (j - kps[c][1]) ** 2) / 2);
    }
  });
  const B = ls.length;
  return {
    input: tf.tensor4d(img, [B, N, N, 1]),
    mask32: tf.tensor4d(mask, [B, 32, 32, 1]),
    theta: tf.tensor2d(theta),
    heatmaps: tf.tensor4d(hm, [B, 64, 64, 4]),
  };
}

const cascades: Cascade[] = [];
after(() => cascades.forEach(disposeCascade));

// Seeded init (seed 2), Adam 1e-3: the loss falls smoothly. Higher rates (≥ 3e-3) make L_TPP spike under
// Adam; with seed 1 the initial L_LRP is low and 15 steps reach only ~0.69× (L_HM falls slowest: 1 → ~0.8–0.9).
test('tiny cascade: joint loss falls within 15 Adam steps on a fixed batch of 4', () => {
  tf.setBackend(tf.getBackend()); // keep the backend chosen in before()
  // The paper's joint loss (the auxiliary coordinate term needs keypoint targets this batch does not carry).
  const c = buildCascade({ ...PRESETS.tiny, losses: { ...PRESETS.tiny.losses, coord: false } }, { seed: Number(process.env.CASCADE_TEST_SEED ?? 2) });
  cascades.push(c);
  const batch = syntheticBatch(LESIONS);
  const opt = tf.train.adam(Number(process.env.CASCADE_TEST_LR ?? 1e-3));
  const vars = trainableWeights(c, 'all');
  const losses: number[] = [];
  const parts: string[] = [];
  let hmLast = NaN;
  const t0 = Date.now();
  for (let step = 0; step < 15; step++) {
    const cost = opt.minimize(() => {
      // Teacher forcing: the SHN sees the true-θ canonical image, so the canonical targets are exact.
      const out = forwardCascade(c, batch.input, { training: true, theta: batch.theta });
      const r = jointLoss(out, batch, c.config.losses);
      if (step === 14) hmLast = r.parts.hm.dataSync()[0];
      if (step === 0 || step === 14) parts.push(Object.entries(r.parts).map(([k, v]) => `${k} ${v.dataSync()[0].toFixed(3)}`).join(', '));
      return r.total;
    }, true, vars);
    if (!cost) throw new Error('no cost');
    losses.push(cost.dataSync()[0]);
    cost.dispose();
  }
  console.log(`# [${backend}] joint loss over 15 steps (${((Date.now() - t0) / 15).toFixed(0)} ms/step, B=4): ${losses.map((l) => l.toFixed(3)).join(' ')}; parts first: ${parts[0]}; last: ${parts[1]}`);
  opt.dispose();
  tf.dispose(batch);
  assert.ok(losses.every(Number.isFinite), 'non-finite loss');
  assert.ok(losses[losses.length - 1] < 0.7 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.ok(hmLast < 0.95, `heatmap loss did not fall: ${hmLast}`);
});

test('teacher forcing and skipStn/skipShn route θ as documented', () => {
  const c = buildCascade(PRESETS.tiny);
  cascades.push(c);
  const { input, theta, mask32, heatmaps } = syntheticBatch(LESIONS.slice(0, 2));
  const n0 = tf.memory().numTensors;
  const forced = forwardCascade(c, input, { training: false, theta });
  assert.ok(forced.maskLogits, 'STN should still run under teacher forcing');
  assert.deepEqual(forced.thetaUsed.arraySync(), theta.arraySync());
  assert.deepEqual(forced.theta.arraySync(), [[0, 0, 0, 1], [0, 0, 0, 1]], 'initial STN θ should be the identity');
  const skip = forwardCascade(c, input, { training: false, theta, skipStn: true });
  assert.equal(skip.maskLogits, null);
  assert.deepEqual(skip.theta.arraySync(), theta.arraySync());
  const noShn = forwardCascade(c, input, { training: false, skipShn: true });
  assert.equal(noShn.heatmaps.length, 0);
  assert.equal(noShn.canonical, null, 'no SHN, no sampler');
  for (const o of [forced, skip, noShn]) disposeOutput(o);
  assert.equal(tf.memory().numTensors, n0, 'tensors leaked');
  tf.dispose([input, theta, mask32, heatmaps]);
});

test('shn-only ablation: no STN, canonical = the crop, θ = identity; trainable weights per part', () => {
  const c = buildCascade(applyAblation(PRESETS.tiny, 'shn-only'));
  cascades.push(c);
  assert.equal(c.stn, null);
  const x = tf.randomUniform([2, N, N, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const out = forwardCascade(c, x, { training: false });
  assert.equal(out.maskLogits, null);
  assert.deepEqual(out.theta.arraySync(), [[0, 0, 0, 1], [0, 0, 0, 1]]);
  assert.equal(tf.tidy(() => out.canonical!.sub(x).abs().max().dataSync()[0]), 0);
  assert.equal(trainableWeights(c, 'stn').length, 0);
  assert.equal(trainableWeights(c, 'all').length, trainableWeights(c, 'shn').length);
  const full = buildCascade(PRESETS.tiny);
  cascades.push(full);
  const nStn = trainableWeights(full, 'stn').length, nShn = trainableWeights(full, 'shn').length;
  assert.ok(nStn > 0 && nShn > 0 && trainableWeights(full, 'all').length === nStn + nShn);
  assert.ok(trainableWeights(full, 'all').every((v) => v instanceof tf.Variable && v.trainable));
  tf.dispose([out as unknown as tf.TensorContainer, x]);
});
