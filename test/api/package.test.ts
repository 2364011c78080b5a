/**
 * The built package, imported by its name as a user's script would after `npm install recist-cascade`: a folder
 * outside the repository whose node_modules/recist-cascade links to it. Both ESM (`import`) and CommonJS (`require`)
 * consumers measure a real dev lesion with `createMeasurer`; a call leaves `tf.memory().numTensors` unchanged; the
 * notebook entry loads from both. Also runs the README's Node example as written. dist/ is built first when it is
 * missing or older than src (`npm run build`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { distIsFresh, REPO } from '../../scripts/notebooks.ts';
import { rewriteDeclarationSpecifiers } from '../../scripts/build.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

let consumer = '';

before(() => {
  if (!distIsFresh()) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', 'build.ts')], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }
  consumer = mkdtempSync(join(tmpdir(), 'recist-consumer-'));
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(REPO, join(consumer, 'node_modules', 'recist-cascade'), 'dir');
});

after(() => rmSync(consumer, { recursive: true, force: true }));

/** Writes `code` to `file` (in the consumer folder unless absolute) and runs it with node in `cwd`. */
function run(file: string, code: string, cwd = consumer): { out: string; json: unknown } {
  const path = file.startsWith('/') ? file : join(consumer, file);
  writeFileSync(path, code);
  const r = spawnSync(process.execPath, [path], {
    cwd, encoding: 'utf8', env: { ...process.env, RECIST_WASM_THREADS: process.env.RECIST_WASM_THREADS ?? '1' }, timeout: 4 * 60_000,
  });
  assert.equal(r.status, 0, `${file} failed:\n${r.stdout}\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: unknown = null;
  try {
    json = JSON.parse(last);
  } catch {
    json = null;
  }
  return { out: r.stdout, json };
}

/** The body both consumers run: one real dev lesion, measured twice; tensors counted around the second call. */
const MEASURE_BODY = `
  const shared = rc.sharedDataDir();
  const folder = rc.openDeepLesionFolder(path.join(shared, rc.DEV_SUBDIR));
  const record = folder.records[0];
  const slice = folder.slice(record);
  const box = rc.roughBoxFor(record.recist, folder.lesionId(record), 0, slice.width, slice.height);
  const measurer = await rc.createMeasurer({ backend: 'wasm' });
  await measurer.measure(slice, box);
  const before = tf.memory().numTensors;
  const p = await measurer.measure(slice, box);
  const afterCall = tf.memory().numTensors;
  measurer.dispose();
  const error = rc.segmentLocationDistance(p.recist.long, record.recist.long);
  console.log(JSON.stringify({ lesion: folder.lesionId(record), recist: p.recist, before, afterCall, error, version: p.modelVersion, nb: typeof nb.start }));
`;

interface Measured { lesion: string; recist: { long: { x: number; y: number }[] }; before: number; afterCall: number; error: number; version: string; nb: string }

test('package by name: ESM and CommonJS consumers measure a real dev lesion the same way, leaking no tensors', { timeout: 10 * 60_000 }, (t) => {
  if (!requireSharedData(t)) return;
  const esm = run('measure.mjs', `import path from 'node:path';
import { createRequire } from 'node:module';
import * as rc from 'recist-cascade';
import * as nb from 'recist-cascade/notebook';
const tf = createRequire(import.meta.resolve('recist-cascade'))('@tensorflow/tfjs');
${MEASURE_BODY}`).json as Measured;
  const cjs = run('measure.cjs', `const path = require('node:path');
const rc = require('recist-cascade');
const nb = require('recist-cascade/notebook');
const tf = require(require.resolve('@tensorflow/tfjs', { paths: [require.resolve('recist-cascade')] }));
(async () => {${MEASURE_BODY}})().catch((e) => { console.error(e); process.exit(1); });`).json as Measured;
  for (const [name, m] of [['ESM', esm], ['CommonJS', cjs]] as const) {
    assert.ok(m, `${name}: no result line`);
    assert.equal(m.afterCall, m.before, `${name}: measure() changed tf.memory().numTensors from ${m.before} to ${m.afterCall}`);
    assert.ok(m.error < 10, `${name}: long-axis location error ${m.error} px on ${m.lesion}`);
    assert.equal(m.nb, 'function', `${name}: recist-cascade/notebook did not load`);
  }
  assert.equal(esm.version, cjs.version);
  esm.recist.long.forEach((p, i) => {
    assert.ok(Math.abs(p.x - cjs.recist.long[i].x) < 1e-3 && Math.abs(p.y - cjs.recist.long[i].y) < 1e-3, `ESM and CommonJS marks differ: ${JSON.stringify(esm.recist)} vs ${JSON.stringify(cjs.recist)}`);
  });
});

test('package by name: options are validated with the bad value named (CommonJS)', { timeout: 2 * 60_000 }, () => {
  const r = run('bad.cjs', `const rc = require('recist-cascade');
rc.createMeasurer({ backend: 'gpu' }).then(() => console.log(JSON.stringify({ ok: true })), (e) => console.log(JSON.stringify({ message: e.message })));`).json as { message?: string };
  assert.match(r.message ?? '', /option backend is "gpu", expected one of auto/);
});

test("README: the Node example runs as written from the repository root", { timeout: 5 * 60_000 }, () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m = /<!-- node-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README.md has no ```js block after <!-- node-example -->');
  const code = m[1];
  assert.ok(code.trim().split('\n').length <= 10, `the README example has ${code.trim().split('\n').length} lines, expected at most 10`);
  assert.match(code, /from 'recist-cascade'/);
  // Inside the clone (tmp/ is git-ignored), run from its root as the README says: the package resolves itself by name.
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(REPO, 'tmp', 'readme-example-'));
  try {
    const { out } = run(join(dir, 'example.mjs'), code, REPO);
    assert.match(out, /long axis/);
    assert.match(out, /uncertainty 0\.\d{3}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build: declaration specifiers end in .js (TypeScript 5.0 consumers such as tslab)', () => {
  assert.equal(rewriteDeclarationSpecifiers("import { a } from './x.ts';\nexport * from '../y/z.ts';\ntype T = import('./w.ts').W;\nimport 'pkg.ts';"),
    "import { a } from './x.js';\nexport * from '../y/z.js';\ntype T = import('./w.js').W;\nimport 'pkg.ts';");
  const d = readFileSync(join(REPO, 'dist', 'index.d.ts'), 'utf8');
  assert.doesNotMatch(d, /from '\.[^']*\.ts'/);
  assert.match(d, /createMeasurer/);
});
