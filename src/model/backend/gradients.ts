/**
 * Gradient functions tfjs-core 4.22 lacks for ops the model trains through. Backend-independent
 * (they are written with ops), registered by `initBackend` whatever backend is chosen.
 *  - GatherNd: d params = scatterND(indices, dy, params.shape) (duplicates add up).
 */
import * as tf from '@tensorflow/tfjs';

/** Register the missing gradients (idempotent; never replaces one tfjs already has). */
export function registerMissingGradients(): string[] {
  const added: string[] = [];
  if (!tf.getGradient('GatherNd')) {
    tf.registerGradient({
      kernelName: 'GatherNd',
      inputsToSave: ['params', 'indices'],
      gradFunc: (dy, saved) => {
        const [params, indices] = saved;
        const g = Array.isArray(dy) ? dy[0] : dy;
        return {
          params: () => tf.scatterND(indices, g, params.shape),
          indices: () => tf.zerosLike(indices),
        };
      },
    });
    added.push('GatherNd');
  }
  return added;
}
