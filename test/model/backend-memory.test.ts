/** withMicroBatches: summed micro-batch gradients equal the full-batch gradient (no batch norm). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { withMicroBatches } from '../../src/model/backend/memory.ts';
import { assertClose, seeded } from '../../src/model/backend/compare.ts';

describe('withMicroBatches', () => {
  it('3 micro-batches of a batch of 7 give the full-batch loss and gradients', async () => {
    await initBackend('wasm');
    const x = tf.tensor4d(seeded(7 * 8 * 8 * 2, 1), [7, 8, 8, 2]);
    const y = tf.tensor2d(seeded(7 * 3, 2), [7, 3]);
    const w = tf.variable(tf.tensor4d(seeded(3 * 3 * 2 * 4, 3), [3, 3, 2, 4]));
    const d = tf.variable(tf.tensor2d(seeded(4 * 16 * 3, 4), [4 * 16, 3]));
    const loss = (start: number, size: number): tf.Scalar => {
      const xb = x.slice(start, size);
      const h = tf.relu(tf.conv2d(xb, w, 2, 'same')).reshape([size, -1]);
      return tf.losses.meanSquaredError(y.slice(start, size), h.matMul(d)) as tf.Scalar;
    };
    const full = tf.variableGrads(() => loss(0, 7), [w, d]);
    const before = tf.memory().numTensors;
    const micro = withMicroBatches(7, 3, loss, [w, d]);
    assert.equal(tf.memory().numTensors - before, 2, 'only the two summed gradients stay alive');
    assert.ok(Math.abs(micro.loss - full.value.dataSync()[0]) < 1e-5);
    for (const v of [w, d]) assertClose(micro.grads[v.name].dataSync(), full.grads[v.name].dataSync(), v.name, 1e-5);
    tf.dispose([full.value, ...Object.values(full.grads), ...Object.values(micro.grads), x, y, w, d]);
  });

  it('rejects a non-positive micro-batch', () => {
    assert.throws(() => withMicroBatches(4, 0, () => tf.scalar(0)), /microBatch 0/);
  });
});
