import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyAffine } from '../../src/geometry/affine.ts';
import { CANONICAL_SIZE, HEATMAP_SIZE, canonicalKeypoints, canonicalToCrop, cropToCanonical, recistFromKeypoints, thetaFromMatrix, thetaFromRecist, thetaToMatrix, wrapHalfTurn } from '../../src/geometry/theta.ts';
import { close, coord, makeRecist, point, recistArb } from './arbitraries.ts';

const thetaArb = fc.record({ tx: coord(-1, 1), ty: coord(-1, 1), alpha: coord(-Math.PI / 2 + 1e-6, Math.PI / 2), s: coord(0.05, 2) });

test('Θ ↔ inverse round trip within 1e-6 px at any map size', () => {
  fc.assert(fc.property(thetaArb, point(-50, 200), fc.constantFrom(32, 64, 128), (th, p, size) => {
    const there = canonicalToCrop([p], th, size)[0];
    return close(cropToCanonical([there], th, size)[0], p, 1e-6) && close(canonicalToCrop(cropToCanonical([p], th, size), th, size)[0], p, 1e-6);
  }));
});

test('Θ matrix is Eq. 2 and θ reads back', () => {
  const th = { tx: 0.1, ty: -0.2, alpha: 0.3, s: 0.7 };
  const m = thetaToMatrix(th);
  assert.ok(Math.abs(m[0] - 0.7 * Math.cos(0.3)) < 1e-15 && Math.abs(m[1] + 0.7 * Math.sin(0.3)) < 1e-15 && m[2] === 0.1 && m[5] === -0.2);
  const back = thetaFromMatrix(m);
  for (const k of ['tx', 'ty', 'alpha', 's'] as const) assert.ok(Math.abs(back[k] - th[k]) < 1e-12, k);
});

test('true θ puts the long axis at canonical (±0.5, 0) with α in (−π/2, π/2]', () => {
  fc.assert(fc.property(recistArb(), (r) => {
    const th = thetaFromRecist(r, 128);
    if (!(th.alpha > -Math.PI / 2 && th.alpha <= Math.PI / 2)) return false;
    const m = thetaToMatrix(th);
    // canonical normalized (∓0.5, 0) ↦ crop normalized ↦ crop pixel equals the long endpoints (in some order).
    const toPx = (n: { x: number; y: number }) => ({ x: ((n.x + 1) * 128 - 1) / 2, y: ((n.y + 1) * 128 - 1) / 2 });
    const left = toPx(applyAffine(m, { x: -0.5, y: 0 })), right = toPx(applyAffine(m, { x: 0.5, y: 0 }));
    const [a, b] = r.long;
    const matches = (close(left, a, 1e-6) && close(right, b, 1e-6)) || (close(left, b, 1e-6) && close(right, a, 1e-6));
    return matches && left.x <= right.x + 1e-9 + (Math.abs(th.alpha - Math.PI / 2) < 1e-9 ? Infinity : 0);
  }));
});

test('canonical keypoints: fixed order, long axis horizontal, centred, length half the map', () => {
  fc.assert(fc.property(recistArb(), fc.constantFrom(HEATMAP_SIZE, CANONICAL_SIZE), (r, size) => {
    const th = thetaFromRecist(r, 128);
    const [ll, lr, st, sb] = canonicalKeypoints(r, th, size);
    const c = (size - 1) / 2;
    return ll.x < lr.x && st.y <= sb.y && Math.abs(ll.y - c) < 1e-6 && Math.abs(lr.y - c) < 1e-6
      && Math.abs(ll.x - (c - size / 4)) < 1e-6 && Math.abs(lr.x - (c + size / 4)) < 1e-6
      // perpendicular short axis through the midpoint is vertical in canonical space
      && Math.abs(st.x - c) < 1e-6 && Math.abs(sb.x - c) < 1e-6;
  }));
});

test('keypoints map back to the original mark', () => {
  fc.assert(fc.property(recistArb(), (r) => {
    const th = thetaFromRecist(r, 128);
    const back = recistFromKeypoints(canonicalToCrop(canonicalKeypoints(r, th, HEATMAP_SIZE), th, HEATMAP_SIZE));
    const same = (a: readonly [{ x: number; y: number }, { x: number; y: number }], b: typeof a) =>
      (close(a[0], b[0], 1e-6) && close(a[1], b[1], 1e-6)) || (close(a[0], b[1], 1e-6) && close(a[1], b[0], 1e-6));
    return same(back.long, r.long) && same(back.short, r.short);
  }));
});

test('a vertical long axis gets α = π/2; zero-length long axis is rejected', () => {
  const th = thetaFromRecist(makeRecist({ x: 64, y: 64 }, Math.PI / 2, 20, 10), 128);
  assert.ok(Math.abs(th.alpha - Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(wrapHalfTurn(-Math.PI / 2) - Math.PI / 2) < 1e-12);
  assert.throws(() => thetaFromRecist(makeRecist({ x: 64, y: 64 }, 0, 0, 0), 128), /has length 0/);
});
