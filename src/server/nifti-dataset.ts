/**
 * The labeling server on NIfTI data: a mask folder (`image/` + masks, or `imagesTr/` + `labelsTr/`) gives one
 * worklist entry per mask lesion on its key slice, with the strict mask RECIST as the (hidden) reference; a folder of
 * volumes without masks (or the volumes of a mask folder that have none) gives one entry per volume on its middle
 * slice. Every entry's stack is its volume's slices, so the viewer's wheel shows the neighbours.
 */
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isMaskFolder, listMaskCases, openMaskFolder, type MaskCase, type MaskFolder } from '../data/mask-lesions.ts';
import { isNiftiName, readNifti, volumeSlice, type Volume } from '../data/nifti.ts';
import { readPatientSplit, type SplitPart } from '../data/patient-split.ts';
import { datasetFromMaps, type Dataset, type LesionItem } from './datasets.ts';

/** Whether `dir` is a NIfTI folder the server can show (a mask-folder layout, or .nii/.nii.gz files in it). */
export function isNiftiFolder(dir: string): boolean {
  return isMaskFolder(dir) || readdirSync(dir).some(isNiftiName);
}

/** A folder of volumes without masks: no lesions, volumes read (and cached) on demand. */
function volumesOnly(): Pick<MaskFolder, 'lesions' | 'errors' | 'volume'> {
  const cache = new Map<string, Volume>();
  return {
    lesions: [], errors: [],
    volume: (path) => {
      let v = cache.get(path);
      if (!v) { v = readNifti(path); cache.set(path, v); }
      return v;
    },
  };
}

const LUNG_WINDOW = { center: -600, width: 1500 } as const;

export function niftiDataset(dir: string, opts: { readonly split?: { readonly path: string; readonly part: SplitPart } | null; readonly warn?: (m: string) => void } = {}): Dataset {
  const root = resolve(dir);
  const allowed = opts.split ? new Set(readPatientSplit(opts.split.path).parts[opts.split.part]) : null;
  const keep = (c: MaskCase) => !allowed || allowed.has(c.patientId);
  const cases: MaskCase[] = isMaskFolder(root)
    ? listMaskCases(root).filter(keep)
    : readdirSync(root).filter(isNiftiName).sort().map((f) => ({ name: f.replace(/\.nii(\.gz)?$/i, ''), patientId: f, imagePath: join(root, f), maskPath: null }));
  const picked = new Set(cases.map((c) => c.imagePath));
  const folder = isMaskFolder(root) ? openMaskFolder(root, { cases: (c) => picked.has(c.imagePath) }) : volumesOnly();
  for (const e of folder.errors) opts.warn?.(`${e.file}: skipped (${e.error})`);
  const sliceId = (c: { name: string }, z: number) => `${c.name.replace(/[^\w.-]/g, '_')}@z${z}`;
  const sliceSource = new Map<string, { imagePath: string; z: number }>();
  const stackOf = (c: { name: string; imagePath: string }, depth: number) => Array.from({ length: depth }, (_, z) => {
    const id = sliceId(c, z);
    sliceSource.set(id, { imagePath: c.imagePath, z });
    return id;
  });
  const lesions: LesionItem[] = [];
  for (const l of folder.lesions) {
    const stack = stackOf({ name: l.caseName, imagePath: l.imagePath }, l.size[2]);
    lesions.push({
      id: l.id.replace(/[^\w.#@:-]/g, '_'), sliceRef: stack[l.slice], stack, keyIndex: l.slice, width: l.size[0], height: l.size[1],
      spacing: { x: l.spacing.x, y: l.spacing.y }, window: LUNG_WINDOW, reference: l.recist,
      title: `${l.caseName} · slice ${l.slice + 1}/${l.size[2]} · ${l.longMm.toFixed(1)} mm`,
    });
  }
  const withLesions = new Set(folder.lesions.map((l) => l.imagePath));
  for (const c of cases) {
    if (withLesions.has(c.imagePath) || folder.errors.some((e) => e.file === basename(c.imagePath))) continue;
    let v;
    try {
      v = folder.volume(c.imagePath);
    } catch (e) {
      opts.warn?.(`${basename(c.imagePath)}: skipped (${(e as Error).message})`);
      continue;
    }
    const stack = stackOf(c, v.depth);
    const key = Math.floor(v.depth / 2);
    lesions.push({
      id: c.name.replace(/[^\w.#@:-]/g, '_'), sliceRef: stack[key], stack, keyIndex: key, width: v.width, height: v.height,
      spacing: { x: v.spacing.x, y: v.spacing.y }, window: LUNG_WINDOW, reference: null, title: `${c.name} · slice ${key + 1}/${v.depth}`,
    });
  }
  if (lesions.length === 0) throw new Error(`${root}: no readable NIfTI volumes`);
  return datasetFromMaps(`nifti:${basename(root)}`, 'nifti', lesions, (id) => {
    const s = sliceSource.get(id);
    if (!s) throw new Error(`unknown slice id ${JSON.stringify(id)}`);
    return volumeSlice(folder.volume(s.imagePath), s.z);
  }, sliceSource.keys());
}
