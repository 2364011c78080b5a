/**
 * Test-time augmentation for active learning: the cascade runs on flipped / rotated copies of each crop (exact pixel
 * permutations of the 128² crop, so mapping back is exact), the endpoints of each copy are mapped back to the
 * original slice, and src/active/uncertainty.ts `ttaSpread` scores how much they disagree.
 */
import { fromCrop } from '../geometry/crop.ts';
import { mapRecist, normalizeRecist } from '../geometry/recist.ts';
import type { Point, Recist } from '../geometry/types.ts';
import type { Cascade } from './cascade.ts';
import { orientLikeBox } from './decode.ts';
import { decodeBatch, type Crop } from './measurer.ts';

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
    const samples = await decodeBatch(cascade, batch, transforms.map(() => c.frame));
    out.push(transforms.map((t, k) => {
      const d = samples[k].decoded;
      return orientLikeBox(d.readout, normalizeRecist(mapRecist(d.recistCrop, (p) => fromCrop(c.frame, t.inverse(p, S)))), c.box, cascade.config.boxOrientationRatio);
    }));
  }
  return out;
}
