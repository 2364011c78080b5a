import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { boxArea, boxContains, boxCross, clipBox, jitterBoxes, lesionExtent, MIN_BOX_SIDE_PX, roughBoxUnclipped, simulateRoughBox, towardBoxLengths, validateBox } from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';
import { axisLengthsPx, recistCenter } from '../../src/geometry/recist.ts';
import { makeRecist, recistArb } from './arbitraries.ts';

test('rough box contains the extent, area ratio in [2, 2.5] before clipping, deterministic per seed', () => {
  fc.assert(fc.property(recistArb({ center: [0, 512], long: [0, 150] }), fc.integer({ min: 0, max: 2 ** 31 }), (r, seed) => {
    const raw = roughBoxUnclipped(r, createRng(seed));
    const e = lesionExtent(r);
    const ratio = boxArea(raw) / boxArea(e);
    const clipped = simulateRoughBox(r, createRng(seed), { imageWidth: 512, imageHeight: 512 });
    const again = simulateRoughBox(r, createRng(seed), { imageWidth: 512, imageHeight: 512 });
    return boxContains(raw, e) && ratio >= 2 - 1e-9 && ratio <= 2.5 + 1e-9
      && boxContains(clipped, clipBox(e, 512, 512)) && boxContains({ x1: -0.5, y1: -0.5, x2: 511.5, y2: 511.5 }, clipped)
      && JSON.stringify(clipped) === JSON.stringify(again) && JSON.stringify(clipped) === JSON.stringify(clipBox(raw, 512, 512));
  }));
});

test('rough box offsets vary: the extent is not always centred', () => {
  const r = makeRecist({ x: 200, y: 200 }, 0.3, 40, 20);
  const rng = createRng(1);
  const centres = Array.from({ length: 200 }, () => roughBoxUnclipped(r, rng)).map((b) => (b.x1 + b.x2) / 2 - recistCenter(r).x);
  assert.ok(Math.min(...centres) < -3 && Math.max(...centres) > 3, `${Math.min(...centres)} ${Math.max(...centres)}`);
});

test('extent sides are at least 1 px for a degenerate (horizontal, zero-height) mark', () => {
  const r = { long: [{ x: 10, y: 5 }, { x: 20, y: 5 }], short: [{ x: 15, y: 5 }, { x: 15, y: 5 }] } as const;
  const e = lesionExtent(r);
  assert.equal(e.y2 - e.y1, 1);
  assert.equal(e.x2 - e.x1, 10);
});

test('validateBox names the bad value', () => {
  assert.throws(() => validateBox({ x1: NaN, y1: 0, x2: 5, y2: 5 }, 64, 64, 'request box'), /request box: x1=NaN is not a finite number/);
  assert.throws(() => validateBox({ x1: 6, y1: 0, x2: 5, y2: 5 }, 64, 64), /x1=6 must be < x2=5/);
  assert.throws(() => validateBox({ x1: 0, y1: 0, x2: 1.5, y2: 5 }, 64, 64), /width=1.5 px/);
  assert.throws(() => validateBox({ x1: 70, y1: 0, x2: 80, y2: 5 }, 64, 64), /does not overlap the 64×64 image/);
  const ok = { x1: 1, y1: 2, x2: 10, y2: 12 };
  assert.equal(validateBox(ok, 64, 64), ok);
});

test('boxCross: centred cross, arms 2/3 of the sides, longer arm is long', () => {
  const c = boxCross({ x1: 0, y1: 0, x2: 30, y2: 60 });
  assert.deepEqual(c.long, [{ x: 15, y: 10 }, { x: 15, y: 50 }]);
  assert.deepEqual(c.short, [{ x: 5, y: 30 }, { x: 25, y: 30 }]);
  const l = axisLengthsPx(c);
  assert.ok(l.long >= l.short);
});

test('towardBoxLengths: each axis\'s length moves toward box-cross\'s by its own weight; directions and midpoints kept', () => {
  const box = { x1: 0, y1: 0, x2: 60, y2: 30 }; // box-cross: long 40, short 20
  const r = { long: [{ x: 10, y: 20 }, { x: 40, y: 20 }], short: [{ x: 25, y: 15 }, { x: 25, y: 25 }] } as const; // 30 and 10
  const out = towardBoxLengths(r as never, box, { long: 0.5, short: 0.25 });
  const len = (s: readonly { x: number; y: number }[]) => Math.hypot(s[1].x - s[0].x, s[1].y - s[0].y);
  assert.ok(Math.abs(len(out.long) - 35) < 1e-9, `long ${len(out.long)}`);
  assert.ok(Math.abs(len(out.short) - 12.5) < 1e-9, `short ${len(out.short)}`);
  assert.deepEqual({ x: (out.long[0].x + out.long[1].x) / 2, y: out.long[0].y }, { x: 25, y: 20 });
  assert.equal(out.short[0].x, 25, 'direction kept');
  assert.deepEqual(towardBoxLengths(r as never, box, { long: 0, short: 0 }), r, 'weights 0: unchanged');
  const full = towardBoxLengths(r as never, box, { long: 1, short: 1 });
  assert.ok(Math.abs(len(full.long) - 40) < 1e-9 && Math.abs(len(full.short) - 20) < 1e-9, 'weight 1: box-cross\'s lengths');
});

test('jitterBoxes: k copies around the box (centre within ±shift × side, aspect kept, sides scaled within e^±scale), the same for the same box, clipped and non-degenerate at the image edge', () => {
  const box = { x1: 100, y1: 200, x2: 140, y2: 220 };
  const jitter = { k: 8, shift: 0.1, scale: 0.1 };
  const a = jitterBoxes(box, jitter, 512, 512);
  assert.equal(a.length, 8);
  assert.deepEqual(jitterBoxes(box, jitter, 512, 512), a, 'seeded by the box');
  assert.notDeepEqual(jitterBoxes({ ...box, x1: 101 }, jitter, 512, 512), a);
  for (const b of a) {
    const w = b.x2 - b.x1, h = b.y2 - b.y1;
    assert.ok(Math.abs(w / h - 2) < 1e-9, 'aspect kept');
    assert.ok(w >= 40 * Math.exp(-0.1) - 1e-9 && w <= 40 * Math.exp(0.1) + 1e-9, `width ${w}`);
    assert.ok(Math.abs((b.x1 + b.x2) / 2 - 120) <= 4 + 1e-9 && Math.abs((b.y1 + b.y2) / 2 - 210) <= 2 + 1e-9, 'centre moved by at most 10 % of the side');
  }
  assert.notDeepEqual(a[0], a[1]);
  for (const b of jitterBoxes({ x1: -0.5, y1: -0.5, x2: 3, y2: 3 }, { k: 16, shift: 0.5, scale: 0.5 }, 64, 64)) {
    assert.ok(b.x1 >= -0.5 && b.y1 >= -0.5 && b.x2 - b.x1 >= MIN_BOX_SIDE_PX && b.y2 - b.y1 >= MIN_BOX_SIDE_PX);
  }
  assert.deepEqual(jitterBoxes(box, { ...jitter, k: 0 }, 512, 512), []);
});
