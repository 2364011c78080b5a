/**
 * A DeepLesion folder: `DL_info.csv` plus `Images_png/<patient>_<study>_<series>/<slice>.png` (16-bit, HU + 32768).
 * {@link openDeepLesionFolder} parses the CSV once and decodes slices on demand through a small LRU cache.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDlInfo } from './deeplesion-csv.ts';
import { readPng16Hu } from './png16.ts';
import type { CtSlice, HuWindow, LesionRecord } from './types.ts';

/** Where a DeepLesion slice lives relative to the folder root. */
export interface SliceLocation {
  /** Series folder name, e.g. `002648_01_01`. */
  readonly series: string;
  /** Slice index within the series (the file's number). */
  readonly index: number;
  /** Absolute or root-relative path of the PNG. */
  readonly path: string;
}

const FILE_NAME = /^(\d+_\d+_\d+)_(\d+)\.png$/;

/**
 * Location of a DeepLesion image from its `File_name` (`002648_01_01_061.png` → `Images_png/002648_01_01/061.png`).
 * Throws naming the value when it does not have that form.
 */
export function deepLesionSliceLocation(dir: string, fileName: string): SliceLocation {
  const m = FILE_NAME.exec(fileName);
  if (!m) throw new Error(`${dir}: File_name ${JSON.stringify(fileName)} is not <patient>_<study>_<series>_<slice>.png`);
  const index = Number(m[2]);
  return { series: m[1], index, path: join(dir, 'Images_png', m[1], `${String(index).padStart(3, '0')}.png`) };
}

/** Location of a record's key slice (from its `File_name`; the padded indices give the same path). */
export function recordSliceLocation(dir: string, record: LesionRecord): SliceLocation {
  return deepLesionSliceLocation(dir, record.fileName);
}

/** The window a record's `DICOM_windows` [low, high] describes. */
export function recordWindow(record: LesionRecord): HuWindow {
  const [low, high] = record.dicomWindow;
  return { center: (low + high) / 2, width: high - low };
}

/** Reads one DeepLesion slice by `File_name` (no spacing/window: the PNG does not carry them). */
export function readDeepLesionSlice(dir: string, fileName: string): CtSlice {
  return readPng16Hu(deepLesionSliceLocation(dir, fileName).path);
}

/** A tiny least-recently-used cache. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`LruCache: capacity ${capacity} must be >= 1`);
  }
  get(key: K, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const value = make();
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
    return value;
  }
  get size(): number {
    return this.map.size;
  }
}

/** An opened DeepLesion folder. Slices share cached HU arrays: treat `hu` as read-only. */
export interface DeepLesionFolder {
  readonly dir: string;
  readonly records: readonly LesionRecord[];
  /** The record's key slice with the record's pixel spacing and `DICOM_windows` window. */
  slice(record: LesionRecord): CtSlice;
  /**
   * Up to `k` slice files on each side of the key slice that exist in the record's series folder, nearest
   * first on each side, returned in ascending slice order (without the key slice). Files need not be
   * contiguous; each slice's `source` names its file. Spacing/window are the record's.
   */
  neighbours(record: LesionRecord, k: number): CtSlice[];
  /** Slice indices (ascending) present in the record's series folder. */
  seriesIndices(record: LesionRecord): number[];
  /** Stable lesion id: File_name stem plus the lesion's 1-based ordinal among rows of that slice, `002648_01_01_061#2`. */
  lesionId(record: LesionRecord): string;
  /** Whether the record's key-slice PNG exists. */
  hasImage(record: LesionRecord): boolean;
}

/** Options for {@link openDeepLesionFolder}. */
export interface OpenDeepLesionOptions {
  /** Decoded slices kept in memory (default 16). */
  readonly cacheSize?: number;
  /** CSV file name inside `dir` (default `DL_info.csv`). */
  readonly csvName?: string;
}

