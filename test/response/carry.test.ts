/** Carrying a box to a follow-up slice, on synthetic slices whose true baseline → follow-up map is known. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CtSlice } from '../../src/data/types.ts';
import { applyMap, bodyMap, carryBox, matchCentre, normalizedMap } from '../../src/response/carry.ts';

/** A body (ellipse of soft tissue) holding a few organs and a lesion, drawn in "anatomy" coordinates (u, v). */
function anatomy(u: number, v: number): number {
  const inside = ((u - 128) / 90) ** 2 + ((v - 140) / 70) ** 2 <= 1;
  if (!inside) return -1000;
  if ((u - 100) ** 2 + (v - 120) ** 2 <= 64) return -20; // the lesion, radius 8
  if ((u - 160) ** 2 + (v - 150) ** 2 <= 400) return 180; // an organ
  if ((u - 128) ** 2 + (v - 190) ** 2 <= 100) return 700; // a vertebra
  if (Math.abs(u - 90) < 6 && v > 150 && v < 185) return 250; // a vessel
  return 40 + 10 * Math.sin(u / 7) * Math.cos(v / 9);
}

/** A slice whose pixel (x, y) shows anatomy at ((x − bx)/ax, (y − by)/ay). */
function slice(W: number, H: number, m: { ax: number; bx: number; ay: number; by: number }, spacing: number, source: string): CtSlice {
  const hu = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) hu[y * W + x] = anatomy((x - m.bx) / m.ax, (y - m.by) / m.ay);
  return { width: W, height: H, hu, spacing: { x: spacing, y: spacing }, window: null, source };
}

const id = { ax: 1, bx: 0, ay: 1, by: 0 };
const truth = { ax: 1.1, bx: 4, ay: 0.95, by: 10 }; // follow-up = baseline shifted and rescaled
const base = slice(256, 256, id, 0.8, 'base.png');
const follow = slice(256, 256, truth, 0.8 / 1.05, 'follow.png');
const lesion = { x: 100, y: 120 };
const lesionFollow = applyMap(truth, lesion);

test('normalizedMap keeps the relative position (pixel centres at integers)', () => {
  const m = normalizedMap(base, { ...base, width: 512, height: 512 });
  assert.deepEqual(applyMap(m, { x: -0.5, y: 255.5 }), { x: -0.5, y: 511.5 });
  assert.deepEqual(applyMap(normalizedMap(base, follow), lesion), lesion);
});

test('bodyMap recovers the body shift and scale; the match lands on the lesion within a pixel', () => {
  const m = bodyMap(base, follow);
  assert.ok(Math.abs(m.ax - truth.ax) < 0.02 && Math.abs(m.ay - truth.ay) < 0.02, JSON.stringify(m));
  const body = applyMap(m, lesion);
  assert.ok(Math.hypot(body.x - lesionFollow.x, body.y - lesionFollow.y) < 2, JSON.stringify({ body, lesionFollow }));
  // Start the match from a guess 10 px off: it still finds the lesion's neighbourhood.
  const off = { ...m, bx: m.bx + 10 };
  const { centre, ncc } = matchCentre(base, follow, lesion, off, 24);
  assert.ok(Math.hypot(centre.x - lesionFollow.x, centre.y - lesionFollow.y) < 1, JSON.stringify({ centre, lesionFollow }));
  assert.ok(ncc > 0.9, String(ncc));
});

test('carryBox: normalized keeps the box sides in mm; body and body+match scale them by the body fit', () => {
  const box = { x1: 88, y1: 108, x2: 112, y2: 132 };
  const n = carryBox(base, follow, box, 'normalized');
  assert.ok(Math.abs((n.box.x2 - n.box.x1) - 24 * 1.05) < 1e-9, JSON.stringify(n.box)); // 24 px of 0.8 mm = 25.2 px of 0.762 mm
  const b = carryBox(base, follow, box, 'body');
  assert.ok(Math.abs((b.box.x2 - b.box.x1) / 24 - truth.ax) < 0.02, JSON.stringify(b.box));
  const bm = carryBox(base, follow, box, 'body+match');
  assert.ok(Math.hypot(bm.centre.x - lesionFollow.x, bm.centre.y - lesionFollow.y) < 1, JSON.stringify(bm));
  assert.ok(bm.box.x1 < lesionFollow.x - 8 && bm.box.x2 > lesionFollow.x + 8, 'the carried box holds the lesion');
});

test('a slice with no body: the error names the slice', () => {
  const empty: CtSlice = { ...base, hu: new Float32Array(256 * 256).fill(-1000), source: 'air.png' };
  assert.throws(() => bodyMap(base, empty), /air\.png: no body found/);
});
