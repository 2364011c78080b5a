import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSameGrid, parseNifti, readNifti, volumeSlice } from '../../src/data/nifti.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

// A 3×2×2 volume whose value encodes its stored index (i + 3j + 6k).
const dims = [3, 2, 2];
const values = Array.from({ length: 12 }, (_, i) => i);

test('gzip and uncompressed NIfTI read the same voxels, spacing and scl_slope/scl_inter', () => {
  const plain = parseNifti(niftiBytes({ dims, values, pixdim: [0.7, 0.8, 2.5], slope: 2, inter: -1024 }), 'plain.nii');
  const gz = parseNifti(niftiBytes({ dims, values, pixdim: [0.7, 0.8, 2.5], slope: 2, inter: -1024, gzip: true }), 'gz.nii.gz');
  assert.deepEqual([...gz.data], [...plain.data]);
  // Default sform diag(+pixdim) is RAS+: columns are flipped to run toward the patient's left, rows toward posterior.
  assert.equal(plain.width, 3);
  assert.deepEqual([plain.spacing.x, plain.spacing.y, plain.spacing.z].map((v) => +v.toFixed(5)), [0.7, 0.8, 2.5]);
  assert.equal(plain.data[0], 2 * (2 + 3 * 1 + 0) - 1024, 'output (0,0,0) is stored (2,1,0)');
});

test('orientation: an LPS-display affine reads as stored; a permuted, flipped one is put back in display order', () => {
  // i → −x (left), j → −y (posterior), k → +z: already the display layout.
  const display = parseNifti(niftiBytes({ dims, values, sform: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]] }), 'display.nii');
  assert.deepEqual([...display.data], values);
  // Stored axes: i → +z (superior), j → −x (left), k → −y (posterior): output x = stored j, y = stored k, z = stored i.
  const permuted = parseNifti(niftiBytes({ dims, values, pixdim: [3, 1, 2], sform: [[0, -1, 0, 0], [0, 0, -2, 0], [3, 0, 0, 0]] }), 'permuted.nii');
  assert.deepEqual([permuted.width, permuted.height, permuted.depth], [2, 2, 3]);
  assert.deepEqual(permuted.spacing, { x: 1, y: 2, z: 3 });
  for (let z = 0; z < 3; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) {
    assert.equal(permuted.data[(z * 2 + y) * 2 + x], z + 3 * x + 6 * y, `voxel (${x},${y},${z})`);
  }
  // The reoriented affine still maps each voxel to the same world point.
  const a = permuted.affine;
  const world = (x: number, y: number, z: number) => [0, 1, 2].map((r) => a[4 * r] * x + a[4 * r + 1] * y + a[4 * r + 2] * z + a[4 * r + 3]);
  assert.deepEqual(world(1, 1, 2), [-1, -2, 6]); // stored (i=2, j=1, k=1) → (−1, −2, 6)
  // A flipped row axis (j → +y, anterior) is flipped back.
  const flipped = parseNifti(niftiBytes({ dims, values, sform: [[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] }), 'flipped.nii');
  assert.equal(flipped.data[0], 3, 'display row 0 is stored row 1');
});

test('bad NIfTI input names the file and the field', () => {
  const good = niftiBytes({ dims, values, gzip: true });
  assert.throws(() => parseNifti(good.subarray(0, good.length - 8), 'cut.nii.gz'), /cut\.nii\.gz: gzip stream is corrupt or truncated/);
  assert.throws(() => parseNifti(new Uint8Array(400), 'zeros.nii'), /zeros\.nii: not a NIfTI-1\/2 file/);
  assert.throws(() => parseNifti(niftiBytes({ dims: [3, 2, 2, 2], values: [...values, ...values] }), 'four.nii'), /four\.nii: field dim is \[4, 3, 2, 2, 2\]: a 4D image/);
  assert.throws(() => parseNifti(niftiBytes({ dims, values, pixdim: [NaN, 1, 1] }), 'nan.nii'), /nan\.nii: field pixdim\[1\] is NaN/);
  const raw = niftiBytes({ dims, values });
  assert.throws(() => parseNifti(raw.subarray(0, 360), 'short.nii'), /short\.nii: truncated: 3×2×2 int16 voxels need 376 bytes, the file has 360/);
  const image = parseNifti(niftiBytes({ dims, values }), 'img.nii');
  const mask = parseNifti(niftiBytes({ dims: [3, 2, 1], values: values.slice(0, 6), datatype: 'uint8' }), 'mask.nii');
  assert.throws(() => assertSameGrid(image, mask), /mask\.nii: mask grid 3×2×1 differs from its image's 3×2×2/);
  assert.throws(() => volumeSlice(image, 2), /img\.nii: slice 2 is outside 0\.\.1/);
});

test('every LIDC crop and its consensus mask load: plausible spacing and HU, equal grids', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(shared, 'lidc-nodules');
  const names = readdirSync(join(dir, 'image')).sort();
  assert.equal(names.length, 786);
  for (const name of names) {
    const image = readNifti(join(dir, 'image', name));
    const mask = readNifti(join(dir, 'nodule_mask', name));
    assertSameGrid(image, mask);
    assert.ok(image.spacing.x >= 0.4 && image.spacing.x <= 1 && image.spacing.y === image.spacing.x, `${name}: in-plane spacing ${image.spacing.x}`);
    assert.ok(image.spacing.z >= 0.4 && image.spacing.z <= 3, `${name}: slice spacing ${image.spacing.z}`);
    let min = Infinity, max = -Infinity, inside = 0, insideHu = 0;
    for (let i = 0; i < image.data.length; i++) {
      min = Math.min(min, image.data[i]);
      max = Math.max(max, image.data[i]);
      if (mask.data[i]) { inside++; insideHu += image.data[i]; }
    }
    assert.ok(min >= -3100 && min < -500 && max > -700 && max < 4000, `${name}: HU range ${min}..${max}`);
    assert.ok(inside > 0, `${name}: empty mask`);
    assert.ok(insideHu / inside > -900, `${name}: mean HU inside the nodule ${insideHu / inside} is air`);
  }
});

test('readNifti reads a file from disk and names it in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-'));
  writeFileSync(join(dir, 'a.nii.gz'), niftiBytes({ dims, values, gzip: true }));
  assert.equal(readNifti(join(dir, 'a.nii.gz')).data.length, 12);
  assert.throws(() => readNifti(join(dir, 'missing.nii')), /missing\.nii: cannot read/);
});
