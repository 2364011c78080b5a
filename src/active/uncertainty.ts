/**
 * Per-lesion uncertainty from the cascade's outputs, as plain arrays (never calls the model):
 *
 * - heatmap entropy: the normalized Shannon entropy of each of the 4 keypoint heatmaps (0 = one sharp peak,
 *   1 = flat) and their mean (`heatmapEntropies`, src/geometry/heatmap.ts);
 * - test-time augmentation (TTA) spread: the caller runs the model on flipped / rotated copies of the crop and
 *   maps the endpoints back to the slice; here we measure how much those K proposals disagree.
 */
import { heatmapEntropies } from '../geometry/heatmap.ts';
import { distance, segmentLength } from '../geometry/recist.ts';
import type { MapStack, Point, Recist } from '../geometry/types.ts';

export interface EntropyScore {
  /** Per keypoint, order long-left, long-right, short-top, short-bottom; each in [0, 1]. */
  readonly entropies: readonly [number, number, number, number];
  /** Mean of the four, in [0, 1]. */
  readonly entropy: number;
}

/** Normalized Shannon entropy of each of the 4 heatmaps and their mean. */
export function entropyScore(heatmaps: MapStack): EntropyScore {
  if (heatmaps.channels !== 4) throw new Error(`entropyScore: heatmaps have ${heatmaps.channels} channels, expected 4`);
  const e = heatmapEntropies(heatmaps);
  return { entropies: [e[0], e[1], e[2], e[3]], entropy: (e[0] + e[1] + e[2] + e[3]) / 4 };
}

export interface TtaSpread {
  /** Mean over the 4 endpoints of the RMS distance (px) of the K proposals to their mean point. */
  readonly spreadPx: number;
  /** spreadPx ÷ the mean long-axis length (scale-free; the ranking score). */
  readonly relative: number;
  /** Number of proposals it was computed from. */
  readonly k: number;
}

/**
 * Endpoint order of `r` matched to `ref`: the two long ends (and the two short ends) are unordered, and a flip
 * of the crop swaps them, so each segment takes the orientation nearer to the reference's.
 */
export function alignEndpoints(r: Recist, ref: Recist): [Point, Point, Point, Point] {
  const seg = (s: Recist['long'], t: Recist['long']): [Point, Point] => {
    const straight = distance(s[0], t[0]) + distance(s[1], t[1]);
    const swapped = distance(s[0], t[1]) + distance(s[1], t[0]);
    return swapped < straight ? [s[1], s[0]] : [s[0], s[1]];
  };
  return [...seg(r.long, ref.long), ...seg(r.short, ref.short)] as [Point, Point, Point, Point];
}

/**
 * Spread of K ≥ 2 proposals for one lesion (all in the same slice's pixels, e.g. from TTA crops mapped back).
 * Endpoints are first matched to the first proposal's (`alignEndpoints`).
 */
export function ttaSpread(proposals: readonly Recist[]): TtaSpread {
  const k = proposals.length;
  if (k < 2) throw new Error(`ttaSpread: ${k} proposal(s), need at least 2`);
  proposals.forEach((r, i) => {
    for (const p of [...r.long, ...r.short]) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new Error(`ttaSpread: proposal ${i} has a non-finite endpoint (${p.x}, ${p.y})`);
    }
  });
  const ref = proposals[0];
  const aligned = proposals.map((r) => alignEndpoints(r, ref));
  let sum = 0;
  for (let e = 0; e < 4; e++) {
    const mx = aligned.reduce((a, pts) => a + pts[e].x, 0) / k;
    const my = aligned.reduce((a, pts) => a + pts[e].y, 0) / k;
    const ms = aligned.reduce((a, pts) => a + (pts[e].x - mx) ** 2 + (pts[e].y - my) ** 2, 0) / k;
    sum += Math.sqrt(ms);
  }
  const spreadPx = sum / 4;
  const meanLong = proposals.reduce((a, r) => a + segmentLength(r.long), 0) / k;
  return { spreadPx, relative: spreadPx / Math.max(meanLong, 1), k };
}
