/**
 * The follow-up path on real longitudinal pairs: DLS lesion-tracking pairs (../shared/data/annotations/dls_pairs_dev.json,
 * both directions) whose two key slices are in deeplesion-dev. Per pair and seed:
 *   1. the reader's rough box on the baseline key slice (the paper's protocol, `roughBoxFor`, seeded);
 *   2. the box carried onto the follow-up key slice (src/response/carry.ts: normalized position, body-outline fit,
 *      body fit + local template match), and its centre's distance (mm) to the follow-up lesion's centre (centre of its
 *      DeepLesion RECIST extent); also the lesion's own centre carried the same ways, and DLS's affine-initialised guess
 *      (`predict target center`, +1 px to DeepLesion's coordinates, in-plane only) as the reference to beat;
 *   3. the cascade's proposals on the baseline box and on each carried box: the proposed change in long axis (mm, %)
 *      against DeepLesion's (its marks on both studies).
 *
 *   npx tsx scripts/followup-pairs.ts [--data DIR] [--pairs JSON] [--model models/default] [--seeds 0,1,2] [--out reports/dev-followup]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDeepLesionFolder } from '../src/data/deeplesion.ts';
import { sharedDataDir } from '../src/data/paths.ts';
import type { LesionRecord } from '../src/data/types.ts';
import { boxContains, lesionExtent, roughBoxFor } from '../src/geometry/box.ts';
import { axisLengthsMm } from '../src/geometry/recist.ts';
import type { Box, Point } from '../src/geometry/types.ts';
import { createMeasurer } from '../src/model/measurer.ts';
import { applyMap, bodyMap, boxAroundMarks, CARRY_METHODS, carryBox, marksCentre, matchCentre, normalizedMap, type CarryMethod } from '../src/response/carry.ts';

const centreOf = marksCentre;

const { values } = parseArgs({
  options: {
    data: { type: 'string' }, pairs: { type: 'string' }, model: { type: 'string', default: 'models/default' },
    seeds: { type: 'string', default: '0,1,2' }, out: { type: 'string', default: 'reports/dev-followup' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const shared = sharedDataDir();
const dataDir = values.data ?? (shared ? join(shared, 'deeplesion-dev') : null);
const pairsPath = values.pairs ?? (shared ? join(shared, 'annotations/dls_pairs_dev.json') : null);
if (!dataDir || !pairsPath) throw new Error('no shared data folder: give --data and --pairs');
const seeds = values.seeds!.split(',').map(Number);

interface DlsPair {
  readonly 'source recist slice': string;
  readonly 'target recist slice': string;
  readonly 'predict target center': readonly [number, number, number];
  readonly 'target center': readonly [number, number, number];
}
const pairs = JSON.parse(readFileSync(pairsPath, 'utf8')) as DlsPair[];
const folder = openDeepLesionFolder(dataDir);
const recordOf = (slicePath: string): LesionRecord => {
  const name = slicePath.replace('/', '_');
  const r = folder.records.filter((x) => x.fileName === name);
  if (r.length !== 1) throw new Error(`${pairsPath}: slice ${slicePath} has ${r.length} DL_info.csv rows in ${dataDir}, expected 1`);
  return r[0];
};

const measurer = await createMeasurer({ modelDir: values.model, backend: values.backend as 'wasm' });
const date = new Date().toISOString().slice(0, 10);
const dist = (a: Point, b: Point, sp: { x: number; y: number }): number => Math.hypot((a.x - b.x) * sp.x, (a.y - b.y) * sp.y);
const f1 = (x: number): string => x.toFixed(1);
const sgn = (x: number, d = 1): string => `${x >= 0 ? '+' : ''}${x.toFixed(d)}`;

interface Row {
  pair: string; chronological: boolean; start: 'accepted marks' | 'rough box'; seed: number | null; method: CarryMethod;
  boxDistMm: number; lesionCentreDistMm: number; inside: boolean;
  dlLongChangeMm: number; dlLongChangePct: number; propLongChangeMm: number; propLongChangePct: number;
  propBaseLongMm: number; propFollowLongMm: number; propCentreDistMm: number; dlBaseLongMm: number; dlFollowLongMm: number; ncc: number | null;
}
const rows: Row[] = [];
const dlsRows: { pair: string; chronological: boolean; dlsDistMm: number; dlsDz: number; lesionCentre: Record<CarryMethod, number> }[] = [];

for (const p of pairs) {
  const a = recordOf(p['source recist slice']), b = recordOf(p['target recist slice']);
  if (a.patientIndex !== b.patientIndex) throw new Error(`${pairsPath}: pair ${p['source recist slice']} → ${p['target recist slice']} spans two patients`);
  const pair = `${p['source recist slice'].split('/')[0]} → ${p['target recist slice'].split('/')[0]}`;
  const chronological = a.studyIndex < b.studyIndex;
  const sa = folder.slice(a), sb = folder.slice(b);
  const spB = sb.spacing!;
  const truthB = centreOf(b.recist);
  const extentB = lesionExtent(b.recist);
  const dlA = axisLengthsMm(a.recist, sa.spacing!).long, dlB = axisLengthsMm(b.recist, spB).long;
  // DLS's guess: its coordinates are DeepLesion's minus 1 px (SOURCES.md).
  const guess = { x: p['predict target center'][0] + 1, y: p['predict target center'][1] + 1 };
  const lesionA = centreOf(a.recist);
  const bodyM = bodyMap(sa, sb);
  const lesionSide = Math.max(extentOf(a).w, extentOf(a).h);
  const lesionCentre: Record<CarryMethod, number> = {
    normalized: dist(applyMap(normalizedMap(sa, sb), lesionA), truthB, spB),
    body: dist(applyMap(bodyM, lesionA), truthB, spB),
    'body+match': dist(matchCentre(sa, sb, lesionA, bodyM, 2.25 * lesionSide).centre, truthB, spB),
  };
  dlsRows.push({ pair, chronological, dlsDistMm: dist(guess, truthB, spB), dlsDz: p['predict target center'][2] - p['target center'][2], lesionCentre });
  // Two starts: the baseline's accepted marks (DeepLesion's; the box around them), and the reader's rough box with the
  // cascade's baseline proposal on it (both ends automatic; seeded).
  const starts: { start: Row['start']; seed: number | null; boxA: Box }[] = [
    { start: 'accepted marks', seed: null, boxA: boxAroundMarks(a.recist, sa.width, sa.height) },
    ...seeds.map((seed) => ({ start: 'rough box' as const, seed, boxA: roughBoxFor(a.recist, folder.lesionId(a), seed, sa.width, sa.height) })),
  ];
  for (const { start, seed, boxA } of starts) {
    const propBaseLongMm = start === 'accepted marks' ? dlA : axisLengthsMm((await measurer.measure(sa, boxA)).recist, sa.spacing!).long;
    for (const method of CARRY_METHODS) {
      const carried = carryBox(sa, sb, boxA, method);
      const propB = await measurer.measure(sb, carried.box);
      const propFollowLongMm = axisLengthsMm(propB.recist, spB).long;
      rows.push({
        pair, chronological, start, seed, method,
        boxDistMm: dist(carried.centre, truthB, spB),
        lesionCentreDistMm: lesionCentre[method],
        inside: boxContains(carried.box, extentB),
        dlBaseLongMm: dlA, dlFollowLongMm: dlB, dlLongChangeMm: dlB - dlA, dlLongChangePct: (100 * (dlB - dlA)) / dlA,
        propBaseLongMm, propFollowLongMm, propCentreDistMm: dist(centreOf(propB.recist), truthB, spB), propLongChangeMm: propFollowLongMm - propBaseLongMm,
        propLongChangePct: (100 * (propFollowLongMm - propBaseLongMm)) / propBaseLongMm,
        ncc: carried.ncc ?? null,
      });
    }
    process.stderr.write(`${pair} ${start}${seed === null ? '' : ` seed ${seed}`} done\n`);
  }
}
measurer.dispose();

function extentOf(r: LesionRecord): { w: number; h: number } {
  const e = lesionExtent(r.recist);
  return { w: e.x2 - e.x1, h: e.y2 - e.y1 };
}

// ---- write
const out = values.out!;
mkdirSync(out, { recursive: true });
const cols = Object.keys(rows[0]) as (keyof Row)[];
writeFileSync(join(out, 'per-pair.csv'), [cols.join(','), ...rows.map((r) => cols.map((c) => {
  const v = r[c];
  return typeof v === 'number' ? String(Number(v.toFixed(3))) : typeof v === 'string' && v.includes(',') ? `"${v}"` : String(v);
}).join(','))].join('\n') + '\n');

const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const lines: string[] = [];
lines.push(`# Follow-up studies: carried boxes and the proposed change in long axis (DLS pairs on dev)`);
lines.push('');
lines.push(`Made ${date} by \`npx tsx scripts/followup-pairs.ts --model ${values.model} --seeds ${values.seeds} --out ${out}\` (backend ${measurer.backend}),`);
lines.push(`model \`${measurer.modelVersion}\`. Data: the ${pairs.length} entries of \`annotations/dls_pairs_dev.json\` (${pairs.length / 2} lesions of 3 patients, each`);
lines.push('direction), key slices and DeepLesion marks from `deeplesion-dev/`. The follow-up slice is the lesion\'s key slice on the other study');
lines.push('(given, not searched for). Distances are in-plane, mm (the follow-up\'s pixel spacing), from the carried centre to the follow-up lesion\'s centre.');
lines.push('Lesion centre: the mean of its 4 RECIST endpoints (DLS\'s definition). Chronological: the baseline study is the earlier one.');
lines.push('');
lines.push('## Where the lesion\'s own centre lands (no rough box), against DLS\'s guess');
lines.push('');
lines.push('| pair | chronological | normalized (mm) | body outline (mm) | body + match (mm) | DLS affine guess (mm) | DLS z error (slices) |');
lines.push('|---|---|---|---|---|---|---|');
for (const d of dlsRows) lines.push(`| ${d.pair} | ${d.chronological ? 'yes' : 'no'} | ${f1(d.lesionCentre.normalized)} | ${f1(d.lesionCentre.body)} | ${f1(d.lesionCentre['body+match'])} | ${f1(d.dlsDistMm)} | ${sgn(d.dlsDz)} |`);
lines.push(`| mean of ${dlsRows.length} | | ${f1(mean(dlsRows.map((d) => d.lesionCentre.normalized)))} | ${f1(mean(dlsRows.map((d) => d.lesionCentre.body)))} | ${f1(mean(dlsRows.map((d) => d.lesionCentre['body+match'])))} | ${f1(mean(dlsRows.map((d) => d.dlsDistMm)))} | |`);
lines.push('');
const starts: { start: Row['start']; title: string; note: string }[] = [
  { start: 'accepted marks', title: 'Baseline marks accepted: the box around them carried over, the cascade proposes on the follow-up',
    note: 'The baseline\'s marks are DeepLesion\'s (as if the reader had accepted or corrected them); the box: their extent, sides × 1.5 about the lesion\'s centre. Proposed change = the cascade\'s follow-up long axis − DeepLesion\'s baseline long axis.' },
  { start: 'rough box', title: 'Both ends automatic: the reader\'s rough box at baseline, carried over',
    note: `Rough boxes by the paper\'s protocol on the baseline lesion, seeds ${values.seeds}; mean over seeds. Proposed change = the cascade\'s follow-up long axis (on the carried box) − its baseline long axis (on the rough box).` },
];
for (const st of starts) {
  lines.push(`## ${st.title}`);
  lines.push('');
  lines.push(st.note + ' "inside": carried boxes that contain the whole follow-up lesion extent. DeepLesion change: its marks on the two studies.');
  lines.push('');
  lines.push('| pair | method | box centre → lesion (mm) | inside | proposed change (mm) | proposed change (%) | DeepLesion change (mm) | DeepLesion change (%) |');
  lines.push('|---|---|---|---|---|---|---|---|');
  const pairNames = [...new Set(rows.map((r) => r.pair))];
  for (const pair of pairNames) {
    for (const method of CARRY_METHODS) {
      const rs = rows.filter((r) => r.start === st.start && r.pair === pair && r.method === method);
      lines.push(`| ${pair}${rs[0].chronological ? '' : ' (reverse)'} | ${method} | ${f1(mean(rs.map((r) => r.boxDistMm)))} | ${rs.filter((r) => r.inside).length}/${rs.length} | ${sgn(mean(rs.map((r) => r.propLongChangeMm)))} | ${sgn(mean(rs.map((r) => r.propLongChangePct)))} | ${sgn(rs[0].dlLongChangeMm)} | ${sgn(rs[0].dlLongChangePct)} |`);
    }
  }
  lines.push('');
}
lines.push('## Summary per start and method (all 6 directions; rough box: and 3 seeds)');
lines.push('');
lines.push('| start | method | box centre → lesion, mean (mm) | inside | proposal centre → lesion, mean (mm) | \\|proposed − DeepLesion change\\|, mean (mm) | same sign of change as DeepLesion |');
lines.push('|---|---|---|---|---|---|---|');
for (const st of starts) {
  for (const method of CARRY_METHODS) {
    const rs = rows.filter((r) => r.start === st.start && r.method === method);
    lines.push(`| ${st.start} | ${method} | ${f1(mean(rs.map((r) => r.boxDistMm)))} | ${rs.filter((r) => r.inside).length}/${rs.length} | ${f1(mean(rs.map((r) => r.propCentreDistMm)))} | ${f1(mean(rs.map((r) => Math.abs(r.propLongChangeMm - r.dlLongChangeMm))))} | ${rs.filter((r) => Math.sign(r.propLongChangeMm) === Math.sign(r.dlLongChangeMm)).length}/${rs.length} |`);
  }
}
lines.push('');
lines.push('Per pair, start, seed and method: `per-pair.csv` (also each proposal\'s centre distance and both long axes).');
lines.push('');
lines.push('Reading: three lesions of three patients, 9–17 mm long, whose DeepLesion long axes change by 0.6–2.0 mm between studies. That is');
lines.push('the size of the cascade\'s own long-axis error, so neither the proposed change\'s sign nor its size can be told from noise here; a box');
lines.push('carried 25–50 mm off (normalized position on patients 000078 and 000122) measures another structure, and its sign agreement is chance.');
lines.push('What the pairs do show: the body-outline fit plus the local match lands the lesion\'s centre closer in-plane than DLS\'s affine guess in 4');
lines.push('of the 6 directions and in the mean (table 1) — but DLS also finds the slice in 3D, while here the follow-up key slice is given, so this is');
lines.push('no like-for-like win. A box carried from accepted marks still misses part of the lesion (a centre 3–6 mm off against lesions of 9–17 mm):');
lines.push('the follow-up proposal is a start the reader corrects, as the baseline one is.');
writeFileSync(join(out, 'README.md'), lines.join('\n') + '\n');
process.stdout.write(lines.join('\n') + '\n');
