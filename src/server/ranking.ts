/**
 * Server-side worklist ranking (active learning): scores the unlabeled lesions with the CURRENT model in the
 * background (small `measureBatch` batches, yielding to the event loop between them, so requests are never blocked),
 * keeps the scores in a `ScoreCache` keyed by model version (src/active/scores.ts), and orders each reader's
 * worklist with a strategy (src/active/strategies.ts `rankWorklist`): the top-k rotated by last hand-out, so two
 * readers asking at the same time are handed different lesions.
 *
 * A lesion is scored on the box a reader would plausibly draw before anyone drew one: the paper's simulated rough box
 * around the dataset's reference mark (src/eval/run.ts `roughBoxFor`, seed 0) when there is one, else the lesion's
 * own box (`LesionItem.box`), else the box of a stored label of that lesion; with none of these it is not scored and
 * ranks last. After a model change the cache drops the old version's scores and a new pass starts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { getStrategy, rankWorklist, type Strategy } from '../active/strategies.ts';
import { ScoreCache, type LesionScore } from '../active/scores.ts';
import { ttaSpread } from '../active/uncertainty.ts';
import type { CtSlice } from '../data/types.ts';
import { clipBox, roughBoxFor, validateBox } from '../geometry/box.ts';
import { entropyPx, mapRecist } from '../geometry/recist.ts';
import type { Box, Point, Recist } from '../geometry/types.ts';
import type { Measurer } from '../model/measurer-types.ts';
import { writeFileAtomic } from '../model/versions.ts';
import type { Dataset, LesionItem } from './datasets.ts';
import type { WorklistRanked } from './events.ts';

/** Rough-box seed used to score lesions (the `recist eval` protocol's seed 0). */
export const SCORE_BOX_SEED = 0;

export interface RankerOptions {
  readonly dataset: Dataset;
  /** Latest label per lesion (labeled lesions are never ranked) and stored boxes. */
  readonly store: { latestByLesion(dataset?: string): ReadonlyMap<string, { readonly box: Box | null; readonly status: string }> ; labels(): readonly { readonly lesionId: string; readonly dataset: string; readonly box: Box | null }[] };
  /** `entropy` | `tta` | `random` | `first`. */
  readonly strategy: string;
  /** The measurer proposals currently come from (read at the start of every batch). */
  readonly measurer: () => Measurer;
  /** Called with the global ranking after each scoring pass (and during long passes). */
  readonly onRanked: (info: WorklistRanked) => void;
  /** Size of the rotated top window (default 10). */
  readonly k?: number;
  /** Lesions per measureBatch call (default 4). */
  readonly batchSize?: number;
  /** Seed of the random strategy (default 0). */
  readonly seed?: number;
  /** During a long pass, publish a ranking at most this often (ms, default 5000). */
  readonly publishEveryMs?: number;
  /** Persist scores here (JSON, atomic) so a restart does not rescore; null = memory only. */
  readonly cacheFile?: string | null;
  readonly log?: (line: string) => void;
}

export interface WorklistOrder {
  /** Unlabeled lesions: ranked (rotated top-k first), unscored ones last. */
  readonly order: readonly string[];
  readonly scores: Readonly<Record<string, number>>;
  /** The lesion handed out by this request (recorded as served), or null when nothing is left. */
  readonly next: string | null;
}

export interface Ranker {
  readonly strategy: string;
  /** The order for one request; `serve` records the first lesion as handed out (the next caller gets another). */
  order(opts?: { serve?: boolean }): WorklistOrder;
  /** The global ranking (no rotation), as broadcast. */
  ranked(): WorklistRanked;
  /** Start (or restart, for a new model version) background scoring; resolves when the pass ended. */
  rescore(): Promise<void>;
  /** Resolves when no pass is running. */
  idle(): Promise<void>;
  /** The box a lesion is scored on, or null (not scored). */
  scoreBox(lesion: LesionItem, stored?: ReadonlyMap<string, Box>): Box | null;
  readonly cache: ScoreCache;
  close(): void;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Exact pixel permutations of a slice (and their inverse on points), for test-time augmentation via any Measurer. */
const TTA: readonly { name: string; slice: (s: CtSlice) => CtSlice; point: (p: Point, s: CtSlice) => Point; back: (p: Point, s: CtSlice) => Point }[] = [
  { name: 'identity', slice: (s) => s, point: (p) => p, back: (p) => p },
  {
    name: 'hflip',
    slice: (s) => {
      const hu = new Float32Array(s.hu.length);
      for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) hu[y * s.width + (s.width - 1 - x)] = s.hu[y * s.width + x];
      return { ...s, hu };
    },
    point: (p, s) => ({ x: s.width - 1 - p.x, y: p.y }), back: (p, s) => ({ x: s.width - 1 - p.x, y: p.y }),
  },
  {
    name: 'vflip',
    slice: (s) => {
      const hu = new Float32Array(s.hu.length);
      for (let y = 0; y < s.height; y++) hu.set(s.hu.subarray(y * s.width, (y + 1) * s.width), (s.height - 1 - y) * s.width);
      return { ...s, hu };
    },
    point: (p, s) => ({ x: p.x, y: s.height - 1 - p.y }), back: (p, s) => ({ x: p.x, y: s.height - 1 - p.y }),
  },
  {
    name: 'transpose',
    slice: (s) => {
      const hu = new Float32Array(s.hu.length);
      for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) hu[x * s.height + y] = s.hu[y * s.width + x];
      return { ...s, width: s.height, height: s.width, hu, spacing: s.spacing ? { x: s.spacing.y, y: s.spacing.x } : s.spacing };
    },
    point: (p) => ({ x: p.y, y: p.x }), back: (p) => ({ x: p.y, y: p.x }),
  },
];

