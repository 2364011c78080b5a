/**
 * One synthetic case: a real CT background with an inserted irregular lesion and its ground-truth RECIST
 * measured on the inserted lesion's mask (coverage ≥ 0.5) with geometry's `recistFromMask`.
 *
 * Fast path for on-the-fly training data: the background slice and its tissue map are cached by the
 * {@link Background}; a case copies the HU array once (memcpy) and touches only the lesion's window.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, type Rng } from '../../geometry/random.ts';
import { axisLengthsPx, recistExtent } from '../../geometry/recist.ts';
import { recistFromMask } from '../../geometry/measure-mask.ts';
import type { Recist, Spacing } from '../../geometry/types.ts';
import { sharedDataDir } from '../paths.ts';
import { writeDlInfo } from '../deeplesion-csv.ts';
import { writePng16Hu } from '../png16.ts';
import type { CtSlice, LesionRecord } from '../types.ts';
import {
  insertLesion, localBackground, sampleAppearance, sampleKind,
  type AppearanceParams, type LesionKind, type TissueContext,
} from './appearance.ts';
import { createSizeSampler, DEV_RANGE_BIAS, type LesionGeometry, type SizeSampler } from './distribution.ts';
import { chooseSite, type Background, type Site } from './placement.ts';
import { defaultReaders, formatReadersCsv, readReader, type ReaderMark, type SimulatedReader } from './readers.ts';
import { randomShape, rasterizeCoverage, placeShape, shapeRadius, type LesionShape, type ShapeOptions } from './shape.ts';

/** Default mix of tissue contexts (the real data is liver-heavy; lung nodules and nodes are a minority). */
export const DEFAULT_CONTEXT_WEIGHTS: Readonly<Record<TissueContext, number>> = { parenchyma: 0.7, lung: 0.18, fat: 0.12 };

/** Largest long diameter (mm) drawn per context: lymph nodes and lung nodules in the data are rarely larger. */
export const CONTEXT_MAX_LONG_MM: Readonly<Record<TissueContext, number>> = { parenchyma: 150, lung: 40, fat: 35 };

export interface GenerateOptions {
  /** Geometry sampler (default: real rows of the shared annotations biased to 3–28 mm, else the built-in fit). */
  readonly sizeSampler?: SizeSampler;
  /** A fixed geometry instead of a sampled one. */
  readonly geometry?: LesionGeometry;
  /** A fixed tissue context / appearance kind instead of sampled ones. */
  readonly context?: TissueContext;
  readonly kind?: LesionKind;
  readonly contextWeights?: Readonly<Record<TissueContext, number>>;
  /** A fixed centre (pixels): skips placement checks. */
  readonly center?: { readonly x: number; readonly y: number };
  readonly shape?: ShapeOptions;
  /** Overrides of the sampled appearance. */
  readonly appearance?: Partial<AppearanceParams>;
}

export interface SyntheticCase {
  /** Background with the lesion (a new HU array; the background is untouched). */
  readonly slice: CtSlice;
  /** Ground truth measured on `mask`. */
  readonly recist: Recist;
  /** Lesion mask (coverage ≥ 0.5), full image size, row-major. */
  readonly mask: Uint8Array;
  readonly lesionType: LesionKind;
  /** DeepLesion Coarse_lesion_type code (4 liver, 5 lung, 2 abdomen, 3 mediastinum, 7 soft tissue). */
  readonly coarseType: number;
  readonly context: TissueContext;
  readonly backgroundId: string;
  readonly spacing: Spacing;
  /** What was asked for (the measured RECIST differs slightly: irregular outline, pixel grid). */
  readonly geometry: LesionGeometry;
  readonly shape: LesionShape;
  readonly appearance: AppearanceParams;
}

let defaultSampler: SizeSampler | null = null;
/** The default sampler (created once). */
export function defaultSizeSampler(): SizeSampler {
  defaultSampler ??= createSizeSampler(sharedDataDir(), { range: DEV_RANGE_BIAS });
  return defaultSampler;
}

