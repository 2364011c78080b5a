/**
 * Admin rights by default: the first reader of a store is the admin; others only with --admins or --admin; fine-tune
 * starts, rollbacks and reader management from anyone else are refused with a clear error; clients are told who is
 * an admin. Plus: kill -9 of the server mid-load loses no acknowledged save.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplication } from '../../src/server/app.ts';
import { createFineTuneService } from '../../src/server/finetune/index.ts';
import { demoDataset } from '../../src/server/datasets.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import { ask, connected, reader, startChildServer, type Client } from '../load/harness.ts';
import { fakeMeasurer, tinyDataset } from './fixtures.ts';

test('store: the first reader is the admin, later ones only with admin: true; older stores: the first reader; the last admin stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rights-store-'));
  try {
    const store = await LabelStore.open(dir);
    await store.addReader('demo');
    await store.addReader('bob');
    await store.addReader('carol', { admin: true });
    assert.deepEqual(store.readers().map((r) => [r.name, store.isAdmin(r.name)]), [['demo', true], ['bob', false], ['carol', true]]);
    assert.equal(store.isAdmin('nobody'), false);
    await store.setAdmin('carol', false);
    await assert.rejects(store.setAdmin('demo', false), /last admin/);
    assert.equal(store.isAdmin('demo'), true);
    // a store written before the admin field: the first reader counts as the admin
    const file = join(dir, LABELS_FILE);
    const old = JSON.parse(readFileSync(file, 'utf8'));
    for (const r of old.readers) delete r.admin;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify(old));
    const reopened = await LabelStore.open(dir);
    assert.deepEqual(reopened.readers().map((r) => reopened.isAdmin(r.name)), [true, false, false]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('server: non-admins are refused fine-tunes, rollbacks and reader management; clients see who is an admin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rights-'));
  const store = await LabelStore.open(dir);
  const demo = (await store.addReader('demo')).token;
  const bob = (await store.addReader('bob')).token;
  const eve = (await store.addReader('eve')).token;
  const dataset = tinyDataset();
  const service = createFineTuneService({ store, dataset, labelsDir: join(dir, 'ft'), baseModelDir: join(dir, 'no-model'), config: { every: 0, pollMs: 3_600_000 } });
  const app = createApplication({ dataset, measurer: fakeMeasurer(), store, fineTune: service, config: { log: () => {}, admins: ['eve'] } });
  const clients: Client[] = [];
  try {
    const url = await app.listen(0);
    const call = async (path: string, token: string, method = 'GET', body?: unknown) => {
      const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, json: await r.json() as { data?: any; error?: string; code?: string } };
    };
    for (const [path, method, body, what] of [
      ['/api/finetune/start', 'POST', {}, /only admins may start fine-tuning \(bob is not one\)/],
      ['/api/finetune/rollback', 'POST', {}, /only admins may roll back/],
      ['/api/readers', 'GET', undefined, /only admins may manage readers/],
      ['/api/readers', 'POST', { name: 'mallory', admin: true }, /only admins may manage readers/],
      ['/api/readers/demo/token', 'POST', {}, /only admins may manage readers/],
      ['/api/readers/bob/admin', 'POST', { admin: true }, /only admins may manage readers/],
    ] as const) {
      const r = await call(path, bob, method, body);
      assert.equal(r.status, 403, `${method} ${path} as bob → ${r.status}`);
      assert.match(String(r.json.error), what);
      assert.equal(r.json.code, 'forbidden');
    }
    assert.equal(store.readers().some((r) => r.name === 'mallory'), false, 'nothing was changed');
    assert.equal(store.isAdmin('bob'), false);

    // the store's admin (the first reader) and a --admins reader get past the check
    for (const token of [demo, eve]) {
      const r = await call('/api/finetune/start', token, 'POST', {});
      assert.notEqual(r.status, 403, JSON.stringify(r.json));
    }
    const added = await call('/api/readers', demo, 'POST', { name: 'frank' });
    assert.equal(added.status, 201);
    assert.equal(added.json.data.admin, false);
    assert.ok(String(added.json.data.token).length >= 20);
    assert.equal((await call('/api/readers', demo, 'POST', { name: 'frank' })).status, 409, 'duplicate name');
    assert.equal((await call('/api/readers', demo, 'POST', { name: '../x' })).status, 400);
    const list = await call('/api/readers', eve);
    assert.deepEqual(list.json.data.map((r: { name: string; admin: boolean }) => [r.name, r.admin]), [['demo', true], ['bob', false], ['eve', true], ['frank', false]]);
    assert.equal((await call('/api/readers/frank/admin', demo, 'POST', { admin: true })).json.data.admin, true);
    assert.equal(store.isAdmin('frank'), true);

    // clients are told whether they are admins (the UI hides the admin controls otherwise)
    assert.deepEqual((await call('/api/me', bob)).json.data, { name: 'bob', admin: false });
    assert.deepEqual((await call('/api/me', demo)).json.data, { name: 'demo', admin: true });
    const c = reader(url, 'bob', bob);
    clients.push(c);
    await connected(c);
    const c2 = reader(url, 'eve', 'x'.repeat(8));
    clients.push(c2);
    await assert.rejects(connected(c2), /invalid reader token/);
    const signedOut = reader(url, 'eve', eve);
    clients.push(signedOut);
    await connected(signedOut);
    assert.deepEqual((await ask(signedOut, 5000, 'auth', { name: 'eve', token: eve })).data, { name: 'eve', admin: true });
  } finally {
    for (const c of clients) c.close();
    await service.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('kill -9 of the server mid-load loses no acknowledged save', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-kill-load-'));
  const clients: Client[] = [];
  try {
    const store = await LabelStore.open(dir);
    const tokens: [string, string][] = [];
    for (let i = 0; i < 6; i++) tokens.push([`r${i}`, (await store.addReader(`r${i}`)).token]);
    const server = await startChildServer({ RECIST_LABELS: dir, RECIST_CHILD_MEASURER: 'fake' });
    for (const [name, token] of tokens) clients.push(reader(server.url, name, token));
    await Promise.all(clients.map(connected));
    const lesions = demoDataset({ cacheDir: join(dir, 'demo') }).lesions;
    const acked = new Set<string>();
    const failures: string[] = [];
    let stop = false;
    const loop = async (c: Client, k: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const l = lesions[(k + i) % lesions.length];
        const r = l.reference!;
        const recist = { long: r.long.map((p) => ({ x: p.x, y: p.y })), short: r.short.map((p) => ({ x: p.x, y: p.y })) };
        const s = await ask(c, 5000, 'label:save', { lesionId: l.id, status: 'accepted', recist }).catch(() => null);
        if (s && 'data' in s) acked.add(s.data.id);
        else { if (!stop && s) failures.push(String(s.error)); return; } // the server is gone (or refused: reported below)
      }
    };
    const loops = clients.map((c, k) => loop(c, k));
    const until = Date.now() + 60_000;
    while (acked.size < 60 && failures.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(failures, [], 'saves were refused before the kill');
    await server.kill9();
    stop = true;
    await Promise.all(loops);
    const onDisk = new Set((JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8')) as { labels: { id: string }[] }).labels.map((l) => l.id));
    const lost = [...acked].filter((id) => !onDisk.has(id));
    assert.ok(acked.size >= 60);
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged saves are not on disk after kill -9`);
  } finally {
    for (const c of clients) c.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
