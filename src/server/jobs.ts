/**
 * The server's background work: worklist scoring (the ranker), model swaps (fine-tune promotions and rollbacks) and
 * the fine-tune hook's events, relayed to every signed-in reader.
 */
import type { Measurer } from '../model/measurer-types.ts';
import type { ModelChanged, ServerToClientEvents, WorklistRanked } from './events.ts';
import { createRanker, type Ranker } from './ranking.ts';
import type { IoServer } from './sockets.ts';
import { READERS_ROOM, type AppDeps } from './context.ts';
import type { FairQueue } from './inference/fair-queue.ts';
import type { InferencePool } from './inference/pool.ts';

const isPool = (m: Measurer): boolean => typeof (m as Partial<InferencePool>).load === 'function';

export interface Broadcast {
  /**
   * Swaps the model used for proposals, tells every reader (`model:changed`) and re-ranks the worklist with the new
   * model. `info` adds the site version and reason (fine-tune promotions and rollbacks).
   */
  modelChanged(measurer: Measurer, info?: { version?: string; reason?: string }): void;
  /** Re-orders the worklist (most informative first) and tells every reader. */
  worklistRanked(info: WorklistRanked): void;
}

export interface Jobs {
  readonly ranker: Ranker | null;
  readonly broadcast: Broadcast;
  /** The current measurer (changes with `broadcast.modelChanged`). */
  measurer(): Measurer;
  /** The last ranking broadcast. */
  ranking(): WorklistRanked | null;
  /** Connects the jobs to socket.io (broadcasts before this go nowhere). */
  attachIo(io: IoServer): void;
  /** Starts background scoring when configured. */
  start(): void;
  close(): void;
}

/** The lane worklist scoring runs in (reader names cannot contain parentheses). */
export const SCORING_LANE = '(worklist scoring)';

/** `m` with every call queued in `lane` of `queue`. */
export function queuedMeasurer(queue: FairQueue, lane: string, m: Measurer): Measurer {
  return {
    modelVersion: m.modelVersion, backend: m.backend,
    measure: (slice, box) => queue.submit(lane, null, () => m.measure(slice, box)),
    measureBatch: (items, opts) => queue.submit(lane, null, () => m.measureBatch(items, opts)),
    dispose: () => m.dispose(),
  };
}

export function createJobs(deps: AppDeps, queue: FairQueue, isAdmin: (reader: string) => boolean, log: (line: string) => void): Jobs {
  const { dataset, store } = deps;
  const config = deps.config ?? {};
  let measurer = deps.measurer;
  let ranking: WorklistRanked | null = null;
  let io: IoServer | null = null;
  const al = config.activeLearning;
  const ranker: Ranker | null = al ? createRanker({
    dataset, store, strategy: al.strategy, measurer: () => queuedMeasurer(queue, SCORING_LANE, measurer), k: al.k, batchSize: al.batchSize, cacheFile: al.cacheFile ?? null,
    publishEveryMs: al.publishEveryMs, log,
    onRanked: (info) => { ranking = info; io?.to(READERS_ROOM).emit('worklist:ranked', info); },
  }) : null;

  /** Measurers the app loaded itself (fine-tune promotions): disposed once replaced (after in-flight work drained). */
  const owned = new WeakSet<Measurer>();
  const retired = new Map<ReturnType<typeof setTimeout>, Measurer>();
  const broadcast: Broadcast = {
    modelChanged(next, extra) {
      const previous = measurer;
      measurer = next;
      const info: ModelChanged = { modelVersion: next.modelVersion, ...(extra?.version ? { version: extra.version } : {}), ...(extra?.reason ? { reason: extra.reason } : {}) };
      io?.to(READERS_ROOM).emit('model:changed', info);
      if (previous !== next && owned.has(previous)) {
        const t = setTimeout(() => { retired.delete(t); try { previous.dispose(); } catch { /* already gone */ } }, 30_000);
        t.unref();
        retired.set(t, previous);
      }
      void ranker?.rescore(); // scores are per model version: rank again with the new model
    },
    worklistRanked(info) {
      ranking = info;
      io?.to(READERS_ROOM).emit('worklist:ranked', info);
    },
  };
  // ---- fine-tune hook: relay finetune:progress / finetune:done to readers; a promoted or rolled-back model replaces
  // the measurer through broadcast.modelChanged (which emits model:changed itself, after the swap, so a proposal
  // asked for after model:changed always comes from the new version).
  let pendingChange: { version?: string; reason?: string } | null = null;
  deps.fineTune?.attach({
    emit: (event, payload) => {
      if (event === 'model:changed') {
        const p = payload as { version?: string; reason?: string };
        pendingChange = { version: p.version, reason: p.reason };
      } else if (event === 'finetune:progress') io?.to(READERS_ROOM).emit('finetune:progress', payload as Parameters<ServerToClientEvents['finetune:progress']>[0]);
      else if (event === 'finetune:done') io?.to(READERS_ROOM).emit('finetune:done', payload as Parameters<ServerToClientEvents['finetune:done']>[0]);
    },
    isAdmin,
    // an inference pool loads the new version in every worker and stays the measurer; else a new in-process one
    ...(isPool(measurer) ? { loadModel: async (dir: string) => { const pool = measurer as InferencePool; await pool.load(dir); return pool; } } : {}),
    modelChanged: (m) => {
      if (m !== measurer) owned.add(m);
      const extra = pendingChange ?? undefined;
      pendingChange = null;
      broadcast.modelChanged(m, extra);
    },
  });

  return {
    ranker, broadcast,
    measurer: () => measurer,
    ranking: () => ranking,
    attachIo(server) { io = server; },
    start() {
      if (ranker && (al?.scoreOnStart ?? true)) setImmediate(() => { void ranker.rescore(); });
    },
    close() {
      ranker?.close();
      for (const [t, m] of retired) { clearTimeout(t); try { m.dispose(); } catch { /* already gone */ } }
      retired.clear();
    },
  };
}
