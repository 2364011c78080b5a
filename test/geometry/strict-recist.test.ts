import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strictLongAxisMm, strictRecistFromMask } from '../../src/geometry/strict-recist.ts';
import { recistFromMask } from '../../src/geometry/measure-mask.ts';
import { axisLengthsPx } from '../../src/geometry/recist.ts';

function rect(w: number, h: number, x0: number, y0: number, rw: number, rh: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) m[y * w + x] = 1;
  return m;
}

test('a rectangle: the long axis is its diagonal corner to corner, the short axis its widest perpendicular extent', () => {
  const m = rect(20, 20, 2, 5, 10, 4); // pixels x 2..11, y 5..8: squares span [1.5, 11.5] × [4.5, 8.5]
  const r = strictRecistFromMask(m, 20, 20)!;
  assert.ok(Math.abs(r.longMm - Math.hypot(10, 4)) < 1e-9);
  const ends = [r.recist.long[0], r.recist.long[1]].map((p) => [p.x, p.y]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(ends[0][0], 1.5);
  assert.deepEqual(ends[1][0], 11.5);
  // Every line perpendicular to the diagonal leaves through the long sides: its longest chord is 4 px / cos of the
  // diagonal's angle to the long side, i.e. 4 · |d| / 10.
  const len = axisLengthsPx(r.recist);
  assert.ok(Math.abs(len.short - r.shortMm) < 1e-9);
  const expectedShort = (4 * Math.hypot(10, 4)) / 10;
  assert.ok(Math.abs(r.shortMm - expectedShort) < 0.05, `short ${r.shortMm} vs ${expectedShort}`);
  // Perpendicular by construction.
  const u = { x: r.recist.long[1].x - r.recist.long[0].x, y: r.recist.long[1].y - r.recist.long[0].y };
  const v = { x: r.recist.short[1].x - r.recist.short[0].x, y: r.recist.short[1].y - r.recist.short[0].y };
  assert.ok(Math.abs(u.x * v.x + u.y * v.y) / (Math.hypot(u.x, u.y) * Math.hypot(v.x, v.y)) < 1e-9);
});

test('non-square pixels: the longest chord in mm wins, not the longest in pixels', () => {
  // 8 px wide, 6 px tall; with 0.5 mm columns and 1 mm rows the rectangle is 4 × 6 mm.
  const m = rect(12, 12, 2, 3, 8, 6);
  const r = strictRecistFromMask(m, 12, 12, { x: 0.5, y: 1 })!;
  assert.ok(Math.abs(r.longMm - Math.hypot(4, 6)) < 1e-9);
  assert.equal(strictLongAxisMm(m, 12, 12, { x: 0.5, y: 1 }), r.longMm);
  assert.equal(strictRecistFromMask(new Uint8Array(9), 3, 3), null);
});

test('a single pixel measures its own diagonal; the tie rule of recistFromMask can pick a shorter chord', () => {
  const one = strictRecistFromMask(rect(3, 3, 1, 1, 1, 1), 3, 3)!;
  assert.ok(Math.abs(one.longMm - Math.SQRT2) < 1e-9);
  // A flat-tipped blob: the strict long axis is never shorter than the tie-broken one.
  const m = rect(30, 30, 5, 10, 15, 9);
  const strict = strictRecistFromMask(m, 30, 30)!;
  const tied = recistFromMask(m, 30, 30)!;
  assert.ok(strict.longMm >= axisLengthsPx(tied).long - 1e-9);
});
