import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { predictBoxesCsv, predictImage, predictionOf, PRED_COLUMNS } from '../../src/cli/predict-csv.ts';
import { readImage } from '../../src/data/image.ts';
import { writePng16Hu } from '../../src/data/png16.ts';
import type { Measurer, Proposal } from '../../src/model/measurer-types.ts';
import type { Recist } from '../../src/geometry/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const DICOM = 'dicom/pydicom_CT_small_128x128.dcm';
const NUMBER_FIELDS = PRED_COLUMNS.filter((c) => c !== 'readout' && c !== 'long_mm' && c !== 'short_mm');

let dir = '';
let measurer: Measurer;

/** Marks with known lengths: long (10, 20)–(40, 60) is 50 px, short (30, 30)–(22, 36) 10 px. */
const MARKS: Recist = { long: [{ x: 10, y: 20 }, { x: 40, y: 60 }], short: [{ x: 30, y: 30 }, { x: 22, y: 36 }] };

/** A measurer that proposes MARKS for any box, so that lengths and units can be checked exactly (the real model runs in
 * the command-line test below). */
function fixedMeasurer(): Measurer {
  const proposal = (): Proposal => ({
    recist: MARKS, readout: 'mask+classical', entropy: 0.123456, entropies: null,
    theta: { tx: 0, ty: 0, alpha: 0, s: 0.5 }, crop: { x0: 0, y0: 0, side: 128, size: 128 },
    modelVersion: 'fixed-marks', backend: 'test', ms: 1.4,
  });
  return {
    modelVersion: 'fixed-marks', backend: 'test',
    measure: async () => proposal(),
    measureBatch: async (items) => items.map(proposal),
    dispose: () => {},
  };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'recist-predict-json-'));
  measurer = fixedMeasurer();
});

after(() => {
  measurer.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function assertMmFromSpacing(json: Record<string, unknown>, spacing: { x: number; y: number }): void {
  // mm length = the axis's pixel offsets scaled by the spacing along x and y (3-decimal rounding of each figure).
  const mm = (x1: number, y1: number, x2: number, y2: number) => Math.hypot((x2 - x1) * spacing.x, (y2 - y1) * spacing.y);
  const n = (k: string) => json[k] as number;
  assert.ok(Math.abs(n('long_mm') - mm(n('long_x1'), n('long_y1'), n('long_x2'), n('long_y2'))) < 0.01, `long_mm ${n('long_mm')}`);
  assert.ok(Math.abs(n('short_mm') - mm(n('short_x1'), n('short_y1'), n('short_x2'), n('short_y2'))) < 0.01, `short_mm ${n('short_mm')}`);
}

test('predict JSON on a DICOM with spacing: numbers as numbers, mm lengths from the pixel spacing', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const path = join(shared, DICOM);
  const spacing = readImage(path).spacing;
  assert.ok(spacing && spacing.x > 0.5 && spacing.x < 0.8, `spacing of ${DICOM}: ${JSON.stringify(spacing)}`);
  const json = JSON.parse(JSON.stringify(await predictImage(measurer, path, '40,40,80,80'))) as Record<string, unknown>;
  for (const k of NUMBER_FIELDS) assert.equal(typeof json[k], 'number', `${k} = ${JSON.stringify(json[k])}`);
  for (const k of ['long_mm', 'short_mm', 'ms']) assert.equal(typeof json[k], 'number', `${k} = ${JSON.stringify(json[k])}`);
  assert.deepEqual(json.box, { x1: 40, y1: 40, x2: 80, y2: 80 });
  assert.deepEqual(json.spacing, { x: spacing.x, y: spacing.y });
  assert.equal(json.backend, 'test');
  assert.equal(json.modelVersion, 'fixed-marks');
  assert.equal(json.readout, 'mask+classical');
  assert.equal(json.entropy, 0.1235);
  assert.equal(json.long_x2, 40);
  assert.equal(json.long_px, 50);
  assert.equal(json.short_px, 10);
  // The spacing is isotropic here (0.661468 mm/px), so mm = px × spacing, rounded to 1/1000 mm.
  assert.equal(json.long_mm, Math.round(50 * spacing.x * 1000) / 1000);
  assert.equal(json.short_mm, Math.round(10 * spacing.x * 1000) / 1000);
  assertMmFromSpacing(json, spacing);
});

test('predict JSON and CSV on an image without spacing: mm lengths null in JSON, empty in the CSV', async () => {
  const W = 96;
  const hu = new Float32Array(W * W).fill(40);
  writePng16Hu(join(dir, 'slice.png'), { width: W, height: W, hu, spacing: null, window: null, source: 'test' });
  const json = await predictImage(measurer, join(dir, 'slice.png'), '30,34,66,62');
  assert.equal(json.long_mm, null);
  assert.equal(json.short_mm, null);
  assert.equal(json.spacing, null);
  assert.equal(json.long_px, 50);
  writeFileSync(join(dir, 'boxes.csv'), 'image,x1,y1,x2,y2\nslice.png,30,34,66,62\n');
  const { csv } = await predictBoxesCsv(measurer, join(dir, 'boxes.csv'));
  const [row] = parse(csv, { columns: true }) as Record<string, string>[];
  assert.equal(row.long_mm, '');
  assert.equal(row.short_mm, '');
  assert.equal(Number(row.long_px), json.long_px);
});

test('predict CSV on a DICOM with spacing: the old columns in their order, then long_mm and short_mm', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  writeFileSync(join(dir, 'dicom-boxes.csv'), `image,x1,y1,x2,y2\n${join(shared, DICOM)},40,40,80,80\n`);
  const { csv, failed } = await predictBoxesCsv(measurer, join(dir, 'dicom-boxes.csv'));
  assert.equal(failed, 0);
  const header = csv.split('\n')[0].split(',');
  assert.deepEqual(header, ['image', 'x1', 'y1', 'x2', 'y2',
    'long_x1', 'long_y1', 'long_x2', 'long_y2', 'short_x1', 'short_y1', 'short_x2', 'short_y2', 'long_px', 'short_px', 'entropy', 'readout',
    'long_mm', 'short_mm', 'error']);
  const [row] = parse(csv, { columns: true }) as Record<string, string>[];
  const json = await predictImage(measurer, join(shared, DICOM), '40,40,80,80');
  assert.equal(Number(row.long_mm), json.long_mm);
  assert.equal(Number(row.short_mm), json.short_mm);
});

