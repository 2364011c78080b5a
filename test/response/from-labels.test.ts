/** The measurements CSV from the label store and lesion assignments, and `recist labels export --format response` → `recist response`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelStore } from '../../src/server/store.ts';
import { formatMeasurementsCsv, measurementsFromLabels, parseAssignments } from '../../src/response/from-labels.ts';

/** A horizontal long axis of `longPx` and a vertical short axis of `shortPx`, centred at (100, 100). */
type P = { x: number; y: number };
const mark = (longPx: number, shortPx: number): { long: [P, P]; short: [P, P] } => ({
  long: [{ x: 100 - longPx / 2, y: 100 }, { x: 100 + longPx / 2, y: 100 }],
  short: [{ x: 100, y: 100 - shortPx / 2 }, { x: 100, y: 100 + shortPx / 2 }],
});
const label = (lesionId: string, longPx: number, shortPx: number, time = '2026-12-01T10:00:00Z') => ({
  lesionId, dataset: 'dl', reader: 'ann', modelVersion: null, original: null, final: mark(longPx, shortPx), box: null,
  status: 'accepted' as const, spacing: { x: 0.5, y: 0.5 }, time,
});

const ASSIGNMENTS = {
  assignments: [
    { dataset: 'dl', lesionId: 'p_s2_a', patient: 'P', study: 's2', date: '20210601', lesion: 'A', kind: 'target', organ: 'liver' },
    { dataset: 'dl', lesionId: 'p_s1_a', patient: 'P', study: 's1', date: '20210101', lesion: 'A', kind: 'target', organ: 'liver' },
    { dataset: 'dl', lesionId: 'p_s1_n', patient: 'P', study: 's1', date: '20210101', lesion: 'N', kind: 'target', organ: 'node', nodal: true },
    { dataset: 'dl', lesionId: 'p_s2_n', patient: 'P', study: 's2', date: '20210601', lesion: 'N', kind: 'target', organ: 'node', nodal: true },
    { dataset: 'dl', lesionId: 'p_s1_x', patient: 'P', study: 's1', date: '20210101', lesion: 'X', kind: 'non-target', organ: 'bone', status: 'present' },
    { dataset: 'dl', lesionId: 'p_s2_x', patient: 'P', study: 's2', date: '20210601', lesion: 'X', kind: 'non-target', organ: 'bone', status: 'present' },
  ],
};

test('measurementsFromLabels: time points by date, mm from the latest accepted label, a target without a label is not evaluable', () => {
  const labels = [label('p_s1_a', 60, 40), label('p_s2_a', 50, 30, '2026-12-01T09:00:00Z'), label('p_s2_a', 40, 30), label('p_s1_n', 44, 32)];
  const rows = measurementsFromLabels(parseAssignments(ASSIGNMENTS), labels);
  assert.deepEqual(formatMeasurementsCsv(rows).trim().split('\n'), [
    'patient,timepoint,lesion,kind,organ,nodal,long_mm,short_mm,status',
    'P,0,A,target,liver,0,30,20,',
    'P,0,N,target,node,1,22,16,',
    'P,0,X,non-target,bone,0,,,present',
    'P,1,A,target,liver,0,20,15,', // the later of the two labels of p_s2_a
    'P,1,N,target,node,1,,,', // no label: not evaluable
    'P,1,X,non-target,bone,0,,,present',
  ]);
  assert.throws(() => parseAssignments({ assignments: [{ ...ASSIGNMENTS.assignments[0], kind: 'tumour' }] }, 'r.json'), /r\.json: field assignments\.0\.kind/);
  assert.throws(() => measurementsFromLabels(parseAssignments({ assignments: [ASSIGNMENTS.assignments[0], { ...ASSIGNMENTS.assignments[0], lesionId: 'other' }] }), [], 'r.json'),
    /r\.json: assignments 1 and 2 are both lesion A of patient P in study s2/);
});

test('recist labels export --format response, then recist response on it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-labels-response-'));
  try {
    const store = await LabelStore.open(dir);
    await store.addLabels([label('p_s1_a', 60, 40), label('p_s2_a', 40, 30), label('p_s1_n', 44, 32), label('p_s2_n', 20, 18)]);
    await store.flush();
    writeFileSync(join(dir, 'response.json'), JSON.stringify(ASSIGNMENTS));
    const m = join(dir, 'm.csv');
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 240_000 });
    const ex = run(['labels', 'export', '--format', 'response', '--labels', dir, '--out', m]);
    assert.equal(ex.status, 0, ex.stderr);
    const r = run(['response', '--measurements', m]);
    assert.equal(r.status, 0, r.stderr);
    // baseline 30 + 16 = 46; follow-up 20 + 9 = 29 (−37 %): PR, non-target present → PR
    assert.deepEqual(r.stdout.trim().split('\n').slice(1), ['P,0,46,46,,,,,,,baseline,,,', 'P,1,29,46,46,-37,-37,PR,non-CR/non-PD,no,PR,yes,SD,']);
    const missing = run(['labels', 'export', '--format', 'response', '--labels', dir, '--assignments', join(dir, 'nope.json')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /recist: --assignments .*nope\.json: not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
