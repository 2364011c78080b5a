/**
 * DeepLesion `DL_info.csv`: parse every one of the 18 columns into a typed {@link LesionRecord}, and write
 * records back in the same layout (round trip: parse → write → parse gives equal records).
 *
 * Multi-number fields are quoted, comma-separated lists ("135.339, 246.541, ..."). Every problem throws an
 * `Error` naming the source, the 1-based data row, the column and the offending value, e.g.
 * `DL_info.csv row 7: field Measurement_coordinates has 6 numbers, expected 8 ("1, 2, 3, 4, 5, 6")`.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Point } from '../geometry/types.ts';
import type { LesionRecord } from './types.ts';

/** The 18 DL_info.csv columns, in file order. */
export const DL_INFO_COLUMNS = [
  'File_name', 'Patient_index', 'Study_index', 'Series_ID', 'Key_slice_index', 'Measurement_coordinates',
  'Bounding_boxes', 'Lesion_diameters_Pixel_', 'Normalized_lesion_location', 'Coarse_lesion_type', 'Possibly_noisy',
  'Slice_range', 'Spacing_mm_px_', 'Image_size', 'DICOM_windows', 'Patient_gender', 'Patient_age', 'Train_Val_Test',
] as const;
export type DlInfoColumn = (typeof DL_INFO_COLUMNS)[number];

/** Reads one data row's fields by column name and reports problems with source/row/column/value. */
class RowReader {
  constructor(
    private readonly source: string,
    readonly row: number,
    private readonly cells: readonly string[],
    private readonly index: ReadonlyMap<DlInfoColumn, number>,
  ) {}

  fail(column: DlInfoColumn, message: string): never {
    throw new Error(`${this.source} row ${this.row}: field ${column} ${message} (${JSON.stringify(this.raw(column))})`);
  }

  raw(column: DlInfoColumn): string {
    return this.cells[this.index.get(column) as number] ?? '';
  }

  text(column: DlInfoColumn): string {
    const value = this.raw(column).trim();
    if (value === '') this.fail(column, 'is empty');
    return value;
  }

  number(column: DlInfoColumn): number {
    return this.toNumber(column, this.raw(column));
  }

  integer(column: DlInfoColumn): number {
    const n = this.number(column);
    if (!Number.isInteger(n)) this.fail(column, 'is not an integer');
    return n;
  }

  numbers(column: DlInfoColumn, expected: number): number[] {
    const raw = this.raw(column).trim();
    const parts = raw === '' ? [] : raw.split(',');
    if (parts.length !== expected) this.fail(column, `has ${parts.length} numbers, expected ${expected}`);
    return parts.map((p) => this.toNumber(column, p));
  }

  private toNumber(column: DlInfoColumn, text: string): number {
    const t = text.trim();
    const n = t === '' ? Number.NaN : Number(t);
    if (!Number.isFinite(n)) {
      throw new Error(`${this.source} row ${this.row}: field ${column} has a non-numeric value ${JSON.stringify(t)}`);
    }
    return n;
  }
}

function pt(x: number, y: number): Point {
  return { x, y };
}

