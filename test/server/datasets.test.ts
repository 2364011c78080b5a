import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_DICOM } from '../../src/data/synth/placement.ts';
import { DEMO_LESIONS, ID_PATTERN, deepLesionDataset, demoDataset, dicomDataset, loadDataset } from '../../src/server/datasets.ts';
import { serveConfig } from '../../src/server/index.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

test('demo: deterministic, cached at first start under the labels folder, read back, regenerated when corrupt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-demo-'));
  try {
    const fresh = demoDataset({ count: 3 });
    assert.equal(demoDataset().lesions.length, DEMO_LESIONS);
    const cached = demoDataset({ count: 3, cacheDir: dir });
    assert.deepEqual(cached.lesions, fresh.lesions, 'same seed, same lesions');
    assert.deepEqual(readdirSync(dir).sort(), ['demo-01.png', 'demo-02.png', 'demo-03.png', 'demo.json']);
    const warnings: string[] = [];
    const again = demoDataset({ count: 3, cacheDir: dir, warn: (m) => warnings.push(m) });
    assert.deepEqual(again.lesions, fresh.lesions);
    assert.equal(warnings.length, 0);
    const a = fresh.slice('demo-02'), b = again.slice('demo-02');
    let maxDiff = 0;
    for (let i = 0; i < a.hu.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.hu[i] - b.hu[i]));
    assert.ok(maxDiff <= 0.5, `cached HU within rounding (max diff ${maxDiff})`);
    assert.deepEqual(b.spacing, fresh.lesions[1].spacing);
    writeFileSync(join(dir, 'demo.json'), '{"version": 1, "seed": 1, "lesions": "nope"}');
    const regenerated = demoDataset({ count: 3, cacheDir: dir, warn: (m) => warnings.push(m) });
    assert.deepEqual(regenerated.lesions, fresh.lesions);
    assert.match(warnings[0], /demo cache .* unusable/);
    for (const bad of ['../demo-01', 'demo-01/../../x', '', 'demo-99']) {
      assert.equal(fresh.hasSlice(bad), false);
      assert.throws(() => fresh.slice(bad), /unknown slice id/);
    }
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('DICOM file or folder: one item per image with its UIDs; series neighbours', () => {
  const d = dicomDataset(BUILTIN_DICOM);
  assert.equal(d.kind, 'dicom');
  assert.equal(d.lesions.length, 1);
  const l = d.lesions[0];
  assert.match(l.id, ID_PATTERN);
  assert.ok(l.dicom?.sopInstanceUid && l.dicom.studyInstanceUid);
  assert.equal(d.slice(l.sliceRef).width, 512);
  assert.throws(() => loadDataset('/nonexistent/folder'), /no such file or folder/);
});

test('DICOM folder of the shared data: the 3-slice abdomen series are neighbours in position order', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const warnings: string[] = [];
  const d = loadDataset(join(shared, 'dicom'), { warn: (m) => warnings.push(m) });
  assert.equal(d.kind, 'dicom');
  const abdomen = d.lesions.filter((l) => l.id.startsWith('dcmqi_ct3slice_abdomen'));
  assert.equal(abdomen.length, 3);
  for (const l of abdomen) {
    assert.equal(l.stack.length, 3);
    assert.equal(l.stack[l.keyIndex], l.id);
  }
});

test('DeepLesion folder: lesion per row, stacks of neighbouring slices, reference marks', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const d = deepLesionDataset(join(shared, 'deeplesion-dev'));
  assert.equal(d.lesions.length, 24);
  for (const l of d.lesions) {
    assert.equal(l.stack[l.keyIndex], l.sliceRef);
    assert.ok(l.reference);
    for (const s of l.stack) assert.match(s, ID_PATTERN);
  }
  const withNeighbours = d.lesions.find((l) => l.stack.length > 1)!;
  const s = d.slice(withNeighbours.stack[0]);
  assert.equal(s.width, withNeighbours.width);
  assert.deepEqual(s.spacing, withNeighbours.spacing);
});

