import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MASK_SIZE, buildSample, canonicalImage, sampleCropToSliceAffine } from '../../src/data/samples.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { applyAffine } from '../../src/geometry/affine.ts';
import { decodeHeatmaps } from '../../src/geometry/heatmap.ts';
import { createRng } from '../../src/geometry/random.ts';
import { boxContains, lesionExtent } from '../../src/geometry/box.ts';
import { recistExtent } from '../../src/geometry/recist.ts';
import { canonicalToCrop } from '../../src/geometry/theta.ts';
import type { Point } from '../../src/geometry/types.ts';
import { makeRecist } from '../geometry/arbitraries.ts';
import { drawEllipse } from '../geometry/draw.ts';

const SIZE = 512;

function ellipseSlice(c: Point, a: number, b: number, angle: number): CtSlice {
  return { width: SIZE, height: SIZE, hu: drawEllipse(SIZE, SIZE, c, a, b, angle, 200, -150), spacing: { x: 0.8, y: 0.8 }, window: null, source: 'synthetic' };
}

/** Centroid and major-axis orientation of pixels above 0.5 in a square map. */
function moments(img: Float32Array, size: number): { cx: number; cy: number; angle: number; elong: number } {
  let n = 0, sx = 0, sy = 0;
  for (let k = 0; k < img.length; k++) if (img[k] > 0.5) { n++; sx += k % size; sy += Math.floor(k / size); }
  const cx = sx / n, cy = sy / n;
  let xx = 0, yy = 0, xy = 0;
  for (let k = 0; k < img.length; k++) {
    if (img[k] <= 0.5) continue;
    const dx = (k % size) - cx, dy = Math.floor(k / size) - cy;
    xx += dx * dx; yy += dy * dy; xy += dx * dy;
  }
  return { cx, cy, angle: 0.5 * Math.atan2(2 * xy, xx - yy), elong: xx / yy };
}

test('true θ through the CPU canonical sampler centres the lesion and makes its long axis horizontal', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), fc.double({ min: 12, max: 40, noNaN: true }), fc.double({ min: 0.35, max: 0.7, noNaN: true }), fc.boolean(),
    (seed, angle, a, ratio, augment) => {
      const c = { x: 250.3, y: 261.7 }, b = a * ratio;
      const s = buildSample(ellipseSlice(c, a, b, angle), makeRecist(c, angle, 2 * a, 2 * b), createRng(seed), { augment });
      const m = moments(canonicalImage(s.input, s.theta), 128);
      // Canonical centre (63.5, 63.5); long axis horizontal; it spans half the canonical width (64 px).
      return Math.abs(m.cx - 63.5) < 1 && Math.abs(m.cy - 63.5) < 1 && Math.abs(m.angle) < 0.05 && m.elong > 1.5;
    },
  ), { numRuns: 25 });
});

test('sample targets agree: windowed input, crop-space marks, θ, mask, heatmaps', () => {
  const c = { x: 100.4, y: 380.2 }, angle = 0.7;
  const recist = makeRecist(c, angle, 40, 20);
  const slice = ellipseSlice(c, 20, 10, angle);
  const s = buildSample(slice, recist, createRng(7));
  assert.equal(s.input.length, 128 * 128);
  assert.ok(s.input.every((v) => v >= 0 && v <= 1));
  assert.ok(Math.abs(Math.max(...s.input) - (200 + 175) / 450) < 1e-5 && Math.abs(Math.min(...s.input) - (-150 + 175) / 450) < 1e-5);
  assert.ok(boxContains(s.box, lesionExtent(recist)));
  // Crop-space marks map back to the slice marks.
  const back = applyAffine(sampleCropToSliceAffine(s), s.recistCrop.long[0]);
  assert.ok(Math.hypot(back.x - recist.long[0].x, back.y - recist.long[0].y) < 1e-6);
  // Mask: 32², the lesion centre inside, a corner outside.
  assert.equal(s.mask32.length, MASK_SIZE * MASK_SIZE);
  const cc = { x: (s.recistCrop.long[0].x + s.recistCrop.long[1].x) / 2, y: (s.recistCrop.long[0].y + s.recistCrop.long[1].y) / 2 };
  const c32 = { x: Math.round((cc.x + 0.5) / 4 - 0.5), y: Math.round((cc.y + 0.5) / 4 - 0.5) };
  assert.equal(s.mask32[c32.y * 32 + c32.x], 1);
  assert.equal(s.mask32[0], 0);
  // Heatmaps decode to the keypoints, and the keypoints map back to the crop-space marks.
  const { points } = decodeHeatmaps(s.heatmaps);
  points.forEach((p, i) => assert.ok(Math.hypot(p.x - s.keypoints64[i].x, p.y - s.keypoints64[i].y) < 0.05, `channel ${i}`));
  const inCrop = canonicalToCrop(s.keypoints64, s.theta, 64);
  const ends = [s.recistCrop.long[0], s.recistCrop.long[1]];
  assert.ok(inCrop.slice(0, 2).every((p) => ends.some((e) => Math.hypot(p.x - e.x, p.y - e.y) < 1e-6)));
  assert.ok(s.keypoints64[0].x < s.keypoints64[1].x && s.keypoints64[2].y < s.keypoints64[3].y);
});

test('buildSample: deterministic per seed, a given box is used as-is, fast', () => {
  const c = { x: 300, y: 200 };
  const recist = makeRecist(c, -0.4, 30, 18);
  const slice = ellipseSlice(c, 15, 9, -0.4);
  const a = buildSample(slice, recist, createRng(11), { augment: true }), b = buildSample(slice, recist, createRng(11), { augment: true });
  assert.deepEqual(a.theta, b.theta);
  assert.deepEqual(a.input, b.input);
  const box = { x1: 270, y1: 170, x2: 330, y2: 240 };
  assert.deepEqual(buildSample(slice, recist, createRng(0), { box }).box, box);
  assert.throws(() => buildSample(slice, recist, createRng(0), { box, augment: true }), /box and augment cannot be combined/);
  assert.throws(() => buildSample(slice, recist, createRng(0), { box: { ...box, x2: NaN } }), /synthetic: box: x2=NaN is not a finite number/);
  const e = recistExtent(recist);
  assert.ok(e.x2 - e.x1 > 0);
  const rng = createRng(5);
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) buildSample(slice, recist, rng, { augment: true });
  const ms = (performance.now() - t0) / 50;
  assert.ok(ms < 20, `${ms.toFixed(2)} ms per sample (target < 5 ms on an idle core)`);
  console.log(`buildSample: ${ms.toFixed(2)} ms per sample`);
});
