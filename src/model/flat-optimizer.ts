/**
 * Adam or SGD with momentum over all trained variables as ONE flat vector, with the global-norm gradient clip built in.
 * The arithmetic is tf.train.adam's / tf.train.momentum's after a global-norm clip, element by element, but a step
 * issues about one kernel per variable (the split of the new values) plus a few dozen, where the per-variable
 * optimizers issue about twenty (clip: square, sum, add, mul; Adam: ~16). On WebGPU each tfjs kernel costs ~0.1 ms
 * of host time whatever its size (bench/results/webgpu-h200.json), so for the STN's 179 variables this takes ~3,300
 * of a fine-tune step's ~6,100 kernels away.
 */
import * as tf from '@tensorflow/tfjs';

export interface FlatOptimizerConfig {
  readonly kind: 'adam' | 'sgd-momentum';
  readonly learningRate: number;
  /** SGD momentum (ignored by Adam, which uses β1 = 0.9, β2 = 0.999 as tf.train.adam does). */
  readonly momentum: number;
  /** Gradients are scaled by min(1, maxGradNorm / ‖g‖₂) over all variables together. */
  readonly maxGradNorm: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/**
 * Gradients of `vars` (keyed by variable name, as tf.variableGrads returns them) as one flat vector, in `vars` order.
 * A variable the loss does not reach (tf.variableGrads leaves it out: a head whose loss term is switched off, as in the
 * Table 1 ablations or an LRP-only fine-tune) gets zeros, so neither optimizer moves it.
 */
export function flattenGrads(vars: readonly tf.Variable[], grads: tf.NamedTensorMap): tf.Tensor1D {
  return tf.tidy(() => tf.concat(vars.map((v) => (grads[v.name] ?? tf.zeros(v.shape)).reshape([-1]))) as tf.Tensor1D);
}

export class FlatOptimizer {
  private readonly sizes: number[];
  private readonly total: number;
  private first: tf.Variable<tf.Rank.R1> | null = null;
  private second: tf.Variable<tf.Rank.R1> | null = null;
  private steps = 0;

  constructor(private readonly vars: readonly tf.Variable[], private readonly cfg: FlatOptimizerConfig) {
    if (vars.length === 0) throw new Error('FlatOptimizer: no variables to train');
    this.sizes = vars.map((v) => v.size);
    this.total = this.sizes.reduce((a, b) => a + b, 0);
  }

  /** One update from the flat gradient `g` (length = all variables' sizes summed; see flattenGrads). */
  apply(g: tf.Tensor1D): void {
    if (g.size !== this.total) throw new Error(`FlatOptimizer.apply: gradient has ${g.size} values, the variables ${this.total}`);
    const { kind, learningRate: lr, momentum, maxGradNorm } = this.cfg;
    this.steps += 1;
    this.first ??= tf.variable(tf.zeros([this.total]), false) as tf.Variable<tf.Rank.R1>;
    if (kind === 'adam') this.second ??= tf.variable(tf.zeros([this.total]), false) as tf.Variable<tf.Rank.R1>;
    const pieces = tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      const clipped = tf.mul(g, tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-12))));
      let delta: tf.Tensor1D;
      if (kind === 'adam') {
        const m = tf.add(tf.mul(this.first!, BETA1), tf.mul(clipped, 1 - BETA1)) as tf.Tensor1D;
        const v = tf.add(tf.mul(this.second!, BETA2), tf.mul(tf.square(clipped), 1 - BETA2)) as tf.Tensor1D;
        this.first!.assign(m);
        this.second!.assign(v);
        const mHat = tf.div(m, 1 - BETA1 ** this.steps);
        const vHat = tf.div(v, 1 - BETA2 ** this.steps);
        delta = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), tf.backend().epsilon())), -lr);
      } else {
        const acc = tf.add(tf.mul(this.first!, momentum), clipped) as tf.Tensor1D;
        this.first!.assign(acc);
        delta = tf.mul(acc, -lr);
      }
      const values = tf.add(tf.concat(this.vars.map((x) => x.reshape([-1]))), delta);
      // One slice per variable (tf.split is ~100x slower on tfjs-wasm: 230 ms for the STN's 179 variables).
      let begin = 0;
      return this.vars.map((x, i) => {
        const piece = tf.slice(values, begin, this.sizes[i]).reshape(x.shape);
        begin += this.sizes[i];
        return piece;
      });
    });
    this.vars.forEach((x, i) => {
      x.assign(pieces[i]);
      pieces[i].dispose();
    });
  }

  dispose(): void {
    tf.dispose([this.first, this.second].filter((t): t is tf.Variable<tf.Rank.R1> => t !== null));
    this.first = this.second = null;
  }
}
