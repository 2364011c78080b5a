/**
 * `recist al-sim --data DIR [--model DIR] [--strategies entropy,random] [--k 4] [--rounds 4] [--steps 20] ...`:
 * offline active-learning simulation on a labeled DeepLesion-layout folder (src/active/al-sim.ts). Writes
 * reports/al-sim/<name>/{curve.csv, curve.svg, README.md, result.json}.
 */
import type { Command } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { runAlSim } from '../../active/al-sim.ts';
import { alSimCsv, alSimMarkdown, alSimSvg } from '../../active/al-sim-report.ts';
import { ttaSpread } from '../../active/uncertainty.ts';
import { applyCalibration, fitReaderCalibration } from '../../active/reader-bias.ts';
import { openLesionSet } from '../../data/lesion-set.ts';
import { marksOfReader } from '../../data/synth/readers.ts';
import { REPO_ROOT } from '../../data/paths.ts';
import { createTrainingSource } from '../../data/training-source.ts';
import { initBackend, type BackendName } from '../../model/backend/index.ts';
import { createAlAdapter, loadAlModel } from '../../model/finetune-al.ts';
import { DEFAULT_MODEL_DIR } from '../../model/measurer.ts';
import { numberFlag, optimizerFlag, splitFlag } from '../flags.ts';

interface AlSimFlags {
  data: string; model?: string; name?: string; out?: string; strategies: string; k: string; rounds: string; steps: string;
  minutes?: string; lr: string; optimizer: string; batch: string; replayFraction: string; replay: boolean; freezeBatchnorm: boolean; gate: boolean; calibrate: boolean; fitReadout: boolean; scoreTaught: boolean; testFraction: string;
  seed: string; evalSeeds: string; backend: string; note?: string; reader?: string; split?: string;
}

