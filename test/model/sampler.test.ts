/**
 * Sampler (paper Eq. 2–3): identity, known translation/rotation, gradients against finite differences,
 * and a hand-computed true θ that puts a synthetic ellipse lesion into the canonical layout (DESIGN.md).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { affineGrid, bilinearSample, thetaToMatrices, transformImage } from '../../src/model/sampler.ts';

before(async () => {
  await initBackend('cpu');
});

const N = 128;
/** Image [1, N, N, 1] with a Gaussian blob (σ px) at crop pixel (x, y). */
function blob(x: number, y: number, sigma = 1.5, n = N): tf.Tensor4D {
  const d = new Float32Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) d[j * n + i] = Math.exp(-((i - x) ** 2 + (j - y) ** 2) / (2 * sigma * sigma));
  return tf.tensor4d(d, [1, n, n, 1]);
}

/** Intensity-weighted centroid and central second moments of a [1, H, W, 1] image. */
function moments(img: tf.Tensor4D): { cx: number; cy: number; xx: number; yy: number; xy: number; max: number } {
  const [, h, w] = img.shape;
  const d = img.dataSync();
  let m = 0, sx = 0, sy = 0, max = 0;
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) { const v = d[j * w + i]; m += v; sx += v * i; sy += v * j; max = Math.max(max, v); }
  const cx = sx / m, cy = sy / m;
  let xx = 0, yy = 0, xy = 0;
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) { const v = d[j * w + i]; xx += v * (i - cx) ** 2; yy += v * (j - cy) ** 2; xy += v * (i - cx) * (j - cy); }
  return { cx, cy, xx: xx / m, yy: yy / m, xy: xy / m, max };
}

const norm = (u: number, n = N) => (2 * u + 1) / n - 1;
const px = (xn: number, n = N) => ((xn + 1) * n - 1) / 2;

test('thetaToMatrices follows Eq. 2', () => {
  const m = tf.tidy(() => thetaToMatrices(tf.tensor2d([[0.1, -0.2, Math.PI / 6, 0.5]])).arraySync()[0]);
  const c = 0.5 * Math.cos(Math.PI / 6), s = 0.5 * Math.sin(Math.PI / 6);
  [c, -s, 0.1, s, c, -0.2].forEach((v, i) => assert.ok(Math.abs(m[i] - v) < 1e-6, `Θ[${i}] = ${m[i]}, expected ${v}`));
});

test('affineGrid of the identity gives the align_corners=false pixel centres', () => {
  const g = tf.tidy(() => affineGrid(tf.tensor2d([[1, 0, 0, 0, 1, 0]]), 3, 4).arraySync()[0]);
  assert.ok(Math.abs(g[0][0][0] - (1 / 4 - 1)) < 1e-6 && Math.abs(g[0][0][1] - (1 / 3 - 1)) < 1e-6);
  assert.ok(Math.abs(g[2][3][0] - (7 / 4 - 1)) < 1e-6 && Math.abs(g[2][3][1] - (5 / 3 - 1)) < 1e-6);
});

