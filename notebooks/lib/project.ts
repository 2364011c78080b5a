/**
 * Bridge from tslab to the project's TypeScript modules.
 *
 * tslab compiles each cell (and local modules like this one) with its own TypeScript 5.0 into CommonJS, with
 * rootDir = the notebook's folder and without `allowImportingTsExtensions`; it cannot compile src/, whose imports
 * end in `.ts`. So src modules are loaded at run time by tsx's CommonJS hook (`tsx/cjs/api`, registered once),
 * and typed with the declarations that `npm run notebooks` (or `-- --setup`) generates into notebooks/.types:
 *
 *   const { openDeepLesionFolder } = load<typeof import('./.types/data/deeplesion')>('data/deeplesion.ts');
 *
 * Everything a notebook computes comes from src/; notebooks/lib only holds display glue.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Repository root (this file lives in notebooks/lib). */
export const REPO: string = path.resolve(__dirname, '..', '..');

let registered = false;

/** `require` of a src module (path relative to src/, with its `.ts` extension), typed by the caller. */
export function load<T>(srcPath: string): T {
  if (!registered) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('tsx/cjs/api').register();
    registered = true;
  }
  const file = path.join(REPO, 'src', srcPath);
  if (!fs.existsSync(file)) throw new Error(`notebooks/lib/project.ts: ${file} does not exist`);
  return require(file) as T;
}

/** A scratch folder outside the repository for data the notebooks generate (synthetic sets, caches). */
export function scratchDir(name: string): string {
  const dir = path.join(require('os').tmpdir(), 'recist-notebooks', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** One line for the top of a notebook: versions and where things come from. */
export function environmentLine(): string {
  const tslab = require('tslab') as { versions: { tslab: string; typescript: string; node: string } };
  return `tslab ${tslab.versions.tslab} (TypeScript ${tslab.versions.typescript}), Node ${tslab.versions.node}; project modules from ${path.join(REPO, 'src')} via tsx`;
}
