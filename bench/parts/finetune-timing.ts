/**
 * One fine-tune on n corrections timed (training steps apart from load + validation) (shared by bench/parts/finetune.ts and bench/gpu-run.ts):
 * src/model/finetune.ts `fineTune` = load → validation before (the held-out corrections, and up to TAUGHT_SAMPLE of those it
 * trains on) → the model's fine-tune phase (STN for mask read-out models, joint otherwise; batch 8, Adam, no replay) → the same
 * validation after. Corrections are synthetic lesions on real CT
 * backgrounds (the reader's FINAL = the truth); the held-out share is fineTune's fixed lesion-id split.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDataDir } from '../../src/data/paths.ts';
import { generateCase } from '../../src/data/synth/generate.ts';
import { listBackgrounds } from '../../src/data/synth/placement.ts';
import { createRng } from '../../src/geometry/random.ts';
import { disposeCascade } from '../../src/model/cascade.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { fineTune, splitCorrections, TAUGHT_SAMPLE, validationBox } from '../../src/model/finetune.ts';
import { benchModel, median, round, MODEL_DIR } from './common.ts';

/** Samples per fine-tune step (fineTune's default). */
const BATCH = 8;

export async function timeFineTune(opts: { n: number; steps: number; backend: string; modelDir?: string; freezeBatchnorm?: boolean; fitReadout?: boolean }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-finetune-'));
  try {
    let base = opts.modelDir ?? MODEL_DIR, source = opts.modelDir ?? 'models/default';
    if (!existsSync(join(base, 'card.json'))) {
      const m = await benchModel('default');
      base = join(dir, 'base');
      await saveCheckpoint(m.cascade, {
        format: 'recist-cascade/1', version: 'bench-untrained', preset: 'default', ablation: 'full', config: m.cascade.config,
        createdAt: new Date().toISOString(), backend: opts.backend, seed: 1, data: {}, training: {}, metrics: {}, parent: null, command: 'bench',
      }, base);
      disposeCascade(m.cascade);
      source = m.source;
    }
    const bgs = listBackgrounds({ sharedDir: sharedDataDir() });
    const rng = createRng(32);
    const all = Array.from({ length: opts.n }, (_, i) => {
      const c = generateCase(bgs[rng.int(bgs.length)], rng);
      return { lesionId: `bench-${i}`, slice: c.slice, recist: c.recist };
    });
    const { train, validation } = splitCorrections(all.map((c) => ({ ...c, box: null })));
    const val = validation.length > 0 ? validation : all.slice(0, 4).map((c) => ({ ...c, box: validationBox(c.lesionId, c.recist, c.slice) }));
    const stepS: number[] = []; // each step's own duration (BATCH / samples per s), the first one included
    let steps = 0;
    const t0 = performance.now();
    const r = await fineTune({
      baseModelDir: base, corrections: train, replay: null, validation: val, steps: opts.steps, seed: 1, batch: BATCH,
      freezeBatchnorm: opts.freezeBatchnorm ?? false,
      // As the server's jobs do by default (serve --no-finetune-readout turns it off).
      fitReadout: opts.fitReadout ?? true,
      onProgress: (p) => {
        if (p.stage === 'train') {
          steps = p.step;
          stepS.push(p.samplesPerS > 0 ? BATCH / p.samplesPerS : NaN);
        }
      },
    });
    const total = performance.now() - t0;
    const trainS = stepS.reduce((a, b) => a + b, 0);
    disposeCascade(r.cascade);
    const phase = (r.card.training as { phase?: string }).phase ?? 'joint';
    return {
      model: source, corrections: opts.n, trainCorrections: train.length, validationCorrections: val.length, steps,
      freezeBatchnorm: opts.freezeBatchnorm ?? false,
      totalS: round(total / 1000, 2), trainS: round(trainS, 2), perStepS: round(trainS / Math.max(1, steps), 2),
      firstStepS: round(stepS[0] ?? NaN, 2), laterStepMedianS: round(median(stepS.slice(1)), 3),
      validateAndLoadS: round(total / 1000 - trainS, 2), promoted: r.promoted, reason: r.reason, phase, readoutFit: r.readoutFit?.reason ?? null,
      how: `src/model/finetune.ts fineTune: load, validate before (held-out corrections and up to ${TAUGHT_SAMPLE} trained-on ones), ${phase}-phase steps at batch ${BATCH} (Adam 1e-4, no replay), ${r.readoutFit ? 'the read-out\'s classical weight re-picked on the trained-on sample, ' : ''}validate after; saving the version is not included`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
