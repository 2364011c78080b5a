/**
 * Batchnorm in training mode with its closed-form gradient (Ioffe & Szegedy 2015, Sect. 3):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ / (σ·N) · (N·dy − dβ − x̂·dγ),  x̂ = (x − μ) / σ,  σ = √(var + ε),
 * sums over all axes but the channels (N values each).
 * tfjs-layers' BatchNormalization differentiates through tf.moments and tf.batchNorm's generic gradient instead:
 * ~50 kernels per layer per training step (forward and backward), 21 here. On WebGPU each kernel costs ~0.1 ms of host time whatever its
 * size (bench/results/webgpu-h200.json), and the STN has 53 batchnorm layers. Same outputs, gradients and moving
 * statistics as tfjs-layers (test/model/batchnorm-training.test.ts); inference (training: false) is untouched.
 */
import * as tf from '@tensorflow/tfjs';

/** The fields of tfjs-layers' BatchNormalization this reads (public at run time, not in its typings). */
interface BatchnormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

const patched = new WeakSet<tf.LayersModel>();

/** Normalize x over all axes but the last with batch statistics; returns y and the statistics (for the moving averages). */
function normalizeInTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const n = x.size / x.shape[x.rank - 1];
  let stats: { mean: tf.Tensor; variance: tf.Tensor } | null = null;
  const op = tf.customGrad((xIn, g, b, save) => {
    const x4 = xIn as tf.Tensor, gT = g as tf.Tensor;
    const { mean, variance } = tf.moments(x4, axes);
    const y = tf.batchNorm(x4, mean, variance, b as tf.Tensor, gT, epsilon);
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    (save as tf.GradSaveFunc)([x4, mean, variance, gT]);
    return {
      value: y,
      // dx = γ/σ · (u − dβ/N) with u = dy − x̂·dγ/N: one batchNorm kernel, as x̂ is.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xs, mu, v, gs] = saved;
        const xHat = tf.batchNorm(xs, mu, v, undefined, undefined, epsilon);
        const dBeta = tf.sum(d, axes);
        const dGamma = tf.sum(tf.mul(d, xHat), axes);
        const u = tf.sub(d, tf.mul(xHat, tf.div(dGamma, n)));
        const dx = tf.batchNorm(u, tf.div(dBeta, n), v, undefined, gs, epsilon);
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta);
  const s = stats as { mean: tf.Tensor; variance: tf.Tensor } | null;
  if (!s) throw new Error('batchnorm: statistics were not computed');
  return { y, ...s };
}

function patchLayer(layer: tf.layers.Layer): void {
  const bn = layer as unknown as BatchnormInternals;
  const original = bn.call.bind(bn);
  bn.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = bn.axis === -1 || bn.axis === x.rank - 1;
    if (!kwargs.training || !lastAxis || !bn.gamma || !bn.beta) return original(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = normalizeInTraining(x, bn.gamma!.read(), bn.beta!.read(), bn.epsilon);
      // The moving averages exactly as tfjs-layers updates them (biased batch variance, decay 1 − momentum).
      for (const [variable, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
        const old = variable.read();
        variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - bn.momentum)));
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
}

/** Give every batchnorm layer of `model` the closed-form training gradient (once per model; later calls do nothing). */
export function useClosedFormBatchnorm(model: tf.LayersModel): void {
  if (patched.has(model)) return;
  for (const layer of model.layers) if (layer.getClassName() === 'BatchNormalization') patchLayer(layer);
  patched.add(model);
}
