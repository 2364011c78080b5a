/**
 * One optimizer update of the default preset's STN variables (what a fine-tune step ends with), two ways, in one run:
 * per variable (global-norm clip + tf.train.adam, what training used before src/model/flat-optimizer.ts) and flat
 * (FlatOptimizer). Median wall time of `reps` updates (each followed by a read-back) and the kernels of one update.
 */
import * as tf from '@tensorflow/tfjs';
import { buildCascade, disposeCascade, trainableWeights } from '../../src/model/cascade.ts';
import { resolveConfig } from '../../src/model/config.ts';
import { FlatOptimizer, flattenGrads } from '../../src/model/flat-optimizer.ts';
import { MAX_GRAD_NORM } from '../../src/model/train.ts';
import { median, round } from './common.ts';

async function timeUpdate(update: () => void, sync: tf.Tensor, reps: number): Promise<{ ms: number; kernels: number }> {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    update();
    await sync.data();
    ts.push(performance.now() - t);
  }
  const kernels = (await tf.profile(update)).kernels.filter((k) => k.name !== 'Reshape' && k.name !== 'Identity').length;
  return { ms: round(median(ts.slice(2)), 1), kernels };
}

export async function timeOptimizerUpdate(reps = 12): Promise<Record<string, unknown>> {
  const c = buildCascade(resolveConfig({ preset: 'default' }), { seed: 1 });
  const vars = trainableWeights(c, 'stn');
  const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 1e-3, 'float32', i)]));
  const adam = tf.train.adam(1e-4);
  const perVariable = await timeUpdate(() => {
    const clipped = tf.tidy(() => {
      const norm = tf.sqrt(Object.values(grads).reduce<tf.Tensor>((acc, g) => acc.add(g.square().sum()), tf.scalar(0)));
      const scale = tf.minimum(1, tf.div(MAX_GRAD_NORM, norm.add(1e-12)));
      return vars.map((v) => ({ name: v.name, tensor: grads[v.name].mul(scale) }));
    });
    adam.applyGradients(clipped);
    tf.dispose(clipped.map((x) => x.tensor));
  }, vars[0], reps);
  const flatOpt = new FlatOptimizer(vars, { kind: 'adam', learningRate: 1e-4, momentum: 0, maxGradNorm: MAX_GRAD_NORM });
  const flat = await timeUpdate(() => {
    const g = flattenGrads(vars, grads);
    flatOpt.apply(g);
    g.dispose();
  }, vars[0], reps);
  adam.dispose();
  flatOpt.dispose();
  tf.dispose(grads);
  disposeCascade(c);
  return { variables: vars.length, perVariable, flat, ratio: round(perVariable.ms / flat.ms, 1) };
}
