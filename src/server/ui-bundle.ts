/**
 * Builds the browser UI (src/ui) with esbuild into memory at server start (~0.2 s): the bundle and the static
 * files are served from memory, so nothing is written and nothing under src/ui needs to be pre-built.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../data/paths.ts';

export interface UiAsset {
  readonly body: Buffer;
  readonly type: string;
}

export const UI_DIR = resolve(REPO_ROOT, 'src', 'ui');

/** The UI's files by URL path: `/` (index.html), `/app.js`, `/app.js.map`, `/style.css`. */
export async function bundleUi(uiDir = UI_DIR): Promise<Map<string, UiAsset>> {
  const result = await build({
    entryPoints: [join(uiDir, 'main.ts')],
    bundle: true, format: 'esm', target: ['chrome110', 'firefox110'], write: false, minify: true,
    sourcemap: 'external', outdir: '/ui', logLevel: 'silent', legalComments: 'none',
  });
  const assets = new Map<string, UiAsset>();
  for (const f of result.outputFiles) {
    const name = f.path.endsWith('.map') ? '/app.js.map' : '/app.js';
    assets.set(name, { body: Buffer.from(f.contents), type: name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8' });
  }
  assets.set('/', { body: readFileSync(join(uiDir, 'index.html')), type: 'text/html; charset=utf-8' });
  assets.set('/style.css', { body: readFileSync(join(uiDir, 'style.css')), type: 'text/css; charset=utf-8' });
  return assets;
}
