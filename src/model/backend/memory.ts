/**
 * Gradient accumulation over micro-batches. The wasm heap cannot exceed 4 GiB (a 256-channel 2-stack
 * hourglass at batch 8 aborts with "memory access out of bounds"), so a batch is split into chunks,
 * each chunk's gradients are computed with tf.variableGrads and summed, and only the sums stay alive.
 *
 * The loss of each chunk is weighted by chunk/batch, so for a loss that is a mean over samples the
 * summed gradient equals the full-batch gradient. Batch-norm layers see per-chunk statistics, so with
 * batch norm the result is close to, not equal to, the full-batch gradient.
 */
import * as tf from '@tensorflow/tfjs';

/** Gradients (by variable name) and the batch's weighted mean loss. */
export interface AccumulatedGrads {
  loss: number;
  grads: tf.NamedTensorMap;
}

/**
 * Sum gradients across micro-batches of at most `microBatch` samples.
 * `lossFn(start, size)` builds the mean loss of samples [start, start + size).
 * The caller owns the returned tensors (e.g. `optimizer.applyGradients(grads)` then `tf.dispose(grads)`).
 */
export function withMicroBatches(
  batchSize: number,
  microBatch: number,
  lossFn: (start: number, size: number) => tf.Scalar,
  varList?: tf.Variable[],
): AccumulatedGrads {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`withMicroBatches: batchSize ${batchSize} must be a positive integer`);
  if (!Number.isInteger(microBatch) || microBatch < 1) throw new Error(`withMicroBatches: microBatch ${microBatch} must be a positive integer`);
  const grads: tf.NamedTensorMap = {};
  let loss = 0;
  for (let start = 0; start < batchSize; start += microBatch) {
    const size = Math.min(microBatch, batchSize - start);
    const { value, grads: g } = tf.variableGrads(() => tf.mul(lossFn(start, size), size / batchSize) as tf.Scalar, varList);
    loss += value.dataSync()[0];
    value.dispose();
    for (const [name, t] of Object.entries(g)) {
      const prev = grads[name];
      if (prev) {
        grads[name] = tf.add(prev, t);
        prev.dispose();
        t.dispose();
      } else {
        grads[name] = t;
      }
    }
  }
  return { loss, grads };
}

/** Micro-batch size whose activations (`bytesPerSample` each) fit `budgetBytes`: in [1, batchSize]. */
export function microBatchFor(bytesPerSample: number, batchSize: number, budgetBytes = 2 ** 31): number {
  if (bytesPerSample <= 0) return batchSize;
  return Math.max(1, Math.min(batchSize, Math.floor(budgetBytes / bytesPerSample)));
}
