/**
 * Executes every Jupyter notebook (notebooks/*.ipynb, tslab kernel) top to bottom through the runner
 * (scripts/notebooks.ts), into a temporary folder, and checks the executed copies: every code cell ran and none
 * produced an error. Without jupyter/nbclient the test skips with a message — except in CI (CI=true), where
 * .ci/run installs them and a missing jupyter fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { findPython, installKernel, listNotebooks, REPO } from '../../scripts/notebooks.ts';

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

function requireJupyter(t: TestContext): boolean {
  if (findPython()) return true;
  const msg = 'jupyter nbclient/nbconvert not found (apt-get install -y jupyter-nbconvert python3-nbclient python3-ipykernel)';
  if (process.env.CI === 'true') throw new Error(`${msg}: the notebooks must run in CI`);
  t.skip(`notebooks skipped: ${msg}`);
  return false;
}

function runAndCheck(args: readonly string[], env: NodeJS.ProcessEnv, expected: readonly string[]): void {
  const out = mkdtempSync(join(tmpdir(), 'recist-nb-test-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'notebooks.ts'), '--out', out, '--no-html', ...args], {
      cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, `npm run notebooks failed:\n${r.stdout}\n${r.stderr}`);
    const executed = readdirSync(out).filter((f) => f.endsWith('.ipynb')).sort();
    assert.deepEqual(executed, [...expected].sort());
    for (const name of executed) {
      const nb = JSON.parse(readFileSync(join(out, name), 'utf8')) as { cells: Cell[] };
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      assert.ok(code.length > 0, `${name}: no code cells`);
      code.forEach((c, i) => {
        assert.ok(typeof c.execution_count === 'number', `${name}: code cell ${i} did not run`);
        const err = (c.outputs ?? []).find((o) => o.output_type === 'error');
        assert.equal(err, undefined, `${name}: code cell ${i} failed: ${err?.ename}: ${err?.evalue}`);
      });
      assert.ok(code.some((c) => (c.outputs ?? []).some((o) => o.output_type === 'display_data')), `${name}: no figure or table output`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test('notebooks: every notebook runs top to bottom on the tslab kernel', { timeout: 10 * 60_000 }, (t) => {
  if (!requireJupyter(t)) return;
  const all = listNotebooks();
  assert.ok(all.length >= 5, `expected the 5 notebooks, found ${all.join(', ')}`);
  runAndCheck([], {}, all);
});

test('notebooks: data-dependent notebooks also run without ../shared/data (synthetic set)', { timeout: 6 * 60_000 }, (t) => {
  if (!requireJupyter(t)) return;
  const picked = listNotebooks(['01-', '04-']);
  runAndCheck(['01-', '04-'], { RECIST_SHARED_DATA: join(tmpdir(), 'recist-no-shared-data-here'), RECIST_NOTEBOOK_DATA: 'synthetic' }, picked);
});

test('notebooks: a failing cell fails the run and prints the cell and its error', { timeout: 2 * 60_000 }, (t) => {
  if (!requireJupyter(t)) return;
  const python = findPython() as string;
  const dir = mkdtempSync(join(tmpdir(), 'recist-nb-fail-'));
  try {
    const nb = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: [
        { cell_type: 'code', id: 'a', metadata: {}, source: 'const ok: number = 1 + 1;\nok', outputs: [], execution_count: null },
        { cell_type: 'code', id: 'b', metadata: {}, source: "throw new Error('notebook-boom-4711');", outputs: [], execution_count: null },
        { cell_type: 'code', id: 'c', metadata: {}, source: 'console.log("never")', outputs: [], execution_count: null },
      ],
    };
    writeFileSync(join(dir, 'fail.ipynb'), JSON.stringify(nb));
    const r = spawnSync(python, [join(REPO, 'scripts', 'notebooks_exec.py'), join(dir, 'fail.ipynb'), join(dir, 'out.ipynb'), '--timeout', '60', '--cwd', dir], {
      encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: installKernel() },
    });
    assert.equal(r.status, 1, `expected exit 1:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /--- cell 1 ---/);
    assert.match(r.stderr, /notebook-boom-4711/);
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')) as { cells: Cell[] };
    assert.equal(out.cells[2].execution_count ?? null, null, 'cells after the failing one must not run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
