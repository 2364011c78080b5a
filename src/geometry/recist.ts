/**
 * RECIST marks: construction, lengths, extents and distances. All coordinates are continuous pixel
 * coordinates of one image (x right, y down, pixel (i, j) centred at (i, j)); lengths are in pixels unless "Mm".
 */
import type { Box, Point, Recist, Segment, Spacing } from './types.ts';
import { assertFinitePoint } from './validate.ts';

/**
 * Builds a Recist from DeepLesion's 8 numbers: long x1, y1, x2, y2, short x1, y1, x2, y2 (pixels).
 * `context` prefixes error messages (e.g. "DL_info.csv row 7: field Measurement_coordinates").
 * Throws naming the count or the first non-finite value and its index.
 */
export function recistFromNumbers(nums: readonly number[], context = 'RECIST'): Recist {
  if (nums.length !== 8) throw new Error(`${context} has ${nums.length} numbers, expected 8`);
  nums.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`${context} number ${i + 1} of 8 is ${v}, not a finite number`);
  });
  const p = (i: number): Point => ({ x: nums[i], y: nums[i + 1] });
  return { long: [p(0), p(2)], short: [p(4), p(6)] };
}

/** The 8 numbers of a Recist in DeepLesion order (inverse of `recistFromNumbers`). */
export function recistToNumbers(r: Recist): number[] {
  return [r.long[0], r.long[1], r.short[0], r.short[1]].flatMap((p) => [p.x, p.y]);
}

/** Euclidean distance between two points (pixels). */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Length of a segment (pixels). */
export function segmentLength(s: Segment): number {
  return distance(s[0], s[1]);
}

/** Midpoint of a segment. */
export function segmentMidpoint(s: Segment): Point {
  return { x: (s[0].x + s[1].x) / 2, y: (s[0].y + s[1].y) / 2 };
}

/** Long- and short-axis lengths in pixels. */
export function axisLengthsPx(r: Recist): { long: number; short: number } {
  return { long: segmentLength(r.long), short: segmentLength(r.short) };
}

/** Long- and short-axis lengths in millimetres, given anisotropic pixel spacing (mm/px along x and y). */
export function axisLengthsMm(r: Recist, spacing: Spacing): { long: number; short: number } {
  const mm = (s: Segment): number => Math.hypot((s[1].x - s[0].x) * spacing.x, (s[1].y - s[0].y) * spacing.y);
  return { long: mm(r.long), short: mm(r.short) };
}

/** The 4 endpoints in order long[0], long[1], short[0], short[1]. */
export function recistPoints(r: Recist): [Point, Point, Point, Point] {
  return [r.long[0], r.long[1], r.short[0], r.short[1]];
}

