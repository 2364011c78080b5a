/**
 * `recist eval --data DIR [--model DIR ...] [--seeds 0,1,2] [--out reports/NAME] [--baselines] [--readers CSV]`:
 * evaluates models and/or baselines on a DeepLesion-layout folder with the paper's simulated rough boxes, prints
 * the Table 1 layout and the px/mm/% headline, and writes the report files (JSON, CSV, markdown, SVG, HTML).
 *
 * Structure: `parseEvalOptions` (flags → EvalCliOptions), `buildMethods` (options → Method[], model cards),
 * `runEval` (evaluate + report). New method families (e.g. ablations) plug into `buildMethods`.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../../data/paths.ts';
import { boxCrossMethod, classicalMethod, measurerMethod, type Method } from '../../eval/baselines/index.ts';
import { headlineMarkdown, writeReport } from '../../eval/report.ts';
import { renderMarkdown } from '../../eval/reader-table.ts';
import { evaluateFolder, type EvalResult } from '../../eval/run.ts';
import { READOUTS, type Readout } from '../../model/config.ts';
import type { BoxProtocol } from '../../geometry/box.ts';
import { parseBoxProtocol } from '../box-protocol-flags.ts';
import type { SplitPart } from '../../data/patient-split.ts';
import { splitFlag } from '../flags.ts';

export interface EvalCliOptions {
  readonly data: string;
  readonly models: readonly string[];
  readonly seeds: readonly number[];
  /** How the rough boxes are drawn (`--box-area`, `--box-shape`); default the paper's. */
  readonly boxProtocol?: BoxProtocol;
  readonly out: string;
  readonly baselines: boolean;
  readonly readers?: string;
  readonly backend?: string;
  readonly quiet?: boolean;
  /** Folder of the four Table 1 configurations (trained there first when missing). */
  readonly ablation?: string;
  readonly ablationPreset?: string;
  readonly ablationMinutes?: number;
  /** Evaluate each --model with each of these read-outs (default: the model's own). */
  readonly readouts?: readonly Readout[];
  /** Mask folders: only this part of a patient split. */
  readonly split?: { readonly path: string; readonly part: SplitPart };
}

/** Table 1's ablation rows, in the paper's order. */
export const ABLATION_ROWS = [
  ['shn-only', 'SHN only (L_HM)'],
  ['stn-tpp', 'STN(TPP)+SHN(HM)'],
  ['stn-tpp-lrp', 'STN(TPP+LRP)+SHN(HM)'],
  ['full', 'STN+SHN full (+L_cos)'],
] as const;

/**
 * The four ablation models in `dir/<name>`, trained with the same preset, data, seed and budget where a
 * folder is missing (synthetic lesions on the fly; the folder being evaluated is never trained on).
 */
export async function ensureAblationModels(dir: string, preset: string, minutes: number, log: (s: string) => void): Promise<string[]> {
  const { runTraining } = await import('../../model/train-run.ts');
  const dirs: string[] = [];
  for (const [name] of ABLATION_ROWS) {
    const out = resolve(dir, name);
    if (!existsSync(resolve(out, 'card.json'))) {
      log(`ablation ${name}: training ${preset} for ${minutes} min on synthetic lesions (same seed and budget for all four)`);
      await runTraining({
        dataDirs: [], synthetic: true, realFraction: 0, preset, ablation: name, outDir: out, minutes, batch: 8, microBatch: 8,
        optimizer: 'adam', lr: 5e-4, seed: 0, valCount: 32, resume: false, backend: 'auto',
        command: `recist eval --ablation ${dir} --ablation-preset ${preset} --ablation-minutes ${minutes}`,
      });
    }
    dirs.push(out);
  }
  return dirs;
}

export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`--seeds ${JSON.stringify(text)}: expected comma-separated non-negative integers, e.g. 0,1,2`);
  }
  return seeds;
}

export interface EvalFlags {
  data?: string; model?: string[]; seeds?: string; out?: string; baselines?: boolean; readers?: string; backend?: string; quiet?: boolean;
  ablation?: string; ablationPreset?: string; ablationMinutes?: string; readouts?: string; boxArea?: string; boxShape?: string; split?: string;
}

export function parseEvalOptions(o: EvalFlags): EvalCliOptions {
  if (!o.data) throw new Error('--data DIR is required (a DeepLesion-layout folder with DL_info.csv and Images_png, or a mask folder)');
  const data = resolve(o.data);
  if (!existsSync(data)) throw new Error(`--data ${o.data}: folder not found`);
  const models = (o.model ?? []).map((m) => resolve(m));
  const baselines = o.baselines ?? (models.length === 0 && !o.ablation);
  if (models.length === 0 && !baselines && !o.ablation) throw new Error('nothing to evaluate: give --model DIR, --ablation DIR and/or --baselines');
  const ablationMinutes = Number(o.ablationMinutes ?? '5');
  if (!(ablationMinutes > 0)) throw new Error(`--ablation-minutes ${o.ablationMinutes}: expected a positive number`);
  const readouts = o.readouts?.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = readouts?.find((r) => !READOUTS.includes(r as Readout));
  if (bad !== undefined) throw new Error(`--readouts ${o.readouts}: "${bad}" is not one of ${READOUTS.join(', ')}`);
  const split = splitFlag(o.split);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return {
    data, models, baselines,
    ...(split ? { split } : {}),
    ...(readouts?.length ? { readouts: readouts as Readout[] } : {}),
    seeds: parseSeeds(o.seeds ?? '0'),
    ...(o.boxArea || o.boxShape ? { boxProtocol: parseBoxProtocol(o.boxArea, o.boxShape) } : {}),
    out: resolve(o.out ?? `${REPO_ROOT}/reports/eval-${basename(data)}-${stamp}`),
    readers: o.readers ? resolve(o.readers) : undefined,
    backend: o.backend,
    quiet: o.quiet,
    ablation: o.ablation ? resolve(o.ablation) : undefined,
    ablationPreset: o.ablationPreset ?? 'default',
    ablationMinutes,
  };
}