test('predictionOf: mm lengths use the spacing along x and y separately', async () => {
  const slice = { width: 64, height: 64, hu: new Float32Array(64 * 64), spacing: { x: 0.5, y: 1.25 }, window: null, source: 'test' };
  const pred = predictionOf(await measurer.measure(slice, { x1: 0, y1: 0, x2: 10, y2: 10 }), slice);
  assert.equal(pred.long_mm, Math.round(Math.hypot(30 * 0.5, 40 * 1.25) * 1000) / 1000);
  assert.equal(pred.short_mm, Math.round(Math.hypot(8 * 0.5, 6 * 1.25) * 1000) / 1000);
  assert.equal(pred.long_px, 50);
});

test('predict --box with a wrong number of values is refused naming the option and the value', async () => {
  await assert.rejects(predictImage(measurer, join(dir, 'slice.png'), '1,2,3'), /--box is "1,2,3": expected 4 numbers/);
  await assert.rejects(predictImage(measurer, join(dir, 'slice.png'), '1,2,x,4'), /field x2 is "x", not a number/);
});

test('recist predict --image DICOM --box: stdout is JSON with numbers, mm lengths, backend and model version', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'predict', '--image', join(shared, DICOM), '--box', '40,40,80,80', '--backend', 'wasm'],
    { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of [...NUMBER_FIELDS, 'long_mm', 'short_mm', 'ms']) assert.equal(typeof json[k], 'number', `${k} = ${JSON.stringify(json[k])}`);
  assert.equal(json.backend, 'wasm');
  assert.equal(typeof json.modelVersion, 'string');
  assert.ok((json.modelVersion as string).length > 0);
  assert.match(r.stderr, new RegExp(`model ${json.modelVersion as string} on wasm`));
  assertMmFromSpacing(json, json.spacing as { x: number; y: number });
  assert.ok((json.long_mm as number) > 0 && (json.long_mm as number) >= (json.short_mm as number));
});
