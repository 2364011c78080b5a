import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/server/datasets.ts';
import { niftiDataset } from '../../src/server/nifti-dataset.ts';
import { REPO_ROOT } from '../../src/data/paths.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

test('a folder of NIfTI volumes without masks: one entry per volume on its middle slice, its slices as the stack; a bad file is skipped with a warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nifti-serve-'));
  writeFileSync(join(dir, 'a.nii.gz'), niftiBytes({ dims: [8, 6, 5], values: Array.from({ length: 240 }, (_, i) => i - 100), gzip: true }));
  writeFileSync(join(dir, 'b.nii'), Buffer.from('not nifti at all'));
  const warnings: string[] = [];
  const ds = loadDataset(dir, { warn: (m) => warnings.push(m) });
  assert.equal(ds.kind, 'nifti');
  assert.equal(ds.lesions.length, 1);
  const l = ds.lesions[0];
  assert.equal(l.stack.length, 5);
  assert.equal(l.keyIndex, 2);
  assert.equal(l.reference, null);
  const s = ds.slice(l.stack[4]);
  assert.deepEqual([s.width, s.height], [8, 6]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /b\.nii: skipped \(.*not a NIfTI-1\/2 file/);
});

test('serve --data on the LIDC test part: one entry per nodule on its key slice, the strict mask RECIST as reference', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const ds = niftiDataset(join(shared, 'lidc-nodules'), { split: { path: join(REPO_ROOT, 'data-splits', 'lidc-nodules.json'), part: 'test' } });
  assert.ok(ds.lesions.length >= 121, `${ds.lesions.length} lesions`);
  for (const l of ds.lesions.slice(0, 20)) {
    assert.ok(l.reference);
    assert.equal(l.stack[l.keyIndex], l.sliceRef);
    assert.ok(ds.hasSlice(l.sliceRef));
    const s = ds.slice(l.sliceRef);
    assert.equal(s.width, l.width);
    assert.ok(l.spacing && l.spacing.x > 0.4 && l.spacing.x < 1);
  }
});