test('serveConfig: flags over environment over defaults', () => {
  const env = { PORT: '4000', RECIST_DATA: '/d', RECIST_LABELS: '/l', RECIST_MODEL: '/m' };
  assert.deepEqual({ ...serveConfig({}, env), backend: undefined }, {
    port: 4000, host: '127.0.0.1', data: '/d', labels: '/l', model: '/m', backend: undefined,
    finetuneEvery: 20, noFinetune: false, finetuneSteps: undefined, finetuneReadout: true, finetuneMinValidation: undefined, admins: undefined, strategy: 'entropy-px', readerCalibration: false,
    inferenceWorkers: availableParallelism(), proposalRate: 5, dicomweb: null,
  });
  assert.equal(serveConfig({ inferenceWorkers: '0', proposalRate: '0.5' }, {}).inferenceWorkers, 0, '--inference-workers 0: in-process');
  assert.equal(serveConfig({}, { RECIST_PROPOSAL_RATE: '0.5' }).proposalRate, 0.5);
  assert.throws(() => serveConfig({ inferenceWorkers: '-1' }, {}), /--inference-workers -1/);
  const f = serveConfig({ finetuneEvery: '4', strategy: 'tta', readerCalibration: true, admins: 'a, b' }, { RECIST_FINETUNE_EVERY: '9', RECIST_STRATEGY: 'random' });
  assert.equal(f.finetuneEvery, 4); assert.equal(f.strategy, 'tta'); assert.equal(f.readerCalibration, true); assert.deepEqual(f.admins, ['a', 'b']);
  const g = serveConfig({ finetune: false }, { RECIST_FINETUNE_EVERY: '0', RECIST_STRATEGY: 'first', RECIST_READER_CALIBRATION: '1' });
  assert.equal(g.noFinetune, true); assert.equal(g.finetuneEvery, 0); assert.equal(g.strategy, 'first'); assert.equal(g.readerCalibration, true);
  assert.equal(serveConfig({}, { RECIST_NO_FINETUNE: '1' }).noFinetune, true);
  assert.equal(serveConfig({ finetuneReadout: false }, {}).finetuneReadout, false, '--no-finetune-readout');
  assert.equal(serveConfig({}, { RECIST_NO_FINETUNE_READOUT: '1' }).finetuneReadout, false);
  assert.equal(serveConfig({ finetuneSteps: '0' }, {}).finetuneSteps, 0, 'a read-out-only job');
  assert.throws(() => serveConfig({ finetuneSteps: '0', finetuneReadout: false }, {}), /--finetune-steps 0 with --no-finetune-readout/);
  assert.throws(() => serveConfig({ strategy: 'bogus' }, {}), /--strategy bogus: expected one of entropy, entropy-px, tta, random, first/);
  assert.throws(() => serveConfig({ finetuneEvery: '-1' }, {}), /--finetune-every -1/);
  assert.equal(serveConfig({ finetuneMinValidation: '5' }, { RECIST_FINETUNE_MIN_VALIDATION: '1' }).finetuneMinValidation, 5);
  assert.equal(serveConfig({}, { RECIST_FINETUNE_MIN_VALIDATION: '1' }).finetuneMinValidation, 1);
  assert.throws(() => serveConfig({ finetuneMinValidation: 'x' }, {}), /--finetune-min-validation x/);
  const c = serveConfig({ port: '0', data: '/x', labels: '/y', model: '/z' }, env);
  assert.equal(c.port, 0); assert.equal(c.data, '/x'); assert.equal(c.labels, '/y'); assert.equal(c.model, '/z');
  const d = serveConfig({}, {});
  assert.equal(d.port, 3000); assert.equal(d.data, null); assert.match(d.labels, /labels$/);
  assert.throws(() => serveConfig({ port: 'abc' }, {}), /not a port number/);
});
