/**
 * What the `labels export --format sr`, `labels import-sr` and `--dicomweb` flags share: opening the DICOMweb
 * dataset from flags and environment, and finding the source image of a label in a DICOM folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '../server/datasets.ts';
import { createDicomwebClient, dicomwebAuthFromEnv } from './dicomweb.ts';
import { openDicomwebDataset, type DicomwebDataset } from './datastore.ts';
import { sourceImageFromBytes, type SourceImage } from './source.ts';
import { srDocumentFromBytes, type SrDocument } from './sr-read.ts';

export interface DicomwebFlags {
  dicomweb?: string;
  dicomwebStudy?: string;
  dicomwebTimeout?: string | number;
}

/** The DICOMweb dataset of `--dicomweb URL [--dicomweb-study UID,…] [--dicomweb-timeout S]` (env RECIST_DICOMWEB…). */
export async function dicomwebFromFlags(flags: DicomwebFlags, cacheDir: string, log: (m: string) => void, env = process.env): Promise<DicomwebDataset | null> {
  const url = flags.dicomweb ?? env.RECIST_DICOMWEB;
  if (!url) return null;
  const timeoutText = String(flags.dicomwebTimeout ?? env.RECIST_DICOMWEB_TIMEOUT ?? 30);
  const timeout = Number(timeoutText);
  if (!(timeout > 0)) throw new Error(`--dicomweb-timeout ${timeoutText}: expected seconds > 0`);
  const client = createDicomwebClient({ url, auth: dicomwebAuthFromEnv(env), timeoutMs: timeout * 1000, log: (m) => log(`warning: ${m}`) });
  const studies = (flags.dicomwebStudy ?? env.RECIST_DICOMWEB_STUDY)?.split(',').map((s) => s.trim()).filter(Boolean);
  return openDicomwebDataset({ client, cacheDir, studies, warn: (m) => log(`warning: ${m}`), log });
}

/** DICOM files of a folder (or the file itself): `*.dcm` and extension-less names. */
export function dicomFiles(path: string): string[] {
  const root = resolve(path);
  return statSync(root).isDirectory()
    ? readdirSync(root).filter((f) => /\.dcm$/i.test(f) || !f.includes('.')).sort().map((f) => join(root, f)).filter((f) => statSync(f).isFile())
    : [root];
}

/** Source images of a DICOM folder by SOP Instance UID (unreadable files skipped with a warning). */
export function sourcesOfFolder(path: string, warn: (m: string) => void): Map<string, SourceImage> {
  const out = new Map<string, SourceImage>();
  for (const f of dicomFiles(path)) {
    try {
      const s = sourceImageFromBytes(new Uint8Array(readFileSync(f)), f);
      out.set(s.sopInstanceUid, s);
    } catch (err) {
      warn(`${f}: skipped (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return out;
}

/** The source image of a dataset's lesion: from the DICOMweb dataset, else from the folder's map. */
export function sourceOf(dataset: Dataset, lesionId: string, folder: Map<string, SourceImage> | null): SourceImage | null {
  const lesion = dataset.lesion(lesionId);
  if (!lesion) return null;
  const dw = dataset as Partial<DicomwebDataset>;
  if (typeof dw.source === 'function' && dw.client) return dw.source(lesion.sliceRef);
  const sop = lesion.dicom?.sopInstanceUid;
  return sop ? folder?.get(sop) ?? null : null;
}

/** SR documents from files (each a Part 10 SR); a file that is not a readable SR throws naming it. */
export function readSrFiles(paths: readonly string[]): SrDocument[] {
  return paths.flatMap((p) => dicomFiles(p)).map((f) => srDocumentFromBytes(new Uint8Array(readFileSync(f)), f));
}
