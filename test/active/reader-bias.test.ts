import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCalibration, evidenceWeight, fitReaderCalibration, readerBias, ROTATION_MAX_RATIO, wrapAxial, type ReaderMark } from '../../src/active/reader-bias.ts';
import { axisLengthsPx } from '../../src/geometry/recist.ts';
import { createRng } from '../../src/geometry/random.ts';
import type { Recist } from '../../src/geometry/types.ts';

const cross = (cx: number, cy: number, long: number, short: number, deg: number): Recist => {
  const t = (deg * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
  return {
    long: [{ x: cx - (c * long) / 2, y: cy - (s * long) / 2 }, { x: cx + (c * long) / 2, y: cy + (s * long) / 2 }],
    short: [{ x: cx + (s * short) / 2, y: cy - (c * short) / 2 }, { x: cx - (s * short) / 2, y: cy + (c * short) / 2 }],
  };
};

test('reader bias: a reader measuring 10% longer and rotated +8° is found; others near zero', () => {
  const rng = createRng(3);
  const marks: ReaderMark[] = [];
  for (let i = 0; i < 30; i++) {
    const long = rng.uniform(20, 60), short = long * rng.uniform(0.4, 0.9), deg = rng.uniform(-80, 80);
    const spacing = { x: 0.8, y: 0.8 };
    marks.push({ lesionId: `L${i}`, reader: 'A', recist: cross(100, 100, long, short, deg), spacing });
    marks.push({ lesionId: `L${i}`, reader: 'B', recist: cross(100, 100, long * 1.1, short * 1.1, deg + 8), spacing });
    marks.push({ lesionId: `L${i}`, reader: 'C', recist: cross(100, 100, long, short, deg), spacing });
  }
  marks.push({ lesionId: 'solo', reader: 'A', recist: cross(1, 1, 9, 5, 0), spacing: null }); // read by one reader: ignored
  const bias = readerBias(marks);
  const b = bias.find((x) => x.reader === 'B')!;
  assert.equal(b.n, 30);
  assert.equal(b.unit, 'mm');
  assert.ok(Math.abs(b.longDiffPct.mean - 10) < 0.01, `${b.longDiffPct.mean}`);
  assert.ok(Math.abs(b.rotationDeg.mean - 8) < 1e-6, `${b.rotationDeg.mean}`);
  assert.ok(b.longDiff.mean > 0);
  const a = bias.find((x) => x.reader === 'A')!;
  assert.ok(a.longDiffPct.mean < 0 && a.longDiffPct.mean > -6);
  assert.ok(Math.abs(a.rotationDeg.mean + 4) < 1e-6, 'A vs mean of B and C: −4°');
  assert.ok(Math.abs(wrapAxial(Math.PI * 0.9) + Math.PI * 0.1) < 1e-12, 'axes wrap at 180°');
});

test('per-reader calibration: recovers each axis\'s scale and the rotation, shrinks with few pairs, identity below minPairs', () => {
  const rng = createRng(5);
  const pairs = Array.from({ length: 40 }, () => {
    const long = rng.uniform(20, 60), deg = rng.uniform(-80, 80);
    return { proposal: cross(50, 60, long, long / 2, deg), final: cross(50, 60, long * 1.2, long * 0.45, deg - 5) };
  });
  const cal = fitReaderCalibration('B', pairs, { prior: 0 });
  assert.ok(Math.abs(cal.longScale - 1.2) < 1e-9 && Math.abs(cal.shortScale - 0.9) < 1e-9 && Math.abs(cal.rotationDeg + 5) < 1e-9, JSON.stringify(cal));
  const shrunk = fitReaderCalibration('B', pairs.slice(0, 5), { prior: 5 });
  assert.ok(Math.abs(shrunk.longScale - 1.1) < 1e-9 && Math.abs(shrunk.shortScale - 0.95) < 1e-9 && Math.abs(shrunk.rotationDeg + 2.5) < 1e-9);
  const few = fitReaderCalibration('B', pairs.slice(0, 2));
  assert.ok(few.longScale === 1 && few.shortScale === 1 && few.rotationDeg === 0);
  const applied = applyCalibration(pairs[0].proposal, cal);
  const want = pairs[0].final;
  [...applied.long, ...applied.short].forEach((p, i) => {
    const q = [...want.long, ...want.short][i];
    assert.ok(Math.hypot(p.x - q.x, p.y - q.y) < 1e-9);
  });
  assert.ok(Math.abs(axisLengthsPx(applied).long - axisLengthsPx(want).long) < 1e-9);
});

test('evidenceWeight: a bias well above its standard error keeps (nearly) full weight, one inside its noise gets none', () => {
  assert.equal(evidenceWeight([0.1, 0.1, 0.1]), 1, 'no spread: all evidence');
  assert.equal(evidenceWeight([0.2]), 1, 'one value: nothing to judge the spread by');
  assert.equal(evidenceWeight([0.1, -0.1]), 0, 'mean 0');
  const clear = [0.18, 0.22, 0.2, 0.19, 0.21];
  assert.ok(evidenceWeight(clear) > 0.99, `${evidenceWeight(clear)}`);
  // mean 0.02, sd ≈ 0.2, n = 5: se ≈ 0.09 > |mean|
  assert.equal(evidenceWeight([0.3, -0.2, 0.1, -0.15, 0.05]), 0);
  // mean 1, sd 1, n 4: se² = 0.25 → weight 0.75
  assert.ok(Math.abs(evidenceWeight([0, 1, 1, 2].map((v) => v)) - (1 - (2 / 3) / 4)) < 1e-12);
});

test('per-reader calibration: an unbiased reader\'s noisy corrections mostly leave the proposals alone; a clear bias is still learned', () => {
  const rng = createRng(9);
  const noisy = (scale: number, shortScale: number, rotDeg: number) => Array.from({ length: 8 }, () => {
    const long = rng.uniform(20, 60), deg = rng.uniform(-80, 80);
    const jitter = () => Math.exp(rng.normal(0, 0.12));
    return { proposal: cross(50, 60, long, long / 2, deg), final: cross(50, 60, long * scale * jitter(), (long / 2) * shortScale * jitter(), deg + rotDeg + rng.normal(0, 6)) };
  });
  // 40 unbiased readers with 8 noisy corrections each: how far each calibration moves proposals, with and without evidence
  let rawOff = 0, calOff = 0, untouched = 0;
  for (let t = 0; t < 40; t++) {
    const c = fitReaderCalibration('A', noisy(1, 1, 0), { prior: 0 });
    rawOff += Math.abs(Math.log(c.raw.longScale)) + Math.abs(Math.log(c.raw.shortScale));
    calOff += Math.abs(Math.log(c.longScale)) + Math.abs(Math.log(c.shortScale));
    if (c.longScale === 1 && c.shortScale === 1) untouched++;
  }
  assert.ok(calOff < 0.5 * rawOff, `unbiased readers: scales off by ${calOff.toFixed(3)} (raw fit ${rawOff.toFixed(3)})`);
  assert.ok(untouched >= 10, `${untouched} of 40 unbiased readers get no length scale at all`);
  const biased = fitReaderCalibration('B', noisy(1.25, 0.8, 10), { prior: 0 });
  assert.ok(biased.longScale > 1.15 && biased.shortScale < 0.88 && biased.rotationDeg > 7, JSON.stringify(biased));
});

test('per-reader calibration: the length scale is a proportional bias (every lesion counts alike), and only elongated lesions tell a rotation', () => {
  // Nine small lesions measured 20 % longer, one large one as proposed: the bias is the small lesions' (a least-squares
  // scale in pixels would follow the large lesion: about 1.02).
  const sized = [...Array.from({ length: 9 }, (_, i) => ({ long: 10 + i, f: 1.2 })), { long: 100, f: 1 }]
    .map(({ long, f }) => ({ proposal: cross(50, 60, long, long / 2, 30), final: cross(50, 60, long * f, long / 2, 30) }));
  const bySize = fitReaderCalibration('S', sized, { prior: 0 });
  assert.ok(Math.abs(bySize.raw.longScale - Math.exp((9 * Math.log(1.2)) / 10)) < 1e-9, JSON.stringify(bySize.raw));
  // The same +10° turn on every correction: applied when the lesions are elongated, not when they are round.
  const turned = (ratio: number) => Array.from({ length: 12 }, (_, i) => {
    const deg = -60 + 10 * i;
    return { proposal: cross(50, 60, 30, 30 * ratio, deg), final: cross(50, 60, 30, 30 * ratio, deg + 10 + (i % 2 ? 1 : -1)) };
  });
  assert.ok(Math.abs(fitReaderCalibration('E', turned(0.5), { prior: 0 }).rotationDeg - 10) < 0.5);
  assert.equal(fitReaderCalibration('R', turned(ROTATION_MAX_RATIO + 0.1), { prior: 0 }).rotationDeg, 0);
});
