/**
 * `recist inspect` on NIfTI: one volume (grid, spacing, orientation, HU range; overlay of its middle slice), or a folder
 * of volumes / a mask folder (cases, lesions from the masks with their strict RECIST, files that did not load; overlays
 * of each lesion's key slice with its marks, zoomed to the lesion).
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMaskFolder, openMaskFolder } from '../data/mask-lesions.ts';
import { readNifti, volumeSlice } from '../data/nifti.ts';
import { huStats } from '../data/image.ts';
import { encodeRgbPng, renderOverlay } from '../data/overlay.ts';
import { writeFileAtomic } from '../data/png16.ts';
import type { HuWindow } from '../data/types.ts';

export interface NiftiInspectReport { readonly kind: 'nifti' | 'mask-folder'; readonly lines: string[]; readonly written: string[] }

const LUNG: HuWindow = { center: -600, width: 1500 };
const f2 = (v: number) => v.toFixed(2);

export function inspectNiftiFile(path: string, opts: { overlay?: string; window?: HuWindow } = {}): NiftiInspectReport {
  const v = readNifti(path);
  const s = huStats(v.data);
  const a = v.affine;
  const lines = [
    `${path}: NIfTI volume ${v.width}×${v.height}×${v.depth}, spacing ${f2(v.spacing.x)}×${f2(v.spacing.y)}×${f2(v.spacing.z)} mm, values ${s.min.toFixed(0)}..${s.max.toFixed(0)} (mean ${s.mean.toFixed(0)})`,
    `  shown in the axial display layout (columns → patient left, rows → posterior, slices → superior); voxel → RAS mm: [${[0, 1, 2].map((r) => a.slice(4 * r, 4 * r + 4).map(f2).join(' ')).join(' | ')}]`,
  ];
  const written: string[] = [];
  if (opts.overlay) {
    writeFileAtomic(opts.overlay, encodeRgbPng(renderOverlay(volumeSlice(v, Math.floor(v.depth / 2)), [], { window: opts.window ?? LUNG })));
    written.push(opts.overlay);
  }
  return { kind: 'nifti', lines, written };
}

export function inspectMaskFolder(dir: string, opts: { overlay?: string; window?: HuWindow } = {}): NiftiInspectReport {
  if (!isMaskFolder(dir)) throw new Error(`${dir}: no image/ or imagesTr/ folder`);
  const folder = openMaskFolder(dir);
  const lens = folder.lesions.map((l) => l.longMm).sort((x, y) => x - y);
  const q = (p: number) => (lens.length ? lens[Math.min(lens.length - 1, Math.floor(p * lens.length))] : NaN);
  const lines = [
    `mask folder ${dir}: ${folder.cases.length} case(s), ${folder.cases.filter((c) => c.maskPath).length} with a mask, ${new Set(folder.cases.map((c) => c.patientId)).size} patient(s)`,
    `  ${folder.lesions.length} lesion(s) (one per mask component; ${folder.fragments} fragment(s) under 3 mm left out); strict long axis ${f2(q(0))} / ${f2(q(0.5))} / ${f2(lens[lens.length - 1] ?? NaN)} mm (min / median / max)`,
    ...folder.errors.map((e) => `skipped ${e.file}: ${e.error}`),
  ];
  const written: string[] = [];
  if (opts.overlay) {
    mkdirSync(opts.overlay, { recursive: true });
    for (const l of folder.lesions) {
      const { slice } = folder.lesionSlice(l);
      const zoom = Math.max(1, Math.min(8, Math.floor(256 / Math.max(slice.width, slice.height))));
      const out = join(opts.overlay, `${basename(l.id).replace(/[^\w.-]/g, '_')}.png`);
      writeFileAtomic(out, encodeRgbPng(renderOverlay(slice, [{ recist: l.recist }], { window: opts.window ?? LUNG, zoom })));
      written.push(out);
    }
  }
  return { kind: 'mask-folder', lines, written };
}
