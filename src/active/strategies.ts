/**
 * Worklist strategies (after MONAI Label's `strategy` tasks): each is a `(request, scores) → ranking` function with
 * `info()`, kept in a registry keyed by name. Strategies only read scores (src/active/scores.ts); they never score.
 *
 * `rankWorklist` adds what a multi-reader worklist needs on top of a strategy: labeled lesions are excluded, the
 * top-k most informative lesions come first, and within that top-k the least recently served lesion comes first, so
 * two readers asking at the same time are sent different lesions (`serveNext` records each hand-out).
 */
import type { LesionScore } from './scores.ts';
import { hash32 } from '../geometry/random.ts';

export interface RankRequest {
  /** Candidate lesion ids in dataset order. */
  readonly items: readonly string[];
  /** Lesions that already have a label (never ranked). */
  readonly labeled?: ReadonlySet<string>;
  /** Seed of the `random` strategy (same seed, same order). */
  readonly seed?: number;
}

export interface Ranking {
  /** Unlabeled lesion ids, most informative first. */
  readonly order: readonly string[];
  /** The strategy's score per ranked id (higher = look first). */
  readonly scores: Readonly<Record<string, number>>;
}

export interface StrategyInfo {
  readonly name: string;
  readonly description: string;
  /** Which score the strategy reads from the cache (null: needs none). */
  readonly uses: 'entropy' | 'tta' | null;
}

export type Strategy = ((request: RankRequest, scores: ReadonlyMap<string, LesionScore>) => Ranking) & {
  info(): StrategyInfo;
};

function defineStrategy(info: StrategyInfo, fn: (request: RankRequest, scores: ReadonlyMap<string, LesionScore>) => Ranking): Strategy {
  return Object.assign(fn, { info: () => info });
}

const candidates = (r: RankRequest): string[] => r.items.filter((id) => !r.labeled?.has(id));

/** Sort by descending score; unscored lesions (NaN) last in dataset order; ties keep dataset order. */
function byScore(ids: readonly string[], score: (id: string) => number | undefined): Ranking {
  const scores: Record<string, number> = {};
  const keyed = ids.map((id, i) => {
    const s = score(id);
    if (s !== undefined && Number.isFinite(s)) scores[id] = s;
    return { id, i, s: s !== undefined && Number.isFinite(s) ? s : -Infinity };
  });
  keyed.sort((a, b) => b.s - a.s || a.i - b.i);
  return { order: keyed.map((k) => k.id), scores };
}

export const entropyStrategy = defineStrategy(
  { name: 'entropy', description: 'mean normalized heatmap entropy of the current model, highest first (unscored lesions last)', uses: 'entropy' },
  (req, scores) => byScore(candidates(req), (id) => scores.get(id)?.entropy),
);

export const entropyPxStrategy = defineStrategy(
  {
    name: 'entropy-px',
    description: 'entropy × the proposal\'s long-axis length in slice pixels (the uncertainty in the units of the location error), highest first (unscored lesions last)',
    uses: 'entropy',
  },
  (req, scores) => byScore(candidates(req), (id) => scores.get(id)?.entropyPx),
);

export const ttaStrategy = defineStrategy(
  { name: 'tta', description: 'test-time-augmentation endpoint spread ÷ long axis, highest first (unscored lesions last)', uses: 'tta' },
  (req, scores) => byScore(candidates(req), (id) => scores.get(id)?.tta),
);

export const randomStrategy = defineStrategy(
  { name: 'random', description: 'seeded random order (hash of seed and lesion id): independent of list order', uses: null },
  (req) => byScore(candidates(req), (id) => hash32(`${req.seed ?? 0}:${id}`) / 2 ** 32),
);

export const firstStrategy = defineStrategy(
  { name: 'first', description: 'dataset order (no active learning)', uses: null },
  (req) => {
    const ids = candidates(req);
    return byScore(ids, (id) => -ids.indexOf(id));
  },
);

/** Strategies by name. */
export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(
  [entropyStrategy, entropyPxStrategy, ttaStrategy, randomStrategy, firstStrategy].map((s) => [s.info().name, s] as const),
);

export function getStrategy(name: string): Strategy {
  const s = STRATEGIES.get(name);
  if (!s) throw new Error(`unknown active-learning strategy ${JSON.stringify(name)}: expected one of ${[...STRATEGIES.keys()].join(', ')}`);
  return s;
}

export interface WorklistOptions {
  /** Size of the top window that is rotated by last-served time (default 10). */
  readonly k?: number;
  /** Lesion id → when it was last handed to a reader (ms); absent = never. */
  readonly served?: ReadonlyMap<string, number>;
  readonly labeled?: ReadonlySet<string>;
  readonly seed?: number;
}

export interface WorklistRanking extends Ranking {
  readonly strategy: string;
  /** The rotated top-k window (a prefix of `order`). */
  readonly top: readonly string[];
}

/**
 * The worklist order: the strategy's top-k unlabeled lesions, least recently served first (never-served first,
 * ties by the strategy's order), followed by the remaining unlabeled lesions in the strategy's order.
 */
export function rankWorklist(
  items: readonly string[], scores: ReadonlyMap<string, LesionScore>, strategy: Strategy, opts: WorklistOptions = {},
): WorklistRanking {
  const k = opts.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`rankWorklist: k = ${k} must be a positive integer`);
  const ranking = strategy({ items, labeled: opts.labeled, seed: opts.seed }, scores);
  const served = opts.served ?? new Map<string, number>();
  const top = ranking.order.slice(0, k)
    .map((id, i) => ({ id, i, t: served.get(id) ?? -Infinity }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.id);
  return { order: [...top, ...ranking.order.slice(k)], scores: ranking.scores, strategy: strategy.info().name, top };
}

/**
 * Hands the next lesion to a reader and records it as served (so the next caller gets another one). Returns null
 * when nothing is left. `now` defaults to Date.now(); calls within the same millisecond still rotate because a
 * served lesion always sorts after a never-served one and served times only grow.
 */
export function serveNext(
  items: readonly string[], scores: ReadonlyMap<string, LesionScore>, strategy: Strategy,
  served: Map<string, number>, opts: Omit<WorklistOptions, 'served'> & { now?: number } = {},
): string | null {
  const ranking = rankWorklist(items, scores, strategy, { ...opts, served });
  const next = ranking.order[0];
  if (next === undefined) return null;
  const latest = Math.max(0, ...served.values());
  served.set(next, Math.max(opts.now ?? Date.now(), latest + 1e-3));
  return next;
}
