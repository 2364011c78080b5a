/**
 * Learning a site's read-out from its corrections, the network unchanged: the `mask+classical` read-out's weight of
 * the classical segmentation (`ModelConfig.classicalWeight`) re-picked on the site's own corrections. The shipped weight
 * (CLASSICAL_WEIGHT, 0.75) was picked on synthetic lesions, whose sharp edges suit the classical segmentation; how much
 * to trust it against the network's pseudo-mask on a site's real CT is what its corrections can tell, with one number
 * to fit instead of millions of weights.
 */
import type { Cascade } from './cascade.ts';
import { segmentLocationDistance } from '../geometry/recist.ts';
import { proposeOnItems, type ValidationItem } from './evaluate-items.ts';

/** Fewer corrections than this leave the weight as it is: one or two lesions say nothing about a site. */
export const MIN_READOUT_FIT_CORRECTIONS = 3;

/** The weights tried: the grid CLASSICAL_WEIGHT was picked from (pick-readout-constant.ts). */
export const CLASSICAL_WEIGHT_GRID: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

/**
 * How clearly a weight must beat the current one before it replaces it: the mean per-correction gain in long-axis
 * location over its standard error. 2026-11-27, al-sim on the real dev lesions (6 patient splits, k = 2): picking the
 * plain best weight on the revealed corrections switched on differences of hundredths of a pixel and on single lesions
 * (one split: 0.75 → 0 on 4 corrections, their error 5.69 → 4.06 px, the test part's 2.53 → 2.69), and left the test
 * parts where they were in the mean (+0.02 px [−0.17, +0.46] with the whole pool). A gain no larger than its own noise
 * is not taken, as the calibration's evidence weight does for lengths (src/active/reader-bias.ts).
 */
export const READOUT_FIT_MIN_Z = 2;

export interface ReadoutFit {
  /** The cascade's weight before the fit (null for a read-out without a classical part). */
  readonly from: number | null;
  /** The weight picked (the cascade's own when nothing was fitted; null for a read-out without a classical part). */
  readonly classicalWeight: number | null;
  /** Per weight tried, in grid order: the mean long-axis location error (px) on the corrections, and its per-correction
   * gain over the current weight's (mean, and mean / standard error; 0 for the current weight). */
  readonly tried: readonly { readonly classicalWeight: number; readonly longLocPx: number; readonly gainPx: number; readonly z: number }[];
  readonly n: number;
  readonly reason: string;
}

/** The cascade with another classical weight (the same network: nothing is copied, nothing to dispose). */
export function withClassicalWeight(cascade: Cascade, classicalWeight: number): Cascade {
  return { ...cascade, config: { ...cascade.config, classicalWeight } };
}

/** Each item's long-axis location error (px) under the cascade's read-out. */
async function longLocErrors(cascade: Cascade, items: readonly ValidationItem[]): Promise<number[]> {
  return (await proposeOnItems(cascade, items)).map((p, i) => segmentLocationDistance(p.long, items[i].recist.long));
}

/** Mean of the per-item differences (current − candidate: positive = the candidate is better) and mean / standard error. */
export function pairedGain(current: readonly number[], candidate: readonly number[]): { gainPx: number; z: number } {
  const n = current.length;
  if (n !== candidate.length || n === 0) throw new Error(`pairedGain: ${n} vs ${candidate.length} errors`);
  const d = current.map((c, i) => c - candidate[i]);
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  const se = sd / Math.sqrt(n);
  const z = mean === 0 ? 0 : se > 0 ? mean / se : n > 1 ? Math.sign(mean) * Infinity : NaN;
  return { gainPx: mean, z };
}

/**
 * Re-pick the classical weight on `items` (corrections with their boxes): the weight with the lowest mean long-axis
 * location error among those that beat the cascade's own by at least `minZ` standard errors (per-correction paired
 * differences); else the own weight stays. Fewer than `minItems` corrections (default MIN_READOUT_FIT_CORRECTIONS),
 * or a read-out without a classical part: the cascade's own weight, untried.
 */
export async function fitClassicalWeight(cascade: Cascade, items: readonly ValidationItem[], opts: { readonly grid?: readonly number[]; readonly minItems?: number; readonly minZ?: number } = {}): Promise<ReadoutFit> {
  const own = cascade.config.classicalWeight;
  if (own === null) return { from: null, classicalWeight: null, tried: [], n: items.length, reason: `read-out ${cascade.config.readout} has no classical part` };
  const min = opts.minItems ?? MIN_READOUT_FIT_CORRECTIONS, minZ = opts.minZ ?? READOUT_FIT_MIN_Z;
  if (items.length < min) return { from: own, classicalWeight: own, tried: [], n: items.length, reason: `${items.length} correction(s), need ≥ ${min} to re-pick the classical weight; kept ${own}` };
  const grid = [...new Set([own, ...(opts.grid ?? CLASSICAL_WEIGHT_GRID)])].sort((a, b) => a - b);
  const errors = new Map<number, number[]>();
  for (const w of grid) errors.set(w, await longLocErrors(withClassicalWeight(cascade, w), items));
  const current = errors.get(own)!;
  const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  const tried = grid.map((w) => ({ classicalWeight: w, longLocPx: mean(errors.get(w)!), ...(w === own ? { gainPx: 0, z: 0 } : pairedGain(current, errors.get(w)!)) }));
  const ownEntry = tried.find((t) => t.classicalWeight === own)!;
  const best = tried.reduce((a, b) => (b.longLocPx < a.longLocPx ? b : a), ownEntry);
  const clear = tried.filter((t) => t.classicalWeight !== own && t.gainPx > 0 && t.z >= minZ);
  const pick = clear.length ? clear.reduce((a, b) => (b.longLocPx < a.longLocPx ? b : a)) : null;
  const n = items.length, ownErr = mean(current);
  if (pick) return { from: own, classicalWeight: pick.classicalWeight, tried, n, reason: `classical weight ${own} → ${pick.classicalWeight} on ${n} correction(s) (their long-axis location ${ownErr.toFixed(2)} → ${pick.longLocPx.toFixed(2)} px, ${pick.z.toFixed(1)} standard errors)` };
  const why = best.classicalWeight === own ? 'the best of the grid' : `${best.classicalWeight} is ${(ownErr - best.longLocPx).toFixed(2)} px better, within its noise (${best.z.toFixed(1)} < ${minZ} standard errors)`;
  return { from: own, classicalWeight: own, tried, n, reason: `classical weight kept at ${own} on ${n} correction(s): ${why}` };
}
