/**
 * What `recist predict` writes. One proposal becomes a {@link Prediction}: the marks in the slice's pixels, the axis
 * lengths in px and, when the image carries a pixel spacing, in mm, the read-out's entropy and name. The JSON output
 * (`--image --box`) prints it with numbers as numbers plus the backend and model version; the CSV output (`--boxes`)
 * repeats the input columns and adds one column per field ({@link PRED_COLUMNS}), empty where a field is null. A bad
 * row gets its error in the `error` column (and on stderr); the other rows are still predicted.
 *
 * A new output field is one entry in {@link Prediction}, {@link PRED_COLUMNS} and {@link predictionOf}.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readImage } from '../data/image.ts';
import type { CtSlice } from '../data/types.ts';
import { axisLengthsMm, axisLengthsPx } from '../geometry/recist.ts';
import type { Box } from '../geometry/types.ts';
import type { Measurer, Proposal } from '../model/measurer-types.ts';

export const BOX_COLUMNS = ['image', 'x1', 'y1', 'x2', 'y2'] as const;
/** Output columns, in CSV order. The mm lengths come last so that the older columns keep their positions. */
export const PRED_COLUMNS = [
  'long_x1', 'long_y1', 'long_x2', 'long_y2', 'short_x1', 'short_y1', 'short_x2', 'short_y2', 'long_px', 'short_px', 'entropy', 'readout',
  'long_mm', 'short_mm',
] as const;
export type PredColumn = (typeof PRED_COLUMNS)[number];

/** One proposal as numbers. Coordinates are continuous slice pixels (x right, y down), rounded to 1/1000 px. */
export type Prediction = {
  readonly [K in Exclude<PredColumn, 'readout' | 'long_mm' | 'short_mm'>]: number;
} & {
  readonly readout: Proposal['readout'];
  /** Axis lengths in mm (the slice's spacing along x and y); null when the image has no spacing. */
  readonly long_mm: number | null;
  readonly short_mm: number | null;
};

/** `recist predict --image --box` output. */
export interface PredictionJson extends Prediction {
  readonly image: string;
  readonly box: Box;
  /** Pixel spacing the mm lengths used (mm/px), null when the image has none. */
  readonly spacing: { readonly x: number; readonly y: number } | null;
  readonly backend: string;
  readonly modelVersion: string;
  /** Wall time of the proposal, ms. */
  readonly ms: number;
}

export interface BoxRow {
  readonly row: number;
  readonly fields: Record<string, string>;
}

const round = (v: number, decimals = 3): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

