/** The wasm Slice / Concat / Pack / GatherV2 kernels (src/model/backend/kernels/data-movement.ts) against cpu, random shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../src/model/backend/index.ts';

type Case = { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; op: 'slice' | 'concat' | 'stack' | 'gather'; a: number[]; b: number[]; axis: number; n: number };

const caseArb: fc.Arbitrary<Case> = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
  dtype: fc.constantFrom('float32', 'int32', 'bool') as fc.Arbitrary<'float32' | 'int32' | 'bool'>,
  op: fc.constantFrom('slice', 'concat', 'stack', 'gather') as fc.Arbitrary<Case['op']>,
  a: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), b: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
  axis: fc.nat(), n: fc.integer({ min: 1, max: 3 }),
});

function tensor(shape: number[], dtype: Case['dtype'], seed: number): tf.Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  const v = Array.from({ length: n }, (_, i) => ((i * 31 + seed * 17) % 23) - 11);
  return dtype === 'bool' ? tf.tensor(v.map((x) => x > 0), shape, 'bool') : tf.tensor(v, shape, dtype);
}

function runCase(c: Case): number[] {
  return tf.tidy(() => {
    const r = c.shape.length;
    const x = tensor(c.shape, c.dtype, 1);
    const axis = c.axis % r;
    let y: tf.Tensor;
    if (c.op === 'slice') {
      const begin = c.shape.map((d, i) => c.a[i] % d);
      const size = c.shape.map((d, i) => (c.b[i] % 4 === 0 ? -1 : 1 + (c.b[i] % (d - begin[i]))));
      y = tf.slice(x, begin, size);
    } else if (c.op === 'concat') {
      const others = Array.from({ length: c.n }, (_, k) => tensor(c.shape.map((d, i) => (i === axis ? 1 + ((c.a[k] ?? 0) % 3) : d)), c.dtype, k + 2));
      y = tf.concat([x, ...others], axis);
    } else if (c.op === 'stack') {
      y = tf.stack([x, ...Array.from({ length: c.n }, (_, k) => tensor(c.shape, c.dtype, k + 5))], c.axis % (r + 1));
    } else {
      const idx = tf.tensor1d(c.b.map((v) => v % c.shape[axis]), 'int32');
      y = tf.gather(x, idx, axis);
    }
    return [...y.shape, -1, ...Array.from(y.dataSync() as ArrayLike<number>, Number)];
  });
}

test('wasm Slice/Concat/Pack/GatherV2 equal cpu on 400 random shapes and dtypes; gather index out of range throws', async () => {
  const cases = fc.sample(caseArb, { numRuns: 400, seed: 7 });
  await initBackend('cpu');
  const cpu = cases.map(runCase);
  await initBackend('wasm');
  assert.equal(tf.getKernel('Slice', 'wasm')?.kernelFunc.name, 'sliceWasm');
  const wasm = cases.map(runCase);
  cases.forEach((c, i) => assert.deepEqual(wasm[i], cpu[i], JSON.stringify(c)));
  assert.throws(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], 'int32')).dataSync()), /index value 3 is not in \[0, 2\]/);
});

test('wasm Identity shares data (no copy) and reference counting keeps clones valid and frees them', async () => {
  await initBackend('wasm');
  assert.equal(tf.getKernel('Identity', 'wasm')?.kernelFunc.name, 'identityWasm');
  const bytes0 = tf.memory().numBytes;
  const a = tf.tensor([1, 2, 3, 4], [2, 2]);
  const b = tf.clone(a);
  const c = tf.engine().runKernel('Identity', { x: b }) as tf.Tensor;
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
  b.dispose();
  assert.deepEqual(Array.from(c.dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(c.shape, [2, 2]);
  c.dispose();
  assert.equal(tf.memory().numBytes, bytes0, 'all freed');
  // a variable's value survives disposing its initial tensor, and assign replaces it
  const init = tf.tensor([5, 6]);
  const v = tf.variable(init);
  init.dispose();
  v.assign(tf.tidy(() => v.mul(2)));
  assert.deepEqual(Array.from(v.dataSync()), [10, 12]);
  v.dispose();
});
