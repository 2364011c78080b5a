/**
 * Test-time augmentation for active learning: the cascade runs on flipped / rotated copies of each crop (exact pixel
 * permutations of the 128² crop, so mapping back is exact), the endpoints of each copy are mapped back to the
 * original slice, and src/active/uncertainty.ts `ttaSpread` scores how much they disagree.
 */
import * as tf from '@tensorflow/tfjs';
import { fromCrop } from '../geometry/crop.ts';
import { mapRecist, normalizeRecist } from '../geometry/recist.ts';
import type { Point, Recist } from '../geometry/types.ts';
import type { Cascade } from './cascade.ts';
import { forwardCascade } from './cascade.ts';
import { decodeProposal, nhwcToMapStack, orientLikeBox } from './decode.ts';
import type { Crop } from './measurer.ts';
import { usesMask } from './config.ts';

/** A crop-pixel permutation: where source pixel (x, y) goes, and its inverse; S = crop side. */
export interface TtaTransform {
  readonly name: string;
  readonly forward: (p: Point, S: number) => Point;
  readonly inverse: (p: Point, S: number) => Point;
}

export const TTA_TRANSFORMS: readonly TtaTransform[] = [
  { name: 'identity', forward: (p) => p, inverse: (p) => p },
  { name: 'hflip', forward: (p, S) => ({ x: S - 1 - p.x, y: p.y }), inverse: (p, S) => ({ x: S - 1 - p.x, y: p.y }) },
  { name: 'vflip', forward: (p, S) => ({ x: p.x, y: S - 1 - p.y }), inverse: (p, S) => ({ x: p.x, y: S - 1 - p.y }) },
  { name: 'rot90', forward: (p, S) => ({ x: S - 1 - p.y, y: p.x }), inverse: (p, S) => ({ x: p.y, y: S - 1 - p.x }) },
  { name: 'rot270', forward: (p, S) => ({ x: p.y, y: S - 1 - p.x }), inverse: (p, S) => ({ x: S - 1 - p.y, y: p.x }) },
];

/** The transformed image: out[forward(x, y)] = in[x, y]. */
export function transformCrop(input: Float32Array, S: number, t: TtaTransform): Float32Array {
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const q = t.forward({ x, y }, S);
    out[q.y * S + q.x] = input[y * S + x];
  }
  return out;
}

/** One batched forward of the K transformed crops, read back asynchronously (WebGPU has no sync read in Node). */
async function readOutputs(cascade: Cascade, batch: Float32Array, K: number, S: number): Promise<[Float32Array, Float32Array, Float32Array, number, number]> {
  const [theta, last, mask] = tf.tidy(() => {
    const o = forwardCascade(cascade, tf.tensor4d(batch, [K, S, S, 1]), { training: false });
    const m = usesMask(cascade.config.readout) && o.maskLogits ? [tf.sigmoid(o.maskLogits)] : [];
    return [o.theta, o.heatmaps[o.heatmaps.length - 1], ...m];
  }) as [tf.Tensor, tf.Tensor4D, tf.Tensor?];
  const [t, m, k] = await Promise.all([theta.data(), last.data(), mask ? mask.data() : Promise.resolve(new Float32Array(0))]);
  const out: [Float32Array, Float32Array, Float32Array, number, number] = [t as Float32Array, m as Float32Array, k as Float32Array, last.shape[1], mask?.shape[1] ?? 0];
  tf.dispose([theta, last, ...(mask ? [mask] : [])]);
  return out;
}

/** Per crop, one proposal per transform, all in the original slice's pixels. */
export async function ttaProposals(
  cascade: Cascade, crops: readonly Crop[], transforms: readonly TtaTransform[] = TTA_TRANSFORMS,
): Promise<Recist[][]> {
  const S = cascade.config.inputSize;
  const K = transforms.length;
  const out: Recist[][] = [];
  for (const c of crops) {
    const batch = new Float32Array(K * S * S);
    transforms.forEach((t, k) => batch.set(transformCrop(c.input, S, t), k * S * S));
    const [thetas, maps, masks, hm, ms] = await readOutputs(cascade, batch, K, S);
    const per = hm * hm * 4;
    out.push(transforms.map((t, k) => {
      const theta = { tx: thetas[k * 4], ty: thetas[k * 4 + 1], alpha: thetas[k * 4 + 2], s: thetas[k * 4 + 3] };
      const mask = masks.length ? { data: masks.subarray(k * ms * ms, (k + 1) * ms * ms), size: ms } : undefined;
      const d = decodeProposal(nhwcToMapStack(maps.subarray(k * per, (k + 1) * per), hm, 4), theta, c.frame, mask);
      return orientLikeBox(d.readout, normalizeRecist(mapRecist(d.recistCrop, (p) => fromCrop(c.frame, t.inverse(p, S)))), c.box, cascade.config.boxOrientationRatio);
    }));
  }
  return out;
}
