/**
 * RECIST 1.1 response rules on hand-made patients. Each expected output row is written by hand from the rules
 * (Eisenhauer et al. 2009), with the default inter-reader band −22 % / +25 % for could_flip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResponseCsv, parseMeasurementsCsv, RESPONSE_COLUMNS } from '../../src/response/csv.ts';
import { assessResponse, checkRules, nonTargetResponseOf, overallResponseOf } from '../../src/response/rules.ts';

const HEADER = 'patient,timepoint,lesion,kind,organ,nodal,long_mm,short_mm,status';

/** The response CSV's data lines for a measurements CSV body (header added). */
function respond(body: string, band?: { lowPct: number; highPct: number }): string[] {
  const rows = parseMeasurementsCsv(`${HEADER}\n${body.trim()}\n`, 'case.csv');
  return formatResponseCsv(assessResponse(rows, band)).trim().split('\n').slice(1);
}

test('output header is the documented column list', () => {
  const lines = formatResponseCsv([]).trim().split('\n');
  assert.deepEqual(lines, [RESPONSE_COLUMNS.join(',')]);
  assert.equal(RESPONSE_COLUMNS.slice(0, 12).join(','),
    'patient,timepoint,sum_mm,baseline_sum_mm,nadir_mm,change_from_baseline_pct,change_from_nadir_pct,target_response,non_target_response,new_lesions,overall_response,could_flip');
});

test('PR at exactly −30 % from baseline; a re-measurement +25 % longer would make it SD', () => {
  assert.deepEqual(respond(`
p1,0,A,target,liver,0,30,20,
p1,0,B,target,lung,0,20,12,
p1,1,A,target,liver,0,21,14,
p1,1,B,target,lung,0,14,9,
`), [
    'p1,0,50,50,,,,,,,baseline,,,',
    'p1,1,35,50,50,-30,-30,PR,,no,PR,yes,SD,',
  ]);
});

test('nadir below baseline; +20 % from nadir but only +2.5 mm is SD; +5 mm exactly is PD', () => {
  assert.deepEqual(respond(`
p2,0,A,target,liver,0,20,15,
p2,1,A,target,liver,0,15,11,
p2,2,A,target,liver,0,12,9,
p2,3,A,target,liver,0,14.5,10,
p2,4,A,target,liver,0,17,12,
`), [
    'p2,0,20,20,,,,,,,baseline,,,',
    'p2,1,15,20,20,-25,-25,SD,,no,SD,yes,PR,', // ×0.78 → 11.7 (−41.5 %) PR; ×1.25 → 18.75 SD
    'p2,2,12,20,15,-40,-20,PR,,no,PR,yes,SD,', // nadir 15 (time point 1); ×1.25 → 15 (−25 %) SD
    'p2,3,14.5,20,12,-27.5,20.8,SD,,no,SD,yes,PR|PD,', // +20.8 % from nadir 12 but +2.5 mm; ×1.25 → 18.1: +6.1 mm PD
    'p2,4,17,20,12,-15,41.7,PD,,no,PD,yes,PR,', // +5 mm and +41.7 % from nadir 12; ×0.78 → 13.3: −33.7 % from baseline, PR
  ]);
});

test('nodal CR: non-nodal target gone and node short axis < 10 mm is CR though the sum is 8 mm; reappearance after CR is PD', () => {
  assert.deepEqual(respond(`
p3,0,N1,target,lymph node,1,25,20,
p3,0,L1,target,liver,0,15,10,
p3,1,N1,target,lymph node,1,12,8,
p3,1,L1,target,liver,0,0,0,
p3,2,N1,target,lymph node,1,12,8,
p3,2,L1,target,liver,0,3,2,
`), [
    'p3,0,35,35,,,,,,,baseline,,,',
    'p3,1,8,35,35,-77.1,-77.1,CR,,no,CR,yes,PR,', // ×1.25: node 10 mm is no longer < 10 → PR
    'p3,2,11,35,8,-68.6,37.5,PD,,no,PD,no,,', // +3 mm from nadir 8 (not PD by the sum), but L1 reappeared after CR
  ]);
});

test('a new lesion makes the overall response PD whatever the targets say, and no re-measurement changes that', () => {
  assert.deepEqual(respond(`
p4,0,A,target,liver,0,40,30,
p4,1,A,target,liver,0,38,29,
p4,1,X,new,bone,0,,,present
`), [
    'p4,0,40,40,,,,,,,baseline,,,',
    'p4,1,38,40,40,-5,-5,SD,,yes,PD,no,,',
  ]);
});

