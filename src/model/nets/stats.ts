/** Parameter and FLOP counts of a built LayersModel (for reports and bench logs). */
import * as tf from '@tensorflow/tfjs';

export interface NetStats {
  readonly params: number;
  readonly trainableParams: number;
  /** Multiply-accumulates of one forward pass for one sample (convs and dense layers only). */
  readonly macs: number;
  /** 2 × macs. */
  readonly flops: number;
}

function dims(shape: readonly (number | null)[]): number[] {
  return shape.map((d) => d ?? 0);
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

export function netStats(model: tf.LayersModel): NetStats {
  let params = 0;
  let trainableParams = 0;
  for (const w of model.weights) {
    const n = prod(dims(w.shape));
    params += n;
    if (w.trainable) trainableParams += n;
  }
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv2D') {
      const out = dims(layer.outputShape as (number | null)[]);
      macs += out[1] * out[2] * prod(dims(layer.weights[0].shape)); // H·W·kh·kw·cin·cout
    } else if (cls === 'Dense') {
      macs += prod(dims(layer.weights[0].shape));
    }
  }
  return { params, trainableParams, macs, flops: 2 * macs };
}
