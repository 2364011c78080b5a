/**
 * `npm run build` (also run by `prepare`, so `npm ci` and a git install build it): the package `recist-cascade`
 * into dist/ (git-ignored).
 *
 * - ESM + declarations: `tsc -p tsconfig.build.json`, one file per module of src/ reachable from the two entries
 *   (src/index.ts, src/notebook/index.ts); dist/ mirrors src/, so modules that locate the package from their own
 *   path (src/data/paths.ts: models/default, node_modules/…) find the same folders as under tsx. The `.ts` import
 *   specifiers become `.js` in the JavaScript (tsc) and in the declarations (rewritten here).
 * - CommonJS (tslab compiles notebook cells to CommonJS and `require`s): one esbuild bundle of both entries,
 *   dependencies left external (except ESM-only ones, which CommonJS cannot require), dist/cjs/index.cjs; dist/cjs/notebook.cjs hands on its notebook part, so both
 *   entries share one copy of the code. `import.meta.url` becomes the bundle's own file URL; the bundles
 *   sit two folders below the package root, as src/data/paths.ts does.
 *
 * Type errors in src do not stop the build (`npm test` type-checks): they are reported, and the build fails only when
 * an entry's output is missing.
 *
 *   npm run build
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(REPO, 'dist');
const ENTRIES = [
  { src: 'src/index.ts', esm: 'index.js', types: 'index.d.ts', cjs: 'cjs/index.cjs' },
  { src: 'src/notebook/index.ts', esm: 'notebook/index.js', types: 'notebook/index.d.ts', cjs: 'cjs/notebook.cjs' },
] as const;

/** `from './x.ts'`, `import('./x.ts')` and `/// <reference path>`-free declarations → `.js` specifiers. */
export function rewriteDeclarationSpecifiers(text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1$2.js$3');
}

function declarationFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.d.ts')).map((f) => join(dir, f));
}

/**
 * Bare imports stay external (`require`d at run time from the consumer's node_modules) when CommonJS can require
 * them; ESM-only packages (no `require` export, e.g. nifti-reader-js, lowdb) are bundled instead.
 */
function requireableExternal(): Plugin {
  return {
    name: 'requireable-external',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        try {
          createRequire(join(args.resolveDir || REPO, 'index.js')).resolve(args.path);
          return { path: args.path, external: true };
        } catch {
          return undefined; // esbuild resolves it with the import condition and bundles it
        }
      });
    },
  };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // Built beside dist/ and swapped in at the end, so a running notebook or test never finds dist/ half written.
  const out = join(REPO, `.dist-build-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  // The project's TypeScript (tslab's 5.0 may own node_modules/.bin/tsc, depending on install order).
  const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json'), '--outDir', out], { cwd: REPO, encoding: 'utf8' });
  const errors = `${tsc.stdout}${tsc.stderr}`.match(/error TS\d+/g) ?? [];
  if (errors.length) process.stderr.write(`build: ${errors.length} type errors in src (output written anyway; npm test type-checks):\n${tsc.stdout}${tsc.stderr}`);
  for (const f of declarationFiles(out)) writeFileSync(f, rewriteDeclarationSpecifiers(readFileSync(f, 'utf8')));

  mkdirSync(join(out, 'cjs'), { recursive: true });
  await build({
    // One bundle holds both entries (the notebook entry under a hidden export), so that a notebook that requires both
    // gets one copy of every module (one backend state, one label cache).
    stdin: {
      contents: "export * from './src/index.ts';\nexport * as __notebookEntry from './src/notebook/index.ts';\n",
      resolveDir: REPO, sourcefile: 'cjs-entries.ts', loader: 'ts',
    },
    outfile: join(out, 'cjs', 'index.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    logLevel: 'warning', plugins: [requireableExternal()],
    define: { 'import.meta.url': '__recistBundleUrl' },
    banner: { js: "var __recistBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(join(out, 'cjs', 'notebook.cjs'), "'use strict';\n// recist-cascade/notebook for CommonJS: the notebook entry of the shared bundle.\nmodule.exports = require('./index.cjs').__notebookEntry;\n");
  const missing = ENTRIES.flatMap((e) => [e.esm, e.types, e.cjs]).filter((f) => !existsSync(join(out, f)));
  if (missing.length) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`build: the output lacks ${missing.join(', ')}${tsc.status !== 0 ? `\n${tsc.stdout}${tsc.stderr}` : ''}`);
  }
  const old = join(REPO, `.dist-old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(out, DIST);
  rmSync(old, { recursive: true, force: true });
  console.log(`build: dist/ (ESM + .d.ts, CommonJS bundles) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
