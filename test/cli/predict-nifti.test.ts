import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { predictBoxesCsv, predictImage } from '../../src/cli/predict-csv.ts';
import type { Measurer, Proposal } from '../../src/model/measurer-types.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';

/** A measurer that records the slice it was given and proposes a cross through its brightest pixel. */
function recordingMeasurer(seen: CtSlice[]): Measurer {
  const measure = async (slice: CtSlice): Promise<Proposal> => {
    seen.push(slice);
    let best = 0;
    slice.hu.forEach((v, i) => { if (v > slice.hu[best]) best = i; });
    const x = best % slice.width, y = Math.floor(best / slice.width);
    return {
      recist: { long: [{ x: x - 2, y }, { x: x + 2, y }], short: [{ x, y: y - 1 }, { x, y: y + 1 }] }, readout: 'mask', entropy: 0.1, entropies: null,
      theta: { tx: 0, ty: 0, alpha: 0, s: 0.5 }, crop: { x0: 0, y0: 0, side: 128, size: 128 }, modelVersion: 'rec', backend: 'test', ms: 1,
    };
  };
  return { modelVersion: 'rec', backend: 'test', measure, measureBatch: async (items) => Promise.all(items.map((i) => measure(i.slice))), dispose: () => {} };
}

test('predict on NIfTI: --slice and the slice column pick the axial slice; a volume without one, or a bad slice, is a row error naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'predict-nifti-'));
  try {
    // 20×20×3: slice z has its bright voxel at (5 + 5z, 10); display layout (i → left, j → posterior).
    const values = Array.from({ length: 1200 }, (_, i) => { const z = Math.floor(i / 400), x = i % 20, y = Math.floor(i / 20) % 20; return x === 5 + 5 * z && y === 10 ? 500 : -800; });
    writeFileSync(join(dir, 'v.nii.gz'), niftiBytes({ dims: [20, 20, 3], values, pixdim: [0.5, 0.5, 2], sform: [[-0.5, 0, 0, 0], [0, -0.5, 0, 0], [0, 0, 2, 0]], gzip: true }));
    const seen: CtSlice[] = [];
    const one = await predictImage(recordingMeasurer(seen), join(dir, 'v.nii.gz'), '2,2,18,18', '2');
    assert.equal(one.long_x1, 13);
    assert.equal(one.long_mm, 2, '4 px at 0.5 mm');
    writeFileSync(join(dir, 'boxes.csv'), 'image,slice,x1,y1,x2,y2\nv.nii.gz,0,2,2,18,18\nv.nii.gz,1,2,2,18,18\nv.nii.gz,,2,2,18,18\nv.nii.gz,7,2,2,18,18\n');
    const { csv, failed } = await predictBoxesCsv(recordingMeasurer(seen), join(dir, 'boxes.csv'));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    assert.deepEqual(rows.slice(0, 2).map((r) => Number(r.long_x1) + 2), [5, 10]);
    assert.equal(failed, 2);
    assert.match(rows[2].error, /v\.nii\.gz: a NIfTI volume of 3 slices: say which one/);
    assert.match(rows[3].error, /slice 7 is outside 0\.\.2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recist boxes on a mask folder writes image,slice,box rows that predict --boxes reads back on the key slices', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'boxes-nifti-'));
  try {
    const { mkdirSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    mkdirSync(join(dir, 'm', 'image'), { recursive: true });
    mkdirSync(join(dir, 'm', 'nodule_mask'));
    // The nodule is on slice 2 only: a 6×4 block.
    const mask = Array.from({ length: 30 * 30 * 3 }, (_, i) => { const z = Math.floor(i / 900), x = i % 30, y = Math.floor(i / 30) % 30; return z === 2 && x >= 10 && x < 16 && y >= 12 && y < 16 ? 1 : 0; });
    writeFileSync(join(dir, 'm', 'image', 'P_R_1.nii.gz'), niftiBytes({ dims: [30, 30, 3], values: mask.map((m) => (m ? 40 : -800)), pixdim: [0.7, 0.7, 1], gzip: true }));
    writeFileSync(join(dir, 'm', 'nodule_mask', 'P_R_1.nii.gz'), niftiBytes({ dims: [30, 30, 3], values: mask, datatype: 'uint8', pixdim: [0.7, 0.7, 1], gzip: true }));
    const out = join(dir, 'boxes.csv');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'boxes', '--data', join(dir, 'm'), '--seed', '0', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = parse((await import('node:fs')).readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0].slice, '2');
    const seen: CtSlice[] = [];
    const { failed } = await predictBoxesCsv(recordingMeasurer(seen), out);
    assert.equal(failed, 0);
    assert.equal(seen[0].hu.filter((v) => v === 40).length, 24, 'predicted on the key slice');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
