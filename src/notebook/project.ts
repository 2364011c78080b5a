/** Where things are and what runs: the package root, a scratch folder, one environment line. */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../data/paths.ts';
import { tslabModule } from './display.ts';

/** The package's root folder (models/, reports/ and labels/ are looked up from here). */
export const PACKAGE_ROOT: string = REPO_ROOT;

/** A scratch folder outside the package for data the notebooks generate (synthetic sets, caches). */
export function scratchDir(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`scratchDir: name ${JSON.stringify(name)}, expected letters, digits, '.', '-', '_'`);
  const dir = join(tmpdir(), 'recist-notebooks', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One line for the top of a notebook: kernel, TypeScript and Node versions, and where the package lives. */
export function environmentLine(): string {
  const v = tslabModule()?.versions;
  const kernel = v ? `tslab ${v.tslab} (TypeScript ${v.typescript}), ` : '';
  return `${kernel}Node ${process.version}; recist-cascade from ${PACKAGE_ROOT}`;
}
