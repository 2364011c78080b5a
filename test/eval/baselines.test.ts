import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CtSlice } from '../../src/data/types.ts';
import type { Recist } from '../../src/geometry/types.ts';
import { createRng } from '../../src/geometry/random.ts';
import { boxCross } from '../../src/geometry/box.ts';
import { classicalRecist } from '../../src/segment/classical.ts';
import { boxCrossMethod, classicalMethod, measurerMethod } from '../../src/eval/baselines/index.ts';
import { compareRecist } from '../../src/eval/metrics.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import type { Measurer, Proposal } from '../../src/model/measurer-types.ts';

/** A 256² slice: liver-like 60 HU background with noise, an ellipse lesion (hypo- or hyperdense), rotated. */
function ellipseSlice(seed: number, a: number, b: number, angle: number, lesionHu: number): { slice: CtSlice; truth: Recist } {
  const W = 256, H = 256, cx = 128.3, cy = 120.7;
  const rng = createRng(seed);
  const hu = new Float32Array(W * H);
  const c = Math.cos(angle), s = Math.sin(angle);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - cx, dy = y - cy;
      const u = (dx * c + dy * s) / a, v = (-dx * s + dy * c) / b;
      hu[y * W + x] = (u * u + v * v <= 1 ? lesionHu : 60) + rng.normal(0, 12);
    }
  }
  const truth: Recist = {
    long: [{ x: cx - a * c, y: cy - a * s }, { x: cx + a * c, y: cy + a * s }],
    short: [{ x: cx + b * s, y: cy - b * c }, { x: cx - b * s, y: cy + b * c }],
  };
  return { slice: { width: W, height: H, hu, spacing: { x: 0.8, y: 0.8 }, window: null, source: `ellipse-${seed}` }, truth };
}

test('classical baseline recovers an ellipse lesion (hypo- and hyperdense) and beats the box-cross', () => {
  let clLoc = 0, bcLoc = 0, clLen = 0;
  const cases = [[16, 10, 0.5, 10], [22, 12, -0.9, 140], [12, 9, 1.2, 0], [30, 18, 0.2, 120]] as const;
  for (const [k, [a, b, ang, les]] of cases.entries()) {
    const { slice, truth } = ellipseSlice(k + 1, a, b, ang, les);
    for (const seed of [0, 1]) {
      const box = roughBoxFor(truth, `e${k}`, seed, slice.width, slice.height);
      const r = classicalRecist(slice, box);
      assert.equal(r.source, 'segment', `case ${k} seed ${seed} fell back`);
      assert.equal(r.polarity, les > 60 ? 1 : -1);
      const c = compareRecist(r.recist, truth, slice.spacing);
      const x = compareRecist(boxCross(box), truth, slice.spacing);
      clLoc += c.long.locPx; bcLoc += x.long.locPx; clLen += c.long.lenPx;
      // Known limitation: the mask sits ~1–3 px inside the true edge (smoothing + half-contrast threshold), so
      // lengths are underestimated by up to ~3 px on these 20–60 px ellipses.
      assert.ok(c.long.signedLenPx < 0.5 && c.long.lenPx < 3.5, `case ${k}: long length off by ${c.long.signedLenPx}`);
      assert.ok(c.short.lenPx < 3.5, `case ${k}: short length off by ${c.short.lenPx}`);
    }
  }
  const n = cases.length * 2;
  assert.ok(clLoc / n < 2, `classical mean long loc ${clLoc / n}`);
  assert.ok(clLoc < bcLoc / 2, `classical ${clLoc / n} vs box-cross ${bcLoc / n}`);
});

test('classical falls back to the box-cross on a featureless slice', () => {
  const W = 64, H = 64, rng = createRng(3);
  const hu = Float32Array.from({ length: W * H }, () => 40 + rng.normal(0, 3));
  const box = { x1: 20, y1: 22, x2: 40, y2: 38 };
  const r = classicalRecist({ width: W, height: H, hu, spacing: null, window: null, source: 'flat' }, box);
  assert.equal(r.source, 'fallback');
  assert.deepEqual(r.recist, boxCross(box));
});

test('methods: box-cross, classical and the measurer adapter', async () => {
  const { slice, truth } = ellipseSlice(9, 15, 10, 0.3, 0);
  const box = roughBoxFor(truth, 'x', 0, slice.width, slice.height);
  assert.deepEqual(await boxCrossMethod.predict(slice, box), { recist: boxCross(box) });
  assert.deepEqual(await classicalMethod.predict(slice, box), { recist: classicalRecist(slice, box).recist });
  const fake: Measurer = {
    modelVersion: 'v-test', backend: 'cpu',
    measure: async () => ({ recist: truth, entropy: 0.25 } as unknown as Proposal),
    measureBatch: async (items) => items.map(() => ({ recist: truth } as unknown as Proposal)),
    dispose: () => {},
  };
  const m = measurerMethod(fake);
  assert.equal(m.name, 'model v-test');
  assert.equal(m.kind, 'model');
  assert.deepEqual(m.info, { modelVersion: 'v-test', backend: 'cpu' });
  assert.deepEqual(await m.predict(slice, box), { recist: truth, uncertainty: 0.25 }, 'the proposal\'s entropy is the uncertainty');
});
