/**
 * Picking the mask read-out's constants on validation lesions: the network runs once per lesion, box and mask
 * measure (with the box jitter's copies), then every candidate set of constants re-finishes those raw decodings
 * (`finishReadout`, `averageRecists`) — so a grid of a hundred candidates costs about what two evaluations do.
 * Each candidate is scored per lesion set by its long-axis location and length errors divided by box-cross's on the same
 * boxes; the objective is their mean over sets (so a lung set and a liver-like set weigh the same).
 */
import type { CtSlice } from '../data/types.ts';
import { boxCross, jitterBoxes, type BoxJitter } from '../geometry/box.ts';
import type { MaskMeasure } from '../geometry/mask-readout.ts';
import { averageRecists, meanAxisErrors } from '../geometry/recist.ts';
import type { Box, Recist } from '../geometry/types.ts';
import type { Cascade } from './cascade.ts';
import type { ModelConfig } from './config.ts';
import { finishReadout, type Decoded } from './decode.ts';
import { cropInput, decodeBatch } from './measurer.ts';

export interface SearchItem {
  readonly set: string;
  readonly id: string;
  readonly slice: CtSlice;
  readonly box: Box;
  readonly truth: Recist;
}

/** The read-out constants a candidate sets (everything else is the model's). */
export type ReadoutCandidate = Pick<ModelConfig, 'maskMeasure' | 'classicalWeight' | 'lengthScale' | 'shortLengthScale' | 'boxLengthWeight' | 'boxOrientationRatio'>;

interface RawCopy { readonly decoded: Decoded; readonly box: Box; readonly classical: Recist | null }
type Raw = Record<MaskMeasure, RawCopy[][]>;

/** Runs the network on every item's box and jitter copies, decoded with each mask measure. */
export async function rawDecodings(cascade: Cascade, items: readonly SearchItem[], jitter: BoxJitter | null, onProgress: (done: number, total: number) => void = () => {}): Promise<Raw> {
  const out = { tie: [], strict: [] } as Raw;
  const chunk = 8;
  for (let at = 0; at < items.length; at += chunk) {
    const part = items.slice(at, at + chunk);
    const boxes = part.map((it) => (jitter && jitter.k > 0 ? [it.box, ...jitterBoxes(it.box, jitter, it.slice.width, it.slice.height)] : [it.box]));
    const crops = part.flatMap((it, i) => boxes[i].map((b) => cropInput(it.slice, b, { classicalWeight: 0.5 })));
    const batch = new Float32Array(crops.length * crops[0].input.length);
    crops.forEach((c, i) => batch.set(c.input, i * c.input.length));
    for (const measure of ['tie', 'strict'] as const) {
      const decoded = await decodeBatch({ ...cascade, config: { ...cascade.config, maskMeasure: measure } }, batch, crops.map((c) => c.frame));
      let k = 0;
      for (const b of boxes) {
        out[measure].push(b.map(() => {
          const c = crops[k], d = decoded[k++];
          return { decoded: d.decoded, box: c.box, classical: c.classical ?? null };
        }));
      }
    }
    onProgress(Math.min(items.length, at + chunk), items.length);
  }
  return out;
}

/** The marks a candidate makes from one item's raw decodings (as the measurer would). */
export function finishCandidate(copies: readonly RawCopy[], candidate: ReadoutCandidate, readout: ModelConfig['readout']): Recist {
  const config = { ...candidate, classicalWeight: readout === 'mask+classical' ? candidate.classicalWeight : null };
  const finished = copies.map((c) => ({ heat: c.decoded.readout === 'heatmaps', recist: finishReadout(c.decoded.readout, c.decoded.recist, c.box, c.classical, config).recist }));
  const mine = finished.filter((f) => f.heat === finished[0].heat);
  return mine.length > 1 ? averageRecists(mine.map((f) => f.recist)) : mine[0].recist;
}

export interface CandidateScore {
  readonly candidate: ReadoutCandidate;
  /** Per set: mean long-axis location and length error (px) and their ratios to box-cross's. */
  readonly sets: Record<string, { readonly longLoc: number; readonly longLen: number; readonly locRatio: number; readonly lenRatio: number }>;
  /** Mean over sets of (locRatio + lenRatio) / 2: lower is better. */
  readonly objective: number;
}

export function scoreCandidates(items: readonly SearchItem[], raw: Raw, candidates: readonly ReadoutCandidate[], readout: ModelConfig['readout']): CandidateScore[] {
  const sets = [...new Set(items.map((i) => i.set))];
  const idxOf = new Map(sets.map((s) => [s, items.flatMap((it, i) => (it.set === s ? [i] : []))]));
  const cross = new Map(sets.map((s) => [s, meanAxisErrors(idxOf.get(s)!.map((i) => ({ predicted: boxCross(items[i].box), truth: items[i].truth })))]));
  return candidates.map((candidate) => {
    const perSet = Object.fromEntries(sets.map((s) => {
      const e = meanAxisErrors(idxOf.get(s)!.map((i) => ({ predicted: finishCandidate(raw[candidate.maskMeasure][i], candidate, readout), truth: items[i].truth })));
      const c = cross.get(s)!;
      return [s, { longLoc: e.longLocPx, longLen: e.longLenPx, locRatio: e.longLocPx / c.longLocPx, lenRatio: e.longLenPx / c.longLenPx }];
    }));
    const ratios = Object.values(perSet).map((v) => (v.locRatio + v.lenRatio) / 2);
    return { candidate, sets: perSet, objective: ratios.reduce((a, b) => a + b, 0) / ratios.length };
  }).sort((a, b) => a.objective - b.objective);
}

/** The grid searched by `recist tune-readout` (around the preset's constants). */
export function readoutGrid(): ReadoutCandidate[] {
  const out: ReadoutCandidate[] = [];
  for (const maskMeasure of ['tie', 'strict'] as const)
    for (const classicalWeight of [0, 0.25, 0.5, 0.75])
      for (const lengthScale of [1, 1.05, 1.1])
        for (const shortLengthScale of [1, 1.025, 1.05])
          for (const boxLengthWeight of [null, { long: 0.125, short: 0.75 }, { long: 0.125, short: 0.375 }])
            for (const boxOrientationRatio of [0.75, null]) out.push({ maskMeasure, classicalWeight, lengthScale, shortLengthScale, boxLengthWeight, boxOrientationRatio });
  return out;
}
