/**
 * Heatmap targets rendered inside the graph for whatever θ the SHN actually sees (true θ with jitter while
 * the SHN trains alone, the STN's own θ during joint training). The target itself never carries gradient.
 *
 * Frames: keypoints arrive in normalized crop coordinates ([-1, 1], align_corners = false); Θ maps
 * canonical → crop (Eq. 3), so canonical = Θ⁻¹ · crop; heatmap pixel u = ((xn + 1)·size − 1) / 2.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Canonical keypoints in fixed order from crop keypoints [B, 4, 2] (long a, long b, short a, short b, any
 * order within each axis) and Θ [B, 6]: returns [B, 4, 2] in heatmap pixel coordinates, ordered
 * long-left, long-right (by canonical x), short-top, short-bottom (by canonical y).
 */
export function canonicalKeypointsTensor(keypointsCrop: tf.Tensor3D, matrices: tf.Tensor2D, heatmapSize: number): tf.Tensor3D {
  return tf.tidy(() => {
    const m = matrices;
    const a = m.slice([0, 0], [-1, 1]);
    const b = m.slice([0, 1], [-1, 1]);
    const c = m.slice([0, 2], [-1, 1]);
    const d = m.slice([0, 3], [-1, 1]);
    const e = m.slice([0, 4], [-1, 1]);
    const f = m.slice([0, 5], [-1, 1]);
    const det = a.mul(e).sub(b.mul(d));
    const x = keypointsCrop.slice([0, 0, 0], [-1, -1, 1]).squeeze([2]).sub(c); // [B, 4]
    const y = keypointsCrop.slice([0, 0, 1], [-1, -1, 1]).squeeze([2]).sub(f);
    const xc = e.mul(x).sub(b.mul(y)).div(det);
    const yc = a.mul(y).sub(d.mul(x)).div(det);
    const toPx = (v: tf.Tensor) => v.add(1).mul(heatmapSize).sub(1).div(2);
    const px = toPx(xc);
    const py = toPx(yc);
    const pick = (t: tf.Tensor, i: number) => t.slice([0, i], [-1, 1]);
    // Order long endpoints by x, short endpoints by y.
    const swapLong = pick(px, 0).greater(pick(px, 1));
    const swapShort = pick(py, 2).greater(pick(py, 3));
    const order = (t: tf.Tensor, swap: tf.Tensor, i: number, j: number) => [tf.where(swap, pick(t, j), pick(t, i)), tf.where(swap, pick(t, i), pick(t, j))];
    const [lx0, lx1] = order(px, swapLong, 0, 1);
    const [ly0, ly1] = order(py, swapLong, 0, 1);
    const [sx0, sx1] = order(px, swapShort, 2, 3);
    const [sy0, sy1] = order(py, swapShort, 2, 3);
    const xs = tf.concat([lx0, lx1, sx0, sx1], 1);
    const ys = tf.concat([ly0, ly1, sy0, sy1], 1);
    return tf.stack([xs, ys], 2) as tf.Tensor3D;
  });
}

/** Gaussian heatmaps (peak 1, σ in heatmap pixels) at keypoints [B, 4, 2] → [B, size, size, 4]. */
export function renderHeatmaps(keypointsPx: tf.Tensor3D, size: number, sigma = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const coords = tf.range(0, size, 1, 'float32');
    const kx = keypointsPx.slice([0, 0, 0], [-1, -1, 1]).reshape([-1, 1, 1, 4]);
    const ky = keypointsPx.slice([0, 0, 1], [-1, -1, 1]).reshape([-1, 1, 1, 4]);
    const dx = coords.reshape([1, 1, size, 1]).sub(kx);
    const dy = coords.reshape([1, size, 1, 1]).sub(ky);
    return tf.exp(dx.square().add(dy.square()).div(-2 * sigma * sigma)) as tf.Tensor4D;
  });
}

/**
 * Target keypoints [B, 4, 2] (heatmap pixels, fixed order) for the θ used. A custom-gradient op: its inner
 * ops (comparisons, where) are not recorded on the gradient tape, and it passes zero gradient back to θ.
 */
export function keypointTargets(keypointsCrop: tf.Tensor3D, matrices: tf.Tensor2D, heatmapSize: number): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [kp, m] = args as [tf.Tensor3D, tf.Tensor2D];
    return { value: canonicalKeypointsTensor(kp, m, heatmapSize), gradFunc: () => [tf.zerosLike(kp), tf.zerosLike(m)] };
  });
  return op(keypointsCrop, matrices) as tf.Tensor3D;
}

/** Heatmap targets and their keypoints for the θ used (no gradient flows into either). */
export function heatmapTargets(keypointsCrop: tf.Tensor3D, matrices: tf.Tensor2D, heatmapSize: number, sigma = 1): { maps: tf.Tensor4D; points: tf.Tensor3D } {
  const points = keypointTargets(keypointsCrop, matrices, heatmapSize);
  return { maps: renderHeatmaps(points, heatmapSize, sigma), points };
}
