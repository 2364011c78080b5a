import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in src/data). */
export const REPO_ROOT = (import.meta as { url?: string }).url
  ? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  : process.cwd(); // single-file bundle (no import.meta.url): run from the repository root

/**
 * The shared real-data folder: `$RECIST_SHARED_DATA`, else `../shared/data` beside the repository.
 * Returns null when absent (a user's machine); tests then skip with a message, except in CI where they fail.
 */
export function sharedDataDir(): string | null {
  const fromEnv = process.env.RECIST_SHARED_DATA;
  const candidate = fromEnv ? resolve(fromEnv) : resolve(REPO_ROOT, '..', 'shared', 'data');
  return existsSync(candidate) ? candidate : null;
}

export const DEV_SUBDIR = 'deeplesion-dev';
export const ANNOTATIONS_CSV = 'annotations/DL_info_val_test.csv';
export const DICOM_SUBDIR = 'dicom';
