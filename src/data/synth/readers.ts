/**
 * Simulated readers: each measures a lesion's true RECIST with a systematic bias (length scale, rotation) and
 * random errors (relative length error, endpoint placement noise; the short axis is noisier than the long).
 *
 * Default calibration: over lesions drawn from the real size distribution, reader-vs-reader relative
 * long-diameter differences have 95% limits of agreement of about −22 %…+25 % (paper, Table 1, scaled to
 * lesion size); see test/data/synth-readers.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Rng } from '../../geometry/random.ts';
import { recistFromNumbers, recistToNumbers } from '../../geometry/recist.ts';
import type { Point, Recist } from '../../geometry/types.ts';

export interface SimulatedReader {
  readonly name: string;
  /** Systematic factor on the long axis length (e.g. 0.95–1.08). */
  readonly lengthScale: number;
  /** Systematic factor on the short axis length. */
  readonly shortScale: number;
  /** Systematic rotation of both axes (degrees). */
  readonly rotationBiasDeg: number;
  /** Random rotation per measurement (degrees, std). */
  readonly rotationNoiseDeg: number;
  /** Random relative length error per measurement (log-scale std) of the long / short axis. */
  readonly longRelNoise: number;
  readonly shortRelNoise: number;
  /** Independent Gaussian noise (px, std per coordinate) on each long / short endpoint. */
  readonly endpointNoisePx: number;
  readonly shortEndpointNoisePx: number;
  /** Deviation of the short axis from perpendicular (degrees, std). */
  readonly perpNoiseDeg: number;
}

/** Typical reader used as a template by {@link defaultReaders}. */
export const TYPICAL_READER: Omit<SimulatedReader, 'name' | 'lengthScale' | 'shortScale' | 'rotationBiasDeg'> = {
  rotationNoiseDeg: 4,
  longRelNoise: 0.04,
  shortRelNoise: 0.07,
  endpointNoisePx: 0.5,
  shortEndpointNoisePx: 0.8,
  perpNoiseDeg: 2,
};

/** `n` readers with deterministic, spread systematic biases (length 0.95–1.08, rotation ±3°). */
export function defaultReaders(n: number): SimulatedReader[] {
  const scales = [1.0, 0.95, 1.08, 0.98, 1.04, 0.96, 1.06, 1.01];
  const rots = [0, 2.5, -2, -3, 1.5, 3, -1, 0.5];
  return Array.from({ length: n }, (_, i) => ({
    ...TYPICAL_READER,
    name: `reader${i + 1}`,
    lengthScale: scales[i % scales.length],
    shortScale: 1 + (scales[(i + 3) % scales.length] - 1) * 0.8,
    rotationBiasDeg: rots[i % rots.length],
  }));
}

/**
 * A site's reader from `long=1.1,short=1.1,rot=0` (systematic long- and short-axis length factors, rotation in
 * degrees; any may be left out: 1, 1, 0) with the typical reader's random errors. Throws naming the bad part.
 */
export function parseSiteReader(text: string, flag = '--site-reader'): SimulatedReader {
  const v: Record<'long' | 'short' | 'rot', number> = { long: 1, short: 1, rot: 0 };
  for (const part of text.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    const m = /^(long|short|rot)=(.+)$/.exec(part);
    const x = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(x)) throw new Error(`${flag} ${JSON.stringify(text)}: ${JSON.stringify(part)} is not long=X, short=X or rot=DEG`);
    if (m[1] !== 'rot' && !(x > 0.5 && x < 2)) throw new Error(`${flag} ${JSON.stringify(text)}: ${m[1]}=${m[2]} is not a length factor in (0.5, 2)`);
    if (m[1] === 'rot' && !(Math.abs(x) <= 45)) throw new Error(`${flag} ${JSON.stringify(text)}: rot=${m[2]} is not a rotation in [-45, 45] degrees`);
    v[m[1] as 'long' | 'short' | 'rot'] = x;
  }
  return { ...TYPICAL_READER, name: 'site', lengthScale: v.long, shortScale: v.short, rotationBiasDeg: v.rot };
}

const rot = (v: Point, a: number): Point => ({ x: v.x * Math.cos(a) - v.y * Math.sin(a), y: v.x * Math.sin(a) + v.y * Math.cos(a) });

/**
 * One reader's measurement of a lesion whose true marks are `truth`. The short axis is kept close to
 * perpendicular to the reader's own long axis (within `perpNoiseDeg`) and centred near the true short axis.
 */
