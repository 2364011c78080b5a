/**
 * Multi-threaded tfjs-backend-wasm under Node.
 *
 * tfjs 4.22 hard-codes `WASM_HAS_MULTITHREAD_SUPPORT = false` under Node, and with it forced on the
 * pthread workers fail (`ERR_WORKER_PATH`): the worker script and the module script reach Emscripten as
 * `blob:` URLs, which Node's `Worker` and the worker's `importScripts` (a `readFileSync`) cannot open.
 * The native side also caps the thread pool at `os.cpus().length / 2`.
 *
 * `withNodeThreadShim` works around all three for the duration of the backend's initialisation:
 *  - `Blob` is swapped for a subclass that remembers its (string) text; the module-script blob
 *    (`var WasmBackendModuleThreadedSimd = <factory>`) is written to `main.cjs` with a prologue that
 *    defines the bundle-scope names the factory's source refers to (`require$$N`, `commonjsGlobal`,
 *    tslib helpers);
 *  - `URL.createObjectURL` of the worker blob writes it to `worker.cjs` (plus an epilogue that makes
 *    `importScripts('blob:…')` load `main.cjs`) and returns that path, which `new Worker` accepts;
 *  - `os.cpus()` (the CommonJS object the bundle calls) reports at least 2 × threads cores.
 * Everything is restored afterwards. `unrefThreadWorkers` lets the process exit although the pool's
 * threads run forever.
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as OsModule from 'node:os';

const require = createRequire(import.meta.url ?? `file://${process.cwd()}/`);
/** The CommonJS `os` object: the wasm bundle reads `cpus` off this very object at call time. */
const osCjs = require('os') as typeof OsModule & { cpus: typeof OsModule.cpus };

const MAIN_MARKER = 'var WasmBackendModuleThreadedSimd';

/** Minimal tslib helpers the transpiled factory may call (`__values`, `__read`, `__spreadArray`). */
const TSLIB_SHIMS: Record<string, string> = {
  __values:
    "function(o){var s=typeof Symbol==='function'&&Symbol.iterator,m=s&&o[s],i=0;if(m)return m.call(o);" +
    'return{next:function(){if(o&&i>=o.length)o=void 0;return{value:o&&o[i++],done:!o}}}}',
  __read: 'function(o,n){var a=Array.from(o);return n===undefined?a:a.slice(0,n)}',
  __spreadArray: 'function(to,from){return to.concat(Array.prototype.slice.call(from))}',
};

/** Context patterns that tell which Node module a rollup `require$$N` alias stands for. */
const MODULE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/var fs = ([\w$]+);/, 'fs'],
  [/var nodePath = ([\w$]+);/, 'path'],
  [/= ([\w$]+)\.performance;/, 'perf_hooks'],
  [/([\w$]+)\.cpus\(\)/, 'os'],
];

/**
 * Prologue for `main.cjs`: declares every bundle-scope name the factory's source uses.
 * Throws when an alias cannot be identified (the caller then falls back to one thread).
 */
export function mainScriptPrologue(text: string, mainPath: string): string {
  const decl: string[] = [];
  const known = new Set<string>();
  for (const [re, mod] of MODULE_PATTERNS) {
    const m = re.exec(text);
    if (m && !known.has(m[1])) {
      known.add(m[1]);
      decl.push(`var ${m[1]} = require(${JSON.stringify(mod)});`);
    }
  }
  const aliases = new Set(text.match(/\brequire\$\$\d+\b/g) ?? []);
  const unknown = [...aliases].filter((a) => !known.has(a));
  if (unknown.length) throw new Error(`wasm threads: cannot identify bundle aliases ${unknown.join(', ')}`);
  const global = /([\w$]+)\.Worker = nodeWorkerThreads\.Worker/.exec(text);
  if (global && !known.has(global[1])) decl.push(`var ${global[1]} = globalThis;`);
  for (const [name, body] of Object.entries(TSLIB_SHIMS)) {
    if (text.includes(`${name}(`)) decl.push(`var ${name} = ${body};`);
  }
  decl.push(`var _scriptDir = ${JSON.stringify(mainPath)};`);
  return decl.join('\n') + '\n';
}

/** Epilogue for `worker.cjs`: route the module-script `blob:` load to `main.cjs`. */
function workerEpilogue(mainPath: string): string {
  return (
    `\n;(function(){var m=${JSON.stringify(mainPath)};var o=global.importScripts;` +
    "global.importScripts=function(f){return o(String(f).indexOf('blob:')===0?m:f)};" +
    "URL.createObjectURL=function(){return 'blob:recist-main'};URL.revokeObjectURL=function(){};})();\n"
  );
}

/** Folder for the generated scripts, keyed by the factory source so versions never mix. */
function scriptDir(text: string, baseDir: string): string {
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 12);
  const dir = path.join(baseDir, `recist-tfjs-wasm-${hash}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Write atomically so concurrent processes never read a half-written script. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Run `init` (which must create the threaded wasm backend) with the shims above installed.
 * `baseDir` is where the two scripts are written (default: the OS temp folder).
 */
export async function withNodeThreadShim<T>(threads: number, init: () => Promise<T>, baseDir = osCjs.tmpdir()): Promise<T> {
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const origCpus = osCjs.cpus;
  const texts = new WeakMap<Blob, string>();
  let mainPath: string | null = null;
  let failure: Error | null = null;

  class RecordingBlob extends OrigBlob {
    constructor(parts?: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      if (!parts || !parts.every((p) => typeof p === 'string')) return;
      const text = (parts as string[]).join('');
      texts.set(this, text);
      if (!text.startsWith(MAIN_MARKER)) return;
      try {
        const file = path.join(scriptDir(text, baseDir), 'main.cjs');
        writeAtomic(file, mainScriptPrologue(text, file) + text + '\n');
        mainPath = file;
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
    }
  }

  const createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text == null || mainPath == null) return origCreate(obj);
    const file = path.join(path.dirname(mainPath), 'worker.cjs');
    writeAtomic(file, text + workerEpilogue(mainPath));
    return file;
  };

  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  osCjs.cpus = () => {
    const cpus = origCpus();
    const want = 2 * threads;
    return cpus.length >= want ? cpus : Array.from({ length: want }, (_, i) => cpus[i % cpus.length]);
  };
  try {
    const out = await init();
    if (failure) throw failure;
    return out;
  } finally {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    osCjs.cpus = origCpus;
  }
}

/** The slice of an Emscripten pthread module this file touches. */
interface PThreadModule {
  PThread?: { runningWorkers: Array<{ unref(): void }>; unusedWorkers: Array<{ unref(): void }> };
}

/** Let the process exit although the thread pool's workers never finish. */
export function unrefThreadWorkers(wasmModule: unknown): void {
  const pt = (wasmModule as PThreadModule).PThread;
  if (!pt) return;
  for (const w of [...pt.runningWorkers, ...pt.unusedWorkers]) w.unref();
}