/** Tight axis-aligned box of the 4 endpoints (may have zero width/height for a degenerate mark). */
export function recistExtent(r: Recist): Box {
  const pts = recistPoints(r);
  pts.forEach((p, i) => assertFinitePoint(p, `recist endpoint ${i}`));
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  return { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
}

/** The lesion centre used throughout: the long-axis midpoint. */
export function recistCenter(r: Recist): Point {
  return segmentMidpoint(r.long);
}

/**
 * Location distance between two segments (pixels): the mean distance of the two endpoints after the best
 * endpoint matching, so it does not depend on endpoint order. Paper Table 1 "Loc.".
 */
export function segmentLocationDistance(a: Segment, b: Segment): number {
  const m = matchEndpoints(a, b);
  return (distance(a[0], m[0]) + distance(a[1], m[1])) / 2;
}

/** `b`'s endpoints in the order that pairs them best with `a`'s (smaller summed distance; ties keep `b`'s order). */
export function matchEndpoints(a: Segment, b: Segment): Segment {
  return distance(a[0], b[1]) + distance(a[1], b[0]) < distance(a[0], b[0]) + distance(a[1], b[1]) ? [b[1], b[0]] : b;
}

/**
 * Weighted average of two marks of the same lesion, axis by axis, each endpoint of `a` paired with the nearer-matching
 * endpoint of `b` (the pairing of `segmentLocationDistance`): weightB = 0 gives `a`, 1 gives `b` (up to endpoint order).
 */
export function blendRecist(a: Recist, b: Recist, weightB: number): Recist {
  if (!(weightB >= 0 && weightB <= 1)) throw new Error(`blendRecist: weightB=${weightB}, expected a number in [0, 1]`);
  const mix = (p: Point, q: Point): Point => ({ x: (1 - weightB) * p.x + weightB * q.x, y: (1 - weightB) * p.y + weightB * q.y });
  const seg = (s: Segment, t: Segment): [Point, Point] => {
    const m = matchEndpoints(s, t);
    return [mix(s[0], m[0]), mix(s[1], m[1])];
  };
  return normalizeRecist({ long: seg(a.long, b.long), short: seg(a.short, b.short) });
}

/**
 * One set of marks from several of the same lesion (e.g. proposals on jittered boxes): the endpoint-matched running
 * average (`blendRecist`) for the centres and directions, then each axis given the mean of the marks' lengths
 * (averaging segments that point slightly different ways shortens them). Pure; throws on an empty list.
 */
export function averageRecists(marks: readonly Recist[]): Recist {
  if (marks.length === 0) throw new Error('averageRecists: no marks');
  const avg = marks.slice(1).reduce((a, r, i) => blendRecist(a, r, 1 / (i + 2)), marks[0]);
  const lens = marks.map(axisLengthsPx), now = axisLengthsPx(avg);
  const meanOf = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
  const rescale = (want: number, have: number): number => (have > 0 ? want / have : 1);
  return scaleAxes(avg, rescale(meanOf(lens.map((l) => l.long)), now.long), rescale(meanOf(lens.map((l) => l.short)), now.short));
}

/**
 * Each axis scaled about its own midpoint, the long one by `factor`, the short one by `shortFactor` (default: the same)
 * — a length calibration; the centres and the angles are kept.
 */
export function scaleAxes(r: Recist, factor: number, shortFactor: number = factor): Recist {
  for (const f of [factor, shortFactor]) if (!(f > 0)) throw new Error(`scaleAxes: factor=${f}, expected a positive number`);
  const seg = (s: Segment, k: number): [Point, Point] => {
    const c = segmentMidpoint(s);
    return [{ x: c.x + k * (s[0].x - c.x), y: c.y + k * (s[0].y - c.y) }, { x: c.x + k * (s[1].x - c.x), y: c.y + k * (s[1].y - c.y) }];
  };
  return { long: seg(r.long, factor), short: seg(r.short, shortFactor) };
}

/**
 * A proposal's entropy (a scale-free fraction: the network sees a scale-normalized crop) × its long axis in slice
 * pixels: its uncertainty in the units the location error is measured in (worklist strategy and eval score `entropy-px`).
 */
export function entropyPx(entropy: number, r: Recist): number {
  return entropy * segmentLength(r.long);
}

/** Returns the mark with `long` being the longer of the two segments (ties keep the input order). */
export function normalizeRecist(r: Recist): Recist {
  return segmentLength(r.short) > segmentLength(r.long) ? { long: r.short, short: r.long } : r;
}

/** Applies a point map to all 4 endpoints, keeping the structure (e.g. an affine between two frames). */
export function mapRecist(r: Recist, f: (p: Point) => Point): Recist {
  return { long: [f(r.long[0]), f(r.long[1])], short: [f(r.short[0]), f(r.short[1])] };
}

/** Mean per-axis errors (px of the image the marks live in) of predicted marks against the truth. */
export interface AxisErrors {
  /** Mean long-axis location error (order-independent endpoint distance). */
  readonly longLocPx: number;
  readonly shortLocPx: number;
  /** Mean absolute diameter-length difference. */
  readonly longLenPx: number;
  readonly shortLenPx: number;
  readonly n: number;
}

/** Mean location and length errors over (prediction, truth) pairs; NaN means when there are none. */
export function meanAxisErrors(pairs: readonly { readonly predicted: Recist; readonly truth: Recist }[]): AxisErrors {
  let longLoc = 0, shortLoc = 0, longLen = 0, shortLen = 0;
  for (const { predicted, truth } of pairs) {
    const a = axisLengthsPx(predicted), b = axisLengthsPx(truth);
    longLoc += segmentLocationDistance(predicted.long, truth.long);
    shortLoc += segmentLocationDistance(predicted.short, truth.short);
    longLen += Math.abs(a.long - b.long);
    shortLen += Math.abs(a.short - b.short);
  }
  const n = pairs.length;
  return { longLocPx: longLoc / n, shortLocPx: shortLoc / n, longLenPx: longLen / n, shortLenPx: shortLen / n, n };
}

/** Direction of a segment (radians, from its first endpoint to its second). */
export function segmentAngle(s: Segment): number {
  return Math.atan2(s[1].y - s[0].y, s[1].x - s[0].x);
}

/** Angle between two axes (directions modulo π), in degrees, in [0, 90]. */
export function axisAngleDiffDeg(a: number, b: number): number {
  const d = Math.abs(a - b) % Math.PI;
  return (Math.min(d, Math.PI - d) * 180) / Math.PI;
}

/** The segment of `length` through `centre` at `angle` (radians). */
export function segmentThrough(centre: Point, length: number, angle: number): Segment {
  const dx = (length / 2) * Math.cos(angle), dy = (length / 2) * Math.sin(angle);
  return [{ x: centre.x - dx, y: centre.y - dy }, { x: centre.x + dx, y: centre.y + dy }];
}

/**
 * Where a predicted axis's location error comes from: the location error of the reference axis given each component of
 * the predicted one alone — its centre, its angle, its length — the other two the reference's (px).
 */
export function axisErrorComponents(predicted: Segment, reference: Segment): { centre: number; angle: number; length: number } {
  const c = segmentMidpoint(reference), len = segmentLength(reference), a = segmentAngle(reference);
  return {
    centre: segmentLocationDistance(segmentThrough(segmentMidpoint(predicted), len, a), reference),
    angle: segmentLocationDistance(segmentThrough(c, len, segmentAngle(predicted)), reference),
    length: segmentLocationDistance(segmentThrough(c, segmentLength(predicted), a), reference),
  };
}
