/**
 * Learning a site's read-out from its corrections, the network unchanged: the `mask+classical` read-out's weight of
 * the classical segmentation (`ModelConfig.classicalWeight`) re-picked on the site's own corrections. The shipped weight
 * (CLASSICAL_WEIGHT, 0.75) was picked on synthetic lesions, whose sharp edges suit the classical segmentation; how much
 * to trust it against the network's pseudo-mask on a site's real CT is what its corrections can tell, with one number
 * to fit instead of millions of weights.
 */
import type { Cascade } from './cascade.ts';
import { evaluateOnItems, type ValidationItem } from './evaluate-items.ts';

/** Fewer corrections than this leave the weight as it is: one or two lesions say nothing about a site. */
export const MIN_READOUT_FIT_CORRECTIONS = 3;

/** The weights tried: the grid CLASSICAL_WEIGHT was picked from (scripts/pick-readout-constant.ts). */
export const CLASSICAL_WEIGHT_GRID: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

export interface ReadoutFit {
  /** The cascade's weight before the fit (null for a read-out without a classical part). */
  readonly from: number | null;
  /** The weight picked (the cascade's own when nothing was fitted; null for a read-out without a classical part). */
  readonly classicalWeight: number | null;
  /** Mean long-axis location error (px) on the corrections per weight tried, in grid order. */
  readonly tried: readonly { readonly classicalWeight: number; readonly longLocPx: number }[];
  readonly n: number;
  readonly reason: string;
}

/** The cascade with another classical weight (the same network: nothing is copied, nothing to dispose). */
export function withClassicalWeight(cascade: Cascade, classicalWeight: number): Cascade {
  return { ...cascade, config: { ...cascade.config, classicalWeight } };
}

/**
 * Pick the classical weight with the lowest mean long-axis location error on `items` (corrections with their boxes);
 * the cascade's own weight wins ties. Fewer than `minItems` corrections (default MIN_READOUT_FIT_CORRECTIONS), or a
 * read-out without a classical part: the cascade's own weight, untried.
 */
export async function fitClassicalWeight(cascade: Cascade, items: readonly ValidationItem[], opts: { readonly grid?: readonly number[]; readonly minItems?: number } = {}): Promise<ReadoutFit> {
  const own = cascade.config.classicalWeight;
  if (own === null) return { from: null, classicalWeight: null, tried: [], n: items.length, reason: `read-out ${cascade.config.readout} has no classical part` };
  const min = opts.minItems ?? MIN_READOUT_FIT_CORRECTIONS;
  if (items.length < min) return { from: own, classicalWeight: own, tried: [], n: items.length, reason: `${items.length} correction(s), need ≥ ${min} to re-pick the classical weight; kept ${own}` };
  const grid = [...new Set([own, ...(opts.grid ?? CLASSICAL_WEIGHT_GRID)])].sort((a, b) => a - b);
  const tried: { classicalWeight: number; longLocPx: number }[] = [];
  for (const w of grid) tried.push({ classicalWeight: w, longLocPx: (await evaluateOnItems(withClassicalWeight(cascade, w), items)).longLocPx });
  const ownErr = tried.find((t) => t.classicalWeight === own)!.longLocPx;
  const best = tried.reduce((a, b) => (b.longLocPx < a.longLocPx ? b : a));
  const picked = best.longLocPx < ownErr ? best.classicalWeight : own;
  return { from: own, classicalWeight: picked, tried, n: items.length, reason: `classical weight ${own} → ${picked} on ${items.length} correction(s) (their long-axis location ${ownErr.toFixed(2)} → ${Math.min(ownErr, best.longLocPx).toFixed(2)} px)` };
}
