/**
 * `recist synth --n 200 --out DIR [--seed 0] [--readers 3] [--shared DIR] [--kind KIND] [--site-reader long=X,short=X,rot=DEG]`: writes a DeepLesion-layout folder
 * of synthetic lesions on real CT backgrounds (Images_png, DL_info.csv, readers.csv) and prints a summary.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { sharedDataDir } from '../../data/paths.ts';
import { generateDataset } from '../../data/synth/generate.ts';
import { listBackgrounds } from '../../data/synth/placement.ts';
import { LESION_KINDS, contextForKind, type LesionKind } from '../../data/synth/appearance.ts';
import { numberFlag } from '../flags.ts';
import { parseSiteReader } from '../../data/synth/readers.ts';

interface SynthOpts {
  n: string;
  out: string;
  seed: string;
  readers: string;
  shared?: string;
  maxPerPatient: string;
  kind?: string;
  siteReader?: string;
}

function lesionKind(value: string): LesionKind {
  if (!(LESION_KINDS as readonly string[]).includes(value)) throw new Error(`--kind ${JSON.stringify(value)} is not one of ${LESION_KINDS.join(', ')}`);
  return value as LesionKind;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('Generate synthetic lesions with known RECIST marks on real CT backgrounds (DeepLesion layout + simulated readers)')
    .option('--n <count>', 'number of lesions', '200')
    .requiredOption('--out <dir>', 'output folder (DeepLesion layout)')
    .option('--seed <n>', 'random seed (same seed, same output)', '0')
    .option('--readers <n>', 'simulated readers per lesion (readers.csv)', '3')
    .option('--shared <dir>', 'shared real-data folder for backgrounds and size statistics (default: $RECIST_SHARED_DATA or ../shared/data; without it the npm-shipped NEMA chest slice is used)')
    .option('--max-per-patient <n>', 'lesions per synthetic patient: 1..n', '3')
    .option('--site-reader <bias>', 'add a reader "site" to readers.csv who measures with this systematic bias: long=X,short=X,rot=DEG (length factors, rotation; a typical reader\'s random errors), e.g. long=1.1,short=1.1 — for al-sim --reader site')
    .option('--kind <kind>', `only lesions of one appearance (a site unlike the training mix): ${LESION_KINDS.join(', ')}`)
    .action((o: SynthOpts) => {
      const n = numberFlag(o.n, 'n', 1);
      const seed = numberFlag(o.seed, 'seed', 0);
      const readers = numberFlag(o.readers, 'readers', 0);
      const sharedDir = o.shared ? resolve(o.shared) : sharedDataDir();
      const backgrounds = listBackgrounds({ sharedDir });
      if (backgrounds.length === 0) throw new Error('recist synth: no CT backgrounds found (no shared data folder and no npm-shipped DICOM)');
      const siteReader = o.siteReader === undefined ? undefined : parseSiteReader(o.siteReader);
      const kind = o.kind === undefined ? undefined : lesionKind(o.kind);
      const outDir = resolve(o.out);
      const tty = process.stderr.isTTY;
      let last = 0;
      const summary = generateDataset({
        n, seed, backgrounds, readers, siteReader, outDir, maxLesionsPerPatient: numberFlag(o.maxPerPatient, 'max-per-patient', 1),
        generate: kind ? { kind, context: contextForKind(kind) } : undefined,
        onProgress: (done, total) => {
          const now = Date.now();
          if (done === total || now - last > 250) {
            last = now;
            process.stderr.write(`${tty ? '\r' : ''}synth: ${done}/${total} lesions${tty ? '' : '\n'}`);
          }
        },
      });
      if (tty) process.stderr.write('\n');
      const kinds = Object.entries(summary.kinds).map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(
        [
          `wrote ${summary.count} synthetic lesions (${summary.patients} patients) to ${summary.outDir}`,
          `backgrounds: ${backgrounds.length} slices${sharedDir ? ` from ${sharedDir}` : ' (built-in NEMA chest slice)'}`,
          `long diameter: ${summary.longMm.min.toFixed(1)}–${summary.longMm.max.toFixed(1)} mm (median ${summary.longMm.median.toFixed(1)} mm)`,
          `kinds: ${kinds}`,
          ...(siteReader ? [`site reader: long ×${siteReader.lengthScale}, short ×${siteReader.shortScale}, rotation ${siteReader.rotationBiasDeg}° (readers.csv, reader "site")`] : []),
          `readers: ${summary.readers.length ? summary.readers.join(', ') : 'none'}`,
          `time: ${(summary.ms / 1000).toFixed(1)} s (${(summary.ms / Math.max(1, summary.count)).toFixed(1)} ms per lesion incl. PNG writing)`,
        ].join('\n'),
      );
    });
}
