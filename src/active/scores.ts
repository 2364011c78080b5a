/**
 * Active-learning scores per lesion, stamped with the model version that produced them (after MONAI Label's
 * epistemic scoring, which stamps each score with the model's mtime and skips images already scored).
 * Scores of another model version are stale: `useModel(version)` drops them, and `missing(ids)` says which lesions
 * still need scoring under the current version. Strategies only read the cache; they never trigger scoring.
 * Plain data (toJSON / fromJSON) so the server can persist it; no file I/O here.
 */

export interface LesionScore {
  readonly lesionId: string;
  readonly modelVersion: string;
  /** Mean normalized heatmap entropy, [0, 1]. */
  readonly entropy?: number;
  readonly entropies?: readonly number[];
  /**
   * `entropy` × the proposal's long-axis length in slice pixels: the uncertainty in the units the location error is
   * measured in (the network sees a scale-normalized crop, so its entropy says nothing about the lesion's size).
   */
  readonly entropyPx?: number;
  /** TTA endpoint spread ÷ long-axis length (scale-free). */
  readonly tta?: number;
  /** When it was scored (ms since epoch). */
  readonly time: number;
}

/** /2 added `entropyPx`: a /1 cache is dropped on load and its lesions re-scored. */
export const SCORE_CACHE_FORMAT = 'recist-al-scores/2';

export interface ScoreCacheJson {
  readonly format: typeof SCORE_CACHE_FORMAT;
  readonly modelVersion: string | null;
  readonly scores: readonly LesionScore[];
}

export class ScoreCache {
  private readonly byId = new Map<string, LesionScore>();
  private version: string | null = null;
  /** Number of scores computed (set) since creation; tests and logs use it to see re-scoring. */
  scoredCount = 0;

  /** The model version the cached scores belong to (null before the first `useModel`). */
  get modelVersion(): string | null {
    return this.version;
  }

  /** Switch to a model version; scores of any other version are dropped. Returns true if it changed. */
  useModel(version: string): boolean {
    if (version === this.version) return false;
    this.version = version;
    for (const [id, s] of this.byId) if (s.modelVersion !== version) this.byId.delete(id);
    return true;
  }

  /** The lesion's score under the current model version, if any. */
  get(lesionId: string): LesionScore | undefined {
    const s = this.byId.get(lesionId);
    return s && s.modelVersion === this.version ? s : undefined;
  }

  /** Store a score; it must belong to the current model version (a late result of an old model is ignored). */
  set(score: Omit<LesionScore, 'time'> & { time?: number }): boolean {
    if (this.version === null) this.useModel(score.modelVersion);
    if (score.modelVersion !== this.version) return false;
    this.byId.set(score.lesionId, { ...score, time: score.time ?? Date.now() });
    this.scoredCount++;
    return true;
  }

  /** Which of `ids` have no score under the current model version (these need scoring). */
  missing(ids: Iterable<string>): string[] {
    const out: string[] = [];
    for (const id of ids) if (!this.get(id)) out.push(id);
    return out;
  }

  /** All current scores by lesion id. */
  snapshot(): ReadonlyMap<string, LesionScore> {
    return new Map([...this.byId].filter(([, s]) => s.modelVersion === this.version));
  }

  get size(): number {
    return this.snapshot().size;
  }

  toJSON(): ScoreCacheJson {
    return { format: SCORE_CACHE_FORMAT, modelVersion: this.version, scores: [...this.snapshot().values()] };
  }

  /** Rebuild from `toJSON` output; anything malformed is dropped (a cache can always be recomputed). */
  static fromJSON(json: unknown): ScoreCache {
    const cache = new ScoreCache();
    if (!json || typeof json !== 'object') return cache;
    const j = json as Partial<ScoreCacheJson>;
    if (j.format !== SCORE_CACHE_FORMAT || typeof j.modelVersion !== 'string' || !Array.isArray(j.scores)) return cache;
    cache.useModel(j.modelVersion);
    for (const s of j.scores) {
      if (s && typeof s.lesionId === 'string' && s.modelVersion === j.modelVersion) cache.byId.set(s.lesionId, s);
    }
    return cache;
  }
}
