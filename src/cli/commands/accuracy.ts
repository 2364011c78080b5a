/**
 * `recist accuracy --report NAME=DIR ... --out FILE`: one table over several `recist eval` reports (each DIR holds the
 * result.json `recist eval --out DIR` wrote): the four errors, the relative error, the ratios to box-cross, the paired
 * interval against box-cross, and the error per lesion-size bin. `npm run accuracy` runs the evaluations the README cites.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { accuracyMarkdown, sizeBinsMarkdown, type NamedResult } from '../../eval/accuracy-table.ts';
import type { EvalResult } from '../../eval/run.ts';

export function register(program: Command): void {
  program
    .command('accuracy')
    .description('one accuracy table (errors, relative error, ratios to box-cross, paired intervals, size bins) over several recist eval reports')
    .requiredOption('--report <name=dir...>', 'a set name and the folder recist eval wrote (repeatable)')
    .option('--out <file>', 'markdown file to write (default: print only)')
    .option('--title <text>', 'heading', 'Accuracy')
    .action((o: { report: string[]; out?: string; title: string }) => {
      const sets: NamedResult[] = o.report.map((spec) => {
        const m = /^([^=]+)=(.+)$/.exec(spec);
        if (!m) throw new Error(`--report ${JSON.stringify(spec)}: expected NAME=DIR`);
        const path = join(resolve(m[2]), 'result.json');
        if (!existsSync(path)) throw new Error(`--report ${spec}: no result.json in ${m[2]} (write one with recist eval --out ${m[2]})`);
        return { name: m[1], result: JSON.parse(readFileSync(path, 'utf8')) as EvalResult };
      });
      const md = [
        `# ${o.title}`, '',
        `\`recist accuracy ${process.argv.slice(3).join(' ')}\``, '',
        ...sets.map((s) => `- **${s.name}**: ${s.result.lesionSet ?? s.result.dataDir}; rough boxes: ${s.result.boxProtocol}; seeds ${s.result.seeds.join(',')}; ${s.result.methods.map((m) => m.name).join(', ')}`),
        '', 'Errors against the reference marks (DeepLesion\'s, or the strict edge-to-edge RECIST of the mask), mean over lesions (each the mean over seeds), px of the original image. Relative error: mean long-axis location error ÷ mean reference long-axis length. Interval: 95 %, patients resampled.', '',
        accuracyMarkdown(sets), '', '## Long-axis location error by lesion size (px; lesions)', '', sizeBinsMarkdown(sets), '',
      ].join('\n');
      if (o.out) writeFileSync(o.out, md);
      console.log(md);
    });
}
