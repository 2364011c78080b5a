/**
 * A folder's lesions, whatever its layout (what eval, al-sim, boxes and tune-readout run over): a DeepLesion folder's DL_info rows, or a mask
 * folder's lesions (one per mask component, strict edge-to-edge RECIST on its key slice; optionally one part of a
 * patient split). Each comes with its reference mark and a loader for its slice.
 */
import { basename } from 'node:path';
import { openDeepLesionFolder } from './deeplesion.ts';
import { isMaskFolder, openMaskFolder } from './mask-lesions.ts';
import { readPatientSplit, type SplitPart } from './patient-split.ts';
import { LESION_TYPE_NAMES, type CtSlice, type LesionRecord } from './types.ts';
import { axisLengthsPx } from '../geometry/recist.ts';
import type { Recist, Spacing } from '../geometry/types.ts';

export interface LesionInfo {
  readonly id: string;
  readonly fileName: string;
  /** Lesions of one patient are not independent (paired intervals resample patients). */
  readonly patient: string;
  readonly row: number;
  readonly lesionType: number;
  readonly typeName: string;
  readonly spacing: Spacing;
  /** The reference mark's long/short lengths, px. */
  readonly longPx: number;
  readonly shortPx: number;
  readonly imageSize: readonly [number, number];
  readonly window: readonly [number, number];
}

export interface FolderLesion {
  readonly info: LesionInfo;
  readonly recist: Recist;
  /** Mask folders: the image volume and the key slice (for a boxes CSV). */
  readonly volume?: { readonly path: string; readonly slice: number };
  slice(): CtSlice;
}

export interface LesionSetOptions {
  /** DeepLesion folders: keep a row when true. */
  readonly lesionFilter?: (record: LesionRecord, id: string) => boolean;
  /** Mask folders: only the patients of this part of the split. */
  readonly split?: { readonly path: string; readonly part: SplitPart } | null;
}

/** Window of mask-folder lesions in reports (a lung window: the layout's common case is LIDC's nodules). */
const MASK_FOLDER_WINDOW: readonly [number, number] = [-600, 1500];

export function openLesionSet(dir: string, opts: LesionSetOptions = {}): { lesions: FolderLesion[]; description: string } {
  if (isMaskFolder(dir)) {
    const allowed = opts.split ? new Set(readPatientSplit(opts.split.path).parts[opts.split.part]) : null;
    const folder = openMaskFolder(dir, { cases: (c) => !allowed || allowed.has(c.patientId) });
    for (const e of folder.errors) process.stderr.write(`${dir}: skipped ${e.file}: ${e.error}\n`);
    const typeName = basename(dir);
    const lesions = folder.lesions.map((l, i): FolderLesion => {
      const len = axisLengthsPx(l.recist);
      return {
        recist: l.recist,
        volume: { path: l.imagePath, slice: l.slice },
        slice: () => folder.lesionSlice(l).slice,
        info: {
          id: l.id, fileName: `${basename(l.imagePath)}#z${l.slice}`, patient: l.patientId, row: i + 1, lesionType: -1, typeName,
          spacing: { x: l.spacing.x, y: l.spacing.y }, longPx: len.long, shortPx: len.short, imageSize: [l.size[0], l.size[1]], window: MASK_FOLDER_WINDOW,
        },
      };
    });
    const part = opts.split ? `, ${opts.split.part} part of ${basename(opts.split.path)}` : '';
    return { lesions, description: `${lesions.length} mask-folder lesions of ${new Set(folder.lesions.map((l) => l.patientId)).size} patients in ${dir}${part} (strict edge-to-edge RECIST from the masks)` };
  }
  if (opts.split) throw new Error(`--split applies to mask folders; ${dir} is a DeepLesion folder (filter it by patient instead)`);
  const folder = openDeepLesionFolder(dir);
  const lesions = folder.records
    .map((r) => ({ record: r, id: folder.lesionId(r) }))
    .filter(({ record, id }) => folder.hasImage(record) && (opts.lesionFilter ? opts.lesionFilter(record, id) : true))
    .map(({ record, id }): FolderLesion => {
      const l = axisLengthsPx(record.recist);
      return {
        recist: record.recist,
        slice: () => folder.slice(record),
        info: {
          id, fileName: record.fileName, patient: String(record.patientIndex), row: record.row, lesionType: record.lesionType,
          typeName: LESION_TYPE_NAMES[record.lesionType] ?? String(record.lesionType),
          spacing: { x: record.spacing.x, y: record.spacing.y }, longPx: l.long, shortPx: l.short,
          imageSize: record.imageSize, window: record.dicomWindow,
        },
      };
    });
  if (lesions.length === 0) throw new Error(`${dir}: no lesions to evaluate (DL_info.csv has ${folder.records.length} rows, the filter kept none)`);
  return { lesions, description: `${lesions.length} DeepLesion lesions in ${dir}` };
}
