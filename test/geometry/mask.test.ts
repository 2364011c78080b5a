import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pseudoMask } from '../../src/geometry/mask.ts';
import type { Recist } from '../../src/geometry/types.ts';
import { makeRecist, recistArb } from './arbitraries.ts';

const count = (m: Float32Array): number => m.reduce((a, b) => a + b, 0);

test('ellipse mask: area ≈ π·a·b, contains the centre, binary', () => {
  fc.assert(fc.property(recistArb({ center: [40, 88], long: [10, 60] }), (r) => {
    const m = pseudoMask(r, 128, 'ellipse');
    const long = Math.hypot(r.long[1].x - r.long[0].x, r.long[1].y - r.long[0].y);
    const short = Math.hypot(r.short[1].x - r.short[0].x, r.short[1].y - r.short[0].y);
    const area = (Math.PI * long * short) / 4;
    const cx = Math.round((r.long[0].x + r.long[1].x) / 2), cy = Math.round((r.long[0].y + r.long[1].y) / 2);
    return Math.abs(count(m) - area) < 2 * (long + short) + 4 && m[cy * 128 + cx] === 1 && m.every((v) => v === 0 || v === 1);
  }));
});

test('ellipse: pixels on the axes are inside up to the endpoints, not beyond', () => {
  const m = pseudoMask(makeRecist({ x: 16, y: 16 }, 0, 20, 8), 32);
  assert.equal(m[16 * 32 + 6], 1);
  assert.equal(m[16 * 32 + 26], 1);
  assert.equal(m[16 * 32 + 5], 0);
  assert.equal(m[16 * 32 + 27], 0);
  assert.equal(m[12 * 32 + 16], 1);
  assert.equal(m[11 * 32 + 16], 0);
});

test('quarter mask follows off-centre crossings; equals the ellipse for a centred cross', () => {
  const centred = makeRecist({ x: 30, y: 30 }, 0.4, 30, 14);
  assert.deepEqual(pseudoMask(centred, 64, 'quarter'), pseudoMask(centred, 64, 'ellipse'));
  // Short axis crossing the long axis at 1/4 of its length and at its own top third.
  const r: Recist = { long: [{ x: 10, y: 30 }, { x: 50, y: 30 }], short: [{ x: 20, y: 25 }, { x: 20, y: 40 }] };
  const q = pseudoMask(r, 64, 'quarter'), e = pseudoMask(r, 64, 'ellipse');
  assert.equal(q[39 * 64 + 20], 1); // near the bottom endpoint
  assert.equal(e[39 * 64 + 20], 0); // the ellipse is centred elsewhere and misses it
  assert.equal(q[26 * 64 + 20], 1);
  assert.equal(q[24 * 64 + 20], 0);
  assert.equal(q[30 * 64 + 11], 1);
  assert.equal(q[30 * 64 + 9], 0);
});

test('pseudoMask names bad inputs', () => {
  assert.throws(() => pseudoMask(makeRecist({ x: NaN, y: 0 }, 0, 4, 2), 32), /recist endpoint 0.x=NaN/);
  assert.throws(() => pseudoMask(makeRecist({ x: 1, y: 1 }, 0, 4, 2), 0), /mask size=0/);
});
