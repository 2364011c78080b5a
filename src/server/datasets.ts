/**
 * What the labeling server shows: a list of lesions on slices. A `Dataset` is built from a DeepLesion folder, a
 * DICOM folder, or the built-in demo (synthetic lesions on a real CT background). Slice and lesion ids are opaque
 * keys into in-memory maps built at load time: no request string ever becomes a file path.
 */
import { basename, resolve } from 'node:path';
import type { Recist, Spacing } from '../geometry/types.ts';
import type { CtSlice, HuWindow } from '../data/types.ts';
import { LESION_TYPE_NAMES } from '../data/types.ts';
import { LruCache, openDeepLesionFolder, readDeepLesionSlice, recordSliceLocation, recordWindow } from '../data/deeplesion.ts';

/** DICOM identifiers of a slice (for SR export). */
export interface DicomRef {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly frameOfReferenceUid?: string;
  readonly patientId?: string;
  readonly patientName?: string;
  readonly studyDate?: string;
  readonly studyId?: string;
  readonly accessionNumber?: string;
}

export interface LesionItem {
  readonly id: string;
  /** The key slice's id. */
  readonly sliceRef: string;
  /** Slice ids in anatomical order including the key slice (neighbours for the wheel). */
  readonly stack: readonly string[];
  readonly keyIndex: number;
  readonly width: number;
  readonly height: number;
  readonly spacing: Spacing | null;
  readonly window: HuWindow | null;
  /** A reference mark (DeepLesion's, or the synthetic truth), never shown as a proposal. */
  readonly reference: Recist | null;
  readonly title: string;
  readonly dicom?: DicomRef | null;
}

export interface Dataset {
  readonly id: string;
  readonly kind: 'demo' | 'deeplesion' | 'dicom';
  readonly lesions: readonly LesionItem[];
  lesion(id: string): LesionItem | undefined;
  hasSlice(id: string): boolean;
  /** The slice for an id; throws for unknown ids. */
  slice(id: string): CtSlice;
}

/** Allowed shape of slice and lesion ids in URLs and events (also checked by the lookup). */
export const ID_PATTERN = /^[\w.#@:-]{1,200}$/;

/** A dataset over in-memory maps (used by all loaders and by tests). */
export function datasetFromMaps(
  id: string, kind: Dataset['kind'], lesions: readonly LesionItem[], loadSlice: (sliceId: string) => CtSlice, sliceIds: Iterable<string>,
): Dataset {
  const byId = new Map(lesions.map((l) => [l.id, l] as const));
  if (byId.size !== lesions.length) throw new Error(`dataset ${id}: duplicate lesion ids`);
  const slices = new Set(sliceIds);
  for (const l of lesions) for (const s of l.stack) slices.add(s);
  return {
    id, kind, lesions,
    lesion: (lid) => byId.get(lid),
    hasSlice: (sid) => slices.has(sid),
    slice(sid) {
      if (!slices.has(sid)) throw new Error(`unknown slice id ${JSON.stringify(sid)}`);
      return loadSlice(sid);
    },
  };
}

/** A DeepLesion folder (`DL_info.csv` + `Images_png`): one lesion per CSV row whose key slice exists. */
export function deepLesionDataset(dir: string, opts: { neighbours?: number } = {}): Dataset {
  const k = opts.neighbours ?? 6;
  const folder = openDeepLesionFolder(dir);
  const sliceFiles = new Map<string, { fileName: string; spacing: Spacing; window: HuWindow }>();
  const lesions: LesionItem[] = [];
  for (const r of folder.records) {
    if (!folder.hasImage(r)) continue;
    const loc = recordSliceLocation(dir, r);
    const idOf = (index: number): string => `${loc.series}_${String(index).padStart(3, '0')}`;
    const all = folder.seriesIndices(r);
    const below = all.filter((i) => i < loc.index).slice(-k), above = all.filter((i) => i > loc.index).slice(0, k);
    const stackIdx = [...below, loc.index, ...above];
    const meta = { spacing: { x: r.spacing.x, y: r.spacing.y }, window: recordWindow(r) };
    for (const i of stackIdx) if (!sliceFiles.has(idOf(i))) sliceFiles.set(idOf(i), { fileName: `${idOf(i)}.png`, ...meta });
    lesions.push({
      id: folder.lesionId(r), sliceRef: idOf(loc.index), stack: stackIdx.map(idOf), keyIndex: below.length,
      width: r.imageSize[0], height: r.imageSize[1], spacing: meta.spacing, window: meta.window, reference: r.recist,
      title: `${LESION_TYPE_NAMES[r.lesionType] ?? 'lesion'} · ${r.fileName}`,
    });
  }
  const cache = new LruCache<string, CtSlice>(24);
  return datasetFromMaps(`deeplesion:${basename(resolve(dir))}`, 'deeplesion', lesions, (sid) => cache.get(sid, () => {
    const f = sliceFiles.get(sid);
    if (!f) throw new Error(`unknown slice id ${JSON.stringify(sid)}`);
    return { ...readDeepLesionSlice(dir, f.fileName), spacing: f.spacing, window: f.window };
  }), sliceFiles.keys());
}
