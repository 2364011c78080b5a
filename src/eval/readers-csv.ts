/**
 * Extra readers' marks for a DeepLesion-layout folder: `readers.csv` next to DL_info.csv.
 *
 * Columns (header names, case-insensitive, any order; extra columns ignored):
 * - `reader`: reader name (e.g. R1, R2, sim-1);
 * - `file_name` (or `File_name`): the slice, as in DL_info.csv;
 * - `lesion_index`: 1-based ordinal of the lesion among DL_info.csv rows of that file (so the id is
 *   `<file stem>#<lesion_index>`, as `DeepLesionFolder.lesionId`); optional when the file has one lesion;
 * - the mark: `Measurement_coordinates` ("x1, y1, ... y4", DL_info.csv's order: long axis then short axis)
 *   or eight columns `long_x1,long_y1,long_x2,long_y2,short_x1,short_y1,short_x2,short_y2`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { recistFromNumbers } from '../geometry/recist.ts';
import type { Recist } from '../geometry/types.ts';

const EIGHT = ['long_x1', 'long_y1', 'long_x2', 'long_y2', 'short_x1', 'short_y1', 'short_x2', 'short_y2'];

/** Lesion id from a file name and 1-based lesion ordinal (same form as `DeepLesionFolder.lesionId`). */
export const lesionIdOf = (fileName: string, lesionIndex: number): string => `${fileName.replace(/\.png$/, '')}#${lesionIndex}`;

/** Parses readers.csv text → reader name → (lesion id → mark), readers in first-appearance order. */
export function parseReadersCsv(text: string, source: string): Map<string, Map<string, Recist>> {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    throw new Error(`${source}: not valid CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (rows.length === 0) throw new Error(`${source}: empty file, expected a header with reader,file_name,...`);
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const col = (name: string): number => header.indexOf(name.toLowerCase());
  const iReader = col('reader'), iFile = col('file_name'), iLesion = col('lesion_index'), iMc = col('measurement_coordinates');
  const iEight = EIGHT.map(col);
  if (iReader < 0) throw new Error(`${source}: header is missing column reader (found: ${rows[0].join(', ')})`);
  if (iFile < 0) throw new Error(`${source}: header is missing column file_name (found: ${rows[0].join(', ')})`);
  if (iMc < 0 && iEight.some((i) => i < 0)) {
    throw new Error(`${source}: header needs Measurement_coordinates or the 8 columns ${EIGHT.join(',')} (found: ${rows[0].join(', ')})`);
  }
  const out = new Map<string, Map<string, Recist>>();
  for (let r = 1; r < rows.length; r++) {
    const cells = rows[r];
    const ctx = `${source} row ${r}`;
    const reader = (cells[iReader] ?? '').trim();
    const file = (cells[iFile] ?? '').trim();
    if (!reader) throw new Error(`${ctx}: field reader is empty`);
    if (!file) throw new Error(`${ctx}: field file_name is empty`);
    const li = iLesion >= 0 && (cells[iLesion] ?? '').trim() !== '' ? Number(cells[iLesion]) : 1;
    if (!Number.isInteger(li) || li < 1) throw new Error(`${ctx}: field lesion_index is not a positive integer (${JSON.stringify(cells[iLesion])})`);
    const nums = iMc >= 0 ? (cells[iMc] ?? '').split(',').map((t) => Number(t.trim())) : iEight.map((i) => Number((cells[i] ?? '').trim()));
    if (nums.length !== 8 || nums.some((n) => !Number.isFinite(n))) {
      throw new Error(`${ctx}: mark has ${nums.length} values, expected 8 finite numbers (${JSON.stringify(iMc >= 0 ? cells[iMc] : iEight.map((i) => cells[i]).join(','))})`);
    }
    let marks = out.get(reader);
    if (!marks) out.set(reader, (marks = new Map()));
    const id = lesionIdOf(file, li);
    if (marks.has(id)) throw new Error(`${ctx}: reader ${reader} marks ${id} twice`);
    marks.set(id, recistFromNumbers(nums, ctx));
  }
  return out;
}

export function readReadersCsv(path: string): Map<string, Map<string, Recist>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read readers CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseReadersCsv(text, path);
}
