import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resizePixelAffine, applyAffine } from '../../src/geometry/affine.ts';
import { pseudoMask } from '../../src/geometry/mask.ts';
import { BOX_ORIENTATION_MIN_ASPECT, maskEntropy, orientByBox, recistFromProbabilityMap, upsampleBilinear } from '../../src/geometry/mask-readout.ts';
import { axisLengthsPx, mapRecist, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { makeRecist, recistArb } from './arbitraries.ts';

test('upsampleBilinear: constants stay constant; a ramp is sampled at aligned pixel centres (align_corners = false)', () => {
  const flat = upsampleBilinear(new Float32Array(16).fill(0.7), 4, 16);
  assert.ok(flat.every((v) => Math.abs(v - 0.7) < 1e-6));
  const ramp = new Float32Array(32 * 32).map((_, i) => i % 32); // value = column index u
  const up = upsampleBilinear(ramp, 32, 128);
  // crop pixel X sits at map coordinate u = (X + 0.5) / 4 − 0.5 (clamped at the edges)
  for (const X of [0, 1, 2, 10, 63, 64, 100, 125, 126, 127]) {
    const u = Math.min(31, Math.max(0, (X + 0.5) / 4 - 0.5));
    assert.ok(Math.abs(up[50 * 128 + X] - u) < 1e-5, `X=${X}: ${up[50 * 128 + X]} vs ${u}`);
  }
  assert.throws(() => upsampleBilinear(new Float32Array(10), 4, 8), /map length=10 does not match 4×4/);
});

test('mask read-out: the 32² pseudo-mask of a crop-space mark gives that mark back within two mask pixels', () => {
  const to32 = resizePixelAffine(128, 32);
  fc.assert(fc.property(recistArb({ center: [52, 76], long: [40, 90] }), (r) => {
    const mask = pseudoMask(mapRecist(r, (p) => applyAffine(to32, p)), 32);
    const got = recistFromProbabilityMap(mask, 32, 128);
    if (!got) return false;
    const a = axisLengthsPx(got), b = axisLengthsPx(r);
    // one mask pixel = 4 crop pixels: the rasterized ellipse loses up to ~1.5 of them at the tips of a thin mark
    const lengthsOk = Math.abs(a.long - b.long) < 8 && Math.abs(a.short - b.short) < 8;
    // a near-circle's long axis may point anywhere: locations are only defined for elongated marks
    const elongated = b.short / b.long < 0.8;
    return lengthsOk && (!elongated || (segmentLocationDistance(got.long, r.long) < 8 && segmentLocationDistance(got.short, r.short) < 8));
  }), { numRuns: 200 });
});

test('mask read-out: keeps the central component, null when nothing is near the centre, threshold checked', () => {
  const m = new Float32Array(32 * 32);
  const disc = (cx: number, cy: number, rad: number) => {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) m[y * 32 + x] = 0.9;
  };
  disc(2, 2, 2); // a corner blob (another organ) …
  assert.equal(recistFromProbabilityMap(m, 32, 128), null, 'a blob outside the central half is not the lesion');
  disc(16, 15, 6); // … and the lesion in the middle
  const r = recistFromProbabilityMap(m, 32, 128);
  assert.ok(r);
  const mid = { x: (r.long[0].x + r.long[1].x) / 2, y: (r.long[0].y + r.long[1].y) / 2 };
  assert.ok(Math.hypot(mid.x - (16 * 4 + 1.5), mid.y - (15 * 4 + 1.5)) < 3, `centre ${JSON.stringify(mid)}`);
  assert.ok(Math.abs(axisLengthsPx(r).long - 13 * 4) < 6, `long ${axisLengthsPx(r).long}`);
  assert.equal(recistFromProbabilityMap(new Float32Array(1024), 32, 128), null);
  assert.throws(() => recistFromProbabilityMap(m, 32, 128, 1), /threshold=1/);
});

test('maskEntropy: 0 for a crisp mask, 1 for all-0.5, in between otherwise; clamps out-of-range values', () => {
  assert.equal(maskEntropy(new Float32Array([0, 1, 1, 0])), 0);
  assert.ok(Math.abs(maskEntropy(new Float32Array(16).fill(0.5)) - 1) < 1e-9);
  const soft = maskEntropy(new Float32Array([0.1, 0.9, 0.2, 0.8]));
  assert.ok(soft > 0.5 && soft < 0.8, String(soft));
  assert.equal(maskEntropy(new Float32Array([-0.2, 1.3])), 0);
  assert.throws(() => maskEntropy(new Float32Array(0)), /empty map/);
});

test('orientByBox: a round measurement turns to the box\'s longer side keeping centre and lengths; an elongated one stays', () => {
  const round = makeRecist({ x: 50, y: 40 }, 0.6, 20, 17); // ratio 0.85
  const tall = { x1: 30, y1: 10, x2: 70, y2: 80 };
  const r = orientByBox(round, tall, 0.7);
  assert.ok(Math.abs(r.long[0].x - 50) < 1e-9 && Math.abs(r.long[1].x - 50) < 1e-9, 'long axis vertical along the tall box');
  assert.ok(Math.abs(axisLengthsPx(r).long - 20) < 1e-9 && Math.abs(axisLengthsPx(r).short - 17) < 1e-9);
  assert.ok(Math.abs((r.short[0].y + r.short[1].y) / 2 - 40) < 1e-9, 'same midpoint');
  const wide = orientByBox(round, { x1: 0, y1: 20, x2: 90, y2: 60 }, 0.7);
  assert.ok(Math.abs(wide.long[0].y - 40) < 1e-9 && Math.abs(wide.long[1].y - 40) < 1e-9, 'horizontal along the wide box');
  const thin = makeRecist({ x: 50, y: 40 }, 0.6, 20, 8); // ratio 0.4: the mask's own orientation is kept
  assert.deepEqual(orientByBox(thin, tall, 0.7), thin);
});

test('orientByBox: a square box (sides within BOX_ORIENTATION_MIN_ASPECT) has no longer side, so even a round measurement keeps its own orientation', () => {
  const round = makeRecist({ x: 50, y: 40 }, 0.6, 20, 17);
  assert.deepEqual(orientByBox(round, { x1: 10, y1: 0, x2: 90, y2: 80 }, 0.7), round, 'square');
  const a = BOX_ORIENTATION_MIN_ASPECT;
  assert.deepEqual(orientByBox(round, { x1: 10, y1: 0, x2: 10 + 80 * a * 0.99, y2: 80 }, 0.7), round, 'just under the factor');
  const turned = orientByBox(round, { x1: 10, y1: 0, x2: 10 + 80 * a * 1.01, y2: 80 }, 0.7);
  assert.ok(Math.abs(turned.long[0].y - 40) < 1e-9 && Math.abs(turned.long[1].y - 40) < 1e-9, 'just over it: along the wider side');
});