export function readBoxesCsv(path: string): { rows: BoxRow[]; columns: string[] } {
  const text = readFileSync(path, 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const columns = records.length ? Object.keys(records[0]) : (text.split(/\r?\n/)[0] ?? '').split(',').map((s) => s.trim());
  const missing = BOX_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new Error(`${path}: missing column(s) ${missing.join(', ')} (expected ${BOX_COLUMNS.join(',')})`);
  return { rows: records.map((fields, i) => ({ row: i + 1, fields })), columns };
}

/**
 * A row's image, box and (NIfTI volumes: optional `slice` column, 0-based in the display layout, see
 * src/data/nifti.ts) slice index.
 */
export function parseBoxRow(r: BoxRow, csvPath: string): { imagePath: string; box: Box; slice?: number } {
  const nums = (['x1', 'y1', 'x2', 'y2'] as const).map((k) => {
    const v = Number(r.fields[k]);
    if (r.fields[k] === '' || r.fields[k] === undefined || !Number.isFinite(v)) {
      throw new Error(`${csvPath} row ${r.row}: field ${k} is ${JSON.stringify(r.fields[k] ?? '')}, not a number`);
    }
    return v;
  });
  const image = r.fields.image;
  if (!image) throw new Error(`${csvPath} row ${r.row}: field image is empty`);
  const imagePath = isAbsolute(image) ? image : resolve(dirname(resolve(csvPath)), image);
  const sliceText = r.fields.slice;
  const slice = sliceText === undefined || sliceText === '' ? undefined : Number(sliceText);
  if (slice !== undefined && !(Number.isInteger(slice) && slice >= 0)) throw new Error(`${csvPath} row ${r.row}: field slice is ${JSON.stringify(sliceText)}, not a slice index (0, 1, …)`);
  return { imagePath, box: { x1: nums[0], y1: nums[1], x2: nums[2], y2: nums[3] }, ...(slice !== undefined ? { slice } : {}) };
}

/** The proposal's marks and lengths as numbers; mm lengths from the slice's spacing when it has one. */
export function predictionOf(p: Proposal, slice: CtSlice): Prediction {
  const { long, short } = p.recist;
  const px = axisLengthsPx(p.recist);
  const mm = slice.spacing ? axisLengthsMm(p.recist, slice.spacing) : null;
  return {
    long_x1: round(long[0].x), long_y1: round(long[0].y), long_x2: round(long[1].x), long_y2: round(long[1].y),
    short_x1: round(short[0].x), short_y1: round(short[0].y), short_x2: round(short[1].x), short_y2: round(short[1].y),
    long_px: round(px.long), short_px: round(px.short), entropy: round(p.entropy, 4), readout: p.readout,
    long_mm: mm ? round(mm.long) : null, short_mm: mm ? round(mm.short) : null,
  };
}

/** CSV cells of a prediction: numbers as written by JSON, null as an empty cell. */
export function predictionCells(pred: Prediction): Record<PredColumn, string> {
  return Object.fromEntries(PRED_COLUMNS.map((c) => [c, pred[c] === null ? '' : String(pred[c])])) as Record<PredColumn, string>;
}

/**
 * `--image --box`: one proposal. `boxText` is `x1,y1,x2,y2` in the image's pixels; a bad box or image throws an Error
 * naming it.
 */
export async function predictImage(measurer: Measurer, imagePath: string, boxText: string, sliceIndex?: string): Promise<PredictionJson> {
  const parts = boxText.split(',');
  if (parts.length !== 4) throw new Error(`--box is ${JSON.stringify(boxText)}: expected 4 numbers x1,y1,x2,y2`);
  const [x1, y1, x2, y2] = parts;
  const parsed = parseBoxRow({ row: 1, fields: { image: imagePath, x1, y1, x2, y2, ...(sliceIndex !== undefined ? { slice: sliceIndex } : {}) } }, '--box');
  const box = parsed.box;
  const slice = readImage(imagePath, { slice: parsed.slice });
  const p = await measurer.measure(slice, box);
  return {
    image: imagePath, box, ...predictionOf(p, slice),
    spacing: slice.spacing ? { x: slice.spacing.x, y: slice.spacing.y } : null,
    backend: p.backend, modelVersion: p.modelVersion, ms: Math.round(p.ms),
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
      const { imagePath, box, slice: z } = parseBoxRow(r, csvPath);
      const key = z === undefined ? imagePath : `${imagePath}#${z}`;
      const slice = images.get(key) ?? readImage(imagePath, { slice: z });
      images.set(key, slice);
      const p = await measurer.measure(slice, box);
      result = { ...r.fields, ...predictionCells(predictionOf(p, slice)), error: '' };
      onRow(out.length + 1, rows.length);
    } catch (err) {
      failed++;
      const message = (err as Error).message.startsWith(csvPath) ? (err as Error).message : `${csvPath} row ${r.row}: ${(err as Error).message}`;
      result = { ...r.fields, ...Object.fromEntries(PRED_COLUMNS.map((c) => [c, ''])), error: message };
      onRow(out.length + 1, rows.length, message);
    }
    out.push(result);
  }
  const header = [...columns, ...PRED_COLUMNS.filter((c) => !columns.includes(c)), 'error'];
  return { csv: stringify(out, { header: true, columns: header }), failed, total: rows.length };
}
