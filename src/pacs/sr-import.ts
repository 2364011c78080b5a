/**
 * SR measurements → labels: each current bidirectional measurement (superseded SRs dropped) on an image of the
 * dataset becomes an accepted label of the SR's observer (a reader name made from the PN), with the SR's content
 * time, so earlier reads count as readers in the inter-reader analysis and as corrections to learn from.
 * A measurement already in the store (same lesion, reader and marks within 1e-3 px) is not added again.
 */
import type { Recist } from '../geometry/types.ts';
import type { Dataset, LesionItem } from '../server/datasets.ts';
import type { LabelStore, NewLabel } from '../server/store.ts';
import { currentDocuments, readerFromObserver, type SrDocument } from './sr-read.ts';

export interface SrImportReport {
  readonly added: number;
  readonly duplicates: number;
  /** Measurements on images not in the dataset. */
  readonly unmatched: number;
  readonly superseded: number;
  readonly readers: readonly string[];
}

const close = (a: Recist, b: Recist): boolean =>
  [...a.long, ...a.short].every((p, i) => { const q = [...b.long, ...b.short][i]; return Math.abs(p.x - q.x) < 1e-3 && Math.abs(p.y - q.y) < 1e-3; });

export async function importSrDocuments(store: LabelStore, dataset: Dataset, docs: readonly SrDocument[]): Promise<SrImportReport> {
  const bySop = new Map<string, LesionItem>();
  for (const l of dataset.lesions) {
    const sop = l.dicom?.sopInstanceUid;
    if (sop && l.sliceRef === l.id && !bySop.has(sop)) bySop.set(sop, l);
  }
  const current = currentDocuments(docs);
  const labels: NewLabel[] = [];
  let duplicates = 0, unmatched = 0;
  const readers = new Set<string>();
  for (const doc of current) {
    const reader = readerFromObserver(doc.observer);
    for (const m of doc.measurements) {
      const lesion = bySop.get(m.sopInstanceUid);
      if (!lesion) { unmatched++; continue; }
      for (const p of [...m.recist.long, ...m.recist.short]) {
        if (p.x < -0.5 || p.y < -0.5 || p.x > lesion.width - 0.5 || p.y > lesion.height - 0.5) {
          throw new Error(`${doc.source}: a mark (${p.x}, ${p.y}) lies outside image ${m.sopInstanceUid} (${lesion.width}×${lesion.height})`);
        }
      }
      const dup = store.labels().some((l) => l.dataset === dataset.id && l.lesionId === lesion.id && l.reader === reader && l.final && close(l.final, m.recist))
        || labels.some((l) => l.lesionId === lesion.id && l.reader === reader && l.final && close(l.final, m.recist));
      if (dup) { duplicates++; continue; }
      readers.add(reader);
      labels.push({
        lesionId: lesion.id, dataset: dataset.id, reader, modelVersion: null, original: null, final: { long: [{ ...m.recist.long[0] }, { ...m.recist.long[1] }], short: [{ ...m.recist.short[0] }, { ...m.recist.short[1] }] }, box: null,
        status: 'accepted', spacing: lesion.spacing, ...(doc.time ? { time: doc.time } : {}),
      });
    }
  }
  if (labels.length) await store.addLabels(labels);
  return { added: labels.length, duplicates, unmatched, superseded: docs.length - current.length, readers: [...readers] };
}
