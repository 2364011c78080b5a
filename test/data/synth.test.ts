import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDeepLesionFolder } from '../../src/data/deeplesion.ts';
import { DL_INFO_COLUMNS, readDlInfo } from '../../src/data/deeplesion-csv.ts';
import { ANNOTATIONS_CSV } from '../../src/data/paths.ts';
import { createSizeSampler, fallbackSampler, FALLBACK_FIT, realGeometries, DEV_RANGE_BIAS } from '../../src/data/synth/distribution.ts';
import { generateCase, generateDataset } from '../../src/data/synth/generate.ts';
import { backgroundFromSlice, listBackgrounds } from '../../src/data/synth/placement.ts';
import { randomShape, rasterizeCoverage } from '../../src/data/synth/shape.ts';
import { parseSiteReader, readReadersCsv } from '../../src/data/synth/readers.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { createRng } from '../../src/geometry/random.ts';
import { axisLengthsPx } from '../../src/geometry/recist.ts';
import type { Point } from '../../src/geometry/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

/** A 256² "body" of uniform 80 HU liver-like tissue with 8 HU noise, surrounded by air. */
function phantom(seed = 1): CtSlice {
  const w = 256, h = 256, rng = createRng(seed);
  const hu = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const inside = (x - 128) ** 2 / 110 ** 2 + (y - 128) ** 2 / 100 ** 2 < 1;
    hu[y * w + x] = inside ? 80 + rng.normal(0, 8) : -1000 + rng.normal(0, 5);
  }
  return { width: w, height: h, hu, spacing: { x: 0.8, y: 0.8 }, window: null, source: 'phantom' };
}

const angleBetween = (a: readonly [Point, Point], b: readonly [Point, Point]): number => {
  const u = { x: a[1].x - a[0].x, y: a[1].y - a[0].y }, v = { x: b[1].x - b[0].x, y: b[1].y - b[0].y };
  return Math.acos(Math.abs(u.x * v.x + u.y * v.y) / Math.hypot(u.x, u.y) / Math.hypot(v.x, v.y));
};

test('ground truth: an ellipse lesion measures its drawn axes within ~1 px; endpoints on the mask; short ⟂ long', () => {
  const bg = backgroundFromSlice('phantom', phantom());
  const rng = createRng(7);
  for (let k = 0; k < 12; k++) {
    const longMm = rng.uniform(5, 30), ratio = rng.uniform(0.5, 0.95), angle = rng.uniform(-Math.PI / 2, Math.PI / 2);
    const c = generateCase(bg, rng, { geometry: { longMm, ratio, angle }, shape: { irregularity: 0, lobulationProb: 0 }, kind: 'hypo', context: 'parenchyma' });
    const { long, short } = axisLengthsPx(c.recist);
    const drawnLong = longMm / 0.8, drawnShort = drawnLong * ratio;
    assert.ok(Math.abs(long - drawnLong) <= 1.1, `case ${k}: long ${long.toFixed(2)} vs drawn ${drawnLong.toFixed(2)}`);
    assert.ok(Math.abs(short - drawnShort) <= 1.1, `case ${k}: short ${short.toFixed(2)} vs drawn ${drawnShort.toFixed(2)}`);
    assert.ok(long >= short);
    assert.ok(Math.abs(angleBetween(c.recist.long, c.recist.short) - Math.PI / 2) <= (4 * Math.PI) / 180, `case ${k}: not perpendicular`);
    // Endpoints lie on/in the mask: the nearest pixel (within half a pixel of the boundary) is lesion.
    for (const p of [...c.recist.long, ...c.recist.short]) {
      let hit = false;
      for (const [dx, dy] of [[0, 0], [0.5, 0], [-0.5, 0], [0, 0.5], [0, -0.5]]) {
        const x = Math.round(p.x + dx), y = Math.round(p.y + dy);
        if (c.mask[y * c.slice.width + x]) hit = true;
      }
      assert.ok(hit, `case ${k}: endpoint ${p.x.toFixed(2)},${p.y.toFixed(2)} off the mask`);
    }
  }
});

