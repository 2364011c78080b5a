/**
 * Turns training samples (typed arrays, src/data/samples.ts) into NHWC tensors for the cascade.
 */
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../data/samples.ts';
import { pixelToNormalized } from '../geometry/affine.ts';

export interface Batch {
  /** [B, 128, 128, 1] crop windowed to [0, 1]. */
  readonly input: tf.Tensor4D;
  /** [B, 32, 32, 1] pseudo-mask of the crop (LRP target). */
  readonly mask: tf.Tensor4D;
  /** [B, 4] true θ (tx, ty, α, s). */
  readonly theta: tf.Tensor2D;
  /** [B, 4, 2] RECIST endpoints (long a, long b, short a, short b) in normalized crop coordinates. */
  readonly keypoints: tf.Tensor3D;
}

export function samplesToBatch(samples: readonly Sample[]): Batch {
  const n = samples.length;
  if (n === 0) throw new Error('samplesToBatch: empty batch');
  const size = Math.round(Math.sqrt(samples[0].input.length));
  const maskSize = Math.round(Math.sqrt(samples[0].mask32.length));
  const input = new Float32Array(n * size * size);
  const mask = new Float32Array(n * maskSize * maskSize);
  const theta = new Float32Array(n * 4);
  const keypoints = new Float32Array(n * 8);
  samples.forEach((s, i) => {
    input.set(s.input, i * size * size);
    mask.set(s.mask32, i * maskSize * maskSize);
    theta.set([s.theta.tx, s.theta.ty, s.theta.alpha, s.theta.s], i * 4);
    const pts = [s.recistCrop.long[0], s.recistCrop.long[1], s.recistCrop.short[0], s.recistCrop.short[1]];
    pts.forEach((p, k) => {
      keypoints[i * 8 + k * 2] = pixelToNormalized(p.x, size);
      keypoints[i * 8 + k * 2 + 1] = pixelToNormalized(p.y, size);
    });
  });
  return {
    input: tf.tensor4d(input, [n, size, size, 1]),
    mask: tf.tensor4d(mask, [n, maskSize, maskSize, 1]),
    theta: tf.tensor2d(theta, [n, 4]),
    keypoints: tf.tensor3d(keypoints, [n, 4, 2]),
  };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.input, b.mask, b.theta, b.keypoints]);
}

/** Split a batch into micro-batches of at most `size` samples (the wasm heap stops at 4 GiB). */
export function microBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
