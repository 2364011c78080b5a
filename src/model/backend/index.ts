/**
 * Pick and start the tfjs backend at run time.
 *
 * Ladder for 'auto': tensorflow (tfjs-node[-gpu], where installed) → webgpu (only with a GPU adapter)
 * → wasm (the CPU default: SIMD, threads, the gradient kernels wasm lacks) → cpu (pure JS, last resort).
 * A forced backend that cannot start throws an Error naming it and why. Prints nothing: callers print
 * `detail`. Idempotent: a second call with 'auto' or the active name returns the active backend; a
 * call naming another backend switches to it (tensors move lazily between backends).
 */
import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from './tensorflow.ts';
import { initWebgpu } from './webgpu.ts';
import { initWasm } from './wasm.ts';
import { registerMissingGradients } from './gradients.ts';
import { registerCpuKernelFixes } from './wasm-grad-kernels.ts';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** The active backend and a one-line description, e.g. "wasm (SIMD, 2 threads)". */
export interface BackendInfo {
  readonly name: BackendName;
  readonly detail: string;
  /** For 'auto': why each better backend was skipped. */
  readonly skipped?: readonly string[];
}

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

let active: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** Start the pure-JS cpu backend without its "install tfjs-node" console banner. */
async function initCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error("backend 'cpu' failed to start");
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return 'cpu (pure JS; very slow for training)';
}

async function initWasmDetail(): Promise<string> {
  const w = await initWasm();
  const threads = `${w.threads} thread${w.threads > 1 ? 's' : ''}`;
  return `wasm (SIMD, ${threads}${w.threadNote ? `; ${w.threadNote}` : ''})`;
}

const STARTERS: Record<BackendName, () => Promise<string>> = {
  tensorflow: initTensorflow,
  webgpu: initWebgpu,
  wasm: initWasmDetail,
  cpu: initCpu,
};

function parsePreferred(p: string): BackendName | 'auto' {
  if (p === 'auto' || (BACKEND_NAMES as readonly string[]).includes(p)) return p as BackendName | 'auto';
  throw new Error(`unknown backend '${p}' (RECIST_BACKEND or --backend): expected auto, ${BACKEND_NAMES.join(', ')}`);
}

async function start(preferred: BackendName | 'auto'): Promise<BackendInfo> {
  registerMissingGradients();
  registerCpuKernelFixes();
  if (preferred !== 'auto') {
    try {
      return { name: preferred, detail: await STARTERS[preferred]() };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.includes(`'${preferred}'`) ? msg : `backend '${preferred}' unavailable: ${msg}`);
    }
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      return { name, detail: await STARTERS[name](), skipped };
    } catch (e) {
      skipped.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error(`no tfjs backend could start:\n  ${skipped.join('\n  ')}`);
}

/**
 * Start (or return) the tfjs backend. `preferred` defaults to `$RECIST_BACKEND`, else 'auto'.
 * Concurrent calls share one start.
 */
export async function initBackend(preferred: BackendName | 'auto' = (process.env.RECIST_BACKEND as BackendName | undefined) ?? 'auto'): Promise<BackendInfo> {
  const want = parsePreferred(preferred);
  if (pending) await pending.catch(() => undefined);
  if (active && (want === 'auto' || want === active.name)) return active;
  pending = start(want);
  try {
    active = await pending;
    return active;
  } finally {
    pending = null;
  }
}

/** The active backend, or null before `initBackend`. */
export function backendInfo(): BackendInfo | null {
  return active;
}
