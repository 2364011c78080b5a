import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyAffine, compose, invertAffine, normalizedToPixel, pixelToNormalized, resizePixelAffine, rotationAbout, scaleAbout, translation } from '../../src/geometry/affine.ts';
import type { Affine } from '../../src/geometry/types.ts';
import { close, coord, point } from './arbitraries.ts';

const affineArb: fc.Arbitrary<Affine> = fc
  .record({ c: point(-100, 100), angle: coord(-4, 4), s: coord(0.1, 10), t: point(-100, 100) })
  .map(({ c, angle, s, t }) => compose(translation(t.x, t.y), compose(rotationAbout(c, angle), scaleAbout(c, s))));

test('invertAffine undoes the map (round trip within 1e-6 px)', () => {
  fc.assert(fc.property(affineArb, point(-500, 500), (m, p) => close(applyAffine(invertAffine(m), applyAffine(m, p)), p, 1e-6)));
});

test('compose applies the inner map first', () => {
  fc.assert(fc.property(affineArb, affineArb, point(-100, 100), (a, b, p) => close(applyAffine(compose(a, b), p), applyAffine(a, applyAffine(b, p)), 1e-6)));
});

test('rotation and scale fix their centre; rotation by π/2 turns +x into +y', () => {
  const c = { x: 3, y: -7 };
  assert.ok(close(applyAffine(rotationAbout(c, 1.234), c), c, 1e-12));
  assert.ok(close(applyAffine(scaleAbout(c, 2.5), c), c, 1e-12));
  assert.ok(close(applyAffine(rotationAbout({ x: 0, y: 0 }, Math.PI / 2), { x: 1, y: 0 }), { x: 0, y: 1 }, 1e-12));
  assert.ok(close(applyAffine(scaleAbout({ x: 1, y: 1 }, 2), { x: 2, y: 3 }), { x: 3, y: 5 }, 1e-12));
});

test('invertAffine names the determinant of a singular map', () => {
  assert.throws(() => invertAffine([1, 2, 0, 2, 4, 0]), /not invertible: det=0/);
});

test('pixelToNormalized follows align_corners=false and inverts', () => {
  assert.equal(pixelToNormalized(0, 4), -0.75);
  assert.equal(pixelToNormalized(-0.5, 4), -1);
  assert.equal(pixelToNormalized(3.5, 4), 1);
  assert.equal(pixelToNormalized(63.5, 128), 0);
  fc.assert(fc.property(coord(-200, 200), fc.integer({ min: 1, max: 1024 }), (u, n) => Math.abs(normalizedToPixel(pixelToNormalized(u, n), n) - u) < 1e-9));
});

test('resizePixelAffine keeps the map edges and the centre', () => {
  const m = resizePixelAffine(128, 32);
  assert.ok(close(applyAffine(m, { x: -0.5, y: 127.5 }), { x: -0.5, y: 31.5 }, 1e-12));
  assert.ok(close(applyAffine(m, { x: 63.5, y: 63.5 }), { x: 15.5, y: 15.5 }, 1e-12));
});
