/**
 * Fine-tune wall time (printed, not asserted): one fine-tune job on 32 corrections as the server runs it
 * (export → load the active model → validate before → the model's fine-tune phase with synthetic replay → validate after → save),
 * default preset, on the CPU backend the worker uses (wasm). Uses models/default when present, else an untrained
 * default-preset cascade (same cost).
 *
 *   tsx bench/finetune.ts [--steps 40] [--minutes 1.5] [--backend wasm]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataDir } from '../src/data/paths.ts';
import { generateCase } from '../src/data/synth/generate.ts';
import { listBackgrounds } from '../src/data/synth/placement.ts';
import { createRng } from '../src/geometry/random.ts';
import { initBackend, type BackendName } from '../src/model/backend/index.ts';
import { buildCascade, disposeCascade } from '../src/model/cascade.ts';
import { saveCheckpoint } from '../src/model/checkpoint.ts';
import { resolveConfig } from '../src/model/config.ts';
import { exportCorrections, runFineTuneJob } from '../src/model/finetune-job.ts';
import { DEFAULT_MODEL_DIR } from '../src/model/measurer.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '40' }, minutes: { type: 'string', default: '1.5' }, backend: { type: 'string', default: 'wasm' }, n: { type: 'string', default: '32' } } });
const backend = await initBackend(values.backend as BackendName);
const dir = mkdtempSync(join(tmpdir(), 'bench-ft-'));
try {
  let base = DEFAULT_MODEL_DIR;
  if (!existsSync(join(base, 'card.json'))) {
    base = join(dir, 'base');
    const config = resolveConfig({ preset: 'default' });
    const c = buildCascade(config);
    await saveCheckpoint(c, { format: 'recist-cascade/1', version: 'default-untrained', preset: 'default', ablation: 'full', config, createdAt: new Date().toISOString(), backend: backend.name, seed: 0, data: {}, training: {}, metrics: {}, parent: null, command: 'bench' }, base);
    disposeCascade(c);
    console.log('models/default not found: timing an untrained default-preset cascade (same cost)');
  }
  const n = Number(values.n);
  const bgs = listBackgrounds({ sharedDir: sharedDataDir() });
  const rng = createRng(32);
  const items = Array.from({ length: n }, (_, i) => {
    const c = generateCase(bgs[rng.int(bgs.length)], rng);
    return { lesionId: `bench-${i}`, reader: 'bench', slice: c.slice, recist: c.recist, box: null };
  });
  const t0 = performance.now();
  await exportCorrections(join(dir, 'job'), items);
  const tExport = performance.now();
  const stages: Record<string, number> = {};
  let steps = 0;
  let last = performance.now();
  const r = await runFineTuneJob({
    versionsDir: join(dir, 'models'), baseModelDir: base, jobDir: join(dir, 'job'), steps: Number(values.steps), minutes: Number(values.minutes), seed: 1,
    onProgress: (p) => {
      const now = performance.now();
      stages[p.stage] = (stages[p.stage] ?? 0) + (now - last);
      last = now;
      if (p.stage === 'train') steps = p.step;
    },
  });
  const total = performance.now() - t0;
  console.log(`fine-tune job, ${n} corrections (${r.trainCorrections} train / ${r.validationCorrections} held out), preset ${resolveConfig({ preset: 'default' }).preset}, backend ${backend.detail}, ${cpus().length} cores (load ${loadavg()[0].toFixed(1)})`);
  console.log(`  export corrections        ${(tExport - t0).toFixed(0)} ms`);
  console.log(`  ${steps} fine-tune steps (batch 8, replay 0.5): ${((stages.train ?? 0) / 1000).toFixed(1)} s, ${((stages.train ?? 0) / Math.max(steps, 1) / 1000).toFixed(2)} s/step`);
  console.log(`  validation before/after + load + save: ${((total - (tExport - t0) - (stages.train ?? 0)) / 1000).toFixed(1)} s`);
  console.log(`  TOTAL wall time ${(total / 1000).toFixed(1)} s (goal ≤ 120 s); ${r.reason}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
