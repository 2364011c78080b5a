import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectPath } from '../../src/cli/commands/inspect.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';

test('recist inspect on a NIfTI volume, a folder of volumes and a mask folder (lesions, fragments, overlays, a bad file named)', () => {
  const root = mkdtempSync(join(tmpdir(), 'inspect-nifti-'));
  try {
    const W = 30, H = 30;
    const mask = Array.from({ length: W * H * 2 }, (_, i) => (((i % W) - 15) ** 2 + (Math.floor(i / W) % H - 15) ** 2 <= 36 ? 1 : 0));
    mask[0] = 1; // a one-voxel fragment
    mkdirSync(join(root, 'm', 'image'), { recursive: true });
    mkdirSync(join(root, 'm', 'nodule_mask'));
    writeFileSync(join(root, 'm', 'image', 'P_R_1.nii.gz'), niftiBytes({ dims: [W, H, 2], values: mask.map((m) => (m ? 20 : -900)), pixdim: [0.6, 0.6, 1.25], gzip: true }));
    writeFileSync(join(root, 'm', 'nodule_mask', 'P_R_1.nii.gz'), niftiBytes({ dims: [W, H, 2], values: mask, datatype: 'uint8', pixdim: [0.6, 0.6, 1.25], gzip: true }));
    writeFileSync(join(root, 'm', 'image', 'Q_R_1.nii.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    writeFileSync(join(root, 'm', 'nodule_mask', 'Q_R_1.nii.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const one = inspectPath(join(root, 'm', 'image', 'P_R_1.nii.gz'), { overlay: join(root, 'one.png') });
    assert.equal(one.kind, 'nifti');
    assert.match(one.lines[0], /NIfTI volume 30×30×2, spacing 0\.60×0\.60×1\.25 mm, values -900\.\.20/);
    assert.ok(existsSync(join(root, 'one.png')));
    const folder = inspectPath(join(root, 'm'), { overlay: join(root, 'overlays') });
    assert.equal(folder.kind, 'mask-folder');
    assert.match(folder.lines[0], /2 case\(s\), 2 with a mask, 2 patient\(s\)/);
    assert.match(folder.lines[1], /1 lesion\(s\) \(one per mask component; 1 fragment\(s\) under 3 mm left out\)/);
    assert.match(folder.lines[2], /skipped Q_R_1\.nii\.gz: .*gzip stream is corrupt or truncated/);
    assert.equal(folder.written.length, 1);
    const volumes = inspectPath(join(root, 'm', 'nodule_mask'), {});
    assert.equal(volumes.kind, 'nifti');
    assert.match(volumes.lines[0], /NIfTI folder .*: 2 volume\(s\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