export interface BuiltMethods {
  readonly methods: Method[];
  readonly modelCards: Record<string, unknown>;
  dispose(): void;
}

export async function buildMethods(opts: EvalCliOptions): Promise<BuiltMethods> {
  const methods: Method[] = [];
  const modelCards: Record<string, unknown> = {};
  const disposers: (() => void)[] = [];
  const ablationDirs = opts.ablation
    ? await ensureAblationModels(opts.ablation, opts.ablationPreset ?? 'default', opts.ablationMinutes ?? 5, (s) => process.stderr.write(`${s}\n`))
    : [];
  const readouts: (Readout | undefined)[] = opts.readouts?.length ? [...opts.readouts] : [undefined];
  const named = [
    ...opts.models.flatMap((dir) => readouts.map((readout) => ({
      dir, readout, name: `model ${basename(dir)}${readout && readouts.length > 1 ? ` (${readout})` : ''}`,
    }))),
    ...ablationDirs.map((dir, i) => ({ dir, readout: undefined, name: ABLATION_ROWS[i][1] })),
  ];
  if (named.length) {
    const { createMeasurer } = await import('../../model/measurer.ts');
    for (const { dir, readout, name: base } of named) {
      const measurer = await createMeasurer({ modelDir: dir, backend: opts.backend as never, readout });
      disposers.push(() => measurer.dispose());
      let name = base;
      while (methods.some((m) => m.name === name)) name += "'";
      methods.push(measurerMethod(measurer, name));
      modelCards[name] = { dir, ...measurer.card };
    }
  }
  if (opts.baselines) methods.push(boxCrossMethod, classicalMethod);
  return { methods, modelCards, dispose: () => disposers.forEach((d) => d()) };
}

export async function runEval(opts: EvalCliOptions, log: (s: string) => void = console.log): Promise<{ result: EvalResult; files: readonly string[] }> {
  const built = await buildMethods(opts);
  try {
    let last = 0;
    const result = await evaluateFolder({
      dir: opts.data, methods: built.methods, seeds: opts.seeds, boxProtocol: opts.boxProtocol, readersCsv: opts.readers, split: opts.split,
      onProgress: (p) => {
        const now = Date.now();
        if (!opts.quiet && (now - last > 2000 || p.done === p.total)) {
          last = now;
          process.stderr.write(`eval: ${p.done}/${p.total} (${p.method}, ${p.lesionId}, seed ${p.seed})\n`);
        }
      },
    });
    const report = writeReport(result, opts.out, { modelCards: built.modelCards });
    log(renderMarkdown(result.tablePx, `Table 1 layout, ${result.lesions.length} lesions, seeds ${result.seeds.join(',')} (px)`));
    log('');
    log(headlineMarkdown(result));
    log('');
    log(`report: ${resolve(opts.out, 'report.html')} (${report.files.length} files in ${opts.out})`);
    return { result, files: report.files };
  } finally {
    built.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('eval')
    .description("evaluate models / baselines on a DeepLesion-layout folder with simulated rough boxes (paper's Table 1)")
    .requiredOption('--data <dir>', 'DeepLesion-layout folder (DL_info.csv + Images_png; readers.csv beside it is used if present) or mask folder (image/ + masks, imagesTr/ + labelsTr/: the strict RECIST of each mask component is the reference)')
    .option('--split <file:part>', 'mask folders: only this part (train, validation, test) of a patient split file (recist split)')
    .option('--model <dir...>', 'model folder(s) to evaluate (repeatable)')
    .option('--seeds <list>', 'rough-box seeds, comma-separated', '0')
    .option('--box-area <lo,hi>', "rough box area as a multiple of the lesion extent's (robustness check; default the paper's 2,2.5)")
    .option('--box-shape <shape>', "rough box shape: extent (the lesion extent's aspect, default) or square")
    .option('--out <dir>', 'report folder (default reports/eval-<data>-<time>)')
    .option('--baselines', 'also evaluate the box-cross and classical baselines (default when no --model)')
    .option('--readers <csv>', 'extra readers CSV (default <data>/readers.csv when present)')
    .option('--backend <name>', 'tfjs backend for models: tensorflow, webgpu, wasm, cpu or auto')
    .option('--quiet', 'no progress lines')
    .option('--ablation <dir>', "add Table 1's four configurations from DIR/{shn-only,stn-tpp,stn-tpp-lrp,full}, training missing ones")
    .option('--ablation-preset <name>', 'preset for ablation models that must be trained', 'default')
    .option('--ablation-minutes <m>', 'training budget per ablation model (same for all four)', '5')
    .option('--readouts <list>', 'evaluate each --model with these read-outs, comma-separated: heatmaps, mask, mask+classical (default: the model\'s own)')
    .action(async (o: EvalFlags) => {
      await runEval(parseEvalOptions(o));
    });
}
