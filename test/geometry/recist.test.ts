import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { averageRecists, axisAngleDiffDeg, axisErrorComponents, axisLengthsMm, axisLengthsPx, blendRecist, normalizeRecist, scaleAxes, recistCenter, recistExtent, recistFromNumbers, recistToNumbers, segmentAngle, segmentLength, segmentLocationDistance, segmentThrough } from '../../src/geometry/recist.ts';
import type { Recist, Segment } from '../../src/geometry/types.ts';
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

test('blendRecist: weight 0 and 1 give the two marks, 0.5 the matched midpoints, whatever the endpoint order', () => {
  const a = { long: [{ x: 0, y: 0 }, { x: 10, y: 0 }], short: [{ x: 5, y: -2 }, { x: 5, y: 2 }] } as const;
  const b = { long: [{ x: 12, y: 2 }, { x: 2, y: 2 }], short: [{ x: 7, y: 6 }, { x: 7, y: -2 }] } as const; // endpoints swapped
  const dist = (p: { x: number; y: number }, q: { x: number; y: number }) => Math.hypot(p.x - q.x, p.y - q.y);
  assert.deepEqual(blendRecist(a, b, 0), a);
  const one = blendRecist(a, b, 1);
  assert.ok(segmentLocationDistance(one.long, b.long) < 1e-12 && segmentLocationDistance(one.short, b.short) < 1e-12);
  const half = blendRecist(a, b, 0.5);
  assert.ok(dist(half.long[0], { x: 1, y: 1 }) < 1e-12 && dist(half.long[1], { x: 11, y: 1 }) < 1e-12, JSON.stringify(half.long));
  assert.ok(dist(half.short[0], { x: 6, y: -2 }) < 1e-12 && dist(half.short[1], { x: 6, y: 4 }) < 1e-12, JSON.stringify(half.short));
  assert.throws(() => blendRecist(a, b, 1.5), /blendRecist: weightB=1\.5, expected a number in \[0, 1\]/);
});

test('blendRecist: the blend lies between the marks (location to each ≤ the distance between them)', () => {
  fc.assert(fc.property(point(-100, 100), point(-100, 100), point(-100, 100), point(-100, 100), point(-100, 100), point(-100, 100), point(-100, 100), point(-100, 100), fc.double({ min: 0, max: 1, noNaN: true }),
    (p, q, r, s, t, u, v, w, k) => {
      const a = { long: [p, q] as Segment, short: [r, s] as Segment }, b = { long: [t, u] as Segment, short: [v, w] as Segment };
      const m = blendRecist(a, b, k);
      const ab = segmentLocationDistance(a.long, b.long) + segmentLocationDistance(a.short, b.short);
      const all = [m.long, m.short];
      return all.every((seg) => Math.min(segmentLocationDistance(seg, a.long), segmentLocationDistance(seg, a.short)) <= ab + 1e-9);
    }));
});

test('scaleAxes: each axis scaled about its own midpoint; centre and angles kept; bad factor named', () => {
  const r = { long: [{ x: 0, y: 0 }, { x: 10, y: 0 }], short: [{ x: 4, y: -2 }, { x: 4, y: 4 }] } as const;
  const s = scaleAxes(r, 1.1);
  assert.deepEqual(s.long.map((p) => [+p.x.toFixed(9), +p.y.toFixed(9)]), [[-0.5, 0], [10.5, 0]]);
  assert.deepEqual(s.short.map((p) => [+p.x.toFixed(9), +p.y.toFixed(9)]), [[4, -2.3], [4, 4.3]]);
  assert.ok(Math.abs(segmentLength(s.long) - 11) < 1e-9 && Math.abs(segmentLength(s.short) - 6.6) < 1e-9);
  assert.throws(() => scaleAxes(r, 0), /scaleAxes: factor=0, expected a positive number/);
  const perAxis = scaleAxes(r, 1.1, 0.5);
  assert.deepEqual(perAxis.long, s.long, 'the long axis by the first factor');
  assert.deepEqual(perAxis.short.map((p) => [+p.x.toFixed(9), +p.y.toFixed(9)]), [[4, -0.5], [4, 2.5]]);
  assert.throws(() => scaleAxes(r, 1, -1), /scaleAxes: factor=-1, expected a positive number/);
});

