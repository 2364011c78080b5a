/**
 * One inference worker thread of the pool (pool.ts): loads models with the existing `createMeasurer` (or the classical
 * fallback when there is no trained model) and answers measure requests, one at a time, so the server's main thread
 * never runs tfjs. Several model versions may be loaded at once while the pool switches between them; `drop` disposes
 * one after its last request.
 *
 * The thread lowers its own scheduling priority (Linux: nice is per thread) by `RECIST_INFERENCE_NICE` (default 10),
 * so that saves and worklist requests on the main thread are served first when the cores are busy.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { getPriority, setPriority } from 'node:os';
import type { Measurer, Proposal } from '../../model/measurer-types.ts';
import { fallbackMeasurer } from '../fallback-measurer.ts';
import type { FromWorker, ModelRef, ToWorker } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('src/server/inference/worker.ts runs as a worker thread of the inference pool');

function lowerPriority(): number | null {
  const by = Number(process.env.RECIST_INFERENCE_NICE ?? 10);
  try {
    if (Number.isFinite(by) && by > 0) setPriority(0, Math.min(19, getPriority(0) + Math.round(by)));
    return getPriority(0);
  } catch {
    return null;
  }
}
const nice = lowerPriority();

const models = new Map<number, { measurer: Promise<Measurer>; inUse: number; dropped: boolean }>();
const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const text = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function load(model: ModelRef): Promise<Measurer> {
  if (model.modelDir === null) return fallbackMeasurer();
  const { createMeasurer } = await import('../../model/measurer.ts');
  return createMeasurer({ modelDir: model.modelDir, backend: (model.backend ?? process.env.RECIST_BACKEND ?? 'auto') as 'auto' });
}

const release = (key: number): void => {
  const m = models.get(key);
  if (!m || m.inUse > 0 || !m.dropped) return;
  models.delete(key);
  void m.measurer.then((x) => x.dispose()).catch(() => {});
};

/** The maps' buffers go back without a copy. */
const buffersOf = (ps: readonly Proposal[]): ArrayBuffer[] => {
  const out = new Set<ArrayBuffer>();
  for (const p of ps) for (const m of [p.heatmaps, p.mask]) if (m && m.data.buffer instanceof ArrayBuffer) out.add(m.data.buffer);
  return [...out];
};

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'load') {
    let entry = models.get(msg.model.key);
    if (!entry) {
      entry = { measurer: load(msg.model), inUse: 0, dropped: false };
      models.set(msg.model.key, entry);
    }
    entry.measurer
      .then((m) => send({ type: 'loaded', id: msg.id, key: msg.model.key, modelVersion: m.modelVersion, backend: m.backend }))
      .catch((err: unknown) => { models.delete(msg.model.key); send({ type: 'error', id: msg.id, message: `loading ${msg.model.modelDir ?? 'the classical fallback'}: ${text(err)}` }); });
  } else if (msg.type === 'measure') {
    const entry = models.get(msg.key);
    if (!entry) { send({ type: 'error', id: msg.id, message: `model ${msg.key} is not loaded in this worker` }); return; }
    entry.inUse++;
    void entry.measurer
      .then((m) => (msg.items.length === 1 && msg.jitter !== false ? m.measure(msg.items[0].slice, msg.items[0].box).then((p) => [p]) : m.measureBatch(msg.items, { jitter: msg.jitter })))
      .then((proposals) => send({ type: 'result', id: msg.id, proposals }, buffersOf(proposals)))
      .catch((err: unknown) => send({ type: 'error', id: msg.id, message: text(err) }))
      .finally(() => { entry.inUse--; release(msg.key); });
  } else if (msg.type === 'drop') {
    const entry = models.get(msg.key);
    if (entry) { entry.dropped = true; release(msg.key); }
  }
});
send({ type: 'ready', threadId, nice });
