/** /api/response on the real dev lesions of patient 000069 (two studies): assignments, assessment, report, carried box. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { deepLesionDataset } from '../../src/server/datasets.ts';
import { responseRouter } from '../../src/server/response-routes.ts';
import { LabelStore } from '../../src/server/store.ts';
import { marksCentre } from '../../src/response/carry.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

test('assign targets, see the response and the report, carry the baseline box to the follow-up', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dataset = deepLesionDataset(join(shared, 'deeplesion-dev'), { neighbours: 0 });
  const base = dataset.lesion('000069_02_01_058#1'), follow = dataset.lesion('000069_03_01_058#1');
  assert.ok(base?.reference && follow?.reference, 'the dev lesions of patient 000069');
  const dir = mkdtempSync(join(tmpdir(), 'recist-response-routes-'));
  const store = await LabelStore.open(dir);
  const app = express();
  app.use(express.json());
  app.use('/api/response', responseRouter({ dataset, store }));
  const server = app.listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/response`;
  const call = async (path: string, method = 'GET', body?: unknown) => {
    const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, text: await r.text() };
  };
  try {
    // carrying needs accepted baseline marks
    let r = await call('/carry', 'POST', { from: base.id, to: follow.id });
    assert.equal(r.status, 409);
    assert.match(r.text, /has no accepted marks to carry/);
    await store.addLabels([base, follow].map((l) => ({
      lesionId: l.id, dataset: dataset.id, reader: 'ann', modelVersion: null, original: null, final: { long: [{ ...l.reference!.long[0] }, { ...l.reference!.long[1] }], short: [{ ...l.reference!.short[0] }, { ...l.reference!.short[1] }] }, box: null, status: 'accepted' as const, spacing: l.spacing ? { ...l.spacing } : null,
    })));
    r = await call('/carry', 'POST', { from: base.id, to: follow.id });
    assert.equal(r.status, 200, r.text);
    const carried = (JSON.parse(r.text) as { data: { centre: { x: number; y: number }; box: { x1: number; x2: number } } }).data;
    const truth = marksCentre(follow.reference!);
    const mm = Math.hypot(carried.centre.x - truth.x, carried.centre.y - truth.y) * follow.spacing!.x;
    assert.ok(mm < 5, `carried centre ${mm.toFixed(1)} mm from the follow-up lesion`); // 2.2 mm in reports/dev-followup

    const assignments = [
      { dataset: dataset.id, lesionId: base.id, patient: '000069', study: '2', lesion: 'liver-1', kind: 'target', organ: 'liver' },
      { dataset: dataset.id, lesionId: follow.id, patient: '000069', study: '3', lesion: 'liver-1', kind: 'target', organ: 'liver' },
    ];
    r = await call('/assignments', 'PUT', { assignments: [{ ...assignments[0], lesionId: 'nope#1' }] });
    assert.equal(r.status, 400);
    assert.match(r.text, /field assignments\.0\.lesionId \\"nope#1\\" is not a lesion of dataset/);
    r = await call('/assignments', 'PUT', { assignments });
    assert.equal(r.status, 200, r.text);
    r = await call('/');
    const got = (JSON.parse(r.text) as { data: { results: { overallResponse: string; sumMm: number; flipTo: string[] }[]; violations: unknown[] } }).data;
    // DeepLesion's long axes: 12.01 mm at study 2, 12.59 mm at study 3 (+4.8 %): SD, which no re-measurement in the band makes PD (+5 mm is needed)
    assert.deepEqual(got.results.map((x) => x.overallResponse), ['baseline', 'SD']);
    assert.ok(Math.abs(got.results[0].sumMm - 16.4041 * 0.732422) < 0.01, String(got.results[0].sumMm));
    assert.deepEqual(got.results[1].flipTo, []);
    assert.deepEqual(got.violations, []);
    r = await call('/report.html');
    assert.match(r.text, /<svg[^>]*sum of diameters over time/);
    assert.match(r.text, /Patient 000069/);
    r = await call('/?band=5,5');
    assert.equal(r.status, 400);
    assert.match(r.text, /band \\"5,5\\" must be LOW,HIGH/);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the labeling server mounts /api/response behind the reader token', async () => {
  const { createApplication } = await import('../../src/server/app.ts');
  const { fakeMeasurer, tinyDataset } = await import('./fixtures.ts');
  const dir = mkdtempSync(join(tmpdir(), 'recist-response-mounted-'));
  const store = await LabelStore.open(dir);
  const { token } = await store.addReader('ann');
  const application = createApplication({ dataset: tinyDataset(), measurer: fakeMeasurer(), store });
  const base = await application.listen(0, '127.0.0.1');
  try {
    const anonymous = await fetch(`${base}/api/response`);
    assert.equal(anonymous.status, 401);
    const report = await fetch(`${base}/api/response/report.html`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(report.status, 200);
    const csp = report.headers.get('content-security-policy') ?? '';
    const { createHash } = await import('node:crypto');
    const page = await report.text();
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`), `the report's style is allowed by its hash: ${csp}`);
    assert.match(csp, /script-src 'self';/);
    const r = await fetch(`${base}/api/response`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { data: { assignments: unknown[]; results: unknown[]; band: unknown } };
    assert.deepEqual(body.data.assignments, []);
    assert.deepEqual(body.data.results, []);
    assert.deepEqual(body.data.band, { lowPct: -22, highPct: 25 });
  } finally {
    await application.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
