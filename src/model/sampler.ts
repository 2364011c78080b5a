/**
 * The STN's grid generator and differentiable bilinear sampler (paper Eq. 2–3), built from plain tf ops so
 * gradients flow to both the image and θ (tf.image.transform has no gradient).
 *
 * Frames (docs/DESIGN.md): normalized coordinates in [-1, 1] with align_corners = false, i.e. for an image of
 * W pixels pixel index u has xn = (2u + 1)/W − 1 and, back, u = ((xn + 1)·W − 1)/2. Θ maps target
 * (canonical) normalized coordinates to source (crop) normalized coordinates: src = Θ · [xt, yt, 1].
 *
 * Backend note: gather's gradient needs UnsortedSegmentSum (missing on wasm unless src/model/backend
 * registers it).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * floor(t) computed OFF the gradient tape. The integer corner indices must not be on a path from the
 * variables: gather's "gradient" for its indices is int32, which the tape rejects. A customGrad whose only
 * recorded input is a constant anchor (t is closed over; ops inside a customGrad's forward are not taped)
 * cuts that path; the bilinear weights (t − floor t) still carry the gradient w.r.t. t.
 */
function detachedFloor(t: tf.Tensor): tf.Tensor {
  const anchor = tf.scalar(0);
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([]);
    return { value: tf.floor(t), gradFunc: () => tf.zerosLike(a) };
  })(anchor);
}

/** θ = (tx, ty, α, s) [B, 4] → Θ rows [s cosα, −s sinα, tx, s sinα, s cosα, ty] [B, 6] (Eq. 2). */
export function thetaToMatrices(theta: tf.Tensor2D): tf.Tensor2D {
  if (theta.rank !== 2 || theta.shape[1] !== 4) throw new Error(`thetaToMatrices: θ has shape [${theta.shape}], expected [B, 4]`);
  return tf.tidy(() => {
    const [tx, ty, alpha, s] = tf.unstack(theta, 1); // each [B]
    const c = s.mul(tf.cos(alpha));
    const sn = s.mul(tf.sin(alpha));
    return tf.stack([c, sn.neg(), tx, sn, c, ty], 1) as tf.Tensor2D; // [B, 6]
  });
}

/** Normalized coordinates of the pixel centres along one axis of `n` pixels: (2u + 1)/n − 1. */
function pixelCentres(n: number): tf.Tensor1D {
  return tf.range(0, n, 1, 'float32').mul(2 / n).add(1 / n - 1) as tf.Tensor1D;
}

/** Θ [B, 6] → source normalized coordinates (x, y) for every target pixel [B, outH, outW, 2] (Eq. 3). */
export function affineGrid(matrices: tf.Tensor2D, outH: number, outW: number): tf.Tensor4D {
  if (matrices.rank !== 2 || matrices.shape[1] !== 6) throw new Error(`affineGrid: Θ has shape [${matrices.shape}], expected [B, 6]`);
  return tf.tidy(() => {
    const xt = pixelCentres(outW).reshape([1, 1, outW]); // [1, 1, outW]
    const yt = pixelCentres(outH).reshape([1, outH, 1]); // [1, outH, 1]
    const m = tf.unstack(matrices, 1).map((v) => v.reshape([-1, 1, 1])); // 6 × [B, 1, 1]
    const xs = m[0].mul(xt).add(m[1].mul(yt)).add(m[2]); // [B, outH, outW]
    const ys = m[3].mul(xt).add(m[4].mul(yt)).add(m[5]); // [B, outH, outW]
    return tf.stack([xs, ys], 3) as tf.Tensor4D; // [B, outH, outW, 2]
  });
}

/**
 * Bilinear sampling of image [B, H, W, C] at grid [B, outH, outW, 2] (normalized source x, y), zero outside
 * the image → [B, outH, outW, C]. Differentiable w.r.t. the image and the grid.
 */
export function bilinearSample(image: tf.Tensor4D, grid: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = image.shape;
  const [gB, outH, outW, two] = grid.shape;
  if (gB !== B || two !== 2) throw new Error(`bilinearSample: grid [${grid.shape}] does not fit image [${image.shape}]`);
  return tf.tidy(() => {
    const flat = image.reshape([B * H * W, C]); // [B·H·W, C]
    const gx = grid.slice([0, 0, 0, 0], [-1, -1, -1, 1]).reshape([B, outH, outW]);
    const gy = grid.slice([0, 0, 0, 1], [-1, -1, -1, 1]).reshape([B, outH, outW]);
    // Normalized → source pixel coordinates (pixel centres at integers).
    const u = gx.add(1).mul(W / 2).sub(0.5); // [B, outH, outW]
    const v = gy.add(1).mul(H / 2).sub(0.5);
    const u0 = detachedFloor(u); // integer corners, off the tape (the weights below carry the gradient)
    const v0 = detachedFloor(v);
    const fu = u.sub(u0); // weight of the right neighbour, carries the gradient w.r.t. the grid
    const fv = v.sub(v0);
    const batchBase = tf.range(0, B, 1, 'float32').mul(H * W).reshape([B, 1, 1]); // [B, 1, 1]
    let out: tf.Tensor | null = null;
    for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
      const xi = dx === 0 ? u0 : u0.add(1);
      const yi = dy === 0 ? v0 : v0.add(1);
      const wx = dx === 0 ? tf.onesLike(fu).sub(fu) : fu;
      const wy = dy === 0 ? tf.onesLike(fv).sub(fv) : fv;
      const inside = xi.greaterEqual(0).logicalAnd(xi.lessEqual(W - 1)).logicalAnd(yi.greaterEqual(0)).logicalAnd(yi.lessEqual(H - 1));
      const w = wx.mul(wy).mul(inside.cast('float32')); // [B, outH, outW]
      const xc = xi.clipByValue(0, W - 1);
      const yc = yi.clipByValue(0, H - 1);
      // Flat row index b·H·W + y·W + x (exact in float32 below 2^24).
      const idx = yc.mul(W).add(xc).add(batchBase).reshape([-1]).cast('int32'); // [B·outH·outW]
      const vals = tf.gather(flat, idx).reshape([B, outH, outW, C]);
      const term = vals.mul(w.expandDims(3));
      out = out === null ? term : out.add(term);
    }
    return out as tf.Tensor4D;
  });
}

/** Convenience: resample `image` into an outH × outW canonical image with θ [B, 4]. */
export function transformImage(image: tf.Tensor4D, theta: tf.Tensor2D, outH: number, outW: number): tf.Tensor4D {
  return tf.tidy(() => bilinearSample(image, affineGrid(thetaToMatrices(theta), outH, outW)));
}