test('irregular shapes: coverage is in [0,1], its area matches the mask, and the outline is calibrated to the request', () => {
  const rng = createRng(3);
  for (let k = 0; k < 20; k++) {
    const L = rng.uniform(6, 40);
    const s = randomShape(rng, L, L * rng.uniform(0.5, 1), rng.uniform(0, Math.PI), 50, 50, { irregularity: 1.5, lobulationProb: 1 });
    const cov = rasterizeCoverage(s, 2);
    let area = 0;
    for (const v of cov.cov) { assert.ok(v >= 0 && v <= 1); area += v; }
    assert.ok(area > 0.4 * Math.PI * s.a * s.b && area < 1.6 * Math.PI * s.a * s.b * s.hMax ** 2);
  }
});

test('generated lesions are visible: mean HU inside vs a ring outside differ by ≥ 20 HU for non-iso kinds', () => {
  const bg = backgroundFromSlice('phantom', phantom(2));
  const rng = createRng(11);
  for (const kind of ['hypo', 'cyst', 'hyper', 'hetero'] as const) {
    for (let k = 0; k < 4; k++) {
      const c = generateCase(bg, rng, { kind, context: 'parenchyma', geometry: { longMm: rng.uniform(8, 25), ratio: 0.8, angle: 0 } });
      const { width, hu } = c.slice;
      const cx = (c.recist.long[0].x + c.recist.long[1].x) / 2, cy = (c.recist.long[0].y + c.recist.long[1].y) / 2;
      const R = axisLengthsPx(c.recist).long / 2;
      let si = 0, ni = 0, so = 0, no = 0;
      for (let y = Math.floor(cy - 2 * R - 4); y <= cy + 2 * R + 4; y++) for (let x = Math.floor(cx - 2 * R - 4); x <= cx + 2 * R + 4; x++) {
        const d = Math.hypot(x - cx, y - cy);
        const i = y * width + x;
        if (c.mask[i] && d < 0.4 * R) { si += hu[i]; ni++; }
        // The ring measures the surrounding tissue: air beyond the body outline is not the lesion's background.
        else if (!c.mask[i] && d > R + 4 && d < 2 * R + 4 && hu[i] > -500) { so += hu[i]; no++; }
      }
      const diff = si / ni - so / no;
      assert.ok(Math.abs(diff) >= 20, `${kind} #${k}: inside − ring = ${diff.toFixed(1)} HU`);
    }
  }
});

test('determinism: same seed and background give identical cases; the background is untouched', () => {
  const slice = phantom(4);
  const before = slice.hu.slice();
  const a = generateCase(backgroundFromSlice('p', slice), createRng(5), { sizeSampler: fallbackSampler() });
  const b = generateCase(backgroundFromSlice('p', slice), createRng(5), { sizeSampler: fallbackSampler() });
  assert.deepEqual(a.recist, b.recist);
  assert.deepEqual(a.slice.hu, b.slice.hu);
  assert.deepEqual(slice.hu, before);
});

test('fallback sizes follow the real distribution (median long diameter and axis ratio within 15%)', () => {
  const s = fallbackSampler();
  const rng = createRng(1);
  const xs = Array.from({ length: 500 }, () => s.sample(rng));
  const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
  const mL = med(xs.map((g) => g.longMm)), mR = med(xs.map((g) => g.ratio));
  assert.ok(Math.abs(mL / FALLBACK_FIT.medianLongMm - 1) < 0.15, `median long ${mL}`);
  assert.ok(Math.abs(mR / FALLBACK_FIT.medianRatio - 1) < 0.15, `median ratio ${mR}`);
});

