/** The wasm Sum/Mean kernels (leading-axes fast path, else wasm's own; src/model/backend/kernels/reduce-leading.ts) vs cpu. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';

const CASES: [number[], number | number[], boolean, tf.DataType][] = [
  [[2, 3, 4, 5], [0, 1, 2], false, 'float32'], // batch-norm pattern
  [[2, 3, 4, 5], [2, 0, 1], true, 'float32'],
  [[2, 3, 4, 5], [0], false, 'float32'],
  [[2, 3, 4, 5], [-1], true, 'float32'], // innermost: wasm's own
  [[2, 3, 4, 5], [1, 2], false, 'float32'], // middle: wasm's own
  [[2, 3, 4, 5], [0, 1, 2, 3], false, 'float32'], // all
  [[6, 7], 0, false, 'int32'],
  [[6, 7], [0], true, 'bool'],
  [[5], [0], false, 'float32'],
  [[8, 16, 16, 24], [0, 1, 2], true, 'float32'],
];

test('wasm Sum and Mean equal cpu (leading, inner, middle and all axes; keepDims; float32/int32/bool)', async () => {
  const got: Record<string, number[][]> = { cpu: [], wasm: [] };
  for (const b of ['cpu', 'wasm'] as const) {
    await initBackend(b);
    for (const [i, [shape, axis, keep, dtype]] of CASES.entries()) {
      const n = shape.reduce((a, c) => a * c, 1);
      const vals = Array.from({ length: n }, (_, k) => Math.sin(k * 0.37 + i) * 3);
      const x = dtype === 'bool' ? tf.tensor(vals.map((v) => v > 0), shape, 'bool') : tf.tensor(dtype === 'int32' ? vals.map(Math.round) : vals, shape, dtype);
      for (const y of [tf.sum(x, axis, keep), tf.mean(x, axis, keep)]) {
        got[b].push([...y.shape, -1, ...Array.from(y.dataSync() as ArrayLike<number>, Number)]);
        y.dispose();
      }
      x.dispose();
    }
  }
  assert.equal(tf.getKernel('Sum', 'wasm')?.kernelFunc.name, 'sumWasm');
  got.wasm.forEach((w, i) => {
    const c = got.cpu[i];
    assert.equal(w.length, c.length, `case ${i >> 1}`);
    w.forEach((v, j) => assert.ok(Math.abs(v - c[j]) <= 1e-4 * Math.max(1, Math.abs(c[j])), `case ${JSON.stringify(CASES[i >> 1])} ${i % 2 ? 'mean' : 'sum'}[${j}]: ${v} vs ${c[j]}`));
  });
});
