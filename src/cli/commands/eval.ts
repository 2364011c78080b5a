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

export interface EvalCliOptions {
  readonly data: string;
  readonly models: readonly string[];
  readonly seeds: readonly number[];
  readonly out: string;
  readonly baselines: boolean;
  readonly readers?: string;
  readonly backend?: string;
  readonly quiet?: boolean;
}

export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`--seeds ${JSON.stringify(text)}: expected comma-separated non-negative integers, e.g. 0,1,2`);
  }
  return seeds;
}

export function parseEvalOptions(o: { data?: string; model?: string[]; seeds?: string; out?: string; baselines?: boolean; readers?: string; backend?: string; quiet?: boolean }): EvalCliOptions {
  if (!o.data) throw new Error('--data DIR is required (a DeepLesion-layout folder with DL_info.csv and Images_png)');
  const data = resolve(o.data);
  if (!existsSync(data)) throw new Error(`--data ${o.data}: folder not found`);
  const models = (o.model ?? []).map((m) => resolve(m));
  const baselines = o.baselines ?? models.length === 0;
  if (models.length === 0 && !baselines) throw new Error('nothing to evaluate: give --model DIR and/or --baselines');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return {
    data, models, baselines,
    seeds: parseSeeds(o.seeds ?? '0'),
    out: resolve(o.out ?? `${REPO_ROOT}/reports/eval-${basename(data)}-${stamp}`),
    readers: o.readers ? resolve(o.readers) : undefined,
    backend: o.backend,
    quiet: o.quiet,
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
  if (opts.models.length) {
    const { createMeasurer } = await import('../../model/measurer.ts');
    for (const dir of opts.models) {
      const measurer = await createMeasurer({ modelDir: dir, backend: opts.backend as never });
      disposers.push(() => measurer.dispose());
      let name = `model ${basename(dir)}`;
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
      dir: opts.data, methods: built.methods, seeds: opts.seeds, readersCsv: opts.readers,
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
    .requiredOption('--data <dir>', 'DeepLesion-layout folder (DL_info.csv + Images_png; readers.csv beside it is used if present)')
    .option('--model <dir...>', 'model folder(s) to evaluate (repeatable)')
    .option('--seeds <list>', 'rough-box seeds, comma-separated', '0')
    .option('--out <dir>', 'report folder (default reports/eval-<data>-<time>)')
    .option('--baselines', 'also evaluate the box-cross and classical baselines (default when no --model)')
    .option('--readers <csv>', 'extra readers CSV (default <data>/readers.csv when present)')
    .option('--backend <name>', 'tfjs backend for models: tensorflow, webgpu, wasm, cpu or auto')
    .option('--quiet', 'no progress lines')
    .action(async (o: { data?: string; model?: string[]; seeds?: string; out?: string; baselines?: boolean; readers?: string; backend?: string; quiet?: boolean }) => {
      await runEval(parseEvalOptions(o));
    });
}
