import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/model/backend/index.ts';
import { ACTIVE_FILE, listVersions, versionsRoot } from '../../src/model/versions.ts';
import { datasetFromMaps, type LesionItem } from '../../src/server/datasets.ts';
import { LabelStore } from '../../src/server/store.ts';
import { createApplication } from '../../src/server/app.ts';
import { createFineTuneService, type FineTuneEvents } from '../../src/server/finetune/index.ts';
import type { CtSlice } from '../../src/data/types.ts';
import type { Recist } from '../../src/geometry/types.ts';
import { ellipseLesion, saveTinyModel } from '../model/finetune-fixtures.ts';
import { fakeMeasurer, tinyDataset } from './fixtures.ts';

/** A dataset of ellipse lesions and a store with one accepted correction per lesion. */
async function setup(dir: string, n: number) {
  const slices = new Map<string, CtSlice>();
  const lesions: LesionItem[] = [];
  const marks = new Map<string, ReturnType<typeof ellipseLesion>['recist']>();
  for (let i = 0; i < n; i++) {
    const l = ellipseLesion(200 + i);
    slices.set(`s${i}`, l.slice);
    marks.set(`L${i}`, l.recist);
    lesions.push({ id: `L${i}`, sliceRef: `s${i}`, stack: [`s${i}`], keyIndex: 0, width: l.slice.width, height: l.slice.height, spacing: l.slice.spacing, window: null, reference: null, title: `L${i}` });
  }
  const dataset = datasetFromMaps('ellipses', 'demo', lesions, (id) => slices.get(id)!, slices.keys());
  const store = await LabelStore.open(join(dir, 'labels'));
  await store.addLabels(lesions.map((l) => ({
    lesionId: l.id, dataset: dataset.id, reader: 'r1', modelVersion: null, original: null, final: plain(marks.get(l.id)!), box: null, status: 'accepted', spacing: l.spacing,
  })));
  return { dataset, store };
}

const plain = (r: Recist) => ({
  long: [{ x: r.long[0].x, y: r.long[0].y }, { x: r.long[1].x, y: r.long[1].y }] as [{ x: number; y: number }, { x: number; y: number }],
  short: [{ x: r.short[0].x, y: r.short[0].y }, { x: r.short[1].x, y: r.short[1].y }] as [{ x: number; y: number }, { x: number; y: number }],
});

type Ev = { [E in keyof FineTuneEvents]: { event: E; payload: FineTuneEvents[E] } }[keyof FineTuneEvents];

