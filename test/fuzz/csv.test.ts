/**
 * Fuzz the DL_info.csv parser (src/data/deeplesion-csv.ts): random text, mutated real DL_info.csv files (the dev set
 * and the 9,742-row annotation file's first rows, from ../shared/data; a generated file when that is missing), and
 * well-formed rows with random cell values. Every input either parses into records whose numbers are all finite, or
 * throws a plain Error with a message — never a TypeError from inside, never NaN in the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DL_INFO_COLUMNS, formatDlInfo, parseDlInfo } from '../../src/data/deeplesion-csv.ts';
import type { LesionRecord } from '../../src/data/types.ts';
import { sharedDataDir } from '../../src/data/paths.ts';
import { assertCleanError, Counter } from './fuzz-util.ts';

const counter = new Counter();

function finiteRecord(r: LesionRecord, ctx: string): void {
  const nums: number[] = [
    r.row, r.patientIndex, r.studyIndex, r.seriesId, r.keySliceIndex, ...[r.recist.long, r.recist.short].flat().flatMap((p) => [p.x, p.y]),
    r.boundingBox.x1, r.boundingBox.y1, r.boundingBox.x2, r.boundingBox.y2, ...r.diametersPx, ...r.normalizedLocation, r.lesionType,
    ...r.sliceRange, r.spacing.x, r.spacing.y, r.spacing.z, ...r.imageSize, ...r.dicomWindow, r.split, ...(r.age === null ? [] : [r.age]),
  ];
  assert.ok(nums.every(Number.isFinite), `${ctx}: a parsed number is not finite: ${JSON.stringify(r)}`);
  assert.equal(typeof r.fileName, 'string');
}

function check(text: string, what: string): void {
  counter.add(what);
  let recs: LesionRecord[];
  try {
    recs = parseDlInfo(text, 'fuzz.csv');
  } catch (err) {
    assertCleanError(err, `${what} ${JSON.stringify(text.slice(0, 200))}`);
    assert.match((err as Error).message, /fuzz\.csv/, 'the message names the source');
    return;
  }
  recs.forEach((r, i) => finiteRecord(r, `${what} record ${i}`));
}

function realCsvs(): string[] {
  const dir = sharedDataDir();
  const out: string[] = [];
  if (dir) {
    const dev = join(dir, 'deeplesion-dev', 'DL_info.csv');
    if (existsSync(dev)) out.push(readFileSync(dev, 'utf8'));
    const ann = join(dir, 'annotations', 'DL_info_val_test.csv');
    if (existsSync(ann)) out.push(readFileSync(ann, 'utf8').split('\n').slice(0, 40).join('\n'));
  }
  if (out.length === 0) {
    const rec: LesionRecord = {
      row: 1, fileName: '000001_01_01_109.png', patientIndex: 1, studyIndex: 1, seriesId: 1, keySliceIndex: 109,
      recist: { long: [{ x: 10, y: 10 }, { x: 40, y: 12 }], short: [{ x: 25, y: 2 }, { x: 24, y: 20 }] }, boundingBox: { x1: 5, y1: 0, x2: 45, y2: 25 },
      diametersPx: [30, 18], normalizedLocation: [0.1, 0.2, 0.3], lesionType: 2, possiblyNoisy: false, sliceRange: [100, 120],
      spacing: { x: 0.7, y: 0.7, z: 5 }, imageSize: [512, 512], dicomWindow: [-175, 275], gender: 'F', age: 50, split: 2,
    };
    out.push(formatDlInfo([rec, { ...rec, row: 2 }]));
  }
  return out;
}

test('DL_info.csv parser: random text, mutated real files, random cell values → records with finite numbers or a clean Error', { timeout: 60_000 }, () => {
  // 1. random text (printable, CSV-ish characters, unicode)
  const csvChars = fc.constantFrom(...'0123456789,.-+eE"\n\r \tNaN'.split(''), ...DL_INFO_COLUMNS.slice(0, 3));
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(csvChars, { maxLength: 200 }).map((a) => a.join(''))), (s) => check(s, 'random')), { numRuns: 1500, seed: 1 });
  fc.assert(fc.property(fc.array(csvChars, { maxLength: 200 }), (cells) => check(DL_INFO_COLUMNS.join(',') + '\n' + cells.join(''), 'header+random')), { numRuns: 800, seed: 2 });

  // 2. mutated real files: character edits, deleted/duplicated lines, cut anywhere
  for (const [k, real] of realCsvs().entries()) {
    const n = real.length;
    const edit = fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.constantFrom(',', '"', '\n', '', 'x', '-', 'NaN', '1e400', ' ', '.', '0')), { minLength: 1, maxLength: 8 })
      .map((edits) => edits.sort((a, b) => b[0] - a[0]).reduce((s, [i, c]) => s.slice(0, i) + c + s.slice(i + 1), real));
    const cut = fc.nat({ max: n }).map((i) => real.slice(0, i));
    const lines = real.split('\n');
    const dropLine = fc.nat({ max: lines.length - 1 }).map((i) => lines.filter((_, j) => j !== i).join('\n'));
    fc.assert(fc.property(fc.oneof(edit, cut, dropLine), (s) => check(s, `mutated-real-${k}`)), { numRuns: 1200, seed: 3 + k });
  }

  // 3. a valid header with rows of random values in the right number of columns
  const cell = fc.oneof(fc.double({ noNaN: false }).map(String), fc.integer().map(String), fc.constantFrom('', 'NaN', 'Infinity', '-1', '1, 2', '1, 2, 3, 4', '1, 2, 3, 4, 5, 6, 7, 8', 'F'), fc.string({ maxLength: 8 }));
  const row = fc.array(cell, { minLength: DL_INFO_COLUMNS.length, maxLength: DL_INFO_COLUMNS.length }).map((cells) => cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(','));
  fc.assert(fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), (rows) => check([DL_INFO_COLUMNS.join(','), ...rows].join('\n'), 'random-cells')), { numRuns: 1500, seed: 9 });
  counter.print('csv');
});