const boxThrough = (b: Box, f: (p: Point) => Point): Box => {
  const a = f({ x: b.x1, y: b.y1 }), c = f({ x: b.x2, y: b.y2 });
  return { x1: Math.min(a.x, c.x), y1: Math.min(a.y, c.y), x2: Math.max(a.x, c.x), y2: Math.max(a.y, c.y) };
};

export function createRanker(o: RankerOptions): Ranker {
  const strategy: Strategy = getStrategy(o.strategy);
  const uses = strategy.info().uses;
  const k = o.k ?? 10;
  const batchSize = Math.max(1, o.batchSize ?? 4);
  const log = o.log ?? (() => {});
  const { dataset } = o;
  const cache = loadCache(o.cacheFile ?? null, dataset.id);
  const served = new Map<string, number>();
  /** Lesions whose scoring threw under the current model version (not retried until the next version). */
  const failed = new Set<string>();
  let generation = 0;
  let running: Promise<void> | null = null;
  let closed = false;

  /** The last stored box of each lesion of this dataset (for lesions with neither a reference nor a box). */
  const labelBoxes = (): Map<string, Box> => {
    const out = new Map<string, Box>();
    for (const l of o.store.labels()) if (l.dataset === dataset.id && l.box) out.set(l.lesionId, l.box);
    return out;
  };
  const scoreBox = (lesion: LesionItem, stored?: ReadonlyMap<string, Box>): Box | null => {
    let box: Box | null = null;
    if (lesion.reference) box = roughBoxFor(lesion.reference, lesion.id, SCORE_BOX_SEED, lesion.width, lesion.height);
    else if (lesion.box) box = lesion.box;
    else box = (stored ?? labelBoxes()).get(lesion.id) ?? null;
    if (!box) return null;
    try {
      const clipped = clipBox(box, lesion.width, lesion.height);
      validateBox(clipped, lesion.width, lesion.height, `score box of ${lesion.id}`);
      return clipped;
    } catch {
      return null;
    }
  };
  /** Boxes from the reference mark or the lesion's own box never change: computed once. */
  const boxes = new Map<string, Box | null>();
  let storedBoxes: Map<string, Box> | null = null;
  const boxOf = (l: LesionItem): Box | null => {
    if (!l.reference && !l.box) return scoreBox(l, storedBoxes ??= labelBoxes());
    if (!boxes.has(l.id)) boxes.set(l.id, scoreBox(l));
    return boxes.get(l.id) ?? null;
  };

  const labeledSet = (): Set<string> => new Set(o.store.latestByLesion(dataset.id).keys());
  const ids = dataset.lesions.map((l) => l.id);
  const scoreable = (labeled: ReadonlySet<string>): LesionItem[] => {
    if (uses === null) return [];
    storedBoxes = null;
    const out = dataset.lesions.filter((l) => !labeled.has(l.id) && !failed.has(l.id) && boxOf(l) !== null);
    return out;
  };

  const progress = (labeled: ReadonlySet<string>): { done: number; total: number } | undefined => {
    if (uses === null) return undefined;
    const todo = scoreable(labeled);
    return { done: todo.length - cache.missing(todo.map((l) => l.id)).length, total: todo.length };
  };

  const ranked = (): WorklistRanked => {
    const labeled = labeledSet();
    const r = rankWorklist(ids, cache.snapshot(), strategy, { k: 1, labeled, seed: o.seed ?? 0 });
    const scored = progress(labeled);
    return { order: r.order, scores: r.scores, modelVersion: cache.modelVersion ?? o.measurer().modelVersion, strategy: strategy.info().name, ...(scored ? { scored } : {}) };
  };

  const publish = (): void => {
    if (closed) return;
    try {
      o.onRanked(ranked());
    } catch (err) {
      log(`ranking: publish failed: ${errorText(err)}`);
    }
  };

  const persist = async (): Promise<void> => {
    if (!o.cacheFile || uses === null) return;
    try {
      await writeFileAtomic(o.cacheFile, JSON.stringify({ dataset: dataset.id, cache: cache.toJSON() }));
    } catch (err) {
      log(`ranking: could not write ${o.cacheFile}: ${errorText(err)}`);
    }
  };

  /** Scores for one batch with measurer `m`. */
  const scoreBatch = async (m: Measurer, batch: readonly LesionItem[]): Promise<Map<string, Omit<LesionScore, 'time'>>> => {
    const out = new Map<string, Omit<LesionScore, 'time'>>();
    const items = batch.map((l) => ({ lesion: l, slice: dataset.slice(l.sliceRef), box: boxOf(l)! }));
    // The uncertainty is the reader's box's whatever the read-out averages over: scored without the box jitter.
    const props = await m.measureBatch(items.map((i) => ({ slice: i.slice, box: i.box })), { jitter: false });
    items.forEach((it, j) => {
      const entropies = props[j].entropies;
      out.set(it.lesion.id, {
        lesionId: it.lesion.id, modelVersion: props[j].modelVersion, entropy: props[j].entropy,
        entropyPx: entropyPx(props[j].entropy, props[j].recist), entropies: entropies ? [...entropies] : undefined,
      });
    });
    if (uses === 'tta') {
      for (const it of items) {
        const views = TTA.slice(1).map((t) => {
          const s = t.slice(it.slice);
          return { t, slice: s, box: clipBox(boxThrough(it.box, (p) => t.point(p, it.slice)), s.width, s.height) };
        });
        const extra = await m.measureBatch(views.map((v) => ({ slice: v.slice, box: v.box })), { jitter: false });
        const base = props[items.indexOf(it)].recist;
        const all: Recist[] = [base, ...extra.map((p, j) => mapRecist(p.recist, (q) => views[j].t.back(q, it.slice)))];
        const prev = out.get(it.lesion.id)!;
        out.set(it.lesion.id, { ...prev, tta: ttaSpread(all).relative });
      }
    }
    return out;
  };

  const pass = async (gen: number): Promise<void> => {
    const m = o.measurer();
    if (cache.useModel(m.modelVersion)) failed.clear();
    if (uses === null) { publish(); return; }
    let lastPublish = Date.now();
    const t0 = Date.now();
    let n = 0;
    const todo = scoreable(labeledSet()).filter((l) => !cache.get(l.id));
    for (let i = 0; i < todo.length; i += batchSize) {
      await new Promise<void>((r) => setImmediate(r));
      if (closed || gen !== generation) return;
      const labeled = o.store.latestByLesion(dataset.id);
      const batch = todo.slice(i, i + batchSize).filter((l) => !labeled.has(l.id) && !cache.get(l.id));
      if (batch.length === 0) continue;
      try {
        const scores = await scoreBatch(m, batch);
        if (gen !== generation) return;
        for (const s of scores.values()) {
          if (!cache.set(s)) { failed.add(s.lesionId); log(`ranking: ${s.lesionId} scored as ${s.modelVersion}, expected ${cache.modelVersion}`); }
        }
        n += batch.length;
      } catch (err) {
        // one bad lesion must not stall the pass: score the batch one by one, remembering the failures
        for (const l of batch) {
          try {
            const s = (await scoreBatch(m, [l])).get(l.id)!;
            if (!cache.set(s)) failed.add(l.id);
          } catch (e) {
            failed.add(l.id);
            log(`ranking: scoring ${l.id} failed: ${errorText(e)}`);
          }
        }
        if (batch.length > 1) log(`ranking: batch failed (${errorText(err)}); scored one by one`);
      }
      if (Date.now() - lastPublish > (o.publishEveryMs ?? 5000)) { lastPublish = Date.now(); publish(); }
    }
    if (gen !== generation) return;
    if (n > 0) log(`ranking: scored ${n} lesion(s) with ${m.modelVersion} (${strategy.info().name}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    publish();
    if (n > 0) await persist();
  };

  const ranker: Ranker = {
    strategy: strategy.info().name,
    cache,
    scoreBox,
    ranked,
    order({ serve = false } = {}) {
      const labeled = labeledSet();
      const scores = cache.snapshot();
      // rotate only among scored lesions: an unscored one must never jump ahead of scored ones
      const scoredCandidates = uses === null ? ids.length : ids.filter((id) => !labeled.has(id) && scores.has(id)).length;
      const kEff = Math.max(1, Math.min(k, scoredCandidates));
      const r = rankWorklist(ids, scores, strategy, { k: kEff, served, labeled, seed: o.seed ?? 0 });
      const next = r.order[0] ?? null;
      if (serve && next !== null) {
        const latest = Math.max(0, ...served.values());
        served.set(next, Math.max(Date.now(), latest + 1e-3));
      }
      return { order: r.order, scores: r.scores, next };
    },
    rescore() {
      if (closed) return Promise.resolve();
      const gen = ++generation;
      const previous = running;
      const p: Promise<void> = (async () => {
        if (previous) await previous.catch(() => {});
        if (gen !== generation) return;
        await pass(gen);
      })().catch((err: unknown) => log(`ranking: scoring pass failed: ${errorText(err)}`)).finally(() => { if (running === p) running = null; });
      running = p;
      return p;
    },
    async idle() {
      while (running) await running;
    },
    close() {
      closed = true;
      generation++;
    },
  };
  return ranker;
}

function loadCache(file: string | null, datasetId: string): ScoreCache {
  if (!file || !existsSync(file)) return new ScoreCache();
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { dataset?: unknown; cache?: unknown };
    return j.dataset === datasetId ? ScoreCache.fromJSON(j.cache) : new ScoreCache();
  } catch {
    return new ScoreCache();
  }
}
