/**
 * A whole small net's backward pass on wasm equals cpu's: conv2d (stride 1/2, 1×1/3×3/7×7, same/valid),
 * batch norm (training), relu, maxPool, upSampling2d, resizeBilinear, add/concat, dense, sigmoid,
 * softplus, gather + gatherND, cos/sin, mean/sum. Also lists the kernels the pass runs that
 * tfjs-backend-wasm lacks natively: exactly the ones src/model/backend provides.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { WASM_GRAD_KERNELS } from '../../src/model/backend/wasm-grad-kernels.ts';
import { assertClose, seeded } from '../../src/model/backend/compare.ts';

/** Build the net on the active backend (seeded weights) and return loss and gradients, as arrays. */
function netGrads(): tf.Tensor[] {
  const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 50, stddev: 0.1 }) });
  const conv7 = tf.layers.conv2d({ filters: 8, kernelSize: 7, strides: 2, padding: 'same', ...init(1) });
  const bn = tf.layers.batchNormalization({ gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 2 }) });
  const conv3 = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', ...init(3) });
  const conv1 = tf.layers.conv2d({ filters: 8, kernelSize: 1, ...init(4) });
  const conv3s2 = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', ...init(5) });
  const up = tf.layers.upSampling2d({ size: [2, 2] });
  const dense = tf.layers.dense({ units: 4, activation: 'sigmoid', ...init(6) });
  const x = tf.tensor4d(seeded(2 * 32 * 32, 11), [2, 32, 32, 1]);
  const idx = tf.tensor1d([5, 0, 5, 17, 100], 'int32');
  const ndIdx = tf.tensor2d([[0, 1, 2], [1, 6, 0], [0, 1, 2]], [3, 3], 'int32');
  const f = (): tf.Scalar => {
    const h1 = tf.relu(bn.apply(conv7.apply(x), { training: true }) as tf.Tensor4D);
    const h = tf.concat([tf.add(conv3.apply(h1) as tf.Tensor, conv1.apply(h1) as tf.Tensor), h1], -1) as tf.Tensor4D;
    const p = tf.maxPool(h, 2, 2, 'same');
    const s = tf.add(up.apply(p) as tf.Tensor, tf.image.resizeBilinear(p, [16, 16])) as tf.Tensor4D;
    const c = conv3s2.apply(s) as tf.Tensor4D;
    const flat = tf.reshape(c, [2, -1]);
    const d = dense.apply(flat) as tf.Tensor;
    const g = tf.gather(flat, idx, 1);
    const gnd = tf.gatherND(c, ndIdx);
    return tf.mean(d).add(tf.sum(tf.softplus(g)).mul(0.01)).add(tf.sum(tf.cos(gnd))).add(tf.mean(tf.sin(c))) as tf.Scalar;
  };
  f(); // build the layers (creates the variables)
  const vars = [conv7, bn, conv3, conv1, conv3s2, dense].flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  const { value, grads } = tf.variableGrads(f, vars);
  return [value, ...vars.map((v) => grads[v.name])];
}

async function gradsOn(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = netGrads();
  const data = out.map((t) => Float32Array.from(t.dataSync()));
  tf.disposeVariables();
  tf.dispose(out);
  return data;
}

describe('small-net backward pass: wasm vs cpu', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('loss and every weight gradient agree', async () => {
    const w = await gradsOn('wasm');
    const c = await gradsOn('cpu');
    assert.equal(w.length, c.length);
    w.forEach((a, i) => assertClose(a, c[i], i === 0 ? 'loss' : `grad of weight ${i - 1}`, 2e-4));
  });

  it('the kernels wasm lacks natively are exactly the ones registered here', async (t) => {
    await tf.setBackend('cpu');
    const prof = await tf.profile(() => { const g = netGrads(); tf.disposeVariables(); return g; });
    const used = [...new Set(prof.kernelNames)].filter((n) => !n.endsWith('__op')).sort();
    const ours = new Set(WASM_GRAD_KERNELS.map((k) => k.kernelName));
    const registered = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const missing = used.filter((n) => !registered.has(n));
    const provided = used.filter((n) => ours.has(n));
    t.diagnostic(`kernels used by the pass: ${used.join(', ')}`);
    t.diagnostic(`provided by src/model/backend: ${provided.join(', ')}`);
    assert.deepEqual(missing, [], `kernels still missing on wasm: ${missing.join(', ')}`);
    assert.ok(provided.includes('Conv2DBackpropFilter') && provided.includes('UnsortedSegmentSum'));
  });
});
