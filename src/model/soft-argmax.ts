/**
 * Differentiable keypoint read-out from heatmaps: softmax over each map (temperature 1/β) and the expected
 * pixel position. Coordinates are heatmap pixels, pixel (i, j) centred at (x = i, y = j).
 */
import * as tf from '@tensorflow/tfjs';

/** Default sharpness: heatmaps are regressed to Gaussians of peak 1, so β = 20 makes a peak of 1 outweigh
 * 4096 background pixels at 0 by e^20 / 4096 ≈ 10^5 — close to a hard argmax once trained. */
export const SOFT_ARGMAX_BETA = 20;

/** heatmaps [B, H, W, K] → keypoints [B, K, 2] as (x, y). */
export function softArgmax2d(heatmaps: tf.Tensor4D, beta = SOFT_ARGMAX_BETA): tf.Tensor3D {
  const [B, H, W, K] = heatmaps.shape;
  return tf.tidy(() => {
    const logits = heatmaps.transpose([0, 3, 1, 2]).reshape([B, K, H * W]).mul(beta); // [B, K, H·W]
    const p = tf.softmax(logits, -1);
    const xs = tf.tile(tf.range(0, W, 1, 'float32'), [H]).reshape([1, 1, H * W]);
    const ys = tf.range(0, H, 1, 'float32').reshape([H, 1]).tile([1, W]).reshape([1, 1, H * W]);
    const x = p.mul(xs).sum(-1); // [B, K]
    const y = p.mul(ys).sum(-1);
    return tf.stack([x, y], 2) as tf.Tensor3D; // [B, K, 2]
  });
}
