/**
 * Training samples generated in worker threads, so a fast accelerator is not starved by the single JS
 * thread (a synthetic sample costs ~15 ms of CPU; a GPU step on 32 of them is faster than that).
 *
 * The worker runs the process's own entry script (`process.argv[1]`, a tsx entry or an esbuild bundle):
 * entry points call `runSampleWorkerIfRequested()` first thing, which serves requests and returns true
 * inside a worker.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createRng } from '../geometry/random.ts';
import type { Sample } from './samples.ts';
import { createTrainingSource, type TrainingSourceOptions } from './training-source.ts';

const ROLE = 'recist-sample-worker';

interface WorkerInit {
  readonly role: typeof ROLE;
  readonly seed: number;
  readonly source: TrainingSourceOptions;
}

/** In a sample worker: serve `{count}` requests with fresh samples and return true. Elsewhere: false. */
export function runSampleWorkerIfRequested(): boolean {
  if (isMainThread || (workerData as WorkerInit | undefined)?.role !== ROLE || !parentPort) return false;
  const init = workerData as WorkerInit;
  const port = parentPort;
  createTrainingSource(init.source).then((source) => {
    const rng = createRng(init.seed);
    port.on('message', (msg: { id: number; count: number }) => {
      const samples = source.sample(msg.count, rng);
      const transfer = [...new Set(samples.flatMap((s) => [s.input.buffer, s.mask32.buffer, s.heatmaps.data.buffer]))] as ArrayBuffer[];
      port.postMessage({ id: msg.id, samples, stats: source.stats() }, transfer);
    });
    port.postMessage({ ready: true, describe: source.describe() });
  }, (err: Error) => port.postMessage({ failed: `${err.message}` }));
  return true;
}

export interface SampleWorkerPool {
  /** `count` samples, split over the workers; batches are prefetched so the caller rarely waits. */
  sample(count: number): Promise<Sample[]>;
  describe(): string;
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Start `n` workers (default: cores − 1) generating samples from `source` with seeds seed, seed+1, ... */
export async function startSampleWorkers(source: TrainingSourceOptions, seed: number, n = Math.max(1, cpus().length - 1)): Promise<SampleWorkerPool> {
  const entry = process.argv[1];
  if (!entry) throw new Error('sample workers need the entry script in process.argv[1]');
  const workers: Worker[] = [];
  let describe = '';
  const stats: Record<string, unknown>[] = [];
  const pending = new Map<number, (s: Sample[]) => void>();
  let nextId = 0;
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise<void>((resolve, reject) => {
    const data: WorkerInit = { role: ROLE, seed: seed + i * 7919, source };
    // A TypeScript entry (tsx) registers the tsx loader inside the worker first; a bundled .cjs/.js entry runs as is.
    const w = /\.m?tsx?$/.test(entry)
      ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); })`, { eval: true, workerData: data })
      : new Worker(entry, { workerData: data });
    let ready = false;
    w.on('error', reject);
    w.on('exit', (code) => {
      if (!ready) reject(new Error(`sample worker ${i} exited (code ${code}) before it was ready`));
    });
    w.on('message', (msg: { ready?: boolean; failed?: string; describe?: string; id?: number; samples?: Sample[]; stats?: Record<string, unknown> }) => {
      if (msg.failed) return reject(new Error(`sample worker ${i}: ${msg.failed}`));
      if (msg.ready) {
        ready = true;
        describe = msg.describe ?? '';
        resolve();
        return;
      }
      if (msg.id !== undefined && msg.samples) {
        stats[i] = msg.stats ?? {};
        pending.get(msg.id)?.(msg.samples);
        pending.delete(msg.id);
      }
    });
    workers.push(w);
  })));
  let rr = 0;
  const request = (count: number): Promise<Sample[]> => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    workers[rr++ % workers.length].postMessage({ id, count });
  });
  const fetchBatch = async (count: number): Promise<Sample[]> => {
    const per = Math.ceil(count / workers.length);
    const parts = await Promise.all(Array.from({ length: Math.ceil(count / per) }, (_, i) => request(Math.min(per, count - i * per))));
    return parts.flat();
  };
  const queue: { count: number; promise: Promise<Sample[]> }[] = [];
  const PREFETCH = 3;
  return {
    async sample(count) {
      while (queue.length < PREFETCH) queue.push({ count, promise: fetchBatch(count) });
      const head = queue.shift()!;
      queue.push({ count, promise: fetchBatch(count) });
      const got = await head.promise;
      return got.length === count ? got : [...got, ...(await fetchBatch(count - got.length))].slice(0, count);
    },
    describe: () => `${describe} (${workers.length} worker threads)`,
    stats: () => {
      const total: Record<string, number> = {};
      for (const s of stats) for (const [k, v] of Object.entries(s ?? {})) if (typeof v === 'number' && /Samples$/.test(k)) total[k] = (total[k] ?? 0) + v;
      return { ...(stats[0] ?? {}), ...total };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
