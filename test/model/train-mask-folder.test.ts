import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraining, trainingHistory } from '../../src/model/train-run.ts';
import { readModelCard } from '../../src/model/checkpoint.ts';
import { createTrainingSource } from '../../src/data/training-source.ts';
import { createRng } from '../../src/geometry/random.ts';
import { niftiBytes } from '../helpers/nifti-writer.ts';

const W = 40, H = 40, D = 3;

/** A mask folder of two patients: a bright ellipse nodule (5 px × 8 px semi-axes, tilted 30°) in lung on every slice. */
function maskFolder(root: string): { dir: string; split: string } {
  const dir = join(root, 'nodules');
  mkdirSync(join(dir, 'image'), { recursive: true });
  mkdirSync(join(dir, 'nodule_mask'));
  const mask = Array(W * H * D).fill(0);
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const u = (x - 20) * c + (y - 19) * s, v = -(x - 20) * s + (y - 19) * c;
    if ((u / 8) ** 2 + (v / 5) ** 2 <= (z === 1 ? 1 : 0.5)) mask[(z * H + y) * W + x] = 1;
  }
  const ct = mask.map((m) => (m ? 30 : -850));
  for (const name of ['P1_R_1', 'P2_R_1']) {
    writeFileSync(join(dir, 'image', `${name}.nii.gz`), niftiBytes({ dims: [W, H, D], values: ct, pixdim: [0.7, 0.7, 2], sform: [[-0.7, 0, 0, 0], [0, -0.7, 0, 0], [0, 0, 2, 0]], gzip: true }));
    writeFileSync(join(dir, 'nodule_mask', `${name}.nii.gz`), niftiBytes({ dims: [W, H, D], values: mask, datatype: 'uint8', pixdim: [0.7, 0.7, 2], sform: [[-0.7, 0, 0, 0], [0, -0.7, 0, 0], [0, 0, 2, 0]], gzip: true }));
  }
  const split = join(root, 'split.json');
  writeFileSync(split, JSON.stringify({ format: 'recist-patient-split/1', dataset: 'nodules', command: 'test', seed: 0, fractions: [0.5, 0.5, 0], parts: { train: ['P1'], validation: ['P2'], test: [] } }));
  return { dir, split };
}

test('training samples from a mask folder: the real mask is the LRP target, only the split part is drawn', async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-maskdata-'));
  try {
    const { dir, split } = maskFolder(root);
    const source = await createTrainingSource({ synthetic: false, dataDirs: [dir], realFraction: 1, excludePatients: [], split: { path: split, part: 'train' } });
    const [sample] = source.sample(1, createRng(3));
    const stats = source.stats();
    assert.deepEqual(stats.folderPatients, ['P1']);
    assert.equal(stats.folderMaskLesions, 1);
    // The target is the real (tilted ellipse) mask, not an axis ellipse of the marks: fractional edge pixels, inside about π·8·5 px² scaled to 32².
    const inside = sample.mask32.reduce((a, v) => a + v, 0);
    assert.ok(inside > 10 && inside < 32 * 32 / 2, `mask area ${inside}`);
    assert.ok(sample.mask32.some((v) => v > 0.05 && v < 0.95), 'bilinear edges');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tiny model trains a few steps on a mask folder + synthetic lesions; checkpoints while training; the card names the patients and the hours', async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-train-mask-'));
  try {
    const { dir, split } = maskFolder(root);
    const out = join(root, 'model');
    const lines: string[] = [];
    const base = {
      dataDirs: [dir], synthetic: true, realFraction: 0.5, preset: 'tiny', outDir: out, batch: 2, microBatch: 2, optimizer: 'adam' as const,
      lr: 1e-3, seed: 2, valCount: 2, backend: 'wasm', command: 'test', phases: ['stn-lrp-first'], split: { path: split, part: 'train' as const }, log: (l: string) => lines.push(l),
    };
    const first = await runTraining({ ...base, minutes: 0.08, resume: false, checkpointMinutes: 0.02 });
    assert.ok(lines.some((l) => /checkpoint .*samples in this run/.test(l)), lines.join('\n'));
    const data = first.data as Record<string, unknown>;
    assert.deepEqual(data.folderPatients, ['P1']);
    assert.ok((data.folderSamples as number) > 0 && (data.syntheticSamples as number) > 0, JSON.stringify(data));
    const second = await runTraining({ ...base, minutes: 0.04, resume: true });
    const history = trainingHistory(await readModelCard(out));
    assert.equal(history.length, 2);
    assert.equal(second.parent, first.version);
    const hours = (second.training as { totalHours: number }).totalHours;
    assert.ok(Math.abs(hours - (history[0].seconds + history[1].seconds) / 3600) < 1e-9);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
