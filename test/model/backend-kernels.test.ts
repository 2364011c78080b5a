/**
 * The wasm gradient kernels (src/model/backend/kernels) against the cpu backend: conv weight and
 * input gradients for 1×1/3×3/7×7, stride 1/2, same/valid, two channel pairs, batch 1/3;
 * UnsortedSegmentSum; gather and gatherND gradients; the replaced MaxPoolGrad and
 * ResizeNearestNeighborGrad.
 */
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { initWasm } from '../../src/model/backend/wasm.ts';
import { registerCpuKernelFixes } from '../../src/model/backend/wasm-grad-kernels.ts';
import { registerMissingGradients } from '../../src/model/backend/gradients.ts';
import { assertClose, runOn, seeded } from '../../src/model/backend/compare.ts';

before(async () => {
  await initWasm();
  registerMissingGradients();
  registerCpuKernelFixes();
});

/** dL/dx and dL/dW of L = Σ conv2d(x, W) ⊙ g on the active backend. */
function convGrads(xs: number[], ws: number[], stride: number, pad: 'same' | 'valid', seed: number): tf.Tensor[] {
  const x = tf.tensor4d(seeded(xs.reduce((a, b) => a * b), seed), xs as [number, number, number, number]);
  const w = tf.tensor4d(seeded(ws.reduce((a, b) => a * b), seed + 1), ws as [number, number, number, number]);
  const yShape = tf.conv2d(x, w, stride, pad).shape;
  const g = tf.tensor(seeded(yShape.reduce((a, b) => a * b), seed + 2), yShape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad).mul(g).sum())([x, w]);
  return [dx, dw];
}

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput vs cpu', () => {
  const cases: Array<{ k: number; s: number; pad: 'same' | 'valid'; ci: number; co: number; n: number; hw: number }> = [];
  for (const k of [1, 3, 7]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const)
    for (const [ci, co] of [[3, 5], [8, 16]]) for (const n of [1, 3]) cases.push({ k, s, pad, ci, co, n, hw: (k + s + ci) % 2 ? 12 : 11 });
  for (const c of cases) {
    it(`k${c.k} s${c.s} ${c.pad} ci${c.ci} co${c.co} n${c.n} ${c.hw}x${c.hw + 1}`, async () => {
      const xs = [c.n, c.hw, c.hw + 1, c.ci];
      const ws = [c.k, c.k, c.ci, c.co];
      const seed = c.k * 1000 + c.s * 100 + c.ci + c.n;
      const [dxW, dwW] = await runOn('wasm', () => convGrads(xs, ws, c.s, c.pad, seed));
      const [dxC, dwC] = await runOn('cpu', () => convGrads(xs, ws, c.s, c.pad, seed));
      assertClose(dwW, dwC, 'dW');
      assertClose(dxW, dxC, 'dx');
    });
  }
});

describe('wasm UnsortedSegmentSum and gather gradients vs cpu', () => {
  it('unsortedSegmentSum (repeated ids) vs cpu', async () => {
    const f = (): tf.Tensor[] => {
      const x = tf.tensor(seeded(6 * 5, 7), [6, 5]);
      const ids = tf.tensor1d([0, 3, 3, 1, 0, 3], 'int32');
      const x1 = tf.tensor1d(seeded(7, 8));
      const ids1 = tf.tensor1d([2, 2, 0, 6, 2, 5, 0], 'int32');
      return [tf.unsortedSegmentSum(x, ids, 4), tf.unsortedSegmentSum(x1, ids1, 7)];
    };
    const w = await runOn('wasm', f);
    const c = await runOn('cpu', f);
    w.forEach((a, i) => assertClose(a, c[i], `segment sum ${i}`));
  });

  it('UnsortedSegmentSum with rank-2 ids (TF semantics; cpu does not support it) vs a loop', async () => {
    await tf.setBackend('wasm');
    const xv = seeded(2 * 3 * 4, 8);
    const idv = [1, 1, 0, 2, 1, 4];
    const got = tf.tidy(() => {
      const x = tf.tensor(xv, [2, 3, 4]);
      const ids = tf.tensor2d(idv, [2, 3], 'int32');
      return (tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 5 }) as tf.Tensor).dataSync();
    });
    const want = new Float32Array(5 * 4);
    idv.forEach((s, i) => { for (let j = 0; j < 4; j++) want[s * 4 + j] += xv[i * 4 + j]; });
    assert.equal(got.length, want.length);
    assertClose(got, want, 'rank-2 ids');
  });

  it('gather gradient (axis 0 and 1, duplicate indices) and gatherND gradient', async () => {
    const f = (): tf.Tensor[] => {
      const p = tf.tensor(seeded(5 * 4 * 3, 9), [5, 4, 3]);
      const idx = tf.tensor1d([4, 0, 4, 2, 2, 2], 'int32');
      const idx2 = tf.tensor2d([[0, 3], [3, 1]], [2, 2], 'int32');
      const nd = tf.tensor2d([[0, 1], [4, 3], [0, 1]], [3, 2], 'int32');
      const g0 = tf.grad((t: tf.Tensor) => tf.gather(t, idx, 0).mul(tf.range(1, 7).reshape([6, 1, 1])).sum())(p);
      const g1 = tf.grad((t: tf.Tensor) => tf.gather(t, idx2, 1).square().sum())(p);
      const g2 = tf.grad((t: tf.Tensor) => tf.gatherND(t, nd).mul(tf.tensor1d([1, 2, 3])).sum())(p);
      return [g0, g1, g2];
    };
    const w = await runOn('wasm', f);
    const c = await runOn('cpu', f);
    w.forEach((a, i) => assertClose(a, c[i], `gather grad ${i}`));
  });
});