function parseRow(r: RowReader): LesionRecord {
  const m = r.numbers('Measurement_coordinates', 8);
  const b = r.numbers('Bounding_boxes', 4);
  if (!(b[0] <= b[2] && b[1] <= b[3])) r.fail('Bounding_boxes', 'is not ordered x1 <= x2, y1 <= y2');
  const d = r.numbers('Lesion_diameters_Pixel_', 2);
  const loc = r.numbers('Normalized_lesion_location', 3);
  const lesionType = r.integer('Coarse_lesion_type');
  if (lesionType !== -1 && (lesionType < 1 || lesionType > 8)) r.fail('Coarse_lesion_type', 'is not -1 or 1..8');
  const noisy = r.integer('Possibly_noisy');
  if (noisy !== 0 && noisy !== 1) r.fail('Possibly_noisy', 'is not 0 or 1');
  const range = r.numbers('Slice_range', 2);
  if (!range.every(Number.isInteger)) r.fail('Slice_range', 'has a non-integer slice index');
  const sp = r.numbers('Spacing_mm_px_', 3);
  if (!(sp[0] > 0 && sp[1] > 0)) r.fail('Spacing_mm_px_', 'has a non-positive pixel spacing');
  const size = r.numbers('Image_size', 2);
  if (!size.every((s) => Number.isInteger(s) && s > 0)) r.fail('Image_size', 'is not two positive integers');
  const win = r.numbers('DICOM_windows', 2);
  const ageText = r.raw('Patient_age').trim();
  let age: number | null = null;
  if (ageText !== '' && ageText.toLowerCase() !== 'nan') {
    age = r.number('Patient_age');
    if (age < 0) r.fail('Patient_age', 'is negative');
  }
  const split = r.integer('Train_Val_Test');
  if (split < 1 || split > 3) r.fail('Train_Val_Test', 'is not 1, 2 or 3');
  return {
    row: r.row,
    fileName: r.text('File_name'),
    patientIndex: r.integer('Patient_index'),
    studyIndex: r.integer('Study_index'),
    seriesId: r.integer('Series_ID'),
    keySliceIndex: r.integer('Key_slice_index'),
    recist: { long: [pt(m[0], m[1]), pt(m[2], m[3])], short: [pt(m[4], m[5]), pt(m[6], m[7])] },
    boundingBox: { x1: b[0], y1: b[1], x2: b[2], y2: b[3] },
    diametersPx: [d[0], d[1]],
    normalizedLocation: [loc[0], loc[1], loc[2]],
    lesionType,
    possiblyNoisy: noisy === 1,
    sliceRange: [range[0], range[1]],
    spacing: { x: sp[0], y: sp[1], z: sp[2] },
    imageSize: [size[0], size[1]],
    dicomWindow: [win[0], win[1]],
    gender: r.raw('Patient_gender').trim(),
    age,
    split,
  };
}

/**
 * Parses DL_info.csv text. `sourceName` (a file name or path) prefixes every error message.
 * Extra columns are ignored; a missing column, a wrong number count or a non-numeric value throws.
 */
export function parseDlInfo(text: string, sourceName: string): LesionRecord[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw new Error(`${sourceName}: not valid CSV: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (rows.length === 0) throw new Error(`${sourceName}: empty file, expected a DL_info.csv header`);
  const header = rows[0].map((h) => h.trim());
  const index = new Map<DlInfoColumn, number>();
  for (const column of DL_INFO_COLUMNS) {
    const i = header.indexOf(column);
    if (i < 0) throw new Error(`${sourceName}: header is missing column ${column} (found: ${header.join(', ')})`);
    index.set(column, i);
  }
  const records: LesionRecord[] = [];
  for (let i = 1; i < rows.length; i++) {
    const cells = rows[i];
    if (cells.length !== header.length) {
      throw new Error(`${sourceName} row ${i}: has ${cells.length} fields, expected ${header.length} (as in the header)`);
    }
    records.push(parseRow(new RowReader(sourceName, i, cells, index)));
  }
  return records;
}

/** Reads and parses a DL_info.csv file; errors name the file's path. */
export function readDlInfo(path: string): LesionRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read DL_info.csv: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseDlInfo(text, path);
}

const list = (values: readonly number[]): string => values.map((v) => String(v)).join(', ');

/** One record as the 18 DL_info.csv cells (numbers in JavaScript's shortest round-trip form). */
export function formatDlInfoRow(r: LesionRecord): string[] {
  const { long, short } = r.recist;
  const b = r.boundingBox;
  return [
    r.fileName, String(r.patientIndex), String(r.studyIndex), String(r.seriesId), String(r.keySliceIndex),
    list([long[0].x, long[0].y, long[1].x, long[1].y, short[0].x, short[0].y, short[1].x, short[1].y]),
    list([b.x1, b.y1, b.x2, b.y2]), list(r.diametersPx), list(r.normalizedLocation), String(r.lesionType),
    r.possiblyNoisy ? '1' : '0', list(r.sliceRange), list([r.spacing.x, r.spacing.y, r.spacing.z]), list(r.imageSize),
    list(r.dicomWindow), r.gender, r.age === null ? 'NaN' : String(r.age), String(r.split),
  ];
}

/** Formats records as DL_info.csv text (header + one line per record). */
export function formatDlInfo(records: readonly LesionRecord[]): string {
  return stringify([[...DL_INFO_COLUMNS], ...records.map(formatDlInfoRow)], { record_delimiter: '\n' });
}

/** Writes records as DL_info.csv, atomically (temporary file, then rename). */
export function writeDlInfo(path: string, records: readonly LesionRecord[]): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, formatDlInfo(records), 'utf8');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`${path}: cannot write DL_info.csv: ${err instanceof Error ? err.message : String(err)}`);
  }
}