test('non-target progression → PD; target CR with a non-target still present → PR; non-target not assessed → NE', () => {
  assert.deepEqual(respond(`
p5,0,A,target,lung,0,30,20,
p5,0,NT1,non-target,liver,0,,,present
p5,1,A,target,lung,0,20,14,
p5,1,NT1,non-target,liver,0,,,progression
p6,0,B,target,lung,0,25,20,
p6,0,NT2,non-target,bone,0,,,present
p6,1,B,target,lung,0,0,0,
p6,1,NT2,non-target,bone,0,,,present
p6,2,B,target,lung,0,0,0,
p6,2,NT2,non-target,bone,0,,,
p6,3,B,target,lung,0,0,0,
p6,3,NT2,non-target,bone,0,,,absent
`), [
    'p5,0,30,30,,,,,,,baseline,,,',
    'p5,1,20,30,30,-33.3,-33.3,PR,PD,no,PD,no,,',
    'p6,0,25,25,,,,,,,baseline,,,',
    'p6,1,0,25,25,-100,-100,CR,non-CR/non-PD,no,PR,no,,',
    'p6,2,0,25,0,-100,,CR,NE,no,PR,no,,', // Table 4: target CR with non-target NE is PR; change from a 0 nadir undefined
    'p6,3,0,25,0,-100,,CR,CR,no,CR,no,,',
  ]);
});

test('a target not measured (empty length or no row) → NE; the measured ones alone can still give PD; NE is left out of the nadir', () => {
  assert.deepEqual(respond(`
p7,0,A,target,liver,0,30,20,
p7,0,B,target,lung,0,20,10,
p7,1,A,target,liver,0,28,18,
p7,1,B,target,lung,0,,,
p7,2,A,target,liver,0,70,50,
`), [
    'p7,0,50,50,,,,,,,baseline,,,',
    'p7,1,28,50,50,-44,-44,NE,,no,NE,no,,B',
    'p7,2,70,50,50,40,40,PD,,no,PD,yes,NE,B', // nadir still 50 (time point 1 was not fully measured); ×0.78 → 54.6 < 60: NE
  ]);
});

test('non-target disease only (Table 5): CR, non-CR/non-PD, PD by a new lesion', () => {
  assert.deepEqual(respond(`
p8,0,NT,non-target,liver,0,,,present
p8,1,NT,non-target,liver,0,,,absent
p8,2,NT,non-target,liver,0,,,present
p8,3,NT,non-target,liver,0,,,present
p8,3,Y,new,lung,0,,,
`), [
    'p8,0,,,,,,,,,baseline,,,',
    'p8,1,,,,,,,CR,no,CR,no,,',
    'p8,2,,,,,,,non-CR/non-PD,no,non-CR/non-PD,no,,',
    'p8,3,,,,,,,non-CR/non-PD,yes,PD,no,,',
  ]);
});

test('the band is configurable: with ±5 % the PR at −30 % still flips, a PR at −40 % no longer does', () => {
  const body = `
p9,0,A,target,liver,0,50,20,
p9,1,A,target,liver,0,35,14,
p9,2,A,target,liver,0,30,12,
`;
  assert.deepEqual(respond(body, { lowPct: -5, highPct: 5 }), [
    'p9,0,50,50,,,,,,,baseline,,,',
    'p9,1,35,50,50,-30,-30,PR,,no,PR,yes,SD,',
    'p9,2,30,50,35,-40,-14.3,PR,,no,PR,no,,',
  ]);
  assert.deepEqual(respond(body).slice(2), ['p9,2,30,50,35,-40,-14.3,PR,,no,PR,yes,SD,']); // default band: ×1.25 → 37.5 (−25 %)
});

test('overall response tables 4 and 5, cell by cell', () => {
  assert.equal(overallResponseOf('CR', null, false), 'CR');
  assert.equal(overallResponseOf('CR', 'CR', false), 'CR');
  assert.equal(overallResponseOf('CR', 'non-CR/non-PD', false), 'PR');
  assert.equal(overallResponseOf('CR', 'NE', false), 'PR');
  assert.equal(overallResponseOf('PR', 'NE', false), 'PR');
  assert.equal(overallResponseOf('SD', 'non-CR/non-PD', false), 'SD');
  assert.equal(overallResponseOf('NE', 'non-CR/non-PD', false), 'NE');
  assert.equal(overallResponseOf('SD', 'PD', false), 'PD');
  assert.equal(overallResponseOf('CR', 'CR', true), 'PD');
  assert.equal(overallResponseOf(null, 'NE', false), 'NE');
  assert.equal(overallResponseOf(null, null, false), 'NE');
  assert.equal(nonTargetResponseOf([]), null);
  assert.equal(nonTargetResponseOf(['absent', null, 'progression']), 'PD');
});

