import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { listMaskCases } from '../../data/mask-lesions.ts';
import { splitPatients, type PatientSplit } from '../../data/patient-split.ts';
import { numberFlag } from '../flags.ts';

export function register(program: Command): void {
  program
    .command('split')
    .description('Split a mask folder\'s patients into train / validation / test (seeded) and write the split file every figure on that folder names')
    .requiredOption('--data <dir>', 'mask folder (image/ + mask folder, or imagesTr/ + labelsTr/)')
    .requiredOption('--out <file>', 'split file to write (JSON)')
    .option('--seed <n>', 'shuffle seed', '0')
    .option('--fractions <list>', 'train,validation,test shares of the patients', '0.7,0.15,0.15')
    .action((opts: { data: string; out: string; seed: string; fractions: string }) => {
      const fractions = opts.fractions.split(',').map((f) => Number(f));
      if (fractions.length !== 3 || fractions.some((f) => !Number.isFinite(f))) throw new Error(`--fractions ${JSON.stringify(opts.fractions)}: expected three numbers, e.g. 0.7,0.15,0.15`);
      const seed = numberFlag(opts.seed, 'seed', 0);
      const cases = listMaskCases(resolve(opts.data));
      const parts = splitPatients(cases.map((c) => c.patientId), seed, fractions as [number, number, number]);
      const split: PatientSplit = {
        format: 'recist-patient-split/1',
        dataset: basename(resolve(opts.data)),
        command: `recist split --data ${opts.data} --out ${opts.out} --seed ${seed} --fractions ${fractions.join(',')}`,
        seed,
        fractions: fractions as [number, number, number],
        parts,
      };
      writeFileSync(opts.out, `${JSON.stringify(split, null, 1)}\n`);
      const count = (ids: readonly string[]): number => cases.filter((c) => ids.includes(c.patientId)).length;
      console.log(`${opts.out}: ${(['train', 'validation', 'test'] as const).map((p) => `${p} ${parts[p].length} patients (${count(parts[p])} cases)`).join(', ')}`);
    });
}
