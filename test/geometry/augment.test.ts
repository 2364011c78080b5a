import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyAugmentation, randomAugmentation } from '../../src/geometry/augment.ts';
import { applyAffine } from '../../src/geometry/affine.ts';
import { createRng } from '../../src/geometry/random.ts';
import type { Point, Segment } from '../../src/geometry/types.ts';
import { coord, makeRecist } from './arbitraries.ts';
import { drawEllipse, sampleAt } from './draw.ts';

const W = 96, H = 96;

test('augmentation keeps the marks on the lesion (endpoints on the transformed boundary ± 1 px)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 2 ** 31 }), coord(38, 58), coord(38, 58), coord(-Math.PI, Math.PI), coord(10, 20), coord(0.45, 1),
    (seed, cx, cy, angle, a, ratio) => {
      const c = { x: cx, y: cy }, b = a * ratio;
      const img = drawEllipse(W, H, c, a, b, angle);
      const recist = makeRecist(c, angle, 2 * a, 2 * b);
      const m = randomAugmentation(createRng(seed), { maxShiftPx: 8, maxRotationDeg: 180, scaleRange: [0.8, 1.25], center: c });
      const out = applyAugmentation(img, W, H, recist, m, 0);
      const centre = applyAffine(m, c);
      if (sampleAt(out.image, W, H, centre) !== 1) return false;
      const onBoundary = (s: Segment): boolean => s.every((p: Point) => {
        const d = Math.hypot(p.x - centre.x, p.y - centre.y);
        const toward = (t: number): Point => ({ x: p.x + ((centre.x - p.x) / d) * t, y: p.y + ((centre.y - p.y) / d) * t });
        // 1.5 px inside is lesion, 1.5 px outside is background: the endpoint is on the boundary within ±1 px + interpolation.
        return sampleAt(out.image, W, H, toward(1.5)) > 0.5 && sampleAt(out.image, W, H, toward(-1.5)) < 0.5;
      });
      return onBoundary(out.recist.long) && onBoundary(out.recist.short);
    },
  ), { numRuns: 60 });
});

test('randomAugmentation is deterministic per seed, stays in range, and fixes the centre up to the shift', () => {
  const opts = { maxShiftPx: 5, maxRotationDeg: 30, scaleRange: [0.8, 1.25] as const, center: { x: 10, y: 20 } };
  const a = randomAugmentation(createRng(3), opts), b = randomAugmentation(createRng(3), opts);
  assert.deepEqual(a, b);
  for (let s = 0; s < 200; s++) {
    const m = randomAugmentation(createRng(s), opts);
    const scale = Math.hypot(m[0], m[3]), rot = Math.atan2(m[3], m[0]);
    const moved = applyAffine(m, opts.center);
    assert.ok(scale >= 0.8 - 1e-12 && scale <= 1.25 + 1e-12, `scale ${scale}`);
    assert.ok(Math.abs(rot) <= (30 * Math.PI) / 180 + 1e-12, `rotation ${rot}`);
    assert.ok(Math.abs(moved.x - 10) <= 5 + 1e-9 && Math.abs(moved.y - 20) <= 5 + 1e-9);
  }
  assert.throws(() => randomAugmentation(createRng(0), { ...opts, scaleRange: [0, 1] }), /scaleRange=\[0, 1\]/);
});
