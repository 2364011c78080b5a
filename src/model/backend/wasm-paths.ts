/**
 * Where the tfjs wasm binaries live, for tsx runs and for single-file esbuild bundles.
 *
 * Order: `$RECIST_WASM_DIR` → `node_modules/@tensorflow/tfjs-backend-wasm/dist` resolved from this
 * module (or from the bundle's location, which is the same lookup once bundled) → the folder that
 * holds the running module/bundle itself (deployments copy the three `.wasm` files next to it).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The three binaries tfjs-backend-wasm may load (plain, SIMD, threaded SIMD). */
export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** URL of this module; in a CJS bundle `import.meta.url` is empty, so use the entry script. */
function hereUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (url) return url;
  return pathToFileURL(process.argv[1] ?? path.join(process.cwd(), 'index.js')).href;
}

function hasBinaries(dir: string): boolean {
  return WASM_BINARIES.every((f) => existsSync(path.join(dir, f)));
}

/**
 * Absolute folder (with a trailing separator, as `setWasmPaths` wants) holding the wasm binaries.
 * Throws naming every place looked at when none holds all three files.
 */
export function resolveWasmDir(env: NodeJS.ProcessEnv = process.env): string {
  const tried: string[] = [];
  const override = env.RECIST_WASM_DIR;
  if (override) {
    const dir = path.resolve(override);
    if (hasBinaries(dir)) return dir + path.sep;
    throw new Error(`RECIST_WASM_DIR=${override}: folder lacks ${WASM_BINARIES.join(', ')}`);
  }
  const here = hereUrl();
  try {
    const req = createRequire(here);
    const dir = path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    if (hasBinaries(dir)) return dir + path.sep;
    tried.push(dir);
  } catch {
    tried.push('node_modules/@tensorflow/tfjs-backend-wasm (not resolvable)');
  }
  const own = path.dirname(fileURLToPath(here));
  if (hasBinaries(own)) return own + path.sep;
  tried.push(own);
  throw new Error(
    `tfjs wasm binaries not found (looked in: ${tried.join('; ')}). ` +
      `Set RECIST_WASM_DIR to a folder with ${WASM_BINARIES.join(', ')}.`,
  );
}