function pickContext(weights: Readonly<Record<TissueContext, number>>, rng: Rng): TissueContext {
  const entries = Object.entries(weights) as [TissueContext, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let u = rng.next() * total;
  for (const [c, w] of entries) if ((u -= w) < 0) return c;
  return entries[entries.length - 1][0];
}

function coarseTypeFor(context: TissueContext, bgHu: number, bg: Background): number {
  if (context === 'lung') return 5;
  if (context === 'fat') return bg.tissue().candidates.lung.length > 200 ? 3 : 2;
  return bgHu >= 75 ? 4 : 7;
}

/**
 * Generates one case on `background`. Throws when no site fits after several geometry redraws
 * (e.g. a background without the requested tissue).
 */
export function generateCase(background: Background, rng: Rng, opts: GenerateOptions = {}): SyntheticCase {
  const bgSlice = background.load();
  const spacing = background.spacing;
  const mmPerPx = (spacing.x + spacing.y) / 2;
  const sampler = opts.sizeSampler ?? defaultSizeSampler();
  let geometry: LesionGeometry | null = null;
  let shape: LesionShape | null = null;
  let site: Site | null = null;
  for (let attempt = 0; attempt < 12 && !site; attempt++) {
    const first = opts.context ?? pickContext(opts.contextWeights ?? DEFAULT_CONTEXT_WEIGHTS, rng);
    geometry = opts.geometry ?? sampler.sample(rng);
    const cap = CONTEXT_MAX_LONG_MM[first];
    if (!opts.geometry && geometry.longMm > cap) geometry = { ...geometry, longMm: cap * rng.uniform(0.5, 1) };
    const longPx = Math.max(2.5, geometry.longMm / mmPerPx);
    const shortPx = Math.max(2, longPx * geometry.ratio);
    shape = randomShape(rng, longPx, shortPx, geometry.angle, 0, 0, opts.shape);
    const radius = shapeRadius(shape);
    if (opts.center) {
      site = { cx: opts.center.x, cy: opts.center.y, context: opts.context ?? 'parenchyma' };
      break;
    }
    const order: TissueContext[] = opts.context ? [first] : [first, ...(['parenchyma', 'lung', 'fat'] as const).filter((c) => c !== first)];
    for (const c of order) {
      site = chooseSite(background, radius, c, rng, attempt < 6 ? 150 : 400);
      if (site) break;
    }
  }
  if (!site || !shape || !geometry) throw new Error(`generateCase: no site for a lesion on background ${background.id} (${background.path})`);
  shape = placeShape(shape, site.cx, site.cy);
  const kind = opts.kind ?? sampleKind(site.context, rng);
  const { width, height } = bgSlice;
  const local = localBackground(bgSlice.hu, width, height, site.cx, site.cy, shapeRadius(shape) + 3);
  const appearance: AppearanceParams = { ...sampleAppearance(kind, local.medianHu, rng, 2 * shape.a), ...opts.appearance, kind };
  const pad = Math.ceil(3 * appearance.blurSigma) + 2;
  const cov = rasterizeCoverage(shape, pad);
  const hu = bgSlice.hu.slice();
  insertLesion(hu, bgSlice.hu, width, height, shape, cov, appearance, local.noiseHu, rng);
  // Ground truth on the window's mask, shifted back to image coordinates.
  const win = new Uint8Array(cov.width * cov.height);
  const mask = new Uint8Array(width * height);
  for (let j = 0; j < cov.height; j++) {
    const y = cov.y0 + j;
    for (let i = 0; i < cov.width; i++) {
      const x = cov.x0 + i;
      if (cov.cov[j * cov.width + i] >= 0.5 && x >= 0 && y >= 0 && x < width && y < height) {
        win[j * cov.width + i] = 1;
        mask[y * width + x] = 1;
      }
    }
  }
  const r = recistFromMask(win, cov.width, cov.height);
  if (!r) throw new Error(`generateCase: empty lesion mask on ${background.id} (long ${geometry.longMm.toFixed(2)} mm)`);
  const sh = (p: { x: number; y: number }) => ({ x: p.x + cov.x0, y: p.y + cov.y0 });
  const recist: Recist = { long: [sh(r.long[0]), sh(r.long[1])], short: [sh(r.short[0]), sh(r.short[1])] };
  return {
    slice: { ...bgSlice, hu, spacing, source: `synthetic:${background.id}` },
    recist,
    mask,
    lesionType: kind,
    coarseType: coarseTypeFor(site.context, local.medianHu, background),
    context: site.context,
    backgroundId: background.id,
    spacing,
    geometry,
    shape,
    appearance,
  };
}

export interface GenerateDatasetOptions {
  readonly n: number;
  readonly seed: number;
  readonly backgrounds: readonly Background[];
  /** Output folder (created). */
  readonly outDir: string;
  /** Number of simulated readers ({@link defaultReaders}) or explicit readers; 0 writes no readers.csv rows. */
  readonly readers?: number | readonly SimulatedReader[];
  /**
   * A site's reader, added to readers.csv after the others: a site whose readers measure systematically differently
   * (`recist synth --site-reader`; `recist al-sim --reader site` learns from and is scored against its marks). Measured
   * on its own random stream, so that the images, DL_info.csv and the other readers' marks are as without it.
   */
  readonly siteReader?: SimulatedReader;
  /** Lesions per synthetic patient: uniform in [1, maxLesionsPerPatient] (default 3). */
  readonly maxLesionsPerPatient?: number;
  /** Fractions of patients in train/val (rest test). Default 0.7 / 0.15. */
  readonly splitFractions?: readonly [number, number];
  readonly generate?: GenerateOptions;
  /** Called after each lesion (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DatasetSummary {
  readonly outDir: string;
  readonly count: number;
  readonly patients: number;
  readonly longMm: { readonly min: number; readonly median: number; readonly max: number };
  readonly kinds: Readonly<Record<string, number>>;
  readonly readers: readonly string[];
  readonly ms: number;
}

/** DeepLesion's soft-tissue and lung windows ([low, high] HU) as DICOM_windows. */
const SOFT_WINDOW: readonly [number, number] = [-175, 275];
const LUNG_WINDOW: readonly [number, number] = [-1350, 150];

/**
 * Writes a DeepLesion-layout folder: `Images_png/<patient>_<study>_<series>/<slice>.png` (16-bit, HU + 32768),
 * `DL_info.csv` (all 18 columns; Bounding_boxes = RECIST extent + 5 px; Train_Val_Test by patient), and
 * `readers.csv` (one row per lesion per simulated reader). One lesion per image; several per patient.
 */
export function generateDataset(o: GenerateDatasetOptions): DatasetSummary {
  const t0 = performance.now();
  if (!(Number.isInteger(o.n) && o.n >= 0)) throw new Error(`generateDataset: n = ${o.n} must be a non-negative integer`);
  if (o.backgrounds.length === 0) throw new Error('generateDataset: no backgrounds');
  const rng = createRng(o.seed);
  // Its own stream, so that the site reader changes nothing else in the folder.
  const siteRng = createRng(o.seed + 0x5173);
  const readers = typeof o.readers === 'number' || o.readers === undefined ? defaultReaders(o.readers ?? 0) : [...o.readers];
  const maxPer = Math.max(1, o.maxLesionsPerPatient ?? 3);
  const [fTrain, fVal] = o.splitFractions ?? [0.7, 0.15];
  mkdirSync(join(o.outDir, 'Images_png'), { recursive: true });
  const records: LesionRecord[] = [];
  const marks: ReaderMark[] = [];
  const kinds: Record<string, number> = {};
  const longs: number[] = [];
  let patient = 0;
  while (records.length < o.n) {
    patient++;
    const prng = rng.fork();
    const m = Math.min(o.n - records.length, 1 + prng.int(maxPer));
    const u = prng.next();
    const split = u < fTrain ? 1 : u < fTrain + fVal ? 2 : 3;
    const gender = prng.next() < 0.5 ? 'M' : 'F';
    const age = 30 + prng.int(56);
    const series = `${String(patient).padStart(6, '0')}_01_01`;
    mkdirSync(join(o.outDir, 'Images_png', series), { recursive: true });
    for (let k = 0; k < m; k++) {
      const crng = prng.fork();
      const bg = o.backgrounds[crng.int(o.backgrounds.length)];
      const c = generateCase(bg, crng, o.generate);
      const slice = 20 + 10 * k + crng.int(8);
      const fileName = `${series}_${String(slice).padStart(3, '0')}.png`;
      writePng16Hu(join(o.outDir, 'Images_png', series, `${String(slice).padStart(3, '0')}.png`), c.slice);
      const ext = recistExtent(c.recist);
      const { long, short } = axisLengthsPx(c.recist);
      const { width, height } = c.slice;
      records.push({
        row: records.length + 1,
        fileName,
        patientIndex: patient,
        studyIndex: 1,
        seriesId: 1,
        keySliceIndex: slice,
        recist: c.recist,
        boundingBox: { x1: ext.x1 - 5, y1: ext.y1 - 5, x2: ext.x2 + 5, y2: ext.y2 + 5 },
        diametersPx: [long, short],
        normalizedLocation: [((ext.x1 + ext.x2) / 2) / width, ((ext.y1 + ext.y2) / 2) / height, 0.5],
        lesionType: c.coarseType,
        possiblyNoisy: false,
        sliceRange: [Math.max(1, slice - 5), slice + 5],
        spacing: { x: c.spacing.x, y: c.spacing.y, z: 5 },
        imageSize: [width, height],
        dicomWindow: c.context === 'lung' ? LUNG_WINDOW : SOFT_WINDOW,
        gender,
        age,
        split,
      });
      kinds[c.lesionType] = (kinds[c.lesionType] ?? 0) + 1;
      longs.push(long * (c.spacing.x + c.spacing.y) / 2);
      const lesionId = `${fileName.replace(/\.png$/, '')}#1`;
      for (const r of readers) marks.push({ fileName, lesionId, reader: r.name, recist: readReader(c.recist, r, crng) });
      if (o.siteReader) marks.push({ fileName, lesionId, reader: o.siteReader.name, recist: readReader(c.recist, o.siteReader, siteRng) });
      o.onProgress?.(records.length, o.n);
    }
  }
  writeDlInfo(join(o.outDir, 'DL_info.csv'), records);
  writeFileSync(join(o.outDir, 'readers.csv'), formatReadersCsv(marks));
  const sorted = [...longs].sort((a, b) => a - b);
  return {
    outDir: o.outDir,
    count: records.length,
    patients: patient,
    longMm: { min: sorted[0] ?? 0, median: sorted[sorted.length >> 1] ?? 0, max: sorted[sorted.length - 1] ?? 0 },
    kinds,
    readers: [...readers, ...(o.siteReader ? [o.siteReader] : [])].map((r) => r.name),
    ms: performance.now() - t0,
  };
}
