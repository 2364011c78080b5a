/** The worklist a reader is sent: the dataset's lesions with their latest label, in the ranker's order when there is one. */
import type { Dataset, LesionItem } from './datasets.ts';
import type { Worklist, WorklistItem, WorklistRanked } from './events.ts';
import type { Ranker } from './ranking.ts';
import type { LabelStore } from './store.ts';

export interface WorklistSource {
  readonly dataset: Dataset;
  readonly store: LabelStore;
  readonly ranker: Ranker | null;
  /** The last broadcast ranking (from the ranker or `broadcast.worklistRanked`). */
  ranking(): WorklistRanked | null;
  modelVersion(): string;
}

/** The worklist for one request; with a ranker, `serve` hands the first unlabeled lesion to this caller. */
export function buildWorklist(src: WorklistSource, serve = false): Worklist {
  const { dataset, store, ranker } = src;
  const ranking = src.ranking();
  const latest = store.latestByLesion(dataset.id);
  const ranked = ranker?.order({ serve });
  const scores = ranked?.scores ?? ranking?.scores;
  const order = ranked?.order ?? ranking?.order ?? [];
  const rank = new Map(order.map((id, i) => [id, i] as const));
  const items: WorklistItem[] = dataset.lesions.map((l: LesionItem) => {
    const label = latest.get(l.id);
    return {
      lesionId: l.id, sliceId: l.sliceRef, stack: l.stack, keyIndex: l.keyIndex, width: l.width, height: l.height,
      spacing: l.spacing, window: l.window, title: l.title, status: label?.status ?? 'todo', labelledBy: label?.reader ?? null,
      final: label?.final ?? null, score: scores?.[l.id] ?? null, lossy: l.dicom?.lossy ?? null,
    };
  });
  if (ranked || ranking) {
    // ranked (unlabeled) lesions first in rank order, then the rest (labeled) in dataset order (stable sort)
    const pos = (id: string): number => rank.get(id) ?? Number.MAX_SAFE_INTEGER;
    items.sort((a, b) => pos(a.lesionId) - pos(b.lesionId));
  }
  const scored = ranker ? ranker.ranked().scored : undefined;
  return {
    dataset: dataset.id, modelVersion: src.modelVersion(), items,
    ...(ranker ? { strategy: ranker.strategy } : {}), ...(scored ? { scored } : {}),
  };
}
