import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { initBackend } from '../../src/model/backend/index.ts';
import { buildCascade } from '../../src/model/cascade.ts';
import { resolveConfig } from '../../src/model/config.ts';
import { measurerFromCascade } from '../../src/model/measurer.ts';
import { predictBoxesCsv, PRED_COLUMNS } from '../../src/cli/predict-csv.ts';
import { writePng16Hu } from '../../src/data/png16.ts';
import type { Measurer } from '../../src/model/measurer-types.ts';

let dir = '';
let measurer: Measurer;

before(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'recist-predict-'));
  const W = 96;
  const hu = new Float32Array(W * W).fill(40);
  for (let y = 40; y < 56; y++) for (let x = 36; x < 60; x++) hu[y * W + x] = -20;
  writePng16Hu(join(dir, 'slice.png'), { width: W, height: W, hu, spacing: null, window: null, source: 'test' });
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  copyFileSync(join(dir, 'slice.png'), join(dir, 'copy.png'));
  // Timing and decoding do not depend on trained weights: an untrained tiny cascade exercises the whole path.
  measurer = measurerFromCascade(buildCascade(resolveConfig({ preset: 'tiny' }), { seed: 3 }), { version: 'tiny-untrained' }, 'wasm');
});

after(() => {
  measurer.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('predict --boxes: good rows are predicted, each bad row gets its own error and the rest still run', async () => {
  const csv = join(dir, 'boxes.csv');
  writeFileSync(csv, [
    'image,x1,y1,x2,y2,note',
    'slice.png,30,34,66,62,good',
    'missing.png,30,34,66,62,missing file',
    'notes.txt,30,34,66,62,not CT',
    'slice.png,200,200,240,240,outside',
    'slice.png,30,34,30.5,62,tiny',
    'slice.png,30,abc,66,62,not a number',
    'copy.png,20,20,80,80,good 2',
  ].join('\n'));
  const { csv: out, failed, total } = await predictBoxesCsv(measurer, csv);
  assert.equal(total, 7);
  assert.equal(failed, 5);
  const rows = parse(out, { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]).slice(0, 6), ['image', 'x1', 'y1', 'x2', 'y2', 'note']);
  for (const c of PRED_COLUMNS) assert.ok(c in rows[0], `column ${c}`);
  for (const i of [0, 6]) {
    assert.equal(rows[i].error, '');
    for (const c of PRED_COLUMNS.filter((k) => k !== 'readout')) assert.ok(Number.isFinite(Number(rows[i][c])), `row ${i + 1} ${c}=${rows[i][c]}`);
    assert.ok(Number(rows[i].long_px) >= Number(rows[i].short_px));
    assert.ok(Number(rows[i].entropy) >= 0 && Number(rows[i].entropy) <= 1);
    assert.ok(['mask', 'heatmaps'].includes(rows[i].readout), rows[i].readout);
  }
  assert.match(rows[1].error, /row 2.*missing\.png/);
  assert.match(rows[2].error, /row 3.*notes\.txt/);
  assert.match(rows[3].error, /row 4/);
  assert.match(rows[4].error, /row 5/);
  assert.match(rows[5].error, /row 6: field y1 is "abc", not a number/);
});

test('predict --boxes: a CSV without the required columns is refused naming them', async () => {
  const csv = join(dir, 'bad.csv');
  writeFileSync(csv, 'file,x1,y1\nslice.png,1,2\n');
  await assert.rejects(predictBoxesCsv(measurer, csv), /missing column\(s\) image, x2, y2/);
});