test('real data: sampled and generated sizes follow DL_info_val_test.csv (medians within 15%); dev-range bias', (t) => {
  const dir = requireSharedData(t);
  if (!dir) return;
  const real = realGeometries(join(dir, ANNOTATIONS_CSV));
  const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
  const realL = med(real.map((g) => g.longMm)), realR = med(real.map((g) => g.ratio));
  const rng = createRng(2);
  const s = createSizeSampler(dir);
  assert.equal(s.kind, 'empirical');
  const xs = Array.from({ length: 500 }, () => s.sample(rng));
  assert.ok(Math.abs(med(xs.map((g) => g.longMm)) / realL - 1) < 0.15);
  assert.ok(Math.abs(med(xs.map((g) => g.ratio)) / realR - 1) < 0.15);
  // Generated lesions (measured on their masks, in mm) with the unbiased sampler.
  const bgs = listBackgrounds({ sharedDir: dir }).filter((b) => b.id.startsWith('dl/000062_01_01/0') && Number(b.id.slice(-2)) % 4 === 0);
  const gen = Array.from({ length: 120 }, () => {
    const c = generateCase(bgs[rng.int(bgs.length)], rng, { sizeSampler: s, context: 'parenchyma' });
    const { long, short } = axisLengthsPx(c.recist);
    return { longMm: long * c.spacing.x, ratio: short / long };
  });
  // Placement in homogeneous tissue under-represents the largest lesions; the median stays close.
  assert.ok(Math.abs(med(gen.map((g) => g.longMm)) / realL - 1) < 0.15, `generated median ${med(gen.map((g) => g.longMm))} vs ${realL}`);
  assert.ok(Math.abs(med(gen.map((g) => g.ratio)) / realR - 1) < 0.15);
  const biased = createSizeSampler(dir, { range: { ...DEV_RANGE_BIAS, weight: 1 } });
  const inRange = real.filter((g) => g.longMm >= 3 && g.longMm <= 28).map((g) => g.longMm);
  const bs = Array.from({ length: 500 }, () => biased.sample(rng).longMm);
  assert.ok(Math.max(...bs) <= 28 * 1.15 && Math.abs(med(bs) / med(inRange) - 1) < 0.15);
});

