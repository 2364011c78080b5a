/**
 * Folded inference graphs (src/model/nets/folded.ts): batchnorm folded into convolutions, ReLUs fused. Same outputs as
 * the layers models (with non-trivial batchnorm statistics), fewer kernels, and recompiled when the weights change.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { PRESETS } from '../../src/model/config.ts';
import { buildCascade, disposeCascade, forwardCascade } from '../../src/model/cascade.ts';
import { foldedModel } from '../../src/model/nets/folded.ts';

before(async () => {
  await initBackend('wasm');
});

/** Moving statistics and affine parameters away from their initial 0/1, so that folding has something to fold. */
function randomizeBatchnorms(model: tf.LayersModel, seed: number): void {
  let k = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((w) => {
      const shape = w.shape as number[];
      const name = w.originalName.split('/').pop();
      const u = tf.randomUniform(shape, 0, 1, 'float32', k++);
      return name === 'moving_variance' || name === 'gamma' ? tf.add(u, 0.5) : tf.sub(u, 0.5);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-6, tf.max(tf.abs(a)).dataSync()[0]));
}

test('folded STN and SHN compute what the layers models compute (tiny preset, random batchnorm statistics)', () => {
  const c = buildCascade(PRESETS.tiny, { seed: 5 });
  randomizeBatchnorms(c.stn!, 1);
  randomizeBatchnorms(c.shn, 1000);
  const x = tf.randomUniform([2, 128, 128, 1], 0, 1, 'float32', 3);
  for (const m of [c.stn!, c.shn]) {
    const ref = m.apply(x, { training: false }) as tf.Tensor[] | tf.Tensor;
    const refs = Array.isArray(ref) ? ref : [ref];
    const got = foldedModel(m)(x);
    assert.equal(got.length, refs.length, `${m.name}: output count`);
    refs.forEach((r, i) => {
      assert.deepEqual(got[i].shape, r.shape, `${m.name} output ${i} shape`);
      const d = maxRelDiff(r, got[i]);
      assert.ok(d < 1e-4, `${m.name} output ${i}: max relative difference ${d}`);
    });
    tf.dispose([...refs, ...got]);
  }
  x.dispose();
  disposeCascade(c);
});

test('folded forward issues fewer kernels, and sees new weights after training assigns them', async () => {
  const c = buildCascade(PRESETS.tiny, { seed: 6 });
  randomizeBatchnorms(c.stn!, 7);
  const x = tf.randomUniform([1, 128, 128, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  const kernels = async (folded: boolean) =>
    (await tf.profile(() => { tf.dispose(folded ? foldedModel(c.stn!)(x) : (c.stn!.apply(x, { training: false }) as tf.Tensor[])); })).kernels.length;
  tf.dispose(foldedModel(c.stn!)(x)); // compile first: folding the weights runs kernels too
  const [plain, folded] = [await kernels(false), await kernels(true)];
  assert.ok(folded < 0.6 * plain, `folded STN: ${folded} kernels vs ${plain}`);

  const before = foldedModel(c.stn!)(x);
  // What an optimizer step does: assign new values to a convolution's kernel.
  const conv = c.stn!.layers.find((l) => l.getClassName() === 'Conv2D')!;
  const v = conv.weights[0].read() as tf.Variable;
  v.assign(tf.mul(v, 1.5));
  const after = foldedModel(c.stn!)(x);
  const ref = c.stn!.apply(x, { training: false }) as tf.Tensor[];
  assert.ok(maxRelDiff(ref[0], after[0]) < 1e-4, 'the recompiled folded STN matches the updated layers model');
  assert.ok(maxRelDiff(before[0], after[0]) > 1e-3, 'the folded STN did not pick up the new weights');
  assert.throws(() => forwardCascade(c, x, { training: true, folded: true }), /folded is for inference/);
  tf.dispose([x, ...before, ...after, ...ref]);
  disposeCascade(c);
});

test('a layer the folder does not handle is named in the error', () => {
  const input = tf.input({ shape: [8, 8, 1] });
  const y = tf.layers.conv2d({ name: 'conv_with_tanh', filters: 2, kernelSize: 3, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: y });
  assert.throws(() => foldedModel(m), /conv_with_tanh has activation tanh/);
  const y2 = tf.layers.dropout({ name: 'drop', rate: 0.5 }).apply(input) as tf.SymbolicTensor;
  assert.throws(() => foldedModel(tf.model({ inputs: input, outputs: y2 })), /layer drop of class Dropout is not supported/);
  m.dispose();
});
