import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateFolder } from '../../src/eval/run.ts';
import { boxCrossMethod, classicalMethod } from '../../src/eval/baselines/index.ts';
import { accuracyMarkdown, relativeError, sizeBinsMarkdown } from '../../src/eval/accuracy-table.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';

test('recist eval on a mask folder part: the strict mask RECIST is the reference; the accuracy table gives ratios to box-cross and size bins', async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-maskeval-'));
  try {
    const W = 48, H = 48;
    mkdirSync(join(root, 'image'));
    mkdirSync(join(root, 'nodule_mask'));
    const patients = ['A', 'B', 'C'];
    patients.forEach((p, k) => {
      const r = 5 + 3 * k;
      const mask = Array.from({ length: W * H }, (_, i) => (((i % W) - 24) ** 2 / (r * r) + (Math.floor(i / W) - 23) ** 2 / 16 <= 1 ? 1 : 0));
      const sform = [[-0.8, 0, 0, 0], [0, -0.8, 0, 0], [0, 0, 1, 0]] as const;
      writeFileSync(join(root, 'image', `${p}_R_1.nii.gz`), niftiBytes({ dims: [W, H, 1], values: mask.map((m) => (m ? 40 : -850)), pixdim: [0.8, 0.8, 1], sform, gzip: true }));
      writeFileSync(join(root, 'nodule_mask', `${p}_R_1.nii.gz`), niftiBytes({ dims: [W, H, 1], values: mask, datatype: 'uint8', pixdim: [0.8, 0.8, 1], sform, gzip: true }));
    });
    const split = join(root, 'split.json');
    writeFileSync(split, JSON.stringify({ format: 'recist-patient-split/1', dataset: 'x', command: 'test', seed: 0, fractions: [1, 0, 2], parts: { train: ['A'], validation: [], test: ['B', 'C'] } }));
    const result = await evaluateFolder({ dir: root, methods: [boxCrossMethod, classicalMethod], seeds: [0, 1], split: { path: split, part: 'test' } });
    assert.deepEqual(result.lesions.map((l) => l.patient), ['B', 'C']);
    assert.match(result.lesionSet, /2 mask-folder lesions of 2 patients .*test part of split\.json/);
    // Ellipse C: semi-axes 11 and 4 px → 23 pixels across; edge to edge, corner to corner, a little more.
    assert.ok(result.lesions[1].longPx >= 23 && result.lesions[1].longPx < 23.2, `${result.lesions[1].longPx}`);
    const md = accuracyMarkdown([{ name: 'test part', result }]);
    assert.match(md, /\| test part \(2\) \| box-cross \| .* \| 1\.00 \| 1\.00 \| - \|/);
    assert.match(md, /\| test part \(2\) \| classical \|/);
    const rel = relativeError(result, 'box-cross');
    assert.ok(rel > 0 && rel < 1, `relative error ${rel}`);
    assert.match(sizeBinsMarkdown([{ name: 'p', result }]), /\| p \| box-cross \| (- \||[\d.]+ \(\d\) \|)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
