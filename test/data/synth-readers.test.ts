import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fallbackSampler } from '../../src/data/synth/distribution.ts';
import { defaultReaders, parseSiteReader, readReader, TYPICAL_READER, type SimulatedReader } from '../../src/data/synth/readers.ts';
import { createRng } from '../../src/geometry/random.ts';
import type { Recist } from '../../src/geometry/types.ts';

const truth = (L: number, S: number, angle: number, cx = 100, cy = 100): Recist => {
  const c = Math.cos(angle), s = Math.sin(angle);
  return {
    long: [{ x: cx - (c * L) / 2, y: cy - (s * L) / 2 }, { x: cx + (c * L) / 2, y: cy + (s * L) / 2 }],
    short: [{ x: cx + (s * S) / 2, y: cy - (c * S) / 2 }, { x: cx - (s * S) / 2, y: cy + (c * S) / 2 }],
  };
};
const stats = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: m, std: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) };
};

test('endpoint offsets have the configured mean (length bias) and std (placement noise) within sampling error', () => {
  const reader: SimulatedReader = {
    ...TYPICAL_READER, name: 'r', lengthScale: 1.06, shortScale: 0.95, rotationBiasDeg: 0, rotationNoiseDeg: 0,
    longRelNoise: 0, shortRelNoise: 0, perpNoiseDeg: 0, endpointNoisePx: 0.8, shortEndpointNoisePx: 1.3,
  };
  const rng = createRng(1);
  const n = 3000, L = 30, S = 18;
  const along: number[] = [], across: number[] = [], sAlong: number[] = [], sAcross: number[] = [];
  for (let i = 0; i < n; i++) {
    const angle = rng.uniform(-Math.PI / 2, Math.PI / 2);
    const t = truth(L, S, angle);
    const r = readReader(t, reader, rng);
    const u = { x: Math.cos(angle), y: Math.sin(angle) }, v = { x: -u.y, y: u.x };
    // Right long endpoint, offset in the axis frame; left short endpoint (top) in the short-axis frame.
    const d = { x: r.long[1].x - t.long[1].x, y: r.long[1].y - t.long[1].y };
    along.push(d.x * u.x + d.y * u.y);
    across.push(d.x * v.x + d.y * v.y);
    const e = { x: r.short[1].x - t.short[1].x, y: r.short[1].y - t.short[1].y };
    sAlong.push(e.x * v.x + e.y * v.y);
    sAcross.push(e.x * u.x + e.y * u.y);
  }
  const se = (sd: number) => (3 * sd) / Math.sqrt(n);
  const a = stats(along), c = stats(across), sa = stats(sAlong), sc = stats(sAcross);
  assert.ok(Math.abs(a.mean - 0.06 * (L / 2)) < se(0.8), `long mean offset ${a.mean}`);
  assert.ok(Math.abs(c.mean) < se(0.8));
  assert.ok(Math.abs(sa.mean - -0.05 * (S / 2)) < se(1.3), `short mean offset ${sa.mean}`);
  // std of a sample std ≈ σ/√(2n): allow 4 of those.
  for (const [s, sigma] of [[a, 0.8], [c, 0.8], [sa, 1.3], [sc, 1.3]] as const) {
    assert.ok(Math.abs(s.std - sigma) < (4 * sigma) / Math.sqrt(2 * n), `std ${s.std} vs ${sigma}`);
  }
});

test('systematic rotation and short-axis perpendicularity', () => {
  const reader: SimulatedReader = { ...defaultReaders(3)[1], endpointNoisePx: 0, shortEndpointNoisePx: 0 };
  const rng = createRng(2);
  const rots: number[] = [], perp: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = truth(40, 25, rng.uniform(-1.5, 1.5));
    const r = readReader(t, reader, rng);
    const a0 = Math.atan2(t.long[1].y - t.long[0].y, t.long[1].x - t.long[0].x);
    const a1 = Math.atan2(r.long[1].y - r.long[0].y, r.long[1].x - r.long[0].x);
    rots.push(((a1 - a0) * 180) / Math.PI);
    const u = { x: r.long[1].x - r.long[0].x, y: r.long[1].y - r.long[0].y }, v = { x: r.short[1].x - r.short[0].x, y: r.short[1].y - r.short[0].y };
    perp.push((Math.acos(Math.abs(u.x * v.x + u.y * v.y) / Math.hypot(u.x, u.y) / Math.hypot(v.x, v.y)) * 180) / Math.PI);
  }
  const s = stats(rots);
  assert.ok(Math.abs(s.mean - reader.rotationBiasDeg) < 0.5, `rotation bias ${s.mean}`);
  assert.ok(Math.abs(s.std - reader.rotationNoiseDeg) < 0.4);
  assert.ok(stats(perp).mean > 85, 'short axis roughly perpendicular');
});

test('default readers: inter-reader relative long-diameter differences have 95% limits near the paper (−22%…+25%)', () => {
  const readers = defaultReaders(3);
  const sampler = fallbackSampler();
  const rng = createRng(3);
  const d: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const g = sampler.sample(rng);
    const L = g.longMm / 0.8;
    const t = truth(L, L * g.ratio, g.angle);
    const a = readers[i % 3], b = readers[(i + 1 + (i % 2)) % 3];
    const len = (r: Recist) => Math.hypot(r.long[1].x - r.long[0].x, r.long[1].y - r.long[0].y);
    const la = len(readReader(t, a, rng)), lb = len(readReader(t, b, rng));
    d.push((la - lb) / ((la + lb) / 2));
  }
  d.sort((p, q) => p - q);
  const lo = d[Math.floor(0.025 * d.length)], hi = d[Math.floor(0.975 * d.length)];
  assert.ok(lo > -0.32 && lo < -0.14, `lower limit ${lo}`);
  assert.ok(hi > 0.15 && hi < 0.33, `upper limit ${hi}`);
});

test('parseSiteReader: long/short factors and rotation, defaults 1/1/0; a bad part is named', () => {
  const r = parseSiteReader('long=1.1, rot=-3');
  assert.deepEqual([r.lengthScale, r.shortScale, r.rotationBiasDeg, r.longRelNoise], [1.1, 1, -3, TYPICAL_READER.longRelNoise]);
  assert.equal(parseSiteReader('').lengthScale, 1);
  assert.throws(() => parseSiteReader('long=1.1,width=2'), /"width=2" is not long=X, short=X or rot=DEG/);
  assert.throws(() => parseSiteReader('short=abc'), /"short=abc" is not/);
  assert.throws(() => parseSiteReader('long=3'), /long=3 is not a length factor in \(0.5, 2\)/);
  assert.throws(() => parseSiteReader('rot=90'), /rot=90 is not a rotation/);
});
