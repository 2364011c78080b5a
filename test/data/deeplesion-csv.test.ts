import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDlInfo, parseDlInfo, readDlInfo, writeDlInfo } from '../../src/data/deeplesion-csv.ts';
import { ANNOTATIONS_CSV, DEV_SUBDIR } from '../../src/data/paths.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const HEADER =
  'File_name,Patient_index,Study_index,Series_ID,Key_slice_index,Measurement_coordinates,Bounding_boxes,Lesion_diameters_Pixel_,Normalized_lesion_location,Coarse_lesion_type,Possibly_noisy,Slice_range,Spacing_mm_px_,Image_size,DICOM_windows,Patient_gender,Patient_age,Train_Val_Test';
const ROW =
  '002648_01_01_061.png,2648,1,1,61,"135.339, 246.541, 136.92, 263.405, 129.542, 252.865, 141.137, 251.778","124.542, 241.541, 146.137, 268.405","16.9386, 11.6453","0.229634, 0.523315, 0.656443",4,0,"55, 67","0.898438, 0.898438, 5","512, 512","-175, 275",F,55,2';

test('parses one row into all typed fields', () => {
  const [r] = parseDlInfo(`${HEADER}\n${ROW}\n`, 'DL_info.csv');
  assert.equal(r.row, 1);
  assert.equal(r.fileName, '002648_01_01_061.png');
  assert.deepEqual([r.patientIndex, r.studyIndex, r.seriesId, r.keySliceIndex], [2648, 1, 1, 61]);
  assert.deepEqual(r.recist.long, [{ x: 135.339, y: 246.541 }, { x: 136.92, y: 263.405 }]);
  assert.deepEqual(r.recist.short, [{ x: 129.542, y: 252.865 }, { x: 141.137, y: 251.778 }]);
  assert.deepEqual(r.boundingBox, { x1: 124.542, y1: 241.541, x2: 146.137, y2: 268.405 });
  assert.deepEqual(r.diametersPx, [16.9386, 11.6453]);
  assert.deepEqual(r.normalizedLocation, [0.229634, 0.523315, 0.656443]);
  assert.equal(r.lesionType, 4);
  assert.equal(r.possiblyNoisy, false);
  assert.deepEqual(r.sliceRange, [55, 67]);
  assert.deepEqual(r.spacing, { x: 0.898438, y: 0.898438, z: 5 });
  assert.deepEqual(r.imageSize, [512, 512]);
  assert.deepEqual(r.dicomWindow, [-175, 275]);
  assert.equal(r.gender, 'F');
  assert.equal(r.age, 55);
  assert.equal(r.split, 2);
});

test('age NaN or empty becomes null and writes back as NaN', () => {
  const nanRow = ROW.replace(/,F,55,2$/, ',F,NaN,2');
  const emptyRow = ROW.replace(/,F,55,2$/, ',F,,2');
  const recs = parseDlInfo(`${HEADER}\n${nanRow}\n${emptyRow}\n`, 'x.csv');
  assert.equal(recs[0].age, null);
  assert.equal(recs[1].age, null);
  assert.match(formatDlInfo(recs), /,F,NaN,2\n/);
});

test('missing column names the column', () => {
  const header = HEADER.replace(',Spacing_mm_px_', '');
  const row = ROW.replace(',"0.898438, 0.898438, 5"', '');
  assert.throws(() => parseDlInfo(`${header}\n${row}\n`, 'DL_info.csv'), /DL_info\.csv: header is missing column Spacing_mm_px_/);
});

test('wrong number counts name row and field', () => {
  const bad = ROW.replace('"135.339, 246.541, 136.92, 263.405, 129.542, 252.865, 141.137, 251.778"', '"1, 2, 3, 4, 5, 6"');
  assert.throws(
    () => parseDlInfo(`${HEADER}\n${ROW}\n${bad}\n`, 'DL_info.csv'),
    /DL_info\.csv row 2: field Measurement_coordinates has 6 numbers, expected 8/,
  );
  const badBox = ROW.replace('"124.542, 241.541, 146.137, 268.405"', '"124.542, 241.541, 146.137"');
  assert.throws(() => parseDlInfo(`${HEADER}\n${badBox}\n`, 'f.csv'), /f\.csv row 1: field Bounding_boxes has 3 numbers, expected 4/);
  const badSpacing = ROW.replace('"0.898438, 0.898438, 5"', '"0.898438, abc, 5"');
  assert.throws(() => parseDlInfo(`${HEADER}\n${badSpacing}\n`, 'f.csv'), /f\.csv row 1: field Spacing_mm_px_ has a non-numeric value "abc"/);
  const badNoisy = ROW.replace(',4,0,', ',4,2,');
  assert.throws(() => parseDlInfo(`${HEADER}\n${badNoisy}\n`, 'f.csv'), /f\.csv row 1: field Possibly_noisy is not 0 or 1 \("2"\)/);
  const short = ROW.replace(/,2$/, '');
  assert.throws(() => parseDlInfo(`${HEADER}\n${short}\n`, 'f.csv'), /f\.csv row 1: has 17 fields, expected 18/);
});

test('write → read round trip (atomic write under tmpdir)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlcsv-'));
  try {
    const recs = parseDlInfo(`${HEADER}\n${ROW}\n${ROW.replace(',F,55,2', ',M,NaN,3')}\n`, 'x.csv');
    const path = join(dir, 'DL_info.csv');
    writeDlInfo(path, recs);
    assert.deepEqual(readDlInfo(path), recs);
    assert.equal(readFileSync(path, 'utf8').split('\n')[0], HEADER);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real: dev DL_info.csv (24 rows) and the 9,742-row val/test annotations parse completely and round-trip', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const dev = readDlInfo(join(root, DEV_SUBDIR, 'DL_info.csv'));
  assert.equal(dev.length, 24);
  const all = readDlInfo(join(root, ANNOTATIONS_CSV));
  assert.equal(all.length, 9742);
  // DL_info.csv rounds to 6 significant digits, so endpoints agree with the diameters to ~1.4e-3 px here.
  for (const r of all) {
    const [a, b] = r.recist.long;
    const [c, d] = r.recist.short;
    assert.ok(Math.abs(Math.hypot(a.x - b.x, a.y - b.y) - r.diametersPx[0]) < 2e-3, `row ${r.row} long`);
    assert.ok(Math.abs(Math.hypot(c.x - d.x, c.y - d.y) - r.diametersPx[1]) < 2e-3, `row ${r.row} short`);
    assert.ok([2, 3].includes(r.split));
  }
  assert.deepEqual(parseDlInfo(formatDlInfo(all), 'rt.csv'), all);
});
