import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHeatmaps } from '../../src/geometry/heatmap.ts';
import { alignEndpoints, entropyScore, ttaSpread } from '../../src/active/uncertainty.ts';
import type { MapStack, Recist } from '../../src/geometry/types.ts';

const stack = (w: number, h: number, fill: (c: number, i: number) => number): MapStack => {
  const data = new Float32Array(4 * w * h);
  for (let c = 0; c < 4; c++) for (let i = 0; i < w * h; i++) data[c * w * h + i] = fill(c, i);
  return { width: w, height: h, channels: 4, data };
};

test('entropy: a delta heatmap ≈ 0, a flat one ≈ 1, a Gaussian in between (non-square maps)', () => {
  const delta = entropyScore(stack(64, 48, (c, i) => (i === 100 + c ? 1 : 0)));
  assert.ok(delta.entropy < 1e-9, `delta ${delta.entropy}`);
  const flat = entropyScore(stack(64, 48, () => 0.3));
  assert.ok(Math.abs(flat.entropy - 1) < 1e-9, `flat ${flat.entropy}`);
  flat.entropies.forEach((e) => assert.ok(Math.abs(e - 1) < 1e-9));
  const g = entropyScore(encodeHeatmaps([{ x: 10, y: 10 }, { x: 30, y: 20 }, { x: 20, y: 5 }, { x: 20, y: 30 }], 64, 1.5));
  assert.ok(g.entropy > 0.05 && g.entropy < 0.6, `gaussian ${g.entropy}`);
  // mean of the four
  const mixed = entropyScore(stack(64, 64, (c, i) => (c < 2 ? (i === 5 ? 1 : 0) : 1)));
  assert.ok(Math.abs(mixed.entropy - 0.5) < 1e-9);
  assert.throws(() => entropyScore({ width: 4, height: 4, channels: 3, data: new Float32Array(48) }), /3 channels/);
});

const mark = (dx = 0, dy = 0): Recist => ({ long: [{ x: 10 + dx, y: 20 + dy }, { x: 50 + dx, y: 20 + dy }], short: [{ x: 30 + dx, y: 10 + dy }, { x: 30 + dx, y: 30 + dy }] });

test('TTA spread: 0 for identical proposals, endpoint order (flips) does not matter, grows with disagreement', () => {
  const a = mark();
  const flipped: Recist = { long: [a.long[1], a.long[0]], short: [a.short[1], a.short[0]] };
  assert.equal(ttaSpread([a, flipped, a]).spreadPx, 0);
  assert.deepEqual(alignEndpoints(flipped, a), [a.long[0], a.long[1], a.short[0], a.short[1]]);
  const s = ttaSpread([mark(), mark(2, 0), mark(-2, 0), mark(0, 2)]);
  assert.ok(s.spreadPx > 1 && s.spreadPx < 2.5, `${s.spreadPx}`);
  assert.ok(Math.abs(s.relative - s.spreadPx / 40) < 0.05);
  assert.ok(ttaSpread([mark(), mark(6, 0)]).spreadPx > s.spreadPx);
  assert.throws(() => ttaSpread([a]), /at least 2/);
});
