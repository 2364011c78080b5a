import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberFlag, optimizerFlag } from '../../src/cli/flags.ts';

test('numberFlag: integers and numbers above a minimum; every refusal names the flag and the value', () => {
  assert.equal(numberFlag('8', 'batch', 1), 8);
  assert.equal(numberFlag('3e-4', 'lr', 1e-9, false), 3e-4);
  assert.equal(numberFlag('0', 'seed', 0), 0);
  assert.throws(() => numberFlag('abc', 'minutes', 0.01, false), /--minutes "abc" must be a number ≥ 0\.01/);
  assert.throws(() => numberFlag('', 'seed', 0), /--seed "" must be an integer ≥ 0/);
  assert.throws(() => numberFlag('2.5', 'batch', 1), /--batch "2\.5" must be an integer ≥ 1/);
  assert.throws(() => numberFlag('0', 'batch', 1), /--batch "0" must be an integer ≥ 1/);
});

test('optimizerFlag: adam or sgd-momentum, nothing else', () => {
  assert.equal(optimizerFlag('adam'), 'adam');
  assert.equal(optimizerFlag('sgd-momentum'), 'sgd-momentum');
  assert.throws(() => optimizerFlag('sgd'), /--optimizer "sgd" must be adam or sgd-momentum/);
});

test('recist train refuses an unknown --optimizer before it trains or writes anything (it used to train with SGD)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-train-flags-'));
  try {
    const out = join(dir, 'model');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--preset', 'tiny', '--minutes', '0.1', '--optimizer', 'rmsprop', '--out', out, '--backend', 'cpu'], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^recist: --optimizer "rmsprop" must be adam or sgd-momentum/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'the message, not a stack trace (RECIST_DEBUG=1 shows it)');
    assert.ok(!existsSync(out), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('splitFlag: file[:part] → the absolute path and the part (default train); a missing file names the flag', async () => {
  const { splitFlag } = await import('../../src/cli/flags.ts');
  const { REPO_ROOT } = await import('../../src/data/paths.ts');
  const { join } = await import('node:path');
  const file = join(REPO_ROOT, 'data-splits', 'lidc-nodules.json');
  assert.deepEqual(splitFlag(`${file}:validation`), { path: file, part: 'validation' });
  assert.deepEqual(splitFlag(file), { path: file, part: 'train' });
  assert.equal(splitFlag(undefined), null);
  assert.throws(() => splitFlag('nope.json:test', '--set x: split'), /--set x: split nope\.json:test: no such file/);
});
