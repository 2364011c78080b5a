import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { axisLengthsMm, axisLengthsPx, normalizeRecist, recistCenter, recistExtent, recistFromNumbers, recistToNumbers, segmentLength, segmentLocationDistance } from '../../src/geometry/recist.ts';
import type { Segment } from '../../src/geometry/types.ts';
import { coord, point } from './arbitraries.ts';

test('recistFromNumbers reads DeepLesion order and round-trips', () => {
  const nums = [135.339, 246.541, 136.92, 263.405, 129.542, 252.865, 141.137, 251.778];
  const r = recistFromNumbers(nums);
  assert.deepEqual(r.long[1], { x: 136.92, y: 263.405 });
  assert.deepEqual(r.short[0], { x: 129.542, y: 252.865 });
  assert.deepEqual(recistToNumbers(r), nums);
  // DL_info.csv says 16.9386, 11.6453 px for this row.
  const { long, short } = axisLengthsPx(r);
  assert.ok(Math.abs(long - 16.9386) < 1e-3 && Math.abs(short - 11.6453) < 1e-3, `${long} ${short}`);
});

test('recistFromNumbers names the count and the bad value', () => {
  assert.throws(() => recistFromNumbers([1, 2, 3, 4, 5, 6], 'DL_info.csv row 7: field Measurement_coordinates'), /row 7: field Measurement_coordinates has 6 numbers, expected 8/);
  assert.throws(() => recistFromNumbers([1, 2, 3, NaN, 5, 6, 7, 8]), /number 4 of 8 is NaN/);
});

test('segmentLocationDistance: endpoint swap gives 0, a 1 px shift gives 1', () => {
  fc.assert(fc.property(point(), point(), coord(0, 2 * Math.PI), (a, b, ang) => {
    const s: Segment = [a, b];
    const shift = { x: Math.cos(ang), y: Math.sin(ang) };
    const moved: Segment = [{ x: b.x + shift.x, y: b.y + shift.y }, { x: a.x + shift.x, y: a.y + shift.y }];
    return segmentLocationDistance(s, [b, a]) === 0 && Math.abs(segmentLocationDistance(s, moved) - 1) < 1e-9;
  }));
});

test('segmentLocationDistance picks the better matching', () => {
  const a: Segment = [{ x: 0, y: 0 }, { x: 10, y: 0 }];
  assert.equal(segmentLocationDistance(a, [{ x: 10, y: 2 }, { x: 0, y: 4 }]), 3);
});

test('extent, centre, lengths in mm, normalize', () => {
  const r = recistFromNumbers([0, 0, 6, 8, 1, 5, 4, 1]);
  assert.deepEqual(recistExtent(r), { x1: 0, y1: 0, x2: 6, y2: 8 });
  assert.deepEqual(recistCenter(r), { x: 3, y: 4 });
  assert.equal(segmentLength(r.long), 10);
  const mm = axisLengthsMm(r, { x: 0.5, y: 2 });
  assert.ok(Math.abs(mm.long - Math.hypot(3, 16)) < 1e-12);
  const swapped = normalizeRecist({ long: r.short, short: r.long });
  assert.deepEqual(swapped.long, r.long);
  assert.equal(normalizeRecist(r), r);
});