test('real data: generateDataset(n=20) writes a DeepLesion folder readable by openDeepLesionFolder/readDlInfo, deterministically', (t) => {
  const dir = requireSharedData(t);
  if (!dir) return;
  const tmp = mkdtempSync(join(tmpdir(), 'synth-'));
  try {
    const bgs = listBackgrounds({ sharedDir: dir }).filter((b) => /000062_01_01\/0(5[6-9]|6[0-3])|003663_01_03\/237|dicom\/dcmqi_ct3slice_abdomen_01|nema/.test(b.id));
    const a = generateDataset({ n: 20, seed: 9, backgrounds: bgs, readers: 3, outDir: join(tmp, 'a') });
    const b = generateDataset({ n: 20, seed: 9, backgrounds: bgs, readers: 3, outDir: join(tmp, 'b') });
    assert.equal(a.count, 20);
    assert.equal(readFileSync(join(tmp, 'a', 'DL_info.csv'), 'utf8'), readFileSync(join(tmp, 'b', 'DL_info.csv'), 'utf8'));
    assert.equal(readFileSync(join(tmp, 'a', 'readers.csv'), 'utf8'), readFileSync(join(tmp, 'b', 'readers.csv'), 'utf8'));
    const header = readFileSync(join(tmp, 'a', 'DL_info.csv'), 'utf8').split('\n')[0];
    assert.equal(header, DL_INFO_COLUMNS.join(','));
    const recs = readDlInfo(join(tmp, 'a', 'DL_info.csv'));
    assert.equal(recs.length, 20);
    assert.ok(new Set(recs.map((r) => r.patientIndex)).size < 20, 'several lesions per patient');
    const folder = openDeepLesionFolder(join(tmp, 'a'));
    for (const r of folder.records) {
      const s = folder.slice(r);
      const sb = openDeepLesionFolder(join(tmp, 'b')).slice(r);
      assert.deepEqual(s.hu, sb.hu);
      const [x1, y1, x2, y2] = [r.boundingBox.x1, r.boundingBox.y1, r.boundingBox.x2, r.boundingBox.y2];
      const pts = [...r.recist.long, ...r.recist.short];
      assert.ok(Math.abs(Math.min(...pts.map((p) => p.x)) - 5 - x1) < 1e-3 && Math.abs(Math.max(...pts.map((p) => p.y)) + 5 - y2) < 1e-3 && y1 < y2 && x1 < x2);
      assert.ok([1, 2, 3].includes(r.split));
    }
    // Splits are per patient.
    const splitOf = new Map<number, number>();
    for (const r of recs) { assert.equal(splitOf.get(r.patientIndex) ?? r.split, r.split); splitOf.set(r.patientIndex, r.split); }
    const marks = readReadersCsv(join(tmp, 'a', 'readers.csv'));
    assert.equal(marks.length, 60);
    assert.deepEqual(new Set(marks.map((m) => m.lesionId)), new Set(folder.records.map((r) => folder.lesionId(r))));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('real data: a site reader (--site-reader) adds reader "site" to readers.csv, lengths × its factors; images, DL_info and the other readers as without it', (t) => {
  const dir = requireSharedData(t);
  if (!dir) return;
  const tmp = mkdtempSync(join(tmpdir(), 'synth-site-'));
  try {
    const bgs = listBackgrounds({ sharedDir: dir }).filter((b) => /000062_01_01\/0(5[6-9]|6[0-3])|nema/.test(b.id));
    generateDataset({ n: 24, seed: 4, backgrounds: bgs, readers: 2, outDir: join(tmp, 'plain') });
    const summary = generateDataset({ n: 24, seed: 4, backgrounds: bgs, readers: 2, outDir: join(tmp, 'site'), siteReader: parseSiteReader('long=1.15,short=0.9') });
    assert.deepEqual(summary.readers, ['reader1', 'reader2', 'site']);
    assert.equal(readFileSync(join(tmp, 'site', 'DL_info.csv'), 'utf8'), readFileSync(join(tmp, 'plain', 'DL_info.csv'), 'utf8'));
    const plain = readReadersCsv(join(tmp, 'plain', 'readers.csv'));
    const marks = readReadersCsv(join(tmp, 'site', 'readers.csv'));
    assert.deepEqual(marks.filter((m) => m.reader !== 'site'), plain);
    const folder = openDeepLesionFolder(join(tmp, 'site'));
    const site = new Map(marks.filter((m) => m.reader === 'site').map((m) => [m.lesionId, m.recist]));
    assert.equal(site.size, 24);
    const logRatio = { long: [] as number[], short: [] as number[] };
    for (const r of folder.records) {
      const a = axisLengthsPx(r.recist), b = axisLengthsPx(site.get(folder.lesionId(r))!);
      logRatio.long.push(Math.log(b.long / a.long));
      logRatio.short.push(Math.log(b.short / a.short));
    }
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    // A typical reader's random errors: 4 % (long) and 7 % (short) log-std per lesion, plus endpoint noise.
    assert.ok(Math.abs(Math.exp(mean(logRatio.long)) - 1.15) < 0.04, `long ratio ${Math.exp(mean(logRatio.long))}`);
    assert.ok(Math.abs(Math.exp(mean(logRatio.short)) - 0.9) < 0.06, `short ratio ${Math.exp(mean(logRatio.short))}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('backgrounds: real dev slices carry exclusion boxes around their lesions, generated lesions avoid them and stay in the image', (t) => {
  const dir = requireSharedData(t);
  if (!dir) return;
  const bgs = listBackgrounds({ sharedDir: dir });
  const annotated = bgs.filter((b) => b.origin === 'deeplesion-dev');
  assert.ok(annotated.length >= 20 && annotated.every((b) => b.exclusions.length > 0));
  assert.ok(bgs.some((b) => b.origin === 'deeplesion-unannotated') && bgs.some((b) => b.origin === 'dicom'));
  const rng = createRng(4);
  for (const bg of annotated.slice(0, 4)) {
    for (let k = 0; k < 5; k++) {
      const c = generateCase(bg, rng);
      for (const p of [...c.recist.long, ...c.recist.short]) {
        assert.ok(p.x >= 0 && p.y >= 0 && p.x < c.slice.width && p.y < c.slice.height);
        for (const e of bg.exclusions) assert.ok(!(p.x > e.x1 && p.x < e.x2 && p.y > e.y1 && p.y < e.y2), `${bg.id}: lesion inside exclusion`);
      }
    }
  }
});

test('without shared data: the built-in NEMA chest slice is a background and cases generate from the fallback distribution', () => {
  const bgs = listBackgrounds({ sharedDir: null });
  assert.equal(bgs.length, 1);
  const rng = createRng(8);
  for (let k = 0; k < 5; k++) {
    const c = generateCase(bgs[0], rng, { sizeSampler: fallbackSampler() });
    assert.ok(axisLengthsPx(c.recist).long > 1);
  }
});