export function readReader(truth: Recist, reader: SimulatedReader, rng: Rng): Recist {
  const [a, b] = truth.long;
  const [c, d] = truth.short;
  const L = Math.hypot(b.x - a.x, b.y - a.y) || 1e-6;
  const S = Math.hypot(d.x - c.x, d.y - c.y);
  const u = { x: (b.x - a.x) / L, y: (b.y - a.y) / L };
  const deg = Math.PI / 180;
  const angle = (reader.rotationBiasDeg + rng.normal(0, reader.rotationNoiseDeg)) * deg;
  const lu = rot(u, angle);
  const lm = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const half = (L / 2) * reader.lengthScale * Math.exp(rng.normal(0, reader.longRelNoise));
  const ln = reader.endpointNoisePx;
  const long: [Point, Point] = [
    { x: lm.x - lu.x * half + rng.normal(0, ln), y: lm.y - lu.y * half + rng.normal(0, ln) },
    { x: lm.x + lu.x * half + rng.normal(0, ln), y: lm.y + lu.y * half + rng.normal(0, ln) },
  ];
  // Short axis: the true one's orientation (c → d) rotated with the reader, then snapped near ⟂ its long axis.
  const sdir0 = S > 0 ? { x: (d.x - c.x) / S, y: (d.y - c.y) / S } : rot(u, Math.PI / 2);
  const sign = sdir0.x * -u.y + sdir0.y * u.x >= 0 ? 1 : -1;
  const sv = rot({ x: -lu.y * sign, y: lu.x * sign }, rng.normal(0, reader.perpNoiseDeg) * deg);
  const sm = { x: (c.x + d.x) / 2, y: (c.y + d.y) / 2 };
  const shalf = (S / 2) * reader.shortScale * Math.exp(rng.normal(0, reader.shortRelNoise));
  const sn = reader.shortEndpointNoisePx;
  const short: [Point, Point] = [
    { x: sm.x - sv.x * shalf + rng.normal(0, sn), y: sm.y - sv.y * shalf + rng.normal(0, sn) },
    { x: sm.x + sv.x * shalf + rng.normal(0, sn), y: sm.y + sv.y * shalf + rng.normal(0, sn) },
  ];
  return { long, short };
}

/** One row of readers.csv. */
export interface ReaderMark {
  readonly fileName: string;
  /** Lesion id as `openDeepLesionFolder().lesionId` gives it (`<File_name stem>#<ordinal>`). */
  readonly lesionId: string;
  readonly reader: string;
  readonly recist: Recist;
}

export const READERS_CSV_COLUMNS = ['File_name', 'Lesion_id', 'Reader', 'Measurement_coordinates'] as const;

/** readers.csv text: one row per lesion per reader, coordinates in DL_info's 8-number layout. */
export function formatReadersCsv(marks: readonly ReaderMark[]): string {
  const fmt = (v: number): string => String(Math.round(v * 1e4) / 1e4);
  return stringify([
    [...READERS_CSV_COLUMNS],
    ...marks.map((m) => [m.fileName, m.lesionId, m.reader, recistToNumbers(m.recist).map(fmt).join(', ')]),
  ]);
}

/** Parses readers.csv. */
export function readReadersCsv(path: string): ReaderMark[] {
  const rows: string[][] = parse(readFileSync(path, 'utf8'), { relax_column_count: false });
  const header = rows[0] ?? [];
  if (READERS_CSV_COLUMNS.some((c, i) => header[i] !== c)) throw new Error(`${path}: header ${JSON.stringify(header)} is not ${READERS_CSV_COLUMNS.join(',')}`);
  return rows.slice(1).map((r, i) => {
    const nums = r[3].split(',').map((t) => Number(t.trim()));
    if (nums.length !== 8 || nums.some((v) => !Number.isFinite(v))) {
      throw new Error(`${path} row ${i + 1}: field Measurement_coordinates has ${nums.length} numbers, expected 8 (${JSON.stringify(r[3])})`);
    }
    return { fileName: r[0], lesionId: r[1], reader: r[2], recist: recistFromNumbers(nums, `${path} row ${i + 1}`) };
  });
}

/** A readers.csv's marks by reader, then by lesion id; a reader marking a lesion twice is an error naming both. */
export function marksByReader(path: string): Map<string, Map<string, Recist>> {
  const byReader = new Map<string, Map<string, Recist>>();
  for (const m of readReadersCsv(path)) {
    let marks = byReader.get(m.reader);
    if (!marks) byReader.set(m.reader, (marks = new Map()));
    if (marks.has(m.lesionId)) throw new Error(`${path}: reader ${m.reader} marks lesion ${m.lesionId} twice`);
    marks.set(m.lesionId, m.recist);
  }
  return byReader;
}

/** One reader's marks from a readers.csv, by lesion id; throws naming the file and the readers it has when none are `reader`'s. */
export function marksOfReader(path: string, reader: string): Map<string, Recist> {
  if (!existsSync(path)) throw new Error(`${path}: no readers.csv (needed for the marks of reader ${JSON.stringify(reader)})`);
  const all = marksByReader(path);
  const marks = all.get(reader);
  if (!marks) throw new Error(`${path}: no marks by reader ${JSON.stringify(reader)} (readers: ${[...all.keys()].join(', ') || 'none'})`);
  return marks;
}
