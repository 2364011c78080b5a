import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CROP_SIZE, cropFrameFromBox, cropImage, fromCrop, toCrop, warpBilinear } from '../../src/geometry/crop.ts';
import { translation } from '../../src/geometry/affine.ts';
import type { Box } from '../../src/geometry/types.ts';
import { close, coord, point } from './arbitraries.ts';

const boxArb: fc.Arbitrary<Box> = fc
  .record({ x: coord(-50, 500), y: coord(-50, 500), w: coord(2, 300), h: coord(2, 300) })
  .map(({ x, y, w, h }) => ({ x1: x, y1: y, x2: x + w, y2: y + h }));

test('crop ↔ original round trips within 1e-6 px, both directions', () => {
  fc.assert(fc.property(boxArb, point(-100, 600), fc.integer({ min: 8, max: 256 }), (box, p, size) => {
    const f = cropFrameFromBox(box, size);
    return close(fromCrop(f, toCrop(f, p)), p, 1e-6) && close(toCrop(f, fromCrop(f, p)), p, 1e-6);
  }));
});

test('documented convention: crop pixel u centre = x0 + (u + 0.5)·side/size − 0.5', () => {
  const f = cropFrameFromBox({ x1: 10, y1: 20, x2: 74, y2: 50 });
  assert.deepEqual(f, { x0: 10.5, y0: 3.5, side: 64, size: CROP_SIZE });
  assert.deepEqual(fromCrop(f, { x: 0, y: 0 }), { x: 10.5 + 0.25 - 0.5, y: 3.5 + 0.25 - 0.5 });
  // The crop's edges are the box's (long) sides; its centre is the box centre.
  assert.deepEqual(toCrop(f, { x: 10, y: 35 }), { x: -0.5, y: 63.5 });
  assert.deepEqual(toCrop(f, { x: 74, y: 35 }), { x: 127.5, y: 63.5 });
  assert.deepEqual(toCrop(f, { x: 42, y: 35 }), { x: 63.5, y: 63.5 });
});

test('the square crop encloses the box', () => {
  fc.assert(fc.property(boxArb, (box) => {
    const f = cropFrameFromBox(box);
    const a = toCrop(f, { x: box.x1, y: box.y1 }), b = toCrop(f, { x: box.x2, y: box.y2 });
    const e = 1e-6;
    return a.x >= -0.5 - e && a.y >= -0.5 - e && b.x <= CROP_SIZE - 0.5 + e && b.y <= CROP_SIZE - 0.5 + e;
  }));
});

test('cropFrameFromBox names a degenerate box', () => {
  assert.throws(() => cropFrameFromBox({ x1: 3, y1: 3, x2: 3, y2: 3 }), /side=0/);
  assert.throws(() => cropFrameFromBox({ x1: NaN, y1: 3, x2: 9, y2: 9 }), /box x1=NaN is not a finite number/);
});

test('warpBilinear reproduces a linear ramp exactly inside and fills outside', () => {
  const w = 20, h = 10;
  const src = Float32Array.from({ length: w * h }, (_, k) => 3 * (k % w) + 5 * Math.floor(k / w));
  const out = warpBilinear(src, w, h, translation(2.25, 1.5), 8, 4, -1);
  for (let j = 0; j < 4; j++) for (let i = 0; i < 8; i++) assert.ok(Math.abs(out[j * 8 + i] - (3 * (i + 2.25) + 5 * (j + 1.5))) < 1e-4);
  const far = warpBilinear(src, w, h, translation(100, 0), 2, 2, -7);
  assert.deepEqual(Array.from(far), [-7, -7, -7, -7]);
});

test('cropImage of an integer-aligned 1:1 frame copies pixels', () => {
  const w = 16, h = 16;
  const src = Float32Array.from({ length: w * h }, (_, k) => k);
  const f = cropFrameFromBox({ x1: 1.5, y1: 2.5, x2: 9.5, y2: 10.5 }, 8); // side 8 → 1 px per crop px, pixel-aligned
  const out = cropImage(src, w, h, f);
  const o = fromCrop(f, { x: 0, y: 0 });
  assert.ok(Number.isInteger(o.x) && Number.isInteger(o.y), JSON.stringify(o));
  assert.deepEqual(o, { x: 2, y: 3 });
  assert.equal(out[0], src[o.y * w + o.x]);
  assert.equal(out[7 * 8 + 7], src[(o.y + 7) * w + o.x + 7]);
});