describe('replaced pooling/resize gradients (tfjs 4.22 wasm natives are wrong)', () => {
  it('MaxPoolGrad vs cpu: 2x2/s2 same, 3x3/s2 same, 3x3/s1 valid; batch 2, 5 channels', async () => {
    const f = (): tf.Tensor[] => {
      const x = tf.tensor4d(seeded(2 * 9 * 10 * 5, 21), [2, 9, 10, 5]);
      const cfgs: Array<[number, number, 'same' | 'valid']> = [[2, 2, 'same'], [3, 2, 'same'], [3, 1, 'valid']];
      return cfgs.map(([k, s, p]) => {
        const y = tf.maxPool(x, k, s, p);
        const g = tf.tensor(seeded(y.size, k + s), y.shape);
        return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, p).mul(g).sum())(x);
      });
    };
    const w = await runOn('wasm', f);
    const c = await runOn('cpu', f);
    w.forEach((a, i) => assertClose(a, c[i], `maxPool grad ${i}`));
  });

  it('ResizeNearestNeighborGrad (upSampling2d, resize to 7x9, alignCorners) equals the gather-gradient formulation', async () => {
    const modes: Array<[number, number, boolean]> = [[8, 10, false], [7, 9, false], [7, 9, true]];
    for (const [oh, ow, ac] of modes) {
      const viaResize = (): tf.Tensor[] => {
        const x = tf.tensor4d(seeded(2 * 4 * 5 * 3, 31), [2, 4, 5, 3]);
        const g = tf.tensor(seeded(2 * oh * ow * 3, 32), [2, oh, ow, 3]);
        return [tf.grad((a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [oh, ow], ac).mul(g).sum())(x)];
      };
      const viaGather = (): tf.Tensor[] => {
        const x = tf.tensor4d(seeded(2 * 4 * 5 * 3, 31), [2, 4, 5, 3]);
        const g = tf.tensor(seeded(2 * oh * ow * 3, 32), [2, oh, ow, 3]);
        const src = (o: number, n: number): number[] => Array.from({ length: n }, (_, i) => {
          const r = ac && n > 1 ? (o - 1) / (n - 1) : o / n;
          return Math.min(o - 1, ac ? Math.round(r * i) : Math.floor(r * i));
        });
        const rows = tf.tensor1d(src(4, oh), 'int32');
        const cols = tf.tensor1d(src(5, ow), 'int32');
        return [tf.grad((a: tf.Tensor) => tf.gather(tf.gather(a, rows, 1), cols, 2).mul(g).sum())(x)];
      };
      const [w] = await runOn('wasm', viaResize);
      const [c] = await runOn('cpu', viaResize);
      const [ref] = await runOn('cpu', viaGather);
      assertClose(w, ref, `wasm ${oh}x${ow} ac=${ac}`);
      assertClose(c, ref, `cpu (fixed) ${oh}x${ow} ac=${ac}`);
    }
  });
});
