/** `recist response` end to end through the real command line (spawned node + tsx). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const recist = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'response', ...args], { encoding: 'utf8', timeout: 240_000 });

const CSV = `patient,timepoint,lesion,kind,organ,nodal,long_mm,short_mm,status
p1,0,A,target,liver,0,30,20,
p1,0,B,target,lung,0,20,12,
p1,0,NT,non-target,bone,0,,,present
p1,1,A,target,liver,0,21,14,
p1,1,B,target,lung,0,14,9,
p1,1,NT,non-target,bone,0,,,present
p1,2,A,target,liver,0,28,20,
p1,2,B,target,lung,0,14,9,
p1,2,NT,non-target,bone,0,,,present
p1,2,X,new,liver,0,,,present
`;

test('recist response: CSV to --out, JSON, --band, HTML report; broken rules on stderr and refused with --strict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-response-'));
  try {
    const m = join(dir, 'm.csv');
    writeFileSync(m, CSV);
    const out = join(dir, 'r.csv');
    const html = join(dir, 'r.html');
    const r = recist(['--measurements', m, '--out', out, '--html', html]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), [
      'patient,timepoint,sum_mm,baseline_sum_mm,nadir_mm,change_from_baseline_pct,change_from_nadir_pct,target_response,non_target_response,new_lesions,overall_response,could_flip,flip_to,not_evaluable',
      'p1,0,50,50,,,,,,,baseline,,,',
      'p1,1,35,50,50,-30,-30,PR,non-CR/non-PD,no,PR,yes,SD,',
      'p1,2,42,50,35,-16,20,PD,non-CR/non-PD,yes,PD,no,,', // +20 % and +7 mm from nadir 35, and a new lesion
    ]);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<svg[^>]*aria-label="sum of diameters over time"/);
    assert.match(page, /a re-measurement could give SD/);
    assert.match(page, /Patient p1/);

    const j = recist(['--measurements', m, '--json', '--band', '-10,10']);
    assert.equal(j.status, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as { band: unknown; results: { overallResponse: string; flipTo: string[] }[]; violations: unknown[] };
    assert.deepEqual(parsed.band, { lowPct: -10, highPct: 10 });
    assert.deepEqual(parsed.results.map((x) => x.overallResponse), ['baseline', 'PR', 'PD']);
    assert.deepEqual(parsed.results[1].flipTo, ['SD']);
    assert.deepEqual(parsed.violations, []);

    writeFileSync(m, CSV.replace('p1,0,B,target,lung,0,20,12,', 'p1,0,B,target,lung,0,8,6,'));
    const warn = recist(['--measurements', m]);
    assert.equal(warn.status, 0);
    assert.match(warn.stderr, /rule target-too-small: .*m\.csv row 2: target B long axis 8 mm, a target needs ≥ 10 mm/);
    const strict = recist(['--measurements', m, '--strict']);
    assert.equal(strict.status, 1);
    assert.match(strict.stderr, /recist: .*m\.csv: 1 RECIST 1\.1 rule\(s\) broken/);
    assert.equal(strict.stdout, '');

    writeFileSync(m, CSV.replace('p1,1,A,target,liver,0,21,14,', 'p1,1,A,target,liver,maybe,21,14,'));
    const bad = recist(['--measurements', m]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^recist: .*m\.csv row 4: field nodal is not 1 \(lymph node\) or 0 \("maybe"\)/m);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const badBand = recist(['--measurements', m, '--band', '22,25']);
    assert.match(badBand.stderr, /--band "22,25" must be LOW,HIGH/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
