import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Point, Recist } from '../../src/geometry/types.ts';
import {
  axesCross, axisCosine, axisLengths, dragHandle, dragLongAxisEnd, dragShortAxisEnd, hitHandle, initialShortAxis,
  swapIfShortLonger,
} from '../../src/ui/geometry/bidirectional.ts';
import { fitView, imageToScreen, screenToImage, zoomAt, pan } from '../../src/ui/geometry/view.ts';

const near = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const nearPt = (a: Point, b: Point, eps = 1e-9): void => { near(a.x, b.x, eps); near(a.y, b.y, eps); };
const len = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

const base: Recist = { long: [{ x: 10, y: 50 }, { x: 90, y: 50 }], short: [{ x: 40, y: 30 }, { x: 40, y: 70 }] };

test('initialShortAxis: through the midpoint, perpendicular, halves ⅓ of the long axis', () => {
  const r = initialShortAxis([{ x: 0, y: 0 }, { x: 30, y: 40 }]);
  near(axisCosine(r), 0);
  nearPt({ x: (r.short[0].x + r.short[1].x) / 2, y: (r.short[0].y + r.short[1].y) / 2 }, { x: 15, y: 20 });
  near(len(r.short[0], r.short[1]), (2 * 50) / 3);
  assert.ok(axesCross(r));
});

test('dragLongAxisEnd rotates the short axis about the fixed end and keeps it perpendicular', () => {
  const to = { x: 10 + 80 * Math.cos(Math.PI / 6), y: 50 + 80 * Math.sin(Math.PI / 6) };
  const r = dragLongAxisEnd(base, 1, to);
  nearPt(r.long[0], base.long[0]);
  nearPt(r.long[1], to);
  near(axisCosine(r), 0, 1e-12);
  // the short axis keeps its length and its distance from the fixed end along the axis
  near(len(r.short[0], r.short[1]), 40);
  near(len(r.short[0], r.long[0]), len(base.short[0], base.long[0]));
});

test('dragLongAxisEnd: the fixed end is the other one for index 0', () => {
  const r = dragLongAxisEnd(base, 0, { x: 20, y: 20 });
  nearPt(r.long[1], base.long[1]);
  near(axisCosine(r), 0, 1e-12);
});

test('dragLongAxisEnd refuses a move that would put the long axis off the short axis', () => {
  // shrinking the long axis so its moving end passes the short axis (at x = 40)
  const r = dragLongAxisEnd(base, 1, { x: 30, y: 50 });
  assert.deepEqual(r, base);
  assert.deepEqual(dragLongAxisEnd(base, 1, { x: 10, y: 50 }), base, 'collapsing onto the fixed end is refused');
});

test('dragShortAxisEnd moves the partner by the projection on the long axis', () => {
  const r = dragShortAxisEnd(base, 2, { x: 50, y: 20 });
  nearPt(r.short[0], { x: 50, y: 20 });
  nearPt(r.short[1], { x: 50, y: 70 });
  assert.deepEqual(r.long, base.long);
  near(axisCosine(r), 0);
  const r2 = dragShortAxisEnd(base, 3, { x: 35, y: 80 });
  nearPt(r2.short[0], { x: 35, y: 30 });
  nearPt(r2.short[1], { x: 35, y: 80 });
});

test('dragShortAxisEnd refuses moves that take the short axis off the long axis', () => {
  assert.deepEqual(dragShortAxisEnd(base, 2, { x: 40, y: 55 }), base, 'top end crossing below the long axis');
  assert.deepEqual(dragShortAxisEnd(base, 2, { x: 95, y: 30 }), base, 'beyond the long-axis end');
});

test('locked drags keep any perpendicular mark perpendicular (property)', () => {
  const coord = fc.double({ min: -200, max: 200, noNaN: true });
  fc.assert(fc.property(
    fc.record({ x: coord, y: coord }), fc.double({ min: 5, max: 100, noNaN: true }), fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
    fc.integer({ min: 0, max: 3 }), fc.record({ x: coord, y: coord }),
    (p, l, a, h, to) => {
      const start = initialShortAxis([p, { x: p.x + l * Math.cos(a), y: p.y + l * Math.sin(a) }]);
      const r = dragHandle(start, h as 0 | 1 | 2 | 3, to, true);
      assert.ok(axisCosine(r) < 1e-6, `cos=${axisCosine(r)}`);
      assert.ok(axesCross(r));
    },
  ), { numRuns: 500, seed: 7 });
});

test('unlocked drag moves only the dragged point; NaN targets are ignored', () => {
  const r = dragHandle(base, 3, { x: 60, y: 75 }, false);
  assert.deepEqual(r.short[1], { x: 60, y: 75 });
  assert.deepEqual(r.short[0], base.short[0]);
  assert.deepEqual(r.long, base.long);
  assert.equal(dragHandle(base, 0, { x: NaN, y: 1 }, true), base);
});

test('swapIfShortLonger, hitHandle, axisLengths with anisotropic spacing', () => {
  const swapped = swapIfShortLonger({ long: base.short, short: base.long });
  assert.deepEqual(swapped, base);
  assert.equal(hitHandle(base, { x: 41, y: 31 }, 3), 2);
  assert.equal(hitHandle(base, { x: 60, y: 60 }, 3), null);
  const mm = axisLengths(base, { x: 0.5, y: 2 });
  near(mm.long, 40); near(mm.short, 80); assert.equal(mm.unit, 'mm');
  assert.equal(axisLengths(base, null).unit, 'px');
});

test('view: screen ↔ image round trip, zoom keeps the cursor point, pan', () => {
  const v = fitView(512, 512, 800, 600);
  const p = { x: 123.25, y: 400.5 };
  nearPt(screenToImage(v, imageToScreen(v, p)), p);
  const at = { x: 300, y: 200 };
  const before = screenToImage(v, at);
  const z = zoomAt(v, at, 1.7);
  nearPt(screenToImage(z, at), before, 1e-9);
  const q = pan(z, 10, -5);
  nearPt(imageToScreen(q, p), { x: imageToScreen(z, p).x + 10, y: imageToScreen(z, p).y - 5 });
});

test('overlay colours: a pseudo-mask fades linearly (clear background), heatmaps as √value (visible tails)', async () => {
  const { heatmapRgba } = await import('../../src/ui/heatmap.ts');
  const bytes = Uint8Array.from([0, 26, 128, 255]);
  const pack = (kind: 'mask' | 'heatmaps') => ({ width: 2, height: 2, channels: 1, data: Buffer.from(bytes).toString('base64'), scale: [1], toImage: [1, 0, 0, 0, 1, 0] as const, kind });
  const alpha = (rgba: Uint8ClampedArray) => [3, 7, 11, 15].map((i) => rgba[i]);
  assert.deepEqual(alpha(heatmapRgba(pack('mask'), 200)), [0, 20, 100, 200]);
  assert.deepEqual(alpha(heatmapRgba(pack('heatmaps'), 200)), [0, 64, 142, 200]);
});
