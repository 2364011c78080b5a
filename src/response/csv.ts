/**
 * The response CSVs. Input (`recist response --measurements`), header in any order:
 *   patient, timepoint, lesion, kind, organ, nodal, long_mm, short_mm, status
 * Output, one row per patient and time point:
 *   patient, timepoint, sum_mm, baseline_sum_mm, nadir_mm, change_from_baseline_pct, change_from_nadir_pct,
 *   target_response, non_target_response, new_lesions, overall_response, could_flip, flip_to, not_evaluable
 * Every input problem throws an Error naming the file, the 1-based data row, the field and the value.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { LesionKind, LesionRow, LesionStatus, TimepointResult } from './types.ts';
import { LESION_KINDS, LESION_STATUSES } from './types.ts';

export const MEASUREMENT_COLUMNS = ['patient', 'timepoint', 'lesion', 'kind', 'organ', 'nodal', 'long_mm', 'short_mm', 'status'] as const;
export type MeasurementColumn = (typeof MEASUREMENT_COLUMNS)[number];

export const RESPONSE_COLUMNS = [
  'patient', 'timepoint', 'sum_mm', 'baseline_sum_mm', 'nadir_mm', 'change_from_baseline_pct', 'change_from_nadir_pct',
  'target_response', 'non_target_response', 'new_lesions', 'overall_response', 'could_flip', 'flip_to', 'not_evaluable',
] as const;

/** Parses the measurements CSV text (`source` names it in errors). */
export function parseMeasurementsCsv(text: string, source = 'measurements.csv'): LesionRow[] {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new Error(`${source}: not a readable CSV (${err instanceof Error ? err.message : String(err)})`);
  }
  if (records.length === 0) throw new Error(`${source}: empty (expected a header with ${MEASUREMENT_COLUMNS.join(', ')})`);
  const header = records[0].map((h) => h.trim().toLowerCase());
  const index = new Map<MeasurementColumn, number>();
  for (const c of MEASUREMENT_COLUMNS) {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${source}: header has no column ${c} (has ${header.join(', ')}; needs ${MEASUREMENT_COLUMNS.join(', ')})`);
    index.set(c, i);
  }
  const seen = new Map<string, number>();
  const rows = records.slice(1).map((cells, k): LesionRow => {
    const row = k + 1;
    const at = `${source} row ${row}`;
    const raw = (c: MeasurementColumn): string => cells[index.get(c) as number] ?? '';
    const fail = (c: MeasurementColumn, why: string): never => {
      throw new Error(`${at}: field ${c} ${why} (${JSON.stringify(raw(c))})`);
    };
    const patient = raw('patient');
    if (patient === '') fail('patient', 'is empty');
    const lesion = raw('lesion');
    if (lesion === '') fail('lesion', 'is empty');
    const tpText = raw('timepoint');
    const timepoint = Number(tpText);
    if (tpText === '' || !Number.isInteger(timepoint) || timepoint < 0) fail('timepoint', 'is not an integer ≥ 0 (0 = baseline)');
    const kind = raw('kind').toLowerCase() as LesionKind;
    if (!LESION_KINDS.includes(kind)) fail('kind', `is not one of ${LESION_KINDS.join(', ')}`);
    const nodalText = raw('nodal').toLowerCase();
    if (nodalText !== '0' && nodalText !== '1') fail('nodal', 'is not 1 (lymph node) or 0');
    const length = (c: 'long_mm' | 'short_mm'): number | null => {
      const s = raw(c);
      if (s === '') return null;
      const n = Number(s);
      if (!Number.isFinite(n) || n < 0) fail(c, 'is not a length in mm ≥ 0 (0 = disappeared, empty = not evaluable)');
      return n;
    };
    const longMm = length('long_mm');
    const shortMm = length('short_mm');
    const statusText = raw('status').toLowerCase();
    let status: LesionStatus | null = null;
    if (statusText !== '') {
      if (!LESION_STATUSES.includes(statusText as LesionStatus)) fail('status', `is not one of ${LESION_STATUSES.join(', ')} or empty`);
      status = statusText as LesionStatus;
    }
    if (kind === 'target' && status !== null && status !== 'present') fail('status', 'is set on a target (targets are measured: 0 mm = disappeared)');
    if (kind === 'new') {
      if (status !== null && status !== 'present') fail('status', 'of a new lesion must be present (or empty)');
      status = 'present';
    }
    if (kind === 'target' && status === 'present') status = null;
    const nodal = nodalText === '1';
    const dup = `${patient}\u0000${timepoint}\u0000${lesion}`;
    const first = seen.get(dup);
    if (first !== undefined) throw new Error(`${at}: field lesion ${JSON.stringify(lesion)} appears twice for patient ${patient} at time point ${timepoint} (also row ${first})`);
    seen.set(dup, row);
    return { patient, timepoint, lesion, kind, organ: raw('organ'), nodal, longMm, shortMm, status, source: at };
  });
  return rows;
}

const num = (x: number | null, digits = 1): string => (x === null ? '' : String(Number(x.toFixed(digits))));

/** One output row's cells (strings), in {@link RESPONSE_COLUMNS} order. */
export function responseRowCells(r: TimepointResult): string[] {
  return [
    r.patient, String(r.timepoint), num(r.sumMm), num(r.baselineSumMm), num(r.nadirMm),
    num(r.changeFromBaselinePct), num(r.changeFromNadirPct),
    r.targetResponse ?? '', r.nonTargetResponse ?? '', r.timepoint === 0 ? '' : (r.newLesions.length > 0 ? 'yes' : 'no'),
    r.overallResponse, r.timepoint === 0 ? '' : (r.flipTo.length > 0 ? 'yes' : 'no'), r.flipTo.join('|'), r.notEvaluable.join('|'),
  ];
}

/** The response CSV text. */
export function formatResponseCsv(results: readonly TimepointResult[]): string {
  return stringify([[...RESPONSE_COLUMNS], ...results.map(responseRowCells)]);
}
