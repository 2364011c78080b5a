/**
 * The stacked hourglass network (paper 2.2): canonical image [B, 128, 128, 1] → per-stack keypoint heatmaps,
 * each [B, 64, 64, 4] (long-left, long-right, short-top, short-bottom). Every stack's heatmaps are outputs
 * (intermediate supervision); the last stack's are the prediction. Between stacks, the heatmaps and the
 * features go back into the next stack's input through 1×1 convs (added to the residual stream).
 */
import * as tf from '@tensorflow/tfjs';
import type { ShnConfig } from '../config.ts';
import { add, assertShape, conv, convBnRelu, Namer } from './layers.ts';
import { hourglass, residual } from './hourglass.ts';

export const NUM_KEYPOINTS = 4;

export function buildShn(cfg: ShnConfig, seed?: number): tf.LayersModel {
  const nm = new Namer('shn', seed);
  const f = cfg.width;
  const size = cfg.canonicalSize;
  const input = tf.input({ shape: [size, size, 1], name: 'shn_input' }); // [B, 128, 128, 1]
  // Stem: 7×7/2 conv to the heatmap resolution, then residuals up to the hourglass width.
  let x = convBnRelu(nm, 'stem', input, Math.max(8, f >> 2), 7, 2); // [B, 64, 64, f/4]
  x = residual(nm, x, f >> 1); // [B, 64, 64, f/2]
  x = residual(nm, x, f); // [B, 64, 64, f]
  assertShape(x, [cfg.heatmapSize, cfg.heatmapSize, f], 'shn stem');
  const heatmaps: tf.SymbolicTensor[] = [];
  for (let s = 0; s < cfg.stacks; s++) {
    const hg = hourglass(nm, cfg.depth, x, f); // [B, 64, 64, f]
    const feat = convBnRelu(nm, `s${s}_feat`, residual(nm, hg, f), f, 1); // [B, 64, 64, f]
    // Zero-initialised head: heatmaps start at 0, where the normalized L_HM is exactly 1 (see losses.ts).
    const pred = conv(nm, `s${s}_heatmaps`, feat, NUM_KEYPOINTS, { kernel: 1, init: 'zeros' }); // [B, 64, 64, 4]
    heatmaps.push(pred);
    if (s < cfg.stacks - 1) {
      const mergePred = conv(nm, `s${s}_merge_pred`, pred, f, { kernel: 1, init: 'glorot' }); // [B, 64, 64, f]
      const mergeFeat = conv(nm, `s${s}_merge_feat`, feat, f, { kernel: 1, init: 'glorot' }); // [B, 64, 64, f]
      x = add(nm, [x, mergePred, mergeFeat]);
    }
  }
  return tf.model({ inputs: input, outputs: heatmaps, name: 'shn' });
}