test('identity θ reproduces the image (within 1e-5), B = 2, C = 2', () => {
  const img = tf.randomUniform([2, 17, 23, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
  const theta = tf.tensor2d([[0, 0, 0, 1], [0, 0, 0, 1]]);
  const n0 = tf.memory().numTensors;
  const out = transformImage(img, theta, 17, 23);
  assert.equal(tf.memory().numTensors, n0 + 1, 'sampler leaks tensors');
  const err = tf.tidy(() => out.sub(img).abs().max().dataSync()[0]);
  assert.deepEqual(out.shape, [2, 17, 23, 2]);
  assert.ok(err < 1e-5, `max error ${err}`);
  tf.dispose([out, img, theta]);
});

test('translation moves a bright dot by −t·N/2 pixels', () => {
  const img = blob(40, 70);
  const out = transformImage(img, tf.tensor2d([[0.25, -0.125, 0, 1]]), N, N);
  const m = moments(out);
  // target t = source − (tx, ty): x 40 − 0.25·64 = 24, y 70 + 0.125·64 = 78.
  assert.ok(Math.abs(m.cx - 24) < 0.05 && Math.abs(m.cy - 78) < 0.05, `centroid (${m.cx}, ${m.cy})`);
  tf.dispose([img, out]);
});

test('rotation and scale move a dot where Eq. 3 predicts', () => {
  for (const [alpha, s] of [[Math.PI / 2, 1], [Math.PI / 6, 0.8], [-1.1, 1.3]]) {
    const [sx, sy] = [40, 70];
    const img = blob(sx, sy, 2);
    const tx = 0.1, ty = -0.05;
    const out = transformImage(img, tf.tensor2d([[tx, ty, alpha, s]]), N, N);
    // Invert src = s·R(α)·t + (tx, ty) for the dot's normalized source position.
    const dx = norm(sx) - tx, dy = norm(sy) - ty;
    const c = Math.cos(alpha), sn = Math.sin(alpha);
    const xt = (c * dx + sn * dy) / s, yt = (-sn * dx + c * dy) / s;
    const m = moments(out);
    assert.ok(Math.abs(m.cx - px(xt)) < 0.1 && Math.abs(m.cy - px(yt)) < 0.1, `α=${alpha} s=${s}: centroid (${m.cx}, ${m.cy}) expected (${px(xt)}, ${px(yt)})`);
    tf.dispose([img, out]);
  }
});

test('gradients w.r.t. the image and θ match finite differences', () => {
  const H = 9, W = 11, C = 2;
  const img = tf.randomUniform([2, H, W, C], 0, 1, 'float32', 3) as tf.Tensor4D;
  const weights = tf.randomUniform([2, 7, 8, C], -1, 1, 'float32', 4);
  // Includes samples that fall outside the image (zero padding): s > 1 reaches past the border.
  const theta0 = [[0.07, -0.11, 0.31, 1.15], [-0.13, 0.05, -0.47, 0.83]];
  const f = (im: tf.Tensor, th: tf.Tensor) => bilinearSample(im as tf.Tensor4D, affineGrid(thetaToMatrices(th as tf.Tensor2D), 7, 8)).mul(weights).sum() as tf.Scalar;
  const theta = tf.tensor2d(theta0);
  const [gImg, gTheta] = tf.grads(f)([img, theta]);
  const gT = gTheta.arraySync() as number[][];
  const gI = gImg.dataSync();
  const fval = (im: tf.Tensor, th: number[][]) => tf.tidy(() => f(im, tf.tensor2d(th)).dataSync()[0]);
  // θ: central differences (h small enough to stay inside one bilinear cell for most samples).
  const h = 5e-4;
  for (let b = 0; b < 2; b++) for (let k = 0; k < 4; k++) {
    const plus = theta0.map((r) => r.slice()); plus[b][k] += h;
    const minus = theta0.map((r) => r.slice()); minus[b][k] -= h;
    const fd = (fval(img, plus) - fval(img, minus)) / (2 * h);
    const an = gT[b][k];
    assert.ok(Math.abs(fd - an) <= 1e-2 * Math.max(1, Math.abs(fd)), `dθ[${b}][${k}]: analytic ${an}, numeric ${fd}`);
  }
  // Image: the output is linear in the image, so differences are exact up to float32 rounding.
  const flat = img.dataSync();
  for (const idx of [0, 5, 37, 101, 150, 2 * H * W * C - 1]) {
    const bump = (d: number) => { const a = Float32Array.from(flat); a[idx] += d; return tf.tensor4d(a, img.shape); };
    const ip = bump(0.05), im = bump(-0.05);
    const fd = (fval(ip, theta0) - fval(im, theta0)) / 0.1;
    tf.dispose([ip, im]);
    assert.ok(Math.abs(fd - gI[idx]) <= 1e-2 * Math.max(1, Math.abs(fd)), `dimage[${idx}]: analytic ${gI[idx]}, numeric ${fd}`);
  }
  tf.dispose([img, weights, theta, gImg, gTheta]);
});

test('a hand-computed true θ puts an ellipse lesion centred with its long axis horizontal', () => {
  // Ellipse in the crop: centre (70, 52) px, semi-axes a = 20 (long), b = 9 px, long axis at φ = 35° (y down).
  const cx = 70, cy = 52, a = 20, b = 9, phi = (35 * Math.PI) / 180;
  const d = new Float32Array(N * N);
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) {
    const x = i - cx, y = j - cy;
    const u = (x * Math.cos(phi) + y * Math.sin(phi)) / a, v = (-x * Math.sin(phi) + y * Math.cos(phi)) / b;
    d[j * N + i] = u * u + v * v <= 1 ? 1 : 0;
  }
  const img = tf.tensor4d(d, [1, N, N, 1]);
  // DESIGN.md: long-axis midpoint → origin, long axis from (−0.5, 0) to (0.5, 0). Its endpoints are
  // c ± a·(cos φ, sin φ) px, i.e. normalized c_n ± (2a/N)(cos φ, sin φ) = (tx, ty) ± 0.5·s·(cos α, sin α).
  const theta = [norm(cx), norm(cy), phi, (4 * a) / N];
  const out = transformImage(img, tf.tensor2d([theta]), N, N);
  const m = moments(out);
  const centre = (N - 1) / 2;
  assert.ok(Math.abs(m.cx - centre) < 0.5 && Math.abs(m.cy - centre) < 0.5, `centroid (${m.cx}, ${m.cy})`);
  // Canonical long axis = 64 px (semi 32) → variance a²/4 = 256; short semi 32·b/a = 14.4 → 51.8.
  assert.ok(m.xx / m.yy > 4, `not horizontal: xx ${m.xx}, yy ${m.yy}`);
  assert.ok(Math.abs(m.xy) < 0.05 * m.xx, `tilted: xy ${m.xy}`);
  assert.ok(Math.abs(m.xx - 256) < 15 && Math.abs(m.yy - (32 * b / a) ** 2 / 4) < 6, `moments xx ${m.xx} yy ${m.yy}`);
  tf.dispose([img, out]);
});
