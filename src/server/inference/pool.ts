/**
 * Inference off the event loop: a pool of worker threads (`node:worker_threads`, worker.ts), each with the model
 * loaded through the existing `createMeasurer`, behind the `Measurer` interface. The main thread only posts the slice
 * and box and receives the proposal; tfjs runs in the workers alone.
 *
 *   const pool = await createInferencePool({ modelDir, size: 2 });
 *   const p = await pool.measure(slice, box);      // on whichever worker is free
 *   await pool.load(promotedDir);                  // every worker has it before the next proposal is dispatched
 *
 * Model changes: `load` loads the new version in every worker (old requests keep running on the old one), then
 * switches; a request dispatched after `load` resolved always runs on the new version, on every worker, and a worker
 * started later (a replacement) loads it before it takes work. A worker that exits or crashes is replaced; the
 * request it was running is rejected with an error that says so (never dropped silently).
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CtSlice } from '../../data/types.ts';
import { REPO_ROOT } from '../../data/paths.ts';
import type { Box } from '../../geometry/types.ts';
import type { Measurer, Proposal } from '../../model/measurer-types.ts';
import type { FromWorker, ModelRef, ToWorker } from './protocol.ts';

export interface InferencePoolOptions {
  /** Model folder, or null for the classical fallback (no trained model). */
  readonly modelDir: string | null;
  /** Worker threads (default: the machine's cores, `availableParallelism()`). */
  readonly size?: number;
  /** tfjs backend in the workers (default $RECIST_BACKEND, else auto). Each worker runs single-threaded wasm. */
  readonly backend?: string;
  /** How much each worker thread lowers its own priority (nice increment, default 10; 0 = none). */
  readonly nice?: number;
  readonly log?: (line: string) => void;
  /** Worker entry (default src/server/inference/worker.ts). */
  readonly workerPath?: string;
}

export interface WorkerInfo {
  readonly threadId: number;
  readonly busy: boolean;
  /** Model keys loaded in it (the pool numbers every load). */
  readonly keys: readonly number[];
  /** The thread's nice value as it reported it, null when unknown. */
  readonly nice: number | null;
}

/** A Measurer that can run `concurrency` requests at once. */
export interface ParallelMeasurer extends Measurer {
  readonly concurrency: number;
}

export interface InferencePool extends ParallelMeasurer {
  /** The folder the current model came from (null: classical fallback). */
  readonly modelDir: string | null;
  /** Loads `modelDir` in every worker, then makes it current. Throws (keeping the old model) when it does not load. */
  load(modelDir: string | null): Promise<void>;
  threads(): readonly WorkerInfo[];
  /** Workers started to replace ones that exited. */
  readonly restarts: number;
  /** Stops one worker thread as a crash would (tests, operators); it is replaced. */
  terminateWorker(threadId: number): Promise<void>;
}

/** A request lost with its worker. */
export class WorkerGoneError extends Error {}

interface Loaded { readonly modelVersion: string; readonly backend: string }
interface Call { resolve(v: FromWorker): void; reject(e: Error): void }
interface Job { items: readonly { slice: CtSlice; box: Box }[]; jitter?: boolean; resolve(p: Proposal[]): void; reject(e: Error): void }
interface Slot {
  worker: Worker;
  threadId: number;
  started: Promise<void>;
  nice: number | null;
  keys: Map<number, Loaded>;
  loading: Map<number, Promise<Loaded>>;
  calls: Map<number, Call>;
  busy: Job | null;
  gone: boolean;
  startedAt: number;
}

const DEFAULT_WORKER = join(REPO_ROOT, 'src', 'server', 'inference', 'worker.ts');

/** tsx's ESM register entry: worker threads do not inherit the parent's `--import tsx` hooks. */
function tsxApiUrl(): string {
  const pkg = createRequire(join(REPO_ROOT, 'package.json')).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist', 'esm', 'api', 'index.mjs')).href;
}