test('averageRecists: one mark is itself; copies turned ± the same angle average to the unturned mark with its lengths (not the shortened blend)', () => {
  const mark = (deg: number, dx = 0) => {
    const t = (deg * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
    return { long: [{ x: 50 + dx - 10 * c, y: 50 - 10 * s }, { x: 50 + dx + 10 * c, y: 50 + 10 * s }], short: [{ x: 50 + dx + 6 * s, y: 50 - 6 * c }, { x: 50 + dx - 6 * s, y: 50 + 6 * c }] } as Recist;
  };
  const one = averageRecists([mark(0)]);
  assert.ok(segmentLocationDistance(one.long, mark(0).long) < 1e-9 && segmentLocationDistance(one.short, mark(0).short) < 1e-9);
  const avg = averageRecists([mark(20, -1), mark(-20, 1)]);
  assert.ok(segmentLocationDistance(avg.long, mark(0).long) < 1e-9, 'centre and direction averaged');
  const blended = blendRecist(mark(20, -1), mark(-20, 1), 0.5);
  assert.ok(axisLengthsPx(blended).long < 19, 'a plain blend shortens the axis');
  assert.ok(Math.abs(axisLengthsPx(avg).long - 20) < 1e-9 && Math.abs(axisLengthsPx(avg).short - 12) < 1e-9, 'lengths are the marks\' mean');
  assert.throws(() => averageRecists([]), /no marks/);
});

test('axis angles: differences modulo π in [0, 90]°; a segment through a centre has that angle, length and midpoint', () => {
  assert.equal(axisAngleDiffDeg(0, Math.PI), 0, 'an axis has no direction');
  assert.ok(Math.abs(axisAngleDiffDeg(0.1, Math.PI - 0.1) - (0.2 * 180) / Math.PI) < 1e-9);
  assert.ok(Math.abs(axisAngleDiffDeg(-Math.PI / 4, Math.PI / 4) - 90) < 1e-9);
  fc.assert(fc.property(point(), fc.double({ min: 0.1, max: 100, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (c, len, a) => {
    const s = segmentThrough(c, len, a);
    assert.ok(Math.abs(segmentLength(s) - len) < 1e-6 * Math.max(1, len));
    assert.ok(axisAngleDiffDeg(segmentAngle(s), a) < 1e-6);
    assert.ok(Math.abs((s[0].x + s[1].x) / 2 - c.x) < 1e-6 && Math.abs((s[0].y + s[1].y) / 2 - c.y) < 1e-6);
  }));
});

test('axis error components: each is zero when only the other components differ, and the angle part of a 90° turn is the endpoint distance', () => {
  const ref: Segment = [{ x: 0, y: 0 }, { x: 20, y: 0 }];
  const shifted: Segment = [{ x: 3, y: 4 }, { x: 23, y: 4 }];
  assert.deepEqual(axisErrorComponents(shifted, ref), { centre: 5, angle: 0, length: 0 });
  const longer: Segment = [{ x: -2, y: 0 }, { x: 22, y: 0 }];
  assert.deepEqual(axisErrorComponents(longer, ref), { centre: 0, angle: 0, length: 2 });
  const turned: Segment = [{ x: 10, y: -10 }, { x: 10, y: 10 }];
  const parts = axisErrorComponents(turned, ref);
  assert.ok(parts.centre < 1e-9 && parts.length < 1e-9);
  assert.ok(Math.abs(parts.angle - Math.hypot(10, 10)) < 1e-9, `${parts.angle}`);
});
