/** Loss terms (paper 2.3): ranges, symmetries, phases and switches. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { cosLoss, heatmapLoss, jointLoss, lrpLoss, shnLoss, stnLoss, tppLoss } from '../../src/model/losses.ts';
import { softArgmax2d } from '../../src/model/soft-argmax.ts';

before(async () => {
  await initBackend('cpu');
});

const val = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]);
const close = (a: number, b: number, tol = 1e-5, msg = '') => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b}`);

/** Gaussian heatmaps (σ = 1, peak 1) at keypoints [[x, y] × 4] on a 64 × 64 grid → [1, 64, 64, 4]. */
function heatmaps(kps: number[][]): tf.Tensor4D {
  const d = new Float32Array(64 * 64 * 4);
  for (let j = 0; j < 64; j++) for (let i = 0; i < 64; i++) for (let c = 0; c < 4; c++) d[(j * 64 + i) * 4 + c] = Math.exp(-((i - kps[c][0]) ** 2 + (j - kps[c][1]) ** 2) / 2);
  return tf.tensor4d(d, [1, 64, 64, 4]);
}

test('L_LRP is the MSE of sigmoid(logits) against the mask, in [0, 1]', () => {
  const mask = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
  close(val(() => lrpLoss(tf.tensor4d([20, -20, 20, -20], [1, 2, 2, 1]), mask)), 0, 1e-6);
  close(val(() => lrpLoss(tf.tensor4d([-20, 20, -20, 20], [1, 2, 2, 1]), mask)), 1, 1e-6);
  close(val(() => lrpLoss(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, mask)), 0.25);
});

test('L_TPP: zero at the truth, α ≡ α ± π, s ≡ −s, log-scale symmetric, bounded for in-range errors', () => {
  const t = tf.tensor2d([[0.1, -0.2, 0.4, 0.5]]);
  close(val(() => tppLoss(t, t)), 0, 1e-6);
  close(val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4 + Math.PI, 0.5]]), t)), 0, 1e-6, 'α + π');
  close(val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4 - Math.PI, 0.5]]), t)), 0, 1e-6, 'α − π');
  close(val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4, -0.5]]), t)), 0, 1e-5, 's → −s');
  // Log-scale symmetric up to the |s| floor (0.03) that keeps the loss and its gradient bounded at s = 0.
  const up = val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4, 1.0]]), t));
  const down = val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4, 0.25]]), t));
  close(up, down, 0.02 * up, '×2 vs ÷2');
  const atZero = val(() => tppLoss(tf.tensor2d([[0.1, -0.2, 0.4, 0]]), t));
  assert.ok(Number.isFinite(atZero) && atZero < 2, `s = 0 gives a bounded loss, got ${atZero}`);
  const worst = val(() => tppLoss(tf.tensor2d([[-1, 1, 0.4 + Math.PI / 2, 2]]), tf.tensor2d([[1, -1, 0.4, 0.5]])));
  close(worst, 1, 1e-3, 'full-range error (≈ 1; the |s| floor shaves 6e-4)');
});

test('L_HM: 0 for the target, 1 for all-zero heatmaps, mean over stacks', () => {
  const kps = [[15.5, 31.5], [47.5, 31.5], [31.5, 25], [31.5, 38]];
  const t = heatmaps(kps);
  close(val(() => heatmapLoss([t], t)), 0);
  close(val(() => heatmapLoss([tf.zerosLike(t)], t)), 1);
  close(val(() => heatmapLoss([tf.zerosLike(t), t], t)), 0.5);
});

test('soft-argmax finds Gaussian peaks; L_cos is 0 for perpendicular and 1 for parallel axes', () => {
  const perp = [[15.5, 31.5], [47.5, 31.5], [31.5, 25], [31.5, 38]];
  const hm = heatmaps(perp);
  const kp = tf.tidy(() => softArgmax2d(hm).arraySync()[0]);
  kp.forEach((p, i) => assert.ok(Math.abs(p[0] - perp[i][0]) < 0.05 && Math.abs(p[1] - perp[i][1]) < 0.05, `kp ${i}: ${p}`));
  close(val(() => cosLoss(hm)), 0, 1e-4, 'perpendicular');
  const par = [[15, 31], [47, 31], [20, 40], [44, 40]];
  close(val(() => cosLoss(heatmaps(par))), 1, 1e-2, 'parallel');
  const deg45 = [[10, 10], [50, 10], [20, 20], [40, 40]];
  close(val(() => cosLoss(heatmaps(deg45))), 0.5, 1e-2, '45°');
});

test('composite losses: STN phases weigh 10:1, switches drop terms, parts are reported', () => {
  const mask = tf.ones([1, 32, 32, 1]) as tf.Tensor4D;
  const out = { maskLogits: tf.zeros([1, 32, 32, 1]) as tf.Tensor4D, theta: tf.tensor2d([[0, 0, 0, 1]]) };
  const targets = { mask32: mask, theta: tf.tensor2d([[0.2, 0, 0, 1]]) };
  const all = { lrp: true, tpp: true, cos: true, coord: false };
  const lrp = 0.25, tpp = (0.1 * 0.1) / 4;
  const a = stnLoss(out, targets, 'lrp-first', all);
  close(a.total.dataSync()[0], 10 * lrp + tpp);
  close(a.parts.lrp.dataSync()[0], lrp);
  close(stnLoss(out, targets, 'tpp-first', all).total.dataSync()[0], lrp + 10 * tpp);
  close(stnLoss(out, targets, 'tpp-first', { lrp: false, tpp: true, cos: false, coord: false }).total.dataSync()[0], 10 * tpp);
  const kps = [[15.5, 31.5], [47.5, 31.5], [31.5, 25], [31.5, 38]];
  const t = heatmaps(kps);
  const s = shnLoss([tf.zerosLike(t), t], t, all);
  close(s.total.dataSync()[0], 0.5 + s.parts.cos.dataSync()[0]);
  assert.deepEqual(Object.keys(s.parts).sort(), ['cos', 'hm', 'hm0', 'hm1']);
  close(s.parts.hm0.dataSync()[0], 1);
  const noCos = shnLoss([t], t, { lrp: true, tpp: true, cos: false, coord: false });
  assert.equal(noCos.parts.cos, undefined);
  const j = jointLoss({ ...out, heatmaps: [t] }, { ...targets, heatmaps: t }, all);
  close(j.total.dataSync()[0], lrp + tpp + 0 + j.parts.cos.dataSync()[0], 1e-4);
  const shnOnly = jointLoss({ maskLogits: null, theta: out.theta, heatmaps: [t] }, { heatmaps: t }, { lrp: false, tpp: false, cos: false, coord: false });
  assert.deepEqual(Object.keys(shnOnly.parts).sort(), ['hm', 'hm0']);
});
