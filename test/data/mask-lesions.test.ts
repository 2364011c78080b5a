import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectedComponents3d, listMaskCases, openMaskFolder, patientOf } from '../../src/data/mask-lesions.ts';
import { axisLengthsPx } from '../../src/geometry/recist.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const W = 24, H = 20, D = 5;
const display = [[-0.7, 0, 0, 0], [0, -0.7, 0, 0], [0, 0, 2, 0]] as const;

/** Two blobs: A, a disc of radius growing to 5 px at slice 1; B, a 7×3 bar only on slices 3–4, longest (9×3) at slice 4. */
function twoLesionMask(): number[] {
  const v = Array(W * H * D).fill(0);
  const set = (x: number, y: number, z: number) => { v[(z * H + y) * W + x] = 1; };
  [3, 5, 2].forEach((r, z) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - 6) ** 2 + (y - 7) ** 2 <= r * r) set(x, y, z);
  });
  for (let x = 12; x < 19; x++) for (let y = 14; y < 17; y++) set(x, y, 3);
  for (let x = 11; x < 20; x++) for (let y = 14; y < 17; y++) set(x, y, 4);
  return v;
}

function writeFolder(layout: 'image' | 'decathlon'): string {
  const dir = mkdtempSync(join(tmpdir(), 'maskfolder-'));
  const [imgDir, maskDir, imgName] = layout === 'image' ? ['image', 'nodule_mask', 'P1_R_1.nii.gz'] : ['imagesTr', 'labelsTr', 'P1_R_1_0000.nii.gz'];
  mkdirSync(join(dir, imgDir));
  mkdirSync(join(dir, maskDir));
  const ct = twoLesionMask().map((m) => (m ? 40 : -800));
  writeFileSync(join(dir, imgDir, imgName), niftiBytes({ dims: [W, H, D], values: ct, sform: display, pixdim: [0.7, 0.7, 2], gzip: true }));
  writeFileSync(join(dir, maskDir, 'P1_R_1.nii.gz'), niftiBytes({ dims: [W, H, D], values: twoLesionMask(), datatype: 'uint8', sform: display, pixdim: [0.7, 0.7, 2], gzip: true }));
  return dir;
}

test('a mask with two components gives two lesions with the right key slices and strict lengths (both layouts)', () => {
  for (const layout of ['image', 'decathlon'] as const) {
    const folder = openMaskFolder(writeFolder(layout));
    assert.deepEqual(folder.errors, []);
    assert.equal(folder.lesions.length, 2, layout);
    const [a, b] = folder.lesions;
    assert.equal(a.patientId, 'P1');
    assert.equal(a.slice, 1, 'disc A is widest on slice 1');
    assert.equal(b.slice, 4, 'bar B is longest on slice 4');
    // Bar B on slice 4: 9 × 3 pixels → diagonal corner to corner √(81 + 9) px.
    assert.ok(Math.abs(axisLengthsPx(b.recist).long - Math.hypot(9, 3)) < 0.5);
    assert.ok(Math.abs(b.longMm - 0.7 * Math.hypot(9, 3)) < 1e-4);
    // Disc A of radius 5: 11 pixels across, long axis between 11 and 11·√2.
    const la = axisLengthsPx(a.recist).long;
    assert.ok(la >= 11 && la < 12.5, `disc long axis ${la}`);
    const { slice, mask } = folder.lesionSlice(b);
    assert.equal(slice.width, W);
    assert.equal(mask.reduce((s, m) => s + m, 0), 27);
    assert.equal(slice.hu[15 * W + 15], 40);
  }
});

test('a mask whose grid differs from its image is reported by file; the other cases still load', () => {
  const dir = writeFolder('image');
  writeFileSync(join(dir, 'image', 'P2_R_1.nii.gz'), niftiBytes({ dims: [W, H, D], values: Array(W * H * D).fill(0), sform: display, pixdim: [0.7, 0.7, 2] }));
  writeFileSync(join(dir, 'nodule_mask', 'P2_R_1.nii.gz'), niftiBytes({ dims: [W, H, 2], values: Array(W * H * 2).fill(1), datatype: 'uint8', sform: display, pixdim: [0.7, 0.7, 2] }));
  const folder = openMaskFolder(dir);
  assert.equal(folder.lesions.length, 2);
  assert.equal(folder.errors.length, 1);
  assert.match(folder.errors[0].error, /P2_R_1\.nii\.gz: mask grid 24×20×2 differs from its image's 24×20×5/);
});

test('components are 26-connected; patients come from LIDC names', () => {
  const v = new Uint8Array(27);
  v[0] = 1; v[13] = 1; v[26] = 1; // a diagonal through the cube
  assert.equal(connectedComponents3d(v, 3, 3, 3).count, 1);
  v[13] = 0;
  assert.equal(connectedComponents3d(v, 3, 3, 3).count, 2);
  assert.equal(patientOf('LIDC-IDRI-0001_R_12'), 'LIDC-IDRI-0001');
  assert.equal(patientOf('case_007'), 'case_007');
});

test('LIDC nodules: one lesion per nodule at least 4.7 mm long, every case listed with its mask', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(shared, 'lidc-nodules');
  const cases = listMaskCases(dir);
  assert.equal(cases.length, 786);
  assert.ok(cases.every((c) => c.maskPath));
  const folder = openMaskFolder(dir, { cases: (c) => c.name < 'LIDC-IDRI-0100' });
  assert.deepEqual(folder.errors, []);
  const caseNames = new Set(folder.lesions.map((l) => l.caseName));
  assert.equal(caseNames.size, folder.cases.length, 'every nodule gives a lesion');
  for (const l of folder.lesions) {
    assert.ok(l.longMm >= 3 && l.longMm < 80, `${l.id}: ${l.longMm} mm`);
    assert.ok(l.shortMm > 0 && l.shortMm <= l.longMm + 1e-9);
  }
  assert.ok(Math.min(...folder.lesions.map((l) => l.longMm)) >= 4.7 - 0.05);
});
