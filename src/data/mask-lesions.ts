/**
 * Lesions from segmentation masks. Layouts: `image/` + `<mask folder>/` with the same file names (as in LIDC's
 * `image/` + `nodule_mask/`), and the Decathlon / nnU-Net `imagesTr/` + `labelsTr/` (image `case_0000.nii.gz` or
 * `case.nii.gz`, label `case.nii.gz`). One lesion per 3D connected component (26-connected) of the mask's non-zero
 * voxels; its key slice is the one where the component's strict long axis is longest (mm), its RECIST the strict
 * edge-to-edge measurement on that slice (`strictRecistFromMask`). The patient of a case is the name before `_R_`
 * (LIDC's `<patient>_R_<nodule>`), else the case name.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Recist } from '../geometry/types.ts';
import { strictLongAxisMm, strictRecistFromMask } from '../geometry/strict-recist.ts';
import { assertSameGrid, isNiftiName, readNifti, volumeSlice, type Volume } from './nifti.ts';
import type { CtSlice } from './types.ts';

export interface MaskCase {
  /** File name without .nii[.gz] (nnU-Net's _0000 channel suffix dropped). */
  readonly name: string;
  readonly patientId: string;
  readonly imagePath: string;
  readonly maskPath: string | null;
}

export interface MaskLesion {
  /** `<case>#<component>` (components numbered from 1 in scan order). */
  readonly id: string;
  readonly caseName: string;
  readonly patientId: string;
  readonly imagePath: string;
  readonly maskPath: string;
  readonly component: number;
  /** Key slice index (display layout, see nifti.ts). */
  readonly slice: number;
  readonly recist: Recist;
  readonly longMm: number;
  readonly shortMm: number;
  readonly spacing: { readonly x: number; readonly y: number; readonly z: number };
  /** Slice size (width, height) and slices in the volume. */
  readonly size: readonly [number, number, number];
}

const MASK_DIR_CANDIDATES = ['nodule_mask', 'mask', 'masks', 'labels', 'label', 'segmentation', 'seg'];

const stripExt = (f: string): string => f.replace(/\.nii(\.gz)?$/i, '');

/** Whether `dir` holds a mask-folder layout (`image/` or `imagesTr/`). */
export function isMaskFolder(dir: string): boolean {
  return existsSync(join(dir, 'image')) || existsSync(join(dir, 'imagesTr'));
}

export function patientOf(caseName: string): string {
  const m = /^(.*?)_R_\d+$/.exec(caseName);
  return m ? m[1] : caseName;
}

/** The cases of a mask folder, sorted by name. Images without a mask get maskPath null. */
export function listMaskCases(dir: string): MaskCase[] {
  if (existsSync(join(dir, 'imagesTr'))) {
    const labels = join(dir, 'labelsTr');
    return readdirSync(join(dir, 'imagesTr')).filter(isNiftiName).sort().map((f) => {
      const name = stripExt(f).replace(/_0000$/, '');
      const ext = f.slice(stripExt(f).length);
      const maskPath = join(labels, `${name}${ext}`);
      return { name, patientId: patientOf(name), imagePath: join(dir, 'imagesTr', f), maskPath: existsSync(maskPath) ? maskPath : null };
    });
  }
  const imageDir = join(dir, 'image');
  if (!existsSync(imageDir)) throw new Error(`${dir}: no image/ or imagesTr/ folder (expected a mask-folder layout)`);
  const maskDir = MASK_DIR_CANDIDATES.map((m) => join(dir, m)).find((m) => existsSync(m) && statSync(m).isDirectory()) ?? null;
  return readdirSync(imageDir).filter(isNiftiName).sort().map((f) => {
    const maskPath = maskDir ? join(maskDir, f) : null;
    return { name: stripExt(f), patientId: patientOf(stripExt(f)), imagePath: join(imageDir, f), maskPath: maskPath && existsSync(maskPath) ? maskPath : null };
  });
}

/** 26-connected components of the non-zero voxels: a label per voxel (0 background, 1..n) and n. */
export function connectedComponents3d(data: Float32Array | Uint8Array, w: number, h: number, d: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h * d);
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || labels[start]) continue;
    labels[start] = ++count;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w, y = Math.floor(i / w) % h, z = Math.floor(i / (w * h));
      for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx, ny = y + dy, nz = z + dz;
        if (nx < 0 || ny < 0 || nz < 0 || nx >= w || ny >= h || nz >= d) continue;
        const j = (nz * h + ny) * w + nx;
        if (data[j] && !labels[j]) { labels[j] = count; stack.push(j); }
      }
    }
  }
  return { labels, count };
}

