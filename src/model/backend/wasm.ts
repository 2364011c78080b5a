/**
 * The wasm backend, the CPU default: SIMD, 2 threads under Node (see wasm-threads.ts), the gradient
 * kernels wasm lacks (wasm-grad-kernels.ts), binaries located for tsx and bundles (wasm-paths.ts).
 *
 * Threads: `$RECIST_WASM_THREADS` (default min(2, cores)). When the threaded start fails, or its
 * self-check (thread count + a conv against a known answer) fails, the backend is rebuilt with one
 * thread and `detail` says why.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import * as os from 'node:os';
import { resolveWasmDir } from './wasm-paths.ts';
import { unrefThreadWorkers, withNodeThreadShim } from './wasm-threads.ts';
import { registerWasmGradKernels } from './wasm-grad-kernels.ts';

/** What initWasm found out. */
export interface WasmInfo {
  simd: boolean;
  threads: number;
  /** Why threading was not used, when it was asked for and is not. */
  threadNote?: string;
  wasmDir: string;
}

let pathsSet: string | null = null;
/** The factory tfjs-backend-wasm registered at import; kept to rebuild the backend without threads. */
const wasmFactory = tf.findBackendFactory('wasm');

/** Threads asked for: `$RECIST_WASM_THREADS` or min(2, logical cores). */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RECIST_WASM_THREADS;
  if (raw != null && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`RECIST_WASM_THREADS=${raw}: expected a positive integer`);
    return n;
  }
  return Math.max(1, Math.min(2, os.cpus().length));
}

/** Reject after `ms` so a stuck thread pool cannot hang start-up. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A 3×3 conv of ones on ones: interior = 9·C, edges 6·C, corners 4·C. Catches a broken thread pool. */
function convSelfCheck(): void {
  const c = 8;
  const got = tf.tidy(() => tf.conv2d(tf.ones([2, 6, 6, c]) as tf.Tensor4D, tf.ones([3, 3, c, 4]) as tf.Tensor4D, 1, 'same').dataSync());
  const expect = (i: number, j: number): number => (i === 0 || i === 5 ? 2 : 3) * (j === 0 || j === 5 ? 2 : 3) * c;
  for (let b = 0; b < 2; b++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) for (let k = 0; k < 4; k++) {
    const v = got[((b * 6 + i) * 6 + j) * 4 + k];
    if (v !== expect(i, j)) throw new Error(`wasm self-check: conv gave ${v} at (${b},${i},${j},${k}), expected ${expect(i, j)}`);
  }
}

/** Start the wasm backend once with the given thread count. */
async function startWasm(threads: number): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  tfwasm.setThreadsCount(threads);
  const ok = threads > 1
    ? await withNodeThreadShim(threads, () => withTimeout(tf.setBackend('wasm'), 60_000, 'wasm backend start (threaded)'))
    : await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") returned false');
  if (threads > 1) unrefThreadWorkers((tf.backend() as tfwasm.BackendWasm).wasm);
  const got = tfwasm.getThreadsCount();
  if (threads > 1 && got !== threads) throw new Error(`asked for ${threads} threads, the pool has ${got}`);
  convSelfCheck();
}

/** Drop the (failed) wasm backend and register a fresh one from the saved factory. */
function resetWasm(): void {
  if (!wasmFactory) throw new Error('tfjs-backend-wasm did not register a backend factory');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', wasmFactory, 2);
}

/**
 * Make wasm the active tfjs backend (SIMD, threads, gradient kernels). Throws when wasm cannot start
 * at all (binaries missing, WebAssembly unavailable).
 */
export async function initWasm(): Promise<WasmInfo> {
  const wasmDir = resolveWasmDir();
  if (pathsSet == null) {
    tfwasm.setWasmPaths(wasmDir);
    pathsSet = wasmDir;
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  if (!simd) throw new Error('wasm: this runtime lacks WebAssembly SIMD');
  registerWasmGradKernels();
  const want = requestedThreads();
  let threadNote: string | undefined;
  if (want > 1) {
    try {
      await startWasm(want);
      return { simd, threads: want, wasmDir };
    } catch (e) {
      threadNote = `${want} threads failed: ${e instanceof Error ? e.message : String(e)}`;
      resetWasm();
    }
  }
  await startWasm(1);
  return { simd, threads: 1, threadNote, wasmDir };
}
