/** Imports the DeepLesion marks of a folder into the label store as reader "DL" (accepted, no proposal). */
import { openDeepLesionFolder } from '../data/deeplesion.ts';
import { deepLesionDatasetId } from './datasets.ts';
import type { LabelStore, NewLabel } from './store.ts';

export const DL_READER = 'DL';

/** Adds one label per DL_info.csv row not imported before (same lesion id by reader DL); returns the count added. */
export async function importDeepLesionMarks(store: LabelStore, dir: string): Promise<number> {
  const folder = openDeepLesionFolder(dir);
  const dataset = deepLesionDatasetId(dir);
  const have = new Set(store.labels().filter((l) => l.reader === DL_READER && l.dataset === dataset).map((l) => l.lesionId));
  const labels: NewLabel[] = [];
  for (const r of folder.records) {
    const lesionId = folder.lesionId(r);
    if (have.has(lesionId)) continue;
    labels.push({
      lesionId, dataset, reader: DL_READER, modelVersion: null, original: null, box: null, status: 'accepted',
      final: { long: [{ ...r.recist.long[0] }, { ...r.recist.long[1] }], short: [{ ...r.recist.short[0] }, { ...r.recist.short[1] }] },
      spacing: { x: r.spacing.x, y: r.spacing.y },
    });
  }
  if (labels.length) await store.addLabels(labels);
  return labels.length;
}
