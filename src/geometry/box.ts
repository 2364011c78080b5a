/**
 * Boxes: validation, the simulated rough box of the paper's protocol (DESIGN.md, "rough-box protocol"),
 * clipping, and the box-cross baseline. Pixel-centre coordinates of the full image; the image of
 * W × H pixels covers [−0.5, W − 0.5] × [−0.5, H − 0.5].
 */
import type { Box, Recist } from './types.ts';
import { createRng, fnv1a32, hash32, type Rng } from './random.ts';
import { axisLengthsPx, recistExtent, scaleAxes } from './recist.ts';

/** Smallest accepted box side in pixels (`validateBox`). */
export const MIN_BOX_SIDE_PX = 2;

export const boxWidth = (b: Box): number => b.x2 - b.x1;
export const boxHeight = (b: Box): number => b.y2 - b.y1;
export const boxArea = (b: Box): number => boxWidth(b) * boxHeight(b);
export const boxCenter = (b: Box): { x: number; y: number } => ({ x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 });

/** True when `inner` lies inside `outer` (closed, with tolerance `eps` px). */
export function boxContains(outer: Box, inner: Box, eps = 1e-9): boolean {
  return inner.x1 >= outer.x1 - eps && inner.y1 >= outer.y1 - eps && inner.x2 <= outer.x2 + eps && inner.y2 <= outer.y2 + eps;
}

/**
 * Checks a user/model box against an image of `imageWidth × imageHeight` pixels: all four numbers finite,
 * x1 < x2, y1 < y2, each side ≥ MIN_BOX_SIDE_PX, and overlapping the image. Throws an Error whose message starts
 * with `context` and names the bad value (e.g. `request box: x1=NaN is not a finite number`). Returns the box.
 */
