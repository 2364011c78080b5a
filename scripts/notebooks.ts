/**
 * `npm run notebooks`: executes every notebook in notebooks/*.ipynb headless on the tslab (TypeScript) kernel and
 * writes the executed copies (with outputs) plus HTML renderings to docs/notebooks/.
 *
 *   npm run notebooks                          # all notebooks → docs/notebooks/*.ipynb + *.html
 *   npm run notebooks -- 03                    # only notebooks whose file name contains "03"
 *   npm run notebooks -- --out /tmp/nb --no-html
 *   npm run notebooks -- --screenshots         # also docs/screenshots/notebook-<n>.png (headless chromium)
 *   npm run notebooks -- --setup               # only: kernel spec + built package (for Jupyter Lab)
 *   npm run notebooks -- --timeout 120         # per-cell timeout in seconds (default 300)
 *
 * What it sets up (nothing global, no network):
 * - a kernel spec `tslab` in notebooks/.jupyter/kernels/tslab/kernel.json pointing at node_modules/.bin/tslab,
 *   found through JUPYTER_PATH=notebooks/.jupyter;
 * - the package itself: dist/ (`npm run build`, skipped when newer than every src file) and the link
 *   notebooks/node_modules/recist-cascade → the repository, so cells import `recist-cascade` and
 *   `recist-cascade/notebook` by name (tslab compiles cells with its own TypeScript 5.0 to CommonJS; the package's
 *   CommonJS bundle and declarations serve it). docs/notebooks/README.md explains the kernel set-up.
 *
 * Each notebook runs in its own kernel (scripts/notebooks_exec.py, python3 + nbclient); a failing cell fails
 * the run with the cell's source and error printed. Exit status 1 when any notebook failed, 2 when jupyter/nbclient
 * is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const NOTEBOOKS_DIR = join(REPO, 'notebooks');
export const JUPYTER_DIR = join(NOTEBOOKS_DIR, '.jupyter');
const DIST_DIR = join(REPO, 'dist');
const PLOTLY_JS = join(REPO, 'node_modules', 'plotly.js-dist', 'plotly.js');

/** A python3 that can import nbclient, nbconvert and nbformat (Debian's, when a pyenv/venv python3 comes first). */
export function findPython(): string | null {
  const candidates = [process.env.RECIST_JUPYTER_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import nbclient, nbconvert, nbformat'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

/** Writes the tslab kernel spec under notebooks/.jupyter (or `prefix`); returns the JUPYTER_PATH to use. */
export function installKernel(prefix = JUPYTER_DIR): string {
  const tslab = join(REPO, 'node_modules', '.bin', 'tslab');
  if (!existsSync(tslab)) throw new Error(`${tslab} not found: run npm ci (tslab is a devDependency)`);
  const dir = join(prefix, 'kernels', 'tslab');
  mkdirSync(dir, { recursive: true });
  const spec = { argv: [tslab, 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript (tslab, recist)', language: 'typescript' };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 1) + '\n');
  return prefix;
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith(ext)) continue;
    newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

/** True when dist/ holds both entries and is newer than every src file and the build script. */
export function distIsFresh(): boolean {
  const entries = ['index.js', 'index.d.ts', 'cjs/index.cjs', 'notebook/index.js', 'notebook/index.d.ts', 'cjs/notebook.cjs'].map((f) => join(DIST_DIR, f));
  if (!entries.every((f) => existsSync(f))) return false;
  const built = Math.min(...entries.map((f) => statSync(f).mtimeMs));
  return built >= Math.max(newestMtime(join(REPO, 'src'), '.ts'), statSync(join(REPO, 'scripts', 'build.ts')).mtimeMs);
}

/**
 * The notebooks import the package by its name, `recist-cascade` and `recist-cascade/notebook`, as a user who ran
 * `npm install recist-cascade` would: dist/ is built (`npm run build`) unless it is newer than every src file, and
 * notebooks/node_modules/recist-cascade links to the repository (tslab's TypeScript 5.0 resolves types the Node 10
 * way, through node_modules; at run time Node follows the link to package.json's `exports`).
 */
export function ensurePackage(log: (s: string) => void = console.log): void {
  if (!distIsFresh()) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'build.ts')], { cwd: REPO, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
    log(`package: dist/ built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const link = join(NOTEBOOKS_DIR, 'node_modules', 'recist-cascade');
  mkdirSync(dirname(link), { recursive: true });
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    current = null;
  }
  if (current !== relative(dirname(link), REPO)) {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(relative(dirname(link), REPO), link, 'dir');
  }
}

export interface RunOptions {
  readonly filter?: readonly string[];
  readonly outDir: string;
  readonly html: boolean;
  readonly timeoutS: number;
  /** `<script src>` used for plotly.js in the executed copies (relative to outDir), or 'inline'. */
  readonly plotlySrc: string;
  readonly log?: (s: string) => void;
}

export interface NotebookResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly output: string;
}

export function listNotebooks(filter: readonly string[] = []): string[] {
  return readdirSync(NOTEBOOKS_DIR)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
    .sort();
}

/** Executes the notebooks one after the other; each in a fresh kernel. */
export function runNotebooks(o: RunOptions): NotebookResult[] {
  const log = o.log ?? console.log;
  const python = findPython();
  if (!python) throw Object.assign(new Error('python3 with nbclient/nbconvert not found: apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel'), { code: 'NO_JUPYTER' });
  const jupyterPath = installKernel();
  ensurePackage(log);
  mkdirSync(o.outDir, { recursive: true });
  const results: NotebookResult[] = [];
  for (const name of listNotebooks(o.filter)) {
    const stem = name.replace(/\.ipynb$/, '');
    const args = [join(REPO, 'scripts', 'notebooks_exec.py'), join(NOTEBOOKS_DIR, name), join(o.outDir, name),
      '--timeout', String(o.timeoutS), '--kernel', 'tslab', '--cwd', NOTEBOOKS_DIR,
      // A kernel on a busy machine can take more than nbclient's 60 s to answer its first request.
      '--startup-timeout', process.env.RECIST_NB_STARTUP_TIMEOUT ?? '180'];
    if (o.html) args.push('--html', join(o.outDir, `${stem}.html`));
    const t0 = Date.now();
    const r = spawnSync(python, args, {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: {
        ...process.env,
        JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(':'),
        RECIST_PLOTLY_SRC: o.plotlySrc,
        // The notebooks' kernels must not grab every core of a shared 2-core machine.
        RECIST_WASM_THREADS: process.env.RECIST_WASM_THREADS ?? '1',
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    const ok = r.status === 0;
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds.toFixed(1)} s)`);
    if (!ok) log(output.trim());
    results.push({ name, ok, seconds, output });
  }
  return results;
}

/**
 * PNG screenshots of each notebook's main figure (the outputs of the code cell tagged `main-figure`) with headless
 * chromium, into docs/screenshots/notebook-<NN>.png.
 */
export function screenshots(executedDir: string, outDir: string, log: (s: string) => void = console.log): void {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (!chromium) throw new Error('no chromium at /usr/bin/chromium: apt-get install -y chromium');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'recist-nb-shot-'));
  try {
    for (const name of readdirSync(executedDir).filter((f) => f.endsWith('.ipynb')).sort()) {
      const nb = JSON.parse(readFileSync(join(executedDir, name), 'utf8')) as {
        cells: { cell_type: string; metadata?: { tags?: string[] }; outputs?: { data?: Record<string, string | string[]> }[] }[];
      };
      const cell = nb.cells.find((c) => c.metadata?.tags?.includes('main-figure'));
      if (!cell) {
        log(`screenshot: ${name} has no cell tagged main-figure, skipped`);
        continue;
      }
      const parts: string[] = [];
      for (const out of cell.outputs ?? []) {
        const d = out.data ?? {};
        const text = (k: string): string => (Array.isArray(d[k]) ? (d[k] as string[]).join('') : (d[k] as string));
        if (d['text/html']) parts.push(text('text/html'));
        else if (d['image/png']) parts.push(`<img src="data:image/png;base64,${text('image/png').replace(/\s/g, '')}">`);
        else if (d['text/markdown']) {
          const md = text('text/markdown').replace(/&/g, '&amp;').replace(/</g, '&lt;');
          parts.push(`<p>${md.replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>').replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`);
        }
      }
      const page = join(tmp, `${basename(name, '.ipynb')}.html`);
      writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8">
<script src="${pathToFileURL(PLOTLY_JS).href}"></script>
<style>body{font-family:sans-serif;margin:8px;background:#fff} img{max-width:1180px}</style></head>
<body>${parts.join('\n').replace(/<script[^>]*id="recist-plotly-loader"[^>]*>[\s\S]*?<\/script>/g, '')}</body></html>`);
      const n = /^(\d+)/.exec(name)?.[1] ?? basename(name, '.ipynb');
      const png = join(outDir, `notebook-${n}.png`);
      const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--virtual-time-budget=15000',
        `--screenshot=${png}`, '--window-size=1200,900', pathToFileURL(page).href], { encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0 || !existsSync(png)) throw new Error(`chromium screenshot of ${name} failed: ${r.stderr}`);
      log(`screenshot: ${relative(REPO, png)}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function parseArgs(argv: readonly string[]) {
  const o = { filter: [] as string[], outDir: join(REPO, 'docs', 'notebooks'), html: true, timeoutS: 300, shots: false, setup: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.outDir = resolve(argv[++i] ?? '');
    else if (a === '--no-html') o.html = false;
    else if (a === '--timeout') o.timeoutS = Number(argv[++i]);
    else if (a === '--screenshots') o.shots = true;
    else if (a === '--setup') o.setup = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} (see the header of scripts/notebooks.ts)`);
    else o.filter.push(a);
  }
  if (!(o.timeoutS > 0)) throw new Error(`--timeout ${o.timeoutS}: expected seconds > 0`);
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.setup) {
    const p = installKernel();
    ensurePackage();
    console.log(`kernel spec: ${relative(REPO, p)}/kernels/tslab; start Jupyter with\n  JUPYTER_PATH=${p} jupyter lab notebooks/`);
    return;
  }
  const t0 = Date.now();
  let results: NotebookResult[];
  try {
    results = runNotebooks({
      filter: o.filter, outDir: o.outDir, html: o.html, timeoutS: o.timeoutS,
      plotlySrc: relative(o.outDir, PLOTLY_JS),
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit((err as { code?: string }).code === 'NO_JUPYTER' ? 2 : 1);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`${results.length - failed.length}/${results.length} notebooks ran in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${relative(REPO, o.outDir) || '.'}`);
  if (results.length === 0) {
    console.error(`no notebooks matched ${o.filter.join(', ')}`);
    process.exit(1);
  }
  if (o.shots && failed.length === 0) screenshots(o.outDir, join(REPO, 'docs', 'screenshots'));
  if (failed.length) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
