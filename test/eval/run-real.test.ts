import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import { openDeepLesionFolder } from '../../src/data/deeplesion.ts';
import { defaultReaders, formatReadersCsv, readReader } from '../../src/data/synth/readers.ts';
import { createRng } from '../../src/geometry/random.ts';
import { boxCrossMethod, classicalMethod } from '../../src/eval/baselines/index.ts';
import { evaluateFolder, findSummary } from '../../src/eval/run.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { writeReport } from '../../src/eval/report.ts';
import { formatSig } from '../../src/eval/metrics.ts';

test('real dev set (24 lesions, seed 0): box-cross and classical baselines end to end, report written', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = join(shared, DEV_SUBDIR);
  const result = await evaluateFolder({ dir, methods: [boxCrossMethod, classicalMethod], seeds: [0] });
  assert.equal(result.lesions.length, 24);
  assert.deepEqual(result.readers, ['DL']);
  const f = (x: number): string => formatSig(x, 3);
  const numbers: Record<string, number> = {};
  for (const m of ['box-cross', 'classical']) {
    const s = findSummary(result, m)!;
    assert.equal(s.n, 24);
    for (const a of ['long', 'short'] as const) {
      const x = s.axes[a];
      t.diagnostic(`${m} ${a}: Loc ${f(x.locPx.mean)}±${f(x.locPx.std)} px (${f(x.locMm.mean)} mm), Len ${f(x.lenPx.mean)}±${f(x.lenPx.std)} px (${f(x.lenMm.mean)} mm), median |rel len| ${f(x.absRelLenPct.median)} %, median signed rel len ${f(x.relLenPct.median)} %`);
      numbers[`${m}/${a}/loc`] = x.locPx.mean;
      // mm = px × spacing (DeepLesion spacing is isotropic and < 1 mm/px here)
      assert.ok(x.locMm.mean < x.locPx.mean && x.locMm.mean > 0.6 * x.locPx.mean);
    }
  }
  // Box-cross on this folder: a few px (the product owner's reference ≈ 6 px came from a different box draw).
  assert.ok(numbers['box-cross/long/loc'] > 2 && numbers['box-cross/long/loc'] < 8);
  assert.ok(numbers['classical/long/loc'] < 8);
  // Same boxes for every method and deterministic per (seed, lesion).
  const id = result.lesions[0].id;
  assert.deepEqual(result.predictions['box-cross'][id][0].box, result.predictions.classical[id][0].box);
  const again = await evaluateFolder({ dir, methods: [boxCrossMethod], seeds: [0], lesionFilter: (_r, lid) => lid === id });
  assert.deepEqual(again.predictions['box-cross'][id][0].box, result.predictions['box-cross'][id][0].box);

  const out = mkdtempSync(join(tmpdir(), 'recist-eval-'));
  try {
    const rep = writeReport(result, out, { worstCount: 2 });
    for (const name of ['result.json', 'table.csv', 'table-mm.csv', 'table.json', 'summary.csv', 'per-lesion.csv', 'report.md', 'report.html', 'plots/bland-altman-long.svg', 'plots/error-vs-size-short.svg']) {
      assert.ok(existsSync(join(out, name)), name);
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.ok(!/(src|href)="https?:/.test(html), 'report must not load anything from the network');
    assert.match(html, /data:image\/png;base64,/);
    assert.match(html, /<svg/);
    assert.match(rep.markdown, /!\[Bland–Altman \(long, mm\)\]\(plots\/bland-altman-long\.svg\)/);
    assert.match(rep.markdown, /lesions: 24 DeepLesion lesions in .*deeplesion-dev; readers: DL/);
    const svg = readFileSync(join(out, 'plots/bland-altman-long.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<circle/g) ?? []).length, 2 * 24 + 2); // points + legend
    assert.equal(readFileSync(join(out, 'per-lesion.csv'), 'utf8').trim().split('\n').length, 1 + 2 * 24);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('extra readers from readers.csv become table columns; methods are compared against them', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const src = join(shared, DEV_SUBDIR);
  const dir = mkdtempSync(join(tmpdir(), 'recist-readers-'));
  try {
    copyFileSync(join(src, 'DL_info.csv'), join(dir, 'DL_info.csv'));
    symlinkSync(join(src, 'Images_png'), join(dir, 'Images_png'));
    const folder = openDeepLesionFolder(dir);
    const rng = createRng(5);
    const marks = defaultReaders(2).flatMap((r) => folder.records.map((rec) => ({ fileName: rec.fileName, lesionId: folder.lesionId(rec), reader: r.name, recist: readReader(rec.recist, r, rng) })));
    writeFileSync(join(dir, 'readers.csv'), formatReadersCsv(marks));
    const result = await evaluateFolder({ dir, methods: [boxCrossMethod], seeds: [0, 1] });
    assert.deepEqual(result.readers, ['DL', 'reader1', 'reader2']);
    assert.deepEqual(result.tablePx.columns, ['DL', 'reader1', 'reader2']);
    assert.ok(result.tablePx.cells.long['box-cross'].reader2!.loc.n === 24);
    assert.ok(result.tablePx.cells.long.reader1.DL!.loc.mean > 0);
    assert.equal(result.predictions['box-cross'][folder.lesionId(folder.records[0])].length, 2);
    // Seeds: the box for seed 1 differs from seed 0, and equals roughBoxFor.
    const rec = folder.records[3], lid = folder.lesionId(rec);
    assert.deepEqual(result.predictions['box-cross'][lid][1].box, roughBoxFor(rec.recist, lid, 1, 512, 512));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval --readouts heatmaps,mask: one row per read-out of the same model, the card says which; bad names refused', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const { parseEvalOptions, buildMethods } = await import('../../src/cli/commands/eval.ts');
  const { saveTinyModel } = await import('../model/finetune-fixtures.ts');
  const tmp = mkdtempSync(join(tmpdir(), 'readouts-'));
  try {
    const model = join(tmp, 'tiny');
    await saveTinyModel(model, 'tiny-readouts');
    assert.throws(() => parseEvalOptions({ data: join(shared, DEV_SUBDIR), model: [model], readouts: 'mask,box' }), /--readouts mask,box: "box" is not one of heatmaps, mask/);
    const opts = parseEvalOptions({ data: join(shared, DEV_SUBDIR), model: [model], readouts: 'heatmaps,mask', backend: 'cpu', out: join(tmp, 'out') });
    const built = await buildMethods(opts);
    try {
      assert.deepEqual(built.methods.map((m) => m.name), ['model tiny (heatmaps)', 'model tiny (mask)']);
      const cards = built.modelCards as Record<string, { config: { readout: string } }>;
      assert.equal(cards['model tiny (heatmaps)'].config.readout, 'heatmaps');
      assert.equal(cards['model tiny (mask)'].config.readout, 'mask');
      const result = await evaluateFolder({ dir: opts.data, methods: built.methods.slice(), seeds: [0] });
      for (const name of ['model tiny (heatmaps)', 'model tiny (mask)']) assert.equal(findSummary(result, name)?.n, 24, name);
    } finally {
      built.dispose();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