export function register(program: Command): void {
  program.command('al-sim')
    .description('offline active-learning simulation: pick k lesions per round by a strategy, reveal their marks, fine-tune, evaluate on a patient-disjoint test part; curves per strategy to reports/al-sim/<name>/')
    .requiredOption('-d, --data <dir>', 'DeepLesion-layout folder whose lesions all have marks (DL_info.csv + Images_png), or a mask folder (the strict mask RECIST is what a correction reveals)')
    .option('--split <file:part>', 'mask folders: only this part of a patient split (the pool and test parts are split from it by patient)')
    .option('-m, --model <dir>', 'start model folder (default models/default)')
    .option('--name <name>', 'report name (default: the data folder name)')
    .option('--out <dir>', 'reports root', join(REPO_ROOT, 'reports', 'al-sim'))
    .option('--strategies <list>', 'comma-separated: entropy, entropy-px, tta, random, first', 'entropy,random')
    .option('--k <n>', 'lesions revealed per round', '4')
    .option('--rounds <n>', 'rounds per strategy', '4')
    .option('--steps <n>', 'fine-tune steps per round (0 with --calibrate or --fit-readout: the network unchanged)', '20')
    .option('--minutes <m>', 'fine-tune wall-time cap per round (minutes)')
    .option('--lr <x>', 'fine-tune learning rate', '1e-4')
    .option('--optimizer <name>', 'fine-tune optimizer: adam or sgd-momentum (momentum 0.9, the paper\'s)', 'adam')
    .option('--batch <n>', 'fine-tune batch', '8')
    .option('--replay-fraction <x>', 'share of each batch replayed from synthetic lesions', '0.5')
    .option('--no-replay', 'no synthetic replay (corrections only)')
    .option('--freeze-batchnorm', 'keep the start model\'s batchnorm statistics while fine-tuning (γ and β still learn)', false)
    .option('--fit-readout', 'after each round also re-pick the mask+classical read-out\'s classical weight on the revealed corrections (src/model/readout-fit.ts) and evaluate with it (before --calibrate, when both)', false)
    .option('--calibrate', 'after each round also fit a site calibration (a length scale per axis + a rotation, as per-reader calibration does) on the revealed corrections and apply it to the test proposals', false)
    .option('--score-taught', "also score each round's model on the lesions it was taught (next to the start model on them): did it learn what it was shown?", false)
    .option('--gate', 'hold out the fixed validation split of the revealed corrections and keep the old model when worse (as the server does)', false)
    .option('--test-fraction <x>', 'share of patients in the test part', '0.3333')
    .option('--seed <n>', 'split / random-strategy / fine-tune seed', '1')
    .option('--eval-seeds <list>', 'rough-box seeds of the test evaluation', '1,2,3')
    .option('--backend <name>', 'tfjs backend', 'wasm')
    .option('--reader <name>', 'learn from and score against this reader\'s marks in the folder\'s readers.csv (e.g. "site" from recist synth --site-reader) instead of DL_info.csv\'s; rough boxes are still drawn around DL_info.csv\'s marks')
    .option('--note <text>', 'a line for the report (e.g. how the data folder was made)')
    .action(async (f: AlSimFlags) => {
      const backend = await initBackend(f.backend as BackendName);
      const data = resolve(f.data);
      const name = f.name ?? basename(data);
      const outDir = join(resolve(f.out ?? join(REPO_ROOT, 'reports', 'al-sim')), name);
      const modelDir = resolve(f.model ?? DEFAULT_MODEL_DIR);
      const strategies = f.strategies.split(',').map((s) => s.trim()).filter(Boolean);
      const settings = {
        k: numberFlag(f.k, 'k', 1), rounds: numberFlag(f.rounds, 'rounds', 1), steps: numberFlag(f.steps, 'steps', f.calibrate || f.fitReadout ? 0 : 1), minutes: f.minutes ? numberFlag(f.minutes, 'minutes', 0.01, false) : null,
        lr: numberFlag(f.lr, 'lr', 1e-9, false), optimizer: optimizerFlag(f.optimizer), batch: numberFlag(f.batch, 'batch', 1), replay: f.replay, replayFraction: f.replay ? numberFlag(f.replayFraction, 'replay-fraction', 0, false) : 0,
        freezeBatchnorm: f.freezeBatchnorm, gate: f.gate, calibrate: f.calibrate, fitReadout: f.fitReadout, testFraction: numberFlag(f.testFraction, 'test-fraction', 0.01, false), seed: numberFlag(f.seed, 'seed', 0),
        evalSeeds: f.evalSeeds.split(',').map((s) => numberFlag(s.trim(), 'eval-seeds', 0)), strategies, reader: f.reader ?? null, scoreTaught: f.scoreTaught,
      };
      const log = (line: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`); };
      log(`backend ${backend.detail}; start model ${modelDir}; data ${data}`);
      const workDir = mkdtempSync(join(tmpdir(), 'recist-al-sim-'));
      try {
        const folderLesions = openLesionSet(data, { split: splitFlag(f.split) }).lesions;
        const replay = settings.replay ? await createTrainingSource({ synthetic: true, dataDirs: [], realFraction: 0, excludePatients: [] }) : null;
        const reference = f.reader === undefined ? undefined : marksOfReader(join(data, 'readers.csv'), f.reader);
        const { ops, lesions } = createAlAdapter({
          reference,
          folderLesions, workDir, steps: settings.steps, minutes: settings.minutes ?? undefined, learningRate: settings.lr, optimizer: settings.optimizer, batch: settings.batch,
          replay, replayFraction: settings.replayFraction, freezeBatchnorm: settings.freezeBatchnorm, gate: settings.gate, evalSeeds: settings.evalSeeds, scoreSeed: settings.seed,
          ttaScore: (p) => ttaSpread(p).relative, log, fitReadout: f.fitReadout,
          ...(f.calibrate ? { calibrate: (pairs) => { const cal = fitReaderCalibration('site', pairs); return (r) => applyCalibration(r, cal); } } : {}),
        });
        const start = await loadAlModel(modelDir);
        const result = await runAlSim(start, ops, { lesions, testFraction: settings.testFraction, strategies, k: settings.k, rounds: settings.rounds, seed: settings.seed, scoreTaught: settings.scoreTaught, onEvent: log });
        mkdirSync(outDir, { recursive: true });
        const title = `${name}: test error vs corrections (k=${settings.k}, ${settings.steps} steps/round)`;
        writeFileSync(join(outDir, 'curve.csv'), alSimCsv(result));
        writeFileSync(join(outDir, 'curve.svg'), alSimSvg(result, title));
        writeFileSync(join(outDir, 'curve-length-mm.svg'), alSimSvg(result, `${name}: long-axis length error vs corrections`, 'longLenMm', 'test long-axis length error (mm)'));
        const command = `recist al-sim ${process.argv.slice(3).join(' ')}`;
        writeFileSync(join(outDir, 'README.md'), alSimMarkdown(result, { name, data: f.note ? `${data} (${f.note})` : data, startModel: `${modelDir} (${start.version})`, settings, backend: backend.detail, command }, 'curve.svg'));
        writeFileSync(join(outDir, 'result.json'), JSON.stringify({ settings, data, startModel: start.version, backend: backend.detail, result }, null, 1));
        log(`wrote ${outDir}`);
        for (const c of result.curves) console.log(`${c.strategy.padEnd(8)} ${c.points.map((p) => `${p.corrections}:${p.metrics.longLocPx.toFixed(2)}`).join('  ')}`);
        ops.release(start);
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    });
}