const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function createInferencePool(o: InferencePoolOptions): Promise<InferencePool> {
  const size = Math.max(1, Math.floor(o.size ?? availableParallelism()));
  const log = o.log ?? (() => {});
  const file = o.workerPath ?? DEFAULT_WORKER;
  const bootstrap = /\.[cm]?ts$/.test(file)
    ? `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`
    : `import(${JSON.stringify(pathToFileURL(file).href)});`;
  const env = { ...process.env, RECIST_WASM_THREADS: '1', RECIST_INFERENCE_NICE: String(o.nice ?? 10) };

  let nextId = 1;
  let nextKey = 1;
  let disposed = false;
  let restarts = 0;
  let recentFailures = 0;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let current: { ref: ModelRef; modelVersion: string; backend: string } | null = null;

  const call = (slot: Slot, msg: ToWorker & { id: number }): Promise<FromWorker> => new Promise((resolve, reject) => {
    if (slot.gone) { reject(new WorkerGoneError(`inference worker (thread ${slot.threadId}) is gone`)); return; }
    slot.calls.set(msg.id, { resolve, reject });
    slot.worker.postMessage(msg);
  });

  /** Loads `ref` in one worker (once); resolves with what the worker reports about it. */
  const loadIn = (slot: Slot, ref: ModelRef): Promise<Loaded> => {
    const have = slot.keys.get(ref.key);
    if (have) return Promise.resolve(have);
    let p = slot.loading.get(ref.key);
    if (!p) {
      p = slot.started.then(() => call(slot, { type: 'load', id: nextId++, model: ref })).then((m) => {
        if (m.type === 'error') throw new Error(m.message);
        if (m.type !== 'loaded') throw new Error(`inference worker answered ${m.type} to a load`);
        const info = { modelVersion: m.modelVersion, backend: m.backend };
        slot.keys.set(ref.key, info);
        return info;
      }).finally(() => slot.loading.delete(ref.key));
      slot.loading.set(ref.key, p);
    }
    return p;
  };

  const dispatch = (slot: Slot, job: Job, key: number): void => {
    slot.busy = job;
    const id = nextId++;
    call(slot, { type: 'measure', id, key, items: job.items, ...(job.jitter !== undefined ? { jitter: job.jitter } : {}) })
      .then((m) => {
        if (m.type === 'result') job.resolve(m.proposals);
        else job.reject(new Error(m.type === 'error' ? m.message : `inference worker answered ${m.type} to a measure`));
      }, (err: Error) => job.reject(err))
      .finally(() => { if (slot.busy === job) slot.busy = null; pump(); });
  };

  /** Hands queued requests to idle workers that hold the current model (loading it first where missing). */
  const pump = (): void => {
    if (disposed || !current) return;
    const ref = current.ref;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.gone || slot.busy) continue;
      if (!slot.keys.has(ref.key)) {
        if (!slot.loading.has(ref.key)) {
          loadIn(slot, ref).then(pump, (err: unknown) => log(`inference: worker ${slot.threadId} could not load ${ref.modelDir ?? 'the classical fallback'}: ${text(err)}`));
        }
        continue;
      }
      dispatch(slot, queue.shift()!, ref.key);
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(bootstrap, { eval: true, env });
    worker.unref(); // a server that closes without dispose() still exits
    const slot: Slot = {
      worker, threadId: worker.threadId, nice: null, keys: new Map(), loading: new Map(), calls: new Map(), busy: null, gone: false,
      started: Promise.resolve(), startedAt: Date.now(),
    };
    let ready!: () => void;
    let failed!: (e: Error) => void;
    slot.started = new Promise<void>((res, rej) => { ready = res; failed = rej; });
    slot.started.catch(() => {});
    let lastError = '';
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') { slot.nice = m.nice; ready(); return; }
      const c = slot.calls.get(m.id);
      if (!c) return;
      slot.calls.delete(m.id);
      c.resolve(m);
    });
    worker.on('error', (err) => { lastError = text(err); });
    worker.once('exit', (code) => {
      slot.gone = true;
      const why = `inference worker (thread ${slot.threadId}) stopped (exit code ${code}${lastError ? `: ${lastError}` : ''})`;
      const gone = new WorkerGoneError(`${why} while measuring; the proposal was not made, ask again`);
      failed(new WorkerGoneError(why));
      for (const c of slot.calls.values()) c.reject(gone);
      slot.calls.clear();
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      if (disposed) return;
      log(`inference: ${why}; starting a replacement`);
      recentFailures = Date.now() - slot.startedAt < 10_000 ? recentFailures + 1 : 0;
      const delay = recentFailures === 0 ? 0 : Math.min(30_000, 250 * 2 ** Math.min(recentFailures, 7));
      const t = setTimeout(() => {
        if (disposed) return;
        restarts++;
        const s = spawn();
        slots.push(s);
        if (current) loadIn(s, current.ref).then(pump, (err: unknown) => log(`inference: replacement worker could not load the model: ${text(err)}`));
      }, delay);
      t.unref();
    });
    return slot;
  };

  for (let i = 0; i < size; i++) slots.push(spawn());
  const first: ModelRef = { key: nextKey++, modelDir: o.modelDir, backend: o.backend };
  try {
    const infos = await Promise.all(slots.map((s) => loadIn(s, first)));
    current = { ref: first, ...infos[0] };
  } catch (err) {
    disposed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw new Error(`inference workers could not load ${o.modelDir ?? 'the classical fallback'}: ${text(err)}`);
  }

  const submit = (items: readonly { slice: CtSlice; box: Box }[], jitter: boolean | undefined): Promise<Proposal[]> =>
    new Promise<Proposal[]>((resolve, reject) => {
      if (disposed) { reject(new Error('the inference pool is closed')); return; }
      queue.push({ items, jitter, resolve, reject });
      pump();
    });

  let loads: Promise<void> = Promise.resolve();
  const pool: InferencePool = {
    concurrency: size,
    get modelVersion() { return current!.modelVersion; },
    get backend() { return current!.backend; },
    get modelDir() { return current!.ref.modelDir; },
    get restarts() { return restarts; },
    measure(slice, box) {
      return submit([{ slice, box }], undefined).then((ps) => ps[0]);
    },
    measureBatch(items, opts) {
      return submit(items, opts?.jitter);
    },
    load(modelDir) {
      const run = async (): Promise<void> => {
        if (disposed) throw new Error('the inference pool is closed');
        const ref: ModelRef = { key: nextKey++, modelDir, backend: o.backend };
        const live = slots.filter((s) => !s.gone);
        const results = await Promise.allSettled(live.map((s) => loadIn(s, ref)));
        const failures = results.flatMap((r) => (r.status === 'rejected' && !(r.reason instanceof WorkerGoneError) ? [r.reason as unknown] : []));
        if (failures.length > 0 || results.every((r) => r.status === 'rejected')) {
          for (const s of slots) if (!s.gone) s.worker.postMessage({ type: 'drop', key: ref.key } satisfies ToWorker);
          throw new Error(`model ${modelDir ?? 'classical fallback'} did not load in the inference workers: ${text(failures[0] ?? (results[0] as PromiseRejectedResult).reason)}`);
        }
        const old = current!.ref;
        const info = results.find((r): r is PromiseFulfilledResult<Loaded> => r.status === 'fulfilled')!.value;
        current = { ref, ...info };
        for (const s of slots) {
          if (s.gone) continue;
          s.keys.delete(old.key);
          s.worker.postMessage({ type: 'drop', key: old.key } satisfies ToWorker);
        }
        log(`inference: ${slots.length} worker(s) now on ${current.modelVersion}`);
        pump();
      };
      const p = loads.then(run, run);
      loads = p.catch(() => {});
      return p;
    },
    threads: () => slots.map((s) => ({ threadId: s.threadId, busy: s.busy !== null, keys: [...s.keys.keys()], nice: s.nice })),
    async terminateWorker(threadId) {
      const s = slots.find((x) => x.threadId === threadId);
      if (!s) throw new Error(`no inference worker with thread id ${threadId}`);
      await s.worker.terminate();
    },
    dispose() {
      disposed = true;
      const closed = new Error('the inference pool is closed');
      for (const j of queue.splice(0)) j.reject(closed);
      for (const s of slots) void s.worker.terminate();
    },
  };
  return pool;
}
