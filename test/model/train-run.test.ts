import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTraining } from '../../src/model/train-run.ts';
import { createMeasurer } from '../../src/model/measurer.ts';
import { loadCheckpoint, readModelCard } from '../../src/model/checkpoint.ts';
import { disposeCascade } from '../../src/model/cascade.ts';
import { weightValues } from './finetune-fixtures.ts';
import type { CtSlice } from '../../src/data/types.ts';

test('recist train end to end (tiny preset, seconds): phases run, checkpoint + card written atomically, createMeasurer loads it and proposes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-train-'));
  const out = join(dir, 'model');
  const lines: string[] = [];
  try {
    const card = await runTraining({
      dataDirs: [], synthetic: true, realFraction: 0, preset: 'tiny', outDir: out, minutes: 0.15, batch: 2, microBatch: 1,
      optimizer: 'adam', lr: 1e-3, seed: 1, valCount: 4, resume: false, backend: 'wasm', command: 'test', log: (l) => lines.push(l),
    });
    assert.ok(lines.some((l) => /^backend: wasm/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /validation \(4 held-out samples/.test(l)));
    assert.equal(card.preset, 'tiny');
    assert.equal(card.ablation, 'full');
    assert.ok((card.training.steps as Record<string, number>).shn >= 1, JSON.stringify(card.training.steps));
    assert.equal((card.data as Record<string, unknown>).validationSamples, 4);
    assert.deepEqual(readdirSync(dir).sort(), ['model'], 'no temp folders left beside the model');
    for (const f of ['card.json', 'stn/model.json', 'stn/weights.bin', 'shn/model.json', 'shn/weights.bin']) assert.ok(existsSync(join(out, f)), f);
    assert.equal((await readModelCard(out)).version, card.version);

    const m = await createMeasurer({ modelDir: out, backend: 'wasm' });
    assert.equal(m.modelVersion, card.version);
    const W = 120;
    const hu = new Float32Array(W * W).fill(50);
    const slice: CtSlice = { width: W, height: W, hu, spacing: { x: 0.8, y: 0.8 }, window: null, source: 'test' };
    const p = await m.measure(slice, { x1: 40, y1: 40, x2: 80, y2: 70 });
    assert.equal(p.modelVersion, card.version);
    for (const pt of [...p.recist.long, ...p.recist.short]) assert.ok(Number.isFinite(pt.x) && Number.isFinite(pt.y));
    if (p.readout === 'heatmaps') assert.equal(p.heatmaps?.width, 64);
    else assert.equal(p.mask?.width, 32, 'a mask read-out carries its pseudo-mask');
    assert.ok(p.entropy >= 0 && p.entropy <= 1);
    m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A few seconds of the tiny preset's STN phase (written to `outDir`). */
const tinyStnRun = (outDir: string) => ({
  dataDirs: [], synthetic: true, realFraction: 0, preset: 'tiny', outDir, batch: 2, microBatch: 1, optimizer: 'adam' as const, lr: 1e-3, seed: 1, valCount: 2,
  backend: 'wasm', command: 'test', phases: ['stn-lrp-first'], log: () => {},
});

test('the Table 1 ablations whose STN lacks a loss term train (stn-tpp: no L_LRP, so the mask head gets no gradient)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-train-ablation-'));
  try {
    const card = await runTraining({ ...tinyStnRun(join(dir, 'model')), ablation: 'stn-tpp', minutes: 0.1, resume: false });
    assert.equal(card.ablation, 'stn-tpp');
    const steps = card.training.steps as Record<string, number>;
    assert.ok(Object.values(steps).some((n) => n >= 1), `no training step ran: ${JSON.stringify(steps)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recist train --no-tpp-loss: the STN learns its pseudo-mask while its θ head stays as it was; the card says so and keeps its loss switches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-train-notpp-'));
  const out = join(dir, 'model');
  try {
    await runTraining({ ...tinyStnRun(out), minutes: 0.05, resume: false });
    const heads = async () => {
      const { cascade } = await loadCheckpoint(out);
      const r = { tpp: weightValues(cascade.stn!, /(head_tpp|tpp_fc)/), lrp: weightValues(cascade.stn!, /head_lrp/) };
      disposeCascade(cascade);
      return r;
    };
    const before = await heads();
    const card = await runTraining({ ...tinyStnRun(out), minutes: 0.05, resume: true, tppLoss: false });
    const after = await heads();
    assert.equal(card.training.tppLoss, false);
    assert.equal(card.config.losses.tpp, true, 'the model\'s own loss switches are kept');
    assert.deepEqual(after.tpp, before.tpp, 'the θ head moved without L_TPP');
    assert.notDeepEqual(after.lrp, before.lrp, 'the pseudo-mask head did not learn');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
