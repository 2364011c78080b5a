import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDlInfo } from '../../src/data/deeplesion-csv.ts';
import {
  deepLesionSliceLocation, LruCache, openDeepLesionFolder, readDeepLesionSlice, recordLengths, recordWindow,
} from '../../src/data/deeplesion.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import { writePng16Hu } from '../../src/data/png16.ts';
import { LESION_TYPE_NAMES, type LesionRecord } from '../../src/data/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

/** HU sampled at n+1 evenly spaced points along a segment (nearest pixel). */
function huAlong(hu: Float32Array, width: number, a: { x: number; y: number }, b: { x: number; y: number }, n = 64): number[] {
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(hu[Math.round(a.y + ((b.y - a.y) * i) / n) * width + Math.round(a.x + ((b.x - a.x) * i) / n)]);
  return out;
}
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];

test('File_name → Images_png/<series>/<slice>.png; bad names are named', () => {
  const loc = deepLesionSliceLocation('/d', '002648_01_01_061.png');
  assert.deepEqual(loc, { series: '002648_01_01', index: 61, path: join('/d', 'Images_png', '002648_01_01', '061.png') });
  assert.throws(() => deepLesionSliceLocation('/d', 'foo.png'), /\/d: File_name "foo\.png" is not/);
});

test('LRU cache evicts the least recently used entry', () => {
  const c = new LruCache<string, number>(2);
  let made = 0;
  const get = (k: string): number => c.get(k, () => ++made);
  get('a'); get('b'); get('a'); get('c');
  assert.equal(c.size, 2);
  assert.equal(get('a'), 1);
  assert.equal(get('b'), 4);
});

test('real: every dev lesion loads; endpoints match diameters; mm use the row spacing; HU plausible', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const folder = openDeepLesionFolder(join(root, DEV_SUBDIR));
  assert.equal(folder.records.length, 24);
  const ids = new Set(folder.records.map((r) => folder.lesionId(r)));
  assert.equal(ids.size, 24);
  assert.ok(ids.has('002648_01_01_061#2'));
  let worst = 0;
  for (const r of folder.records) {
    const s = folder.slice(r);
    const where = `row ${r.row} ${r.fileName}`;
    assert.equal(s.width, r.imageSize[0], where);
    assert.equal(s.height, r.imageSize[1], where);
    assert.deepEqual(s.spacing, { x: r.spacing.x, y: r.spacing.y }, where);
    assert.deepEqual(s.window, recordWindow(r), where);
    const L = recordLengths(r);
    // Coordinates are stored to 6 significant digits, so distances agree with the stored diameters to < 1e-3 px.
    worst = Math.max(worst, Math.abs(L.longPx - r.diametersPx[0]), Math.abs(L.shortPx - r.diametersPx[1]));
    assert.ok(Math.abs(L.longPx - r.diametersPx[0]) < 1e-3, `${where}: long ${L.longPx} vs ${r.diametersPx[0]}`);
    assert.ok(Math.abs(L.shortPx - r.diametersPx[1]) < 1e-3, `${where}: short ${L.shortPx} vs ${r.diametersPx[1]}`);
    assert.ok(Math.abs(L.longMm - L.longPx * r.spacing.x) < 1e-9 * L.longMm + 1e-9, `${where}: isotropic spacing → mm = px · spacing`);
    const med = median(huAlong(s.hu, s.width, r.recist.long[0], r.recist.long[1]));
    assert.ok(med >= -1000 && med <= 1500, `${where}: median HU ${med}`);
    if (LESION_TYPE_NAMES[r.lesionType] !== 'lung') assert.ok(med >= -160 && med <= 240, `${where}: ${LESION_TYPE_NAMES[r.lesionType]} median HU ${med} outside soft tissue`);
  }
  assert.ok(worst < 1e-3, `worst ${worst}`);
});

test('real: neighbours returns present adjacent slice files of the series, nearest first per side', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const folder = openDeepLesionFolder(join(root, DEV_SUBDIR));
  const r = folder.records.find((x) => x.fileName === '003599_01_01_260.png') as LesionRecord;
  assert.deepEqual(folder.seriesIndices(r), [247, 260, 270]);
  const n = folder.neighbours(r, 1);
  assert.deepEqual(n.map((s) => s.source.slice(-7)), ['247.png', '270.png']);
  assert.deepEqual(n[0].spacing, { x: r.spacing.x, y: r.spacing.y });
  assert.equal(folder.neighbours(r, 0).length, 0);
  const single = folder.records.find((x) => x.fileName === '000078_01_01_124.png') as LesionRecord;
  assert.equal(folder.neighbours(single, 3).length, 0);
  assert.throws(() => folder.neighbours(r, -1), /k = -1/);
  assert.equal(readDeepLesionSlice(join(root, DEV_SUBDIR), '000062_01_01_070.png').width, 512);
});

test('a folder with a record whose image is missing or mis-sized names the row and file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlfolder-'));
  try {
    const base: LesionRecord = {
      row: 1, fileName: '000001_01_01_010.png', patientIndex: 1, studyIndex: 1, seriesId: 1, keySliceIndex: 10,
      recist: { long: [{ x: 2, y: 2 }, { x: 6, y: 2 }], short: [{ x: 4, y: 1 }, { x: 4, y: 3 }] },
      boundingBox: { x1: 0, y1: 0, x2: 7, y2: 7 }, diametersPx: [4, 2], normalizedLocation: [0.5, 0.5, 0.5],
      lesionType: 4, possiblyNoisy: false, sliceRange: [5, 15], spacing: { x: 0.5, y: 0.8, z: 5 }, imageSize: [8, 8],
      dicomWindow: [-175, 275], gender: 'F', age: null, split: 2,
    };
    const other = { ...base, row: 2, fileName: '000001_01_01_011.png', keySliceIndex: 11 };
    writeFileSync(join(dir, 'DL_info.csv'), formatDlInfo([base, other]));
    mkdirSync(join(dir, 'Images_png', '000001_01_01'), { recursive: true });
    writePng16Hu(join(dir, 'Images_png', '000001_01_01', '010.png'), { width: 9, height: 8, hu: new Float32Array(72), spacing: null, window: null, source: 't' });
    const f = openDeepLesionFolder(dir);
    assert.throws(() => f.slice(f.records[0]), /DL_info\.csv row 1: Image_size is 8x8 but .*010\.png is 9x8/);
    assert.throws(() => f.slice(f.records[1]), /DL_info\.csv row 2: image .*011\.png for File_name 000001_01_01_011\.png not found/);
    assert.equal(f.hasImage(f.records[1]), false);
    const L = recordLengths(f.records[0]);
    assert.equal(L.longMm, 2);
    assert.ok(Math.abs(L.shortMm - 1.6) < 1e-12);
    assert.throws(() => openDeepLesionFolder(join(dir, 'Images_png')), /not a DeepLesion folder \(no DL_info\.csv\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
