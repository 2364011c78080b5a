/**
 * Is a strategy's curve really below random's, or is it what eight test lesions happen to show? Over several al-sim
 * reports (e.g. the same learning on different patient splits), per test lesion and number of corrections: the
 * strategy's long-axis location error minus random's (and minus the start model's), pooled over the reports, with a
 * 95 % bootstrap interval that resamples (report, patient) clusters (src/eval/paired.ts). Negative = lower error.
 * Needs reports written since al-sim stores per-lesion test errors (AlPoint.testLongLocPx).
 *
 *   npx tsx scripts/al-sim-paired.ts [--patient-clusters] reports/al-sim/dev-calibration-split1 reports/al-sim/dev-calibration-split2 ...
 *
 * `--patient-clusters` resamples patients instead of (report, patient) pairs: a patient in the test part of several
 * splits is then one cluster, as its lesions' differences across splits are not independent (wider, safer intervals).
 * The last column pairs each curve's last round, whatever its count: where every round revealed more of the pool until
 * it was empty, that is "the whole pool", which has a different size in each split.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlSimResult } from '../src/active/al-sim.ts';
import { clusterBootstrapMean } from '../src/eval/paired.ts';

const patientClusters = process.argv.includes('--patient-clusters');
const dirs = process.argv.slice(2).filter((a) => a !== '--patient-clusters');
if (dirs.length === 0) throw new Error('usage: al-sim-paired.ts REPORT_DIR ...');
const results = dirs.map((d) => {
  const r = (JSON.parse(readFileSync(join(d, 'result.json'), 'utf8')) as { result: AlSimResult }).result;
  if (!r.testPatientOf || r.curves.some((c) => c.points.some((p) => !p.testLongLocPx))) throw new Error(`${d}: written before al-sim stored per-lesion test errors; re-run it`);
  return { dir: d, r };
});
const strategies = [...new Set(results.flatMap(({ r }) => r.curves.map((c) => c.strategy)))];
const counts: (number | 'last')[] = [...[...new Set(results.flatMap(({ r }) => r.curves.flatMap((c) => c.points.map((p) => p.corrections))))].filter((c) => c > 0).sort((a, b) => a - b), 'last'];
const f = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(2);

type Points = AlSimResult['curves'][number]['points'];
/** The point after `corrections` corrections, or the curve's last point for 'last'. */
const pointAt = (points: Points | undefined, corrections: number | 'last') => (corrections === 'last' ? points?.at(-1) : points?.find((p) => p.corrections === corrections));

/** Pooled paired differences of `a` minus `b` at `corrections` (b at 0 corrections when `vsStart`). */
function paired(a: string, b: string, corrections: number | 'last', vsStart: boolean): string {
  const diffs: number[] = [], clusters: string[] = [];
  for (const { dir, r } of results) {
    const pa = pointAt(r.curves.find((c) => c.strategy === a)?.points, corrections);
    const pb = vsStart ? r.curves[0].points[0] : pointAt(r.curves.find((c) => c.strategy === b)?.points, corrections);
    if (!pa || !pb) continue;
    for (const id of r.test) {
      diffs.push(pa.testLongLocPx[id] - pb.testLongLocPx[id]);
      clusters.push(patientClusters ? r.testPatientOf[id] : `${dir}:${r.testPatientOf[id]}`);
    }
  }
  if (diffs.length === 0) return '-';
  const [lo, hi] = clusterBootstrapMean(diffs, clusters);
  return `${f(diffs.reduce((s, v) => s + v, 0) / diffs.length)} [${f(lo)}, ${f(hi)}]`;
}
const lesions = results.reduce((s, { r }) => s + r.test.length, 0);
const patients = patientClusters
  ? `${new Set(results.flatMap(({ r }) => r.test.map((id) => r.testPatientOf[id]))).size} patient clusters`
  : `${results.reduce((s, { r }) => s + new Set(Object.values(r.testPatientOf)).size, 0)} report × patient clusters`;
console.log(`${results.length} reports, ${lesions} test lesions (${patients}); long-axis location px, mean difference [95 % bootstrap]\n`);
console.log(`| comparison | ${counts.map((c) => (c === 'last' ? 'last round' : `${c} corrections`)).join(' | ')} |`);
console.log(`|---|${counts.map(() => '---').join('|')}|`);
for (const s of strategies.filter((s) => s !== 'random')) console.log(`| ${s} − random | ${counts.map((c) => paired(s, 'random', c, false)).join(' | ')} |`);
for (const s of strategies) console.log(`| ${s} − start model | ${counts.map((c) => paired(s, '', c, true)).join(' | ')} |`);