/** Opens a DeepLesion folder (parses its DL_info.csv; images are decoded lazily). */
export function openDeepLesionFolder(dir: string, opts: OpenDeepLesionOptions = {}): DeepLesionFolder {
  const csvPath = join(dir, opts.csvName ?? 'DL_info.csv');
  if (!existsSync(csvPath)) throw new Error(`${dir}: not a DeepLesion folder (no ${opts.csvName ?? 'DL_info.csv'})`);
  const records = readDlInfo(csvPath);
  const cache = new LruCache<string, CtSlice>(opts.cacheSize ?? 16);
  /** Per series folder: slice index → file name, as present on disk. */
  const seriesCache = new Map<string, Map<number, string>>();
  const seriesFiles = (series: string): Map<number, string> => {
    let files = seriesCache.get(series);
    if (!files) {
      const folder = join(dir, 'Images_png', series);
      const names = existsSync(folder) ? readdirSync(folder).filter((f) => /^\d+\.png$/.test(f)) : [];
      files = new Map(names.map((f) => [Number(f.slice(0, -4)), f] as const));
      seriesCache.set(series, files);
    }
    return files;
  };
  const seriesFile = (series: string, index: number): string =>
    join(dir, 'Images_png', series, seriesFiles(series).get(index) ?? `${String(index).padStart(3, '0')}.png`);

  const ids = new Map<LesionRecord, string>();
  const perFile = new Map<string, number>();
  for (const r of records) {
    const n = (perFile.get(r.fileName) ?? 0) + 1;
    perFile.set(r.fileName, n);
    ids.set(r, `${r.fileName.replace(/\.png$/, '')}#${n}`);
  }

  const decode = (path: string): CtSlice => cache.get(path, () => readPng16Hu(path));
  const withMeta = (s: CtSlice, r: LesionRecord): CtSlice => ({ ...s, spacing: { x: r.spacing.x, y: r.spacing.y }, window: recordWindow(r) });

  const seriesIndices = (record: LesionRecord): number[] =>
    [...seriesFiles(recordSliceLocation(dir, record).series).keys()].sort((a, b) => a - b);

  return {
    dir,
    records,
    slice(record) {
      const loc = recordSliceLocation(dir, record);
      if (!existsSync(loc.path)) throw new Error(`${csvPath} row ${record.row}: image ${loc.path} for File_name ${record.fileName} not found`);
      const s = decode(loc.path);
      const [w, h] = record.imageSize;
      if (s.width !== w || s.height !== h) {
        throw new Error(`${csvPath} row ${record.row}: Image_size is ${w}x${h} but ${loc.path} is ${s.width}x${s.height}`);
      }
      return withMeta(s, record);
    },
    neighbours(record, k) {
      if (!Number.isInteger(k) || k < 0) throw new Error(`neighbours: k = ${k} must be a non-negative integer`);
      const loc = recordSliceLocation(dir, record);
      const all = seriesIndices(record);
      const below = k === 0 ? [] : all.filter((i) => i < loc.index).slice(-k);
      const above = all.filter((i) => i > loc.index).slice(0, k);
      return [...below, ...above].map((i) => withMeta(decode(seriesFile(loc.series, i)), record));
    },
    seriesIndices,
    lesionId: (record) => ids.get(record) ?? `${record.fileName.replace(/\.png$/, '')}@row${record.row}`,
    hasImage: (record) => existsSync(recordSliceLocation(dir, record).path),
  };
}

/** Long/short axis lengths of a record in pixels and in mm (using the row's x/y pixel spacing). */
export interface RecordLengths {
  readonly longPx: number;
  readonly shortPx: number;
  readonly longMm: number;
  readonly shortMm: number;
}

/** Lengths of a record's RECIST axes; mm use `Spacing_mm_px_` x and y separately (anisotropic-safe). */
export function recordLengths(record: LesionRecord): RecordLengths {
  const { x: sx, y: sy } = record.spacing;
  const len = ([a, b]: LesionRecord['recist']['long'], kx: number, ky: number): number => Math.hypot((b.x - a.x) * kx, (b.y - a.y) * ky);
  const { long, short } = record.recist;
  return { longPx: len(long, 1, 1), shortPx: len(short, 1, 1), longMm: len(long, sx, sy), shortMm: len(short, sx, sy) };
}
