import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { recistFromMask } from '../../src/geometry/measure-mask.ts';
import { axisLengthsPx, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { coord, makeRecist } from './arbitraries.ts';
import { drawEllipse } from './draw.ts';

// Rasterizing by pixel centres can itself shorten an axis by up to 1 px (a tip pixel whose centre falls just outside),
// plus a little more at the sharp tips of thin ellipses; hence 1.25 px on lengths.
test('recistFromMask on a drawn ellipse returns its axes (lengths within 1.25 px, location within 1.5 px)', () => {
  fc.assert(fc.property(coord(45, 55), coord(45, 55), coord(-Math.PI, Math.PI), coord(12, 40), coord(0.3, 0.8), (cx, cy, angle, a, ratio) => {
    const b = a * ratio, c = { x: cx, y: cy };
    const mask = Uint8Array.from(drawEllipse(100, 100, c, a, b, angle));
    const r = recistFromMask(mask, 100, 100);
    if (!r) return false;
    const truth = makeRecist(c, angle, 2 * a, 2 * b);
    const got = axisLengthsPx(r);
    return Math.abs(got.long - 2 * a) <= 1.25 && Math.abs(got.short - 2 * b) <= 1.25
      && segmentLocationDistance(r.long, truth.long) < 1.5 && segmentLocationDistance(r.short, truth.short) < 1.5;
  }), { numRuns: Number(process.env.FC_RUNS ?? 40) });
});

test('recistFromMask: axis-aligned rectangle, empty mask, single pixel, size check', () => {
  const w = 40, h = 30;
  const m = new Uint8Array(w * h);
  for (let y = 10; y < 16; y++) for (let x = 5; x < 25; x++) m[y * w + x] = 1; // 20 × 6 px
  const r = recistFromMask(m, w, h)!;
  const l = axisLengthsPx(r);
  // The diagonal (20.9 px) is the longest diameter; within the 1 px quantization tie the more horizontal chord wins.
  assert.ok(l.long >= 20 - 1e-9 && l.long <= Math.hypot(20, 6) + 1e-9, `long ${l.long}`);
  assert.ok(l.short > 5 && l.short < 7.5, `short ${l.short}`);
  assert.equal(recistFromMask(new Uint8Array(w * h), w, h), null);
  const one = new Uint8Array(w * h); one[3 * w + 4] = 1;
  const single = axisLengthsPx(recistFromMask(one, w, h)!).long;
  assert.ok(single > 0.5 && single < 2.5, `single pixel long ${single}`);
  assert.throws(() => recistFromMask(new Uint8Array(5), w, h), /mask length=5 does not match 40×30=1200/);
});

test('recistFromMask is fast on a 100×100 mask', () => {
  const mask = Uint8Array.from(drawEllipse(100, 100, { x: 50, y: 50 }, 45, 30, 0.7));
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) recistFromMask(mask, 100, 100);
  const ms = (performance.now() - t0) / 5;
  assert.ok(ms < 200, `${ms} ms per call`); // ~3 ms on an idle core
});

test('recistFromMask: flat pixel tips do not pull the long axis off the ellipse axis (former counterexamples)', () => {
  for (const [cx, cy, angle, a, ratio] of [[45, 45, 0.010793516807494498, 38.03124999999997, 0.3], [45, 45, 0, 14.866068747318506, 0.8]]) {
    const c = { x: cx, y: cy };
    const r = recistFromMask(Uint8Array.from(drawEllipse(100, 100, c, a, a * ratio, angle)), 100, 100)!;
    const truth = makeRecist(c, angle, 2 * a, 2 * a * ratio);
    assert.ok(segmentLocationDistance(r.long, truth.long) < 1.5, `long axis ${segmentLocationDistance(r.long, truth.long).toFixed(2)} px off (a=${a}, ratio=${ratio})`);
  }
});