test('fine-tune worker killed with SIGKILL mid-run: active model and labels intact, failure reported, server and runner keep working', async () => {
  await initBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'recist-ftsrv-'));
  const events: Ev[] = [];
  let service: ReturnType<typeof createFineTuneService> | null = null;
  const app = createApplication({ dataset: tinyDataset(), measurer: fakeMeasurer(), store: await LabelStore.open(join(dir, 'other')), config: { log: () => {} } });
  try {
    await saveTinyModel(join(dir, 'base'), 'base-model');
    const { dataset, store } = await setup(dir, 12);
    const labelsDir = join(dir, 'labels');
    service = createFineTuneService({
      store, dataset, labelsDir, baseModelDir: join(dir, 'base'),
      broadcast: (event, payload) => { events.push({ event, payload } as Ev); },
      config: { every: 0, steps: 10_000, minutes: 30, replay: false, backend: 'wasm', tolerancePx: 1e9, minValidation: 1 },
    });
    const url = await app.listen(0);
    const labelsBefore = readFileSync(store.file, 'utf8');

    // 1. kill -9 mid-training
    const job = service.start('admin');
    assert.throws(() => service!.start('admin'), /already running/);
    const t0 = Date.now();
    while (!events.some((e) => e.event === 'finetune:progress' && e.payload.stage === 'train')) {
      assert.ok(Date.now() - t0 < 90_000, 'worker never reported training progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    const pointerBefore = readFileSync(join(versionsRoot(labelsDir), ACTIVE_FILE), 'utf8');
    const pid = service.workerPid();
    assert.ok(pid && pid !== process.pid);
    process.kill(pid, 'SIGKILL');
    const done = await job.done;
    assert.equal(done.ok, false);
    assert.match(done.error ?? '', /SIGKILL/);
    assert.match(done.reason, /active model is unchanged/);
    assert.equal(readFileSync(join(versionsRoot(labelsDir), ACTIVE_FILE), 'utf8'), pointerBefore, 'active pointer intact');
    assert.deepEqual((await listVersions(versionsRoot(labelsDir))).map((v) => v.name), ['v0001']);
    assert.equal(readFileSync(store.file, 'utf8'), labelsBefore, 'label store intact');
    assert.equal((await LabelStore.open(labelsDir)).labels().length, 12, 'label store still loads');
    assert.equal(service.status().running, null);
    assert.equal(service.status().pending, 12, 'corrections of a failed job count as new again');
    const res = await fetch(`${url}/api/session`);
    assert.equal(res.status, 200, 'server still answers');

    // 2. the runner still works: a short job to completion, promoted (tolerance forces it), model:changed broadcast
    events.length = 0;
    const service2 = createFineTuneService({
      store, dataset, labelsDir, baseModelDir: join(dir, 'base'),
      broadcast: (event, payload) => { events.push({ event, payload } as Ev); },
      config: { every: 12, steps: 2, replay: false, backend: 'wasm', tolerancePx: 1e9, minValidation: 1 },
    });
    service2.labelSaved(); // 12 pending ≥ every: starts automatically
    assert.ok(service2.status().running, 'auto-triggered');
    const t1 = Date.now();
    while (!events.some((e) => e.event === 'finetune:done')) {
      assert.ok(Date.now() - t1 < 120_000, 'job did not finish');
      await new Promise((r) => setTimeout(r, 200));
    }
    const fin = events.find((e) => e.event === 'finetune:done')!.payload as FineTuneEvents['finetune:done'];
    assert.equal(fin.ok, true, fin.error);
    assert.equal(fin.promoted, true, fin.reason);
    assert.equal(fin.activeVersion, 'v0002');
    const changed = events.find((e) => e.event === 'model:changed')!.payload as FineTuneEvents['model:changed'];
    assert.equal(changed.version, 'v0002');
    assert.equal(service2.status().pending, 0);
    // 3. rollback through the service
    const rb = await service2.rollback('test');
    assert.equal(rb.version, 'v0001');
    assert.equal(rb.modelVersion, 'base-model');
    await service2.close();
  } finally {
    await service?.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('app hook: /api/finetune routes behind the reader check (status, versions, rollback refused without versions)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-ftapp-'));
  const { dataset, store } = await setup(dir, 3);
  const service = createFineTuneService({ store, dataset, labelsDir: join(dir, 'labels'), baseModelDir: join(dir, 'none'), config: { every: 0 } });
  const app = createApplication({ dataset, measurer: fakeMeasurer(), store, fineTune: service, config: { log: () => {} } });
  try {
    const { token } = await store.addReader('admin1');
    const url = await app.listen(0);
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${url}/api/finetune/status`)).status, 401);
    const status = await (await fetch(`${url}/api/finetune/status`, { headers: auth })).json() as { data: { pending: number; running: unknown } };
    assert.equal(status.data.pending, 3);
    assert.equal(status.data.running, null);
    assert.deepEqual(await (await fetch(`${url}/api/finetune/versions`, { headers: auth })).json(), { data: [] });
    const readers = await (await fetch(`${url}/api/finetune/readers`, { headers: auth })).json() as { data: { bias: unknown[] } };
    assert.deepEqual(readers.data.bias, [], 'one reader: no inter-reader bias');
    assert.equal(service.readerCalibration('r1').longScale, 1, 'no proposals stored: identity calibration');
    const rb = await fetch(`${url}/api/finetune/rollback`, { method: 'POST', headers: auth });
    assert.equal(rb.status, 409);
    const start = await fetch(`${url}/api/finetune/start`, { method: 'POST', headers: auth });
    assert.equal(start.status, 202, 'accepted; the job then fails (no base model) and reports it');
    // The job fails (no base model) and says so; wait for it, so nothing still writes into the folder removed below.
    let st = { data: { running: {} as unknown, last: null as { ok: boolean; error?: string } | null } };
    for (let i = 0; i < 150 && (st.data.running !== null || !st.data.last); i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = await (await fetch(`${url}/api/finetune/status`, { headers: auth })).json() as typeof st;
    }
    assert.equal(st.data.running, null, 'the job ended');
    assert.equal(st.data.last?.ok, false, 'and reported its failure');
    assert.ok(st.data.last?.error, 'with a reason');
  } finally {
    await service.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
