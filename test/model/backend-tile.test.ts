/** The wasm Tile kernel (src/model/backend/kernels/tile.ts, block copies) against the cpu backend. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';

const CASES: [number[], number[], tf.DataType][] = [
  [[1, 1, 1, 5], [2, 3, 4, 1], 'float32'], // batch-norm gradient pattern
  [[3], [4], 'float32'],
  [[2, 3], [1, 1], 'float32'],
  [[2, 3], [3, 2], 'int32'],
  [[2, 1, 3], [1, 4, 1], 'float32'],
  [[2, 3, 1, 2], [2, 1, 3, 2], 'float32'],
  [[4, 2], [2, 1], 'bool'],
  [[2, 2], [0, 3], 'float32'],
  [[1, 4], [5, 1], 'int32'],
  [[3, 2, 2], [1, 1, 3], 'float32'],
];

function make(shape: number[], dtype: tf.DataType, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 97) - 40);
  return dtype === 'bool' ? tf.tensor(vals.map((v) => v > 0), shape, 'bool') : tf.tensor(vals, shape, dtype);
}

test('wasm Tile equals cpu Tile (dtypes, reps incl. 0 and 1, ranks 1–4) and the 4-D batch-norm tile', async () => {
  const results: { wasm: number[][]; cpu: number[][] } = { wasm: [], cpu: [] };
  for (const b of ['cpu', 'wasm'] as const) {
    await initBackend(b);
    for (const [i, [shape, reps, dtype]] of CASES.entries()) {
      const x = make(shape, dtype, i);
      const y = tf.tile(x, reps);
      results[b].push([...y.shape, -1, ...Array.from(y.dataSync() as ArrayLike<number>, Number)]);
      tf.dispose([x, y]);
    }
  }
  CASES.forEach((c, i) => assert.deepEqual(results.wasm[i], results.cpu[i], `case ${JSON.stringify(c)}`));
  // The kernel is ours (its speed is measured by npm run bench, not asserted here).
  await initBackend('wasm');
  assert.equal(tf.getKernel('Tile', 'wasm')?.kernelFunc.name, 'tileWasm');
});