export function validateBox(box: Box, imageWidth: number, imageHeight: number, context = 'box'): Box {
  for (const k of ['x1', 'y1', 'x2', 'y2'] as const) {
    const v = (box as unknown as Record<string, unknown>)[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${context}: ${k}=${String(v)} is not a finite number`);
  }
  if (!(box.x1 < box.x2)) throw new Error(`${context}: x1=${box.x1} must be < x2=${box.x2}`);
  if (!(box.y1 < box.y2)) throw new Error(`${context}: y1=${box.y1} must be < y2=${box.y2}`);
  const w = boxWidth(box), h = boxHeight(box);
  if (w < MIN_BOX_SIDE_PX) throw new Error(`${context}: width=${w} px (x1=${box.x1}, x2=${box.x2}) is below the minimum ${MIN_BOX_SIDE_PX} px`);
  if (h < MIN_BOX_SIDE_PX) throw new Error(`${context}: height=${h} px (y1=${box.y1}, y2=${box.y2}) is below the minimum ${MIN_BOX_SIDE_PX} px`);
  if (box.x2 <= -0.5 || box.x1 >= imageWidth - 0.5 || box.y2 <= -0.5 || box.y1 >= imageHeight - 0.5) {
    throw new Error(`${context}: box (${box.x1}, ${box.y1})–(${box.x2}, ${box.y2}) does not overlap the ${imageWidth}×${imageHeight} image`);
  }
  return box;
}

/** Clips a box to the image area [−0.5, W − 0.5] × [−0.5, H − 0.5]. */
export function clipBox(box: Box, imageWidth: number, imageHeight: number): Box {
  const cx = (v: number): number => Math.min(Math.max(v, -0.5), imageWidth - 0.5);
  const cy = (v: number): number => Math.min(Math.max(v, -0.5), imageHeight - 0.5);
  return { x1: cx(box.x1), y1: cy(box.y1), x2: cx(box.x2), y2: cy(box.y2) };
}

/** The lesion extent of the protocol: the RECIST extent, each side grown symmetrically to at least 1 px. */
export function lesionExtent(recist: Recist): Box {
  const e = recistExtent(recist);
  const grow = (lo: number, hi: number): [number, number] => {
    const d = hi - lo;
    return d >= 1 ? [lo, hi] : [lo - (1 - d) / 2, hi + (1 - d) / 2];
  };
  const [x1, x2] = grow(e.x1, e.x2);
  const [y1, y2] = grow(e.y1, e.y2);
  return { x1, y1, x2, y2 };
}

/**
 * How a simulated reader draws the rough box: its area is k ~ U(areaRatio) times the lesion extent's, and its shape
 * is the extent's (each side × √k: the paper's reading, the default) or a square of that area (never smaller than the
 * extent). The paper (Sect. 3) says only "a subimage whose region is 2 to 2.5 times as large as the lesion itself".
 */
export interface BoxProtocol {
  readonly areaRatio: readonly [number, number];
  readonly shape: 'extent' | 'square';
}

export const PAPER_BOX_PROTOCOL: BoxProtocol = { areaRatio: [2, 2.5], shape: 'extent' };

/** Named protocols for training mixtures (`recist train --box-protocols`): the paper's, looser boxes of the extent's
 * shape, and square boxes (a reader who does not follow the lesion's aspect). */
export const BOX_PROTOCOLS: Readonly<Record<string, BoxProtocol>> = {
  paper: PAPER_BOX_PROTOCOL,
  wide: { areaRatio: [1.5, 6.5], shape: 'extent' },
  square: { areaRatio: [2, 6.5], shape: 'square' },
};

/** The two protocols every read-out constant is picked over (scripts/pick-*.ts): the paper's, and square boxes of the
 * same area (a reader whose box does not follow the lesion's aspect). */
export const READOUT_PICK_PROTOCOLS: Readonly<Record<'paper' | 'square', BoxProtocol>> = {
  paper: PAPER_BOX_PROTOCOL,
  square: { areaRatio: PAPER_BOX_PROTOCOL.areaRatio, shape: 'square' },
};

/** `paper,wide,square` → protocols; throws naming the unknown name. */
export function parseBoxProtocolNames(text: string): BoxProtocol[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`box protocols ${JSON.stringify(text)}: give at least one of ${Object.keys(BOX_PROTOCOLS).join(', ')}`);
  return names.map((n) => {
    const p = BOX_PROTOCOLS[n];
    if (!p) throw new Error(`box protocol ${JSON.stringify(n)} is not one of ${Object.keys(BOX_PROTOCOLS).join(', ')}`);
    return p;
  });
}

/** One line for reports: how the boxes were drawn. */
export function describeBoxProtocol(p: BoxProtocol = PAPER_BOX_PROTOCOL): string {
  const [lo, hi] = p.areaRatio;
  const paper = lo === 2 && hi === 2.5 && p.shape === 'extent';
  const shape = p.shape === 'extent' ? `RECIST extent scaled to k ~ U(${lo}, ${hi}) times its area (sides × ${Math.sqrt(lo).toFixed(2)}–${Math.sqrt(hi).toFixed(2)})` : `square of k ~ U(${lo}, ${hi}) times the RECIST extent's area (at least the extent)`;
  return `rough box = ${shape}, uniform random offset keeping the extent inside, clipped to the image (${paper ? 'paper Sect. 3' : "NOT the default protocol: a robustness check"}; simulateRoughBox); Rng seeded per (seed, lesion id)`;
}

export interface RoughBoxOptions {
  readonly imageWidth: number;
  readonly imageHeight: number;
  /** Default PAPER_BOX_PROTOCOL. */
  readonly protocol?: BoxProtocol;
}

/**
 * The rough box before clipping: k ~ U(areaRatio), the extent's shape with each side × √k (or a square of k × the
 * extent's area), placed with a uniform random offset that keeps the lesion extent inside. Draws exactly 3 numbers
 * from `rng` (k, x offset, y offset), in that order.
 */
export function roughBoxUnclipped(recist: Recist, rng: Rng, protocol: BoxProtocol = PAPER_BOX_PROTOCOL): Box {
  const [lo, hi] = protocol.areaRatio;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo >= 1 && hi >= lo)) {
    throw new Error(`box areaRatio=[${lo}, ${hi}] must satisfy 1 ≤ lo ≤ hi`);
  }
  const e = lesionExtent(recist);
  const k = rng.uniform(lo, hi);
  const w = boxWidth(e), h = boxHeight(e);
  const square = Math.sqrt(k * w * h);
  const bw = protocol.shape === 'square' ? Math.max(square, w) : w * Math.sqrt(k);
  const bh = protocol.shape === 'square' ? Math.max(square, h) : h * Math.sqrt(k);
  const x1 = e.x1 - rng.uniform(0, bw - w);
  const y1 = e.y1 - rng.uniform(0, bh - h);
  return { x1, y1, x2: x1 + bw, y2: y1 + bh };
}

