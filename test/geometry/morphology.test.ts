/**
 * Mask morphology (src/geometry/morphology.ts) against plain per-definition references on random masks: dilation by
 * the 3×3 cross, opening, hole filling (flood from the border), the chosen connected component.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dilate, fillHoles, open3, pickComponent } from '../../src/geometry/morphology.ts';

const maskArb = fc.record({ W: fc.integer({ min: 1, max: 14 }), H: fc.integer({ min: 1, max: 14 }), density: fc.double({ min: 0.1, max: 0.9, noNaN: true }), seed: fc.integer() })
  .map(({ W, H, density, seed }) => {
    let s = seed >>> 0;
    const m = new Uint8Array(W * H).map(() => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 < density ? 1 : 0));
    return { m, W, H };
  });

const at = (m: Uint8Array, W: number, H: number, x: number, y: number): number => (x >= 0 && y >= 0 && x < W && y < H ? m[y * W + x] : 0);
const cross = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]] as const;
const refDilate = (m: Uint8Array, W: number, H: number) => Uint8Array.from({ length: W * H }, (_, i) => (cross.some(([dx, dy]) => at(m, W, H, (i % W) + dx, Math.floor(i / W) + dy)) ? 1 : 0));
// Erosion: every cross neighbour set and inside the image.
const refErode = (m: Uint8Array, W: number, H: number) => Uint8Array.from({ length: W * H }, (_, i) => (cross.every(([dx, dy]) => at(m, W, H, (i % W) + dx, Math.floor(i / W) + dy)) ? 1 : 0));

function refFill(m: Uint8Array, W: number, H: number): Uint8Array {
  // Background reachable from the border through background stays background; iterate to a fixed point.
  const out = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) { const x = i % W, y = Math.floor(i / W); out[i] = !m[i] && (x === 0 || y === 0 || x === W - 1 || y === H - 1) ? 1 : 0; }
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < W * H; i++) {
      if (out[i] || m[i]) continue;
      const x = i % W, y = Math.floor(i / W);
      if (cross.some(([dx, dy]) => at(out, W, H, x + dx, y + dy))) { out[i] = 1; changed = true; }
    }
  }
  return out.map((v) => 1 - v);
}

test('dilate, open3 and fillHoles equal their definitions on random masks', () => {
  fc.assert(fc.property(maskArb, ({ m, W, H }) => {
    assert.deepEqual(dilate(m, W, H, 1), refDilate(m, W, H));
    assert.deepEqual(dilate(m, W, H, 2), refDilate(refDilate(m, W, H), W, H));
    const opened = refDilate(refErode(m, W, H), W, H);
    assert.deepEqual(open3(m, W, H), opened.some((v) => v) ? opened : m);
    assert.deepEqual(fillHoles(m, W, H), refFill(m, W, H));
  }), { numRuns: 300 });
});

test('pickComponent returns one 4-connected component of the mask, reaching the central half', () => {
  fc.assert(fc.property(maskArb, ({ m, W, H }) => {
    const c = pickComponent(m, W, H, W / 2, H / 2, W, H);
    if (!c) return;
    assert.ok(c.every((v, i) => !v || m[i]), 'subset of the mask');
    // connected: a flood fill from one of its pixels inside the component reaches all of it
    const start = c.indexOf(1);
    const seen = new Uint8Array(W * H);
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      for (const [dx, dy] of cross.slice(1)) {
        const x = (i % W) + dx, y = Math.floor(i / W) + dy;
        if (at(c, W, H, x, y) && !seen[y * W + x]) { seen[y * W + x] = 1; stack.push(y * W + x); }
      }
    }
    assert.deepEqual(seen, c, 'one 4-connected component');
    // maximal: no mask pixel outside it touches it
    for (let i = 0; i < W * H; i++) {
      if (!m[i] || c[i]) continue;
      assert.ok(!cross.slice(1).some(([dx, dy]) => at(c, W, H, (i % W) + dx, Math.floor(i / W) + dy)), 'a whole component');
    }
  }), { numRuns: 300 });
});