test('selection rules: each broken rule is named with the lesion', () => {
  const rows = parseMeasurementsCsv(`${HEADER}
q,0,T1,target,liver,0,9.5,6,
q,0,T2,target,liver,0,30,20,
q,0,T3,target,liver,0,25,20,
q,0,T4,target,lung,0,20,10,
q,0,T5,target,bone,0,20,10,
q,0,N1,target,node,1,20,12,
q,0,NN,non-target,node,1,12,8,present
q,0,X,new,lung,0,,,
q,0,S,non-target,lung,0,10,12,present
q,1,T6,target,lung,0,20,10,
q,1,T2,target,kidney,0,30,20,
q,1,T7,non-target,lung,0,,,present
`, 'q.csv');
  const v = checkRules(rows);
  const names = v.map((x) => `${x.rule}:${x.lesion ?? ''}`).sort();
  assert.deepEqual(names, [
    'new-at-baseline:X',
    'node-not-pathological:NN',
    'non-target-not-at-baseline:T7',
    'organ-changed:T2',
    'short-longer-than-long:S',
    'target-not-at-baseline:T6',
    'target-too-small:N1',
    'target-too-small:T1',
    'too-many-targets-in-organ:',
    'too-many-targets:',
  ]);
  assert.match(v.find((x) => x.rule === 'target-too-small' && x.lesion === 'T1')!.message, /q\.csv row 1: target T1 long axis 9\.5 mm, a target needs ≥ 10 mm/);
  assert.match(v.find((x) => x.rule === 'too-many-targets')!.message, /6 targets at baseline .*at most 5/);
  assert.match(v.find((x) => x.rule === 'too-many-targets-in-organ')!.message, /3 targets in organ liver \(T1, T2, T3\)/);
  assert.deepEqual(checkRules(parseMeasurementsCsv(`${HEADER}\nr,1,A,target,liver,0,20,10,\n`)).map((x) => x.rule), ['no-baseline']);
  assert.deepEqual(checkRules(parseMeasurementsCsv(`${HEADER}\nr,0,A,target,liver,0,20,10,\nr,1,A,target,liver,0,,,\n`)), []);
});

test('bad input: errors name the file, row, field and value', () => {
  const bad = (line: string): () => void => () => parseMeasurementsCsv(`${HEADER}\n${line}\n`, 'm.csv');
  assert.throws(bad('p,0,A,target,liver,yes,20,10,'), /m\.csv row 1: field nodal is not 1 \(lymph node\) or 0 \("yes"\)/);
  assert.throws(bad('p,-1,A,target,liver,0,20,10,'), /m\.csv row 1: field timepoint is not an integer ≥ 0 .*\("-1"\)/);
  assert.throws(bad('p,0,A,lesion,liver,0,20,10,'), /m\.csv row 1: field kind is not one of target, non-target, new \("lesion"\)/);
  assert.throws(bad('p,0,A,target,liver,0,2O,10,'), /m\.csv row 1: field long_mm is not a length in mm ≥ 0 .*\("2O"\)/);
  assert.throws(bad('p,0,A,non-target,liver,0,,,gone'), /m\.csv row 1: field status is not one of present, absent, progression or empty \("gone"\)/);
  assert.throws(bad('p,1,X,new,liver,0,,,absent'), /m\.csv row 1: field status of a new lesion must be present/);
  assert.throws(bad('p,0,A,target,liver,0,20,10,\np,0,A,target,liver,0,21,10,'), /m\.csv row 2: field lesion "A" appears twice for patient p at time point 0 \(also row 1\)/);
  assert.throws(() => parseMeasurementsCsv('patient,timepoint,lesion\np,0,A\n', 'm.csv'), /m\.csv: header has no column kind/);
  // any column order
  const rows = parseMeasurementsCsv('status,short_mm,long_mm,nodal,organ,kind,lesion,timepoint,patient\n,10,20,0,liver,target,A,0,p\n');
  assert.deepEqual({ ...rows[0], source: undefined }, { patient: 'p', timepoint: 0, lesion: 'A', kind: 'target', organ: 'liver', nodal: false, longMm: 20, shortMm: 10, status: null, source: undefined });
});