/** The simulated rough box (DESIGN.md protocol): `roughBoxUnclipped` clipped to the image. Deterministic per rng state. */
export function simulateRoughBox(recist: Recist, rng: Rng, opts: RoughBoxOptions): Box {
  return clipBox(roughBoxUnclipped(recist, rng, opts.protocol), opts.imageWidth, opts.imageHeight);
}

/**
 * The rough box of one lesion for one seed: `simulateRoughBox` with an Rng seeded by (seed, lesion id), so every
 * method, command and report that names the same seed sees the same box. `protocol` defaults to the paper's.
 */
export function roughBoxFor(recist: Recist, lesionId: string, seed: number, imageWidth: number, imageHeight: number, protocol?: BoxProtocol): Box {
  return simulateRoughBox(recist, createRng(fnv1a32(`${seed}:${lesionId}`)), { imageWidth, imageHeight, protocol });
}

/** Fraction of the box-side given to each arm of the box-cross baseline. */
export const BOX_CROSS_ARM_FRACTION = 2 / 3;

/**
 * Box-cross baseline: an axis-aligned cross through the box centre, each arm 2/3 of the box side along it.
 * The longer arm is the long axis (the horizontal one on ties). Endpoints ordered left→right / top→bottom.
 */
export function boxCross(box: Box): Recist {
  const c = boxCenter(box);
  const hw = (boxWidth(box) * BOX_CROSS_ARM_FRACTION) / 2, hh = (boxHeight(box) * BOX_CROSS_ARM_FRACTION) / 2;
  const horizontal = [{ x: c.x - hw, y: c.y }, { x: c.x + hw, y: c.y }] as const;
  const vertical = [{ x: c.x, y: c.y - hh }, { x: c.x, y: c.y + hh }] as const;
  return hw >= hh ? { long: horizontal, short: vertical } : { long: vertical, short: horizontal };
}

/**
 * The marks with each axis's length moved toward box-cross's (2/3 of the box's longer / shorter side) by a weight per
 * axis, each axis scaled about its own midpoint (directions and midpoints kept). A rough box drawn around a lesion is a
 * measurement of its size too; the mask read-outs combine it with their own (`ModelConfig.boxLengthWeight`). Weights 0
 * (or an axis of length 0) leave that axis as it is. Pure.
 */
export function towardBoxLengths(r: Recist, box: Box, weight: { readonly long: number; readonly short: number }): Recist {
  const own = axisLengthsPx(r), bx = axisLengthsPx(boxCross(box));
  const factor = (mine: number, theirs: number, w: number): number => (w === 0 || !(mine > 0) ? 1 : ((1 - w) * mine + w * theirs) / mine);
  return scaleAxes(r, factor(own.long, bx.long, weight.long), factor(own.short, bx.short, weight.short));
}

/**
 * Test-time augmentation over the reader's box: `k` more boxes around the same lesion, each with its centre moved by up
 * to ±`shift` × the side and its sides scaled together by a factor in [e^−scale, e^scale] (the aspect kept), the way
 * another rough box of the same reader might have been drawn.
 */
export interface BoxJitter {
  readonly k: number;
  readonly shift: number;
  readonly scale: number;
}

/** The `jitter.k` jittered copies of `box`, clipped to the image (copies with a side under MIN_BOX_SIDE_PX dropped);
 * seeded by the box's coordinates, so the same box always gets the same copies. Pure. */
export function jitterBoxes(box: Box, jitter: BoxJitter, imageWidth: number, imageHeight: number): Box[] {
  const rng = createRng(hash32(`${box.x1},${box.y1},${box.x2},${box.y2}`));
  const w = boxWidth(box), h = boxHeight(box);
  const out: Box[] = [];
  for (let i = 0; i < jitter.k; i++) {
    const f = Math.exp(rng.uniform(-jitter.scale, jitter.scale));
    const cx = (box.x1 + box.x2) / 2 + rng.uniform(-jitter.shift, jitter.shift) * w;
    const cy = (box.y1 + box.y2) / 2 + rng.uniform(-jitter.shift, jitter.shift) * h;
    const b = clipBox({ x1: cx - (f * w) / 2, y1: cy - (f * h) / 2, x2: cx + (f * w) / 2, y2: cy + (f * h) / 2 }, imageWidth, imageHeight);
    if (boxWidth(b) >= MIN_BOX_SIDE_PX && boxHeight(b) >= MIN_BOX_SIDE_PX) out.push(b);
  }
  return out;
}