/** The lesions of one image + mask pair (the mask checked against the image's grid). */
export function lesionsFromMask(c: MaskCase & { maskPath: string }, image: Volume, mask: Volume): MaskLesion[] {
  assertSameGrid(image, mask);
  const { width: w, height: h, depth: d } = mask;
  const { labels, count } = connectedComponents3d(mask.data, w, h, d);
  const out: MaskLesion[] = [];
  const n = w * h;
  const sliceSpacing = { x: mask.spacing.x, y: mask.spacing.y };
  for (let comp = 1; comp <= count; comp++) {
    let bestZ = -1, bestLen = -1;
    for (let z = 0; z < d; z++) {
      const m = componentSlice(labels, comp, z, n);
      if (!m) continue;
      const len = strictLongAxisMm(m, w, h, sliceSpacing);
      if (len > bestLen + 1e-9) { bestLen = len; bestZ = z; }
    }
    const measured = strictRecistFromMask(componentSlice(labels, comp, bestZ, n)!, w, h, sliceSpacing)!;
    out.push({
      id: `${c.name}#${comp}`, caseName: c.name, patientId: c.patientId, imagePath: c.imagePath, maskPath: c.maskPath,
      component: comp, slice: bestZ, recist: measured.recist, longMm: measured.longMm, shortMm: measured.shortMm,
      spacing: mask.spacing, size: [w, h, d],
    });
  }
  return out;
}

function componentSlice(labels: Int32Array, comp: number, z: number, n: number): Uint8Array | null {
  const m = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) if (labels[z * n + i] === comp) { m[i] = 1; any = true; }
  return any ? m : null;
}

export interface MaskFolder {
  readonly dir: string;
  readonly cases: readonly MaskCase[];
  readonly lesions: readonly MaskLesion[];
  /** Files that could not be read, with the reason (the others still load). */
  readonly errors: readonly { readonly file: string; readonly error: string }[];
  /** Mask components left out as fragments (shorter than minLongMm). */
  readonly fragments: number;
  /** The key slice of a lesion, and its component's mask on that slice (1 inside). */
  lesionSlice(l: MaskLesion): { slice: CtSlice; mask: Uint8Array };
  /** Any slice of a case's image volume. */
  volume(imagePath: string): Volume;
}

/** Reads every case of a mask folder; a bad file is reported in `errors` and skipped. Volumes are cached. */
export interface OpenMaskFolderOptions {
  /** Only these cases. */
  readonly cases?: (c: MaskCase) => boolean;
  /** Components whose strict long axis is shorter than this (mm) are mask fragments, not lesions (default MIN_LESION_LONG_MM). */
  readonly minLongMm?: number;
}

/** Below this long axis (mm) a mask component is a fragment (LIDC's consensus masks hold a few, 0.8–3 mm; its smallest nodule is 4.7 mm). */
export const MIN_LESION_LONG_MM = 3;

export function openMaskFolder(dir: string, opts: OpenMaskFolderOptions = {}): MaskFolder {
  const cases = listMaskCases(dir).filter((c) => opts.cases?.(c) ?? true);
  const volumes = new Map<string, Volume>();
  const load = (path: string): Volume => {
    let v = volumes.get(path);
    if (!v) { v = readNifti(path); volumes.set(path, v); }
    return v;
  };
  const keySlices = new Map<string, { slice: CtSlice; mask: Uint8Array }>();
  const lesions: MaskLesion[] = [];
  const errors: { file: string; error: string }[] = [];
  let fragments = 0;
  for (const c of cases) {
    if (!c.maskPath) continue;
    const before = lesions.length;
    try {
      const image = load(c.imagePath);
      const mask = load(c.maskPath);
      const found = lesionsFromMask({ ...c, maskPath: c.maskPath }, image, mask);
      lesions.push(...found.filter((l) => l.longMm >= (opts.minLongMm ?? MIN_LESION_LONG_MM)));
      fragments += found.length - lesions.length + before;
    } catch (e) {
      errors.push({ file: basename(c.imagePath), error: (e as Error).message });
    }
  }
  return {
    dir, cases, lesions, errors, fragments,
    volume: load,
    lesionSlice: (l) => {
      const cached = keySlices.get(l.id);
      if (cached) return cached;
      const mask = load(l.maskPath);
      const { labels } = connectedComponents3d(mask.data, mask.width, mask.height, mask.depth);
      const m = componentSlice(labels, l.component, l.slice, mask.width * mask.height)!;
      const entry = { slice: volumeSlice(load(l.imagePath), l.slice), mask: m };
      keySlices.set(l.id, entry);
      return entry;
    },
  };
}
