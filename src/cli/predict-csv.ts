/**
 * Batch prediction over a boxes CSV (`image,x1,y1,x2,y2`, image relative to the CSV's folder) into a
 * predictions CSV that repeats the input columns and adds the marks, lengths and entropy. A bad row gets
 * its error in the `error` column (and on stderr); the other rows are still predicted.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readImage } from '../data/image.ts';
import type { CtSlice } from '../data/types.ts';
import { axisLengthsPx } from '../geometry/recist.ts';
import type { Box } from '../geometry/types.ts';
import type { Measurer, Proposal } from '../model/measurer-types.ts';

export const BOX_COLUMNS = ['image', 'x1', 'y1', 'x2', 'y2'] as const;
export const PRED_COLUMNS = [
  'long_x1', 'long_y1', 'long_x2', 'long_y2', 'short_x1', 'short_y1', 'short_x2', 'short_y2', 'long_px', 'short_px', 'entropy', 'readout',
] as const;

export interface BoxRow {
  readonly row: number;
  readonly fields: Record<string, string>;
}

export function readBoxesCsv(path: string): { rows: BoxRow[]; columns: string[] } {
  const text = readFileSync(path, 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const columns = records.length ? Object.keys(records[0]) : (text.split(/\r?\n/)[0] ?? '').split(',').map((s) => s.trim());
  const missing = BOX_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new Error(`${path}: missing column(s) ${missing.join(', ')} (expected ${BOX_COLUMNS.join(',')})`);
  return { rows: records.map((fields, i) => ({ row: i + 1, fields })), columns };
}

export function parseBoxRow(r: BoxRow, csvPath: string): { imagePath: string; box: Box } {
  const nums = (['x1', 'y1', 'x2', 'y2'] as const).map((k) => {
    const v = Number(r.fields[k]);
    if (r.fields[k] === '' || !Number.isFinite(v)) throw new Error(`${csvPath} row ${r.row}: field ${k} is ${JSON.stringify(r.fields[k])}, not a number`);
    return v;
  });
  const image = r.fields.image;
  if (!image) throw new Error(`${csvPath} row ${r.row}: field image is empty`);
  const imagePath = isAbsolute(image) ? image : resolve(dirname(resolve(csvPath)), image);
  return { imagePath, box: { x1: nums[0], y1: nums[1], x2: nums[2], y2: nums[3] } };
}

export function proposalColumns(p: Proposal): Record<(typeof PRED_COLUMNS)[number], string> {
  const { long, short } = p.recist;
  const len = axisLengthsPx(p.recist);
  const f = (v: number) => v.toFixed(3);
  return {
    long_x1: f(long[0].x), long_y1: f(long[0].y), long_x2: f(long[1].x), long_y2: f(long[1].y),
    short_x1: f(short[0].x), short_y1: f(short[0].y), short_x2: f(short[1].x), short_y2: f(short[1].y),
    long_px: f(len.long), short_px: f(len.short), entropy: p.entropy.toFixed(4), readout: p.readout,
  };
}

/** Predict every row; returns the output CSV text and the count of failed rows. */
export async function predictBoxesCsv(
  measurer: Measurer, csvPath: string, onRow: (done: number, total: number, error?: string) => void = () => {},
): Promise<{ csv: string; failed: number; total: number }> {
  const { rows, columns } = readBoxesCsv(csvPath);
  const images = new Map<string, CtSlice>();
  const out: Record<string, string>[] = [];
  let failed = 0;
  for (const r of rows) {
    let result: Record<string, string>;
    try {
      const { imagePath, box } = parseBoxRow(r, csvPath);
      const slice = images.get(imagePath) ?? readImage(imagePath);
      images.set(imagePath, slice);
      const p = await measurer.measure(slice, box);
      result = { ...r.fields, ...proposalColumns(p), error: '' };
      onRow(out.length + 1, rows.length);
    } catch (err) {
      failed++;
      const message = (err as Error).message.startsWith(csvPath) ? (err as Error).message : `${csvPath} row ${r.row}: ${(err as Error).message}`;
      result = { ...r.fields, ...Object.fromEntries(PRED_COLUMNS.map((c) => [c, ''])), error: message };
      onRow(out.length + 1, rows.length, message);
    }
    out.push(result);
  }
  const header = [...columns, ...PRED_COLUMNS, 'error'];
  return { csv: stringify(out, { header: true, columns: header }), failed, total: rows.length };
}
