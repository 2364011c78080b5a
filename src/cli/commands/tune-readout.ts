/**
 * `recist tune-readout --model DIR --set NAME=DIR[@split.json:part] ... [--seeds 1,2] [--apply OUT]`: picks the mask
 * read-out's constants (mask measure, classical weight, length scales, pull toward the box's lengths, box orientation)
 * on validation lesions, never on the sets a report will show. Prints the best candidates per set next to the model's
 * current constants, writes the table (markdown + JSON) to --out, and with --apply writes a copy of the model whose
 * card carries the best constants.
 */
import type { Command } from 'commander';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { splitFlag } from '../flags.ts';
import { openLesionSet } from '../../data/lesion-set.ts';
import { roughBoxFor } from '../../geometry/box.ts';
import { parseSeeds } from './eval.ts';

interface Opts { model: string; set: string[]; seeds: string; out: string; apply?: string; backend?: string }

export function register(program: Command): void {
  program
    .command('tune-readout')
    .description("pick the mask read-out's constants on validation lesion sets (box-cross-relative long-axis location and length), optionally writing a model copy with them")
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--set <name=dir...>', 'validation sets: NAME=FOLDER, or NAME=MASK_FOLDER@SPLIT.json:validation (repeatable)')
    .option('--seeds <list>', 'rough-box seeds (paper protocol)', '1,2')
    .option('--out <dir>', 'where the table goes', 'runs/tune-readout')
    .option('--apply <dir>', 'write a copy of the model with the best constants here')
    .option('--backend <name>', 'tfjs backend', process.env.RECIST_BACKEND ?? 'auto')
    .action(async (o: Opts) => {
      const { loadCheckpoint } = await import('../../model/checkpoint.ts');
      const { initBackend } = await import('../../model/backend/index.ts');
      const { rawDecodings, readoutGrid, scoreCandidates } = await import('../../model/readout-search.ts');
      await initBackend(o.backend as never);
      const seeds = parseSeeds(o.seeds);
      const items = o.set.flatMap((spec) => {
        const m = /^([\w.-]+)=(.+?)(?:@(.+))?$/.exec(spec);
        if (!m) throw new Error(`--set ${JSON.stringify(spec)}: expected NAME=FOLDER or NAME=FOLDER@SPLIT.json:part`);
        const split = splitFlag(m[3], `--set ${m[1]}: split`);
        if (split && split.part === 'test') throw new Error(`--set ${spec}: constants are never picked on a test part`);
        const { lesions } = openLesionSet(resolve(m[2]), { split });
        return lesions.flatMap((l) => {
          const slice = l.slice();
          return seeds.map((seed) => ({ set: m[1], id: `${l.info.id}#${seed}`, slice, truth: l.recist, box: roughBoxFor(l.recist, l.info.id, seed, slice.width, slice.height) }));
        });
      });
      const { cascade, card } = await loadCheckpoint(resolve(o.model));
      let last = 0;
      const raw = await rawDecodings(cascade, items, cascade.config.boxJitter, (done, total) => {
        if (Date.now() - last > 5000 || done === total) { last = Date.now(); process.stderr.write(`tune-readout: ${done}/${total} boxes through the network\n`); }
      });
      const readout = cascade.config.readout === 'heatmaps' ? 'mask+classical' : cascade.config.readout;
      const c = cascade.config;
      const current = { maskMeasure: c.maskMeasure, classicalWeight: c.classicalWeight ?? 0, lengthScale: c.lengthScale, shortLengthScale: c.shortLengthScale, boxLengthWeight: c.boxLengthWeight, boxOrientationRatio: c.boxOrientationRatio };
      const scores = scoreCandidates(items, raw, [current, ...readoutGrid()], readout);
      const sets = [...new Set(items.map((i) => i.set))];
      const fmt = (s: (typeof scores)[number]) => `| ${JSON.stringify(s.candidate).replace(/"/g, '').replace(/\|/g, '/')} | ${s.objective.toFixed(3)} | ${sets.map((k) => `${s.sets[k].longLoc.toFixed(2)} (${s.sets[k].locRatio.toFixed(2)}×) / ${s.sets[k].longLen.toFixed(2)} (${s.sets[k].lenRatio.toFixed(2)}×)`).join(' | ')} |`;
      const currentScore = scores.find((s) => s.candidate === current)!;
      const md = [
        `# Read-out constants for ${card.version}`, '',
        `\`recist tune-readout ${process.argv.slice(3).join(' ')}\`, ${new Date().toISOString().slice(0, 10)}; ${items.length} boxes (paper protocol, seeds ${seeds.join(',')}); read-out ${readout}.`,
        'Cells: long-axis location / length error, px (ratio to box-cross on the same boxes). Objective: mean over sets of the two ratios\' mean.', '',
        `| constants | objective | ${sets.join(' | ')} |`, `| :-- | --: | ${sets.map(() => ':--').join(' | ')} |`,
        ...scores.slice(0, 12).map(fmt), '', 'The best candidate for each mask measure and classical weight:', '',
        `| constants | objective | ${sets.join(' | ')} |`, `| :-- | --: | ${sets.map(() => ':--').join(' | ')} |`,
        ...['tie', 'strict'].flatMap((m) => [0, 0.25, 0.5, 0.75].map((w) => scores.find((s) => s.candidate.maskMeasure === m && s.candidate.classicalWeight === w)!).filter(Boolean).map(fmt)),
        '', 'The model\'s current constants:', '', `| constants | objective | ${sets.join(' | ')} |`, `| :-- | --: | ${sets.map(() => ':--').join(' | ')} |`, fmt(currentScore), '',
      ].join('\n');
      mkdirSync(resolve(o.out), { recursive: true });
      writeFileSync(join(resolve(o.out), 'README.md'), md);
      writeFileSync(join(resolve(o.out), 'scores.json'), JSON.stringify({ model: card.version, seeds, sets, scores: scores.slice(0, 50), current: currentScore }, null, 1));
      console.log(md);
      if (o.apply) {
        const best = scores[0].candidate;
        const out = resolve(o.apply);
        if (resolve(o.model) !== out) { if (existsSync(out)) throw new Error(`--apply ${o.apply}: exists; give a new folder`); cpSync(resolve(o.model), out, { recursive: true }); }
        const path = join(out, 'card.json');
        const saved = JSON.parse(readFileSync(path, 'utf8'));
        saved.config = { ...saved.config, readout, ...best, classicalWeight: readout === 'mask+classical' ? best.classicalWeight : null };
        saved.parent = saved.version;
        saved.version = `${saved.version}-readout-${new Date().toISOString().slice(0, 10)}`;
        saved.readoutChoice = { command: `recist tune-readout ${process.argv.slice(3).join(' ')}`, date: new Date().toISOString(), sets, seeds, objective: scores[0].objective, perSet: scores[0].sets };
        writeFileSync(path, JSON.stringify(saved, null, 2) + '\n');
        console.log(`wrote ${out} with ${JSON.stringify(best)}`);
      }
    });
}
