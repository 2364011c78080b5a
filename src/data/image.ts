/**
 * One entry point for single images: dispatches on magic bytes (not on the file extension) to the
 * 16-bit DeepLesion PNG reader, the 8-bit export reader (needs the export's window), the DICOM reader or the
 * NIfTI reader (one axial slice of the volume, `slice`).
 */
import { readFileSync } from 'node:fs';
import type { Spacing } from '../geometry/types.ts';
import { decodeDicom, isDicom, type DicomReadOptions } from './dicom.ts';
import { decodeExport8, isJpeg } from './export8.ts';
import { decodePng16, isPng, pngHeader } from './png16.ts';
import { parseNifti, volumeSlice } from './nifti.ts';
import type { CtSlice, HuWindow } from './types.ts';

/** Options for {@link readImage}. */
export interface ReadImageOptions {
  /** The HU window an 8-bit PNG/JPEG export was made with (required for those). */
  readonly exportWindow?: HuWindow;
  /** Pixel spacing to attach to PNG/JPEG inputs (DICOM carries its own). */
  readonly spacing?: Spacing | null;
  /** Display window to attach to a 16-bit PNG (DICOM carries its own). */
  readonly window?: HuWindow | null;
  readonly dicom?: DicomReadOptions;
  /** NIfTI volumes: the axial slice to read (0-based, display layout; required when the volume has more than one). */
  readonly slice?: number;
}

/** What kind of image a buffer holds, from its first bytes. */
export type ImageKind = 'png16' | 'png8' | 'png-other' | 'jpeg' | 'dicom' | 'nifti' | 'unknown';

/** NIfTI by content: gzip (a .nii.gz) or the NIfTI-1/2 magic at byte 344 / 4. */
function isNiftiBytes(buf: Uint8Array): boolean {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
  const at = (o: number, s: string) => buf.length >= o + s.length && [...s].every((c, i) => buf[o + i] === c.charCodeAt(0));
  return at(344, 'n+1') || at(344, 'ni1') || at(4, 'n+2');
}

/** Classifies a buffer by magic bytes. */
export function imageKind(buf: Uint8Array): ImageKind {
  if (isPng(buf)) {
    const h = pngHeader(buf);
    if (h?.depth === 16 && h.colorType === 0) return 'png16';
    if (h?.depth === 8) return 'png8';
    return 'png-other';
  }
  if (isJpeg(buf)) return 'jpeg';
  if (isDicom(buf)) return 'dicom';
  if (isNiftiBytes(buf)) return 'nifti';
  return 'unknown';
}

/** Decodes an in-memory image of any supported kind to HU. */
export function decodeImage(buf: Uint8Array, name: string, opts: ReadImageOptions = {}): CtSlice {
  const kind = imageKind(buf);
  switch (kind) {
    case 'png16':
    case 'png-other':
      return decodePng16(buf, name, { spacing: opts.spacing, window: opts.window });
    case 'png8':
    case 'jpeg': {
      if (!opts.exportWindow) {
        throw new Error(`${name}: 8-bit ${kind === 'jpeg' ? 'JPEG' : 'PNG'} holds windowed values, not HU: give the window it was exported with (e.g. --export-window 50,450)`);
      }
      const s = decodeExport8(buf, name, opts.exportWindow);
      return { ...s, spacing: opts.spacing ?? null };
    }
    case 'dicom':
      return decodeDicom(buf, name, opts.dicom);
    case 'nifti': {
      const v = parseNifti(buf, name);
      if (opts.slice === undefined && v.depth > 1) throw new Error(`${name}: a NIfTI volume of ${v.depth} slices: say which one (--slice Z, or a slice column; 0..${v.depth - 1})`);
      return volumeSlice(v, opts.slice ?? 0);
    }
    default:
      throw new Error(`${name}: not a PNG, DICOM or NIfTI file`);
  }
}

/** Reads an image file (16-bit PNG, 8-bit PNG/JPEG with `exportWindow`, DICOM with or without preamble) as HU. */
export function readImage(path: string, opts: ReadImageOptions = {}): CtSlice {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read image: ${err instanceof Error ? err.message : String(err)}`);
  }
  return decodeImage(buf, path, opts);
}

/** Summary statistics of HU values (NaN-free input assumed; NaNs are counted and skipped). */
export interface HuStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly nan: number;
}

/** Min, max and mean HU of a slice (or any HU array). */
export function huStats(hu: ArrayLike<number>): HuStats {
  let min = Infinity, max = -Infinity, sum = 0, nan = 0;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i];
    if (Number.isNaN(v)) { nan++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const n = hu.length - nan;
  return n === 0 ? { min: Number.NaN, max: Number.NaN, mean: Number.NaN, nan } : { min, max, mean: sum / n, nan };
}
