/**
 * The server against bad input: malformed events, wrong types, NaN coordinates, unknown lesion ids, `../` in image
 * ids, missing or wrong tokens → a clear error, nothing written, and the server still answers. Plus the happy path:
 * save is validated, persisted, acked, then broadcast to the other reader only.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { createApplication, packHeatmaps, type Application } from '../../src/server/app.ts';
import type { ClientToServerEvents, LabelDto, ServerToClientEvents } from '../../src/server/events.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import { fakeMeasurer, tinyDataset } from './fixtures.ts';
import { applyAffine } from '../../src/geometry/affine.ts';
import { fromCrop } from '../../src/geometry/crop.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let dir: string, url: string, app: Application, store: LabelStore, alice: string, bob: string;
const clients: Client[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recist-app-'));
  store = await LabelStore.open(dir);
  alice = (await store.addReader('alice')).token;
  bob = (await store.addReader('bob')).token;
  app = createApplication({ dataset: tinyDataset(), measurer: fakeMeasurer(), store, config: { log: () => {} } });
  url = await app.listen(0);
});
after(async () => {
  for (const c of clients) c.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const client = (auth?: Record<string, unknown>): Client => {
  const c: Client = connect(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  clients.push(c);
  return c;
};
const connected = (c: Client): Promise<void> => new Promise((res, rej) => { c.once('connect', () => res()); c.once('connect_error', rej); });
const emit = (c: Client, event: string, ...args: unknown[]): Promise<any> =>
  (c as any).timeout(5000).emitWithAck(event, ...args);
const fileText = (): string => { try { return readFileSync(join(dir, LABELS_FILE), 'utf8'); } catch { return ''; } };

const http = (path: string, opts: { token?: string; method?: string; body?: string; headers?: Record<string, string> } = {}) =>
  new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((res, rej) => {
    const u = new URL(url);
    const req = request({
      host: u.hostname, port: u.port, path, method: opts.method ?? 'GET',
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), headers: r.headers }));
    });
    req.on('error', rej);
    req.end(opts.body);
  });

const good = { long: [{ x: 20, y: 30 }, { x: 44, y: 30 }], short: [{ x: 32, y: 24 }, { x: 32, y: 36 }] };

test('HTTP: token required; slices, worklist, exports; path traversal impossible; CSP and no CORS', async () => {
  assert.equal((await http('/api/worklist')).status, 401);
  assert.equal((await http('/api/worklist', { token: 'not-a-real-token' })).status, 401);
  const wl = await http('/api/worklist', { token: alice });
  assert.equal(wl.status, 200);
  assert.deepEqual(JSON.parse(wl.body).data.items.map((i: { lesionId: string }) => i.lesionId), ['L0', 'L1', 'L2']);
  assert.match(String(wl.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(wl.headers['access-control-allow-origin'], undefined);

  const png = await http('/api/slices/s0.png?window=lung', { token: alice });
  assert.equal(png.status, 200);
  assert.equal(png.headers['content-type'], 'image/png');
  assert.equal(png.body.slice(1, 4), 'PNG');
  assert.equal((await http('/api/slices/s0.png?window=40,400', { token: alice })).status, 200);
  assert.equal((await http('/api/slices/s0.png?window=bogus', { token: alice })).status, 400);
  assert.equal((await http('/api/slices/s0.png')).status, 401);
  for (const path of ['/api/slices/..%2F..%2Fetc%2Fpasswd.png', '/api/slices/../../etc/passwd.png', '/api/slices/%2e%2e%2fpackage.json.png',
    '/api/slices/s9.png', '/api/slices/..%5Cwin.png']) {
    const r = await http(path, { token: alice });
    assert.ok(r.status === 404 || r.status === 400, `${path} → ${r.status}`);
    assert.doesNotMatch(r.body, /root:|"name": "recist/);
  }
  const cross = await http('/api/worklist', { token: alice, headers: { origin: 'http://evil.example' } });
  assert.equal(cross.status, 403);

  // sign-in sets an HttpOnly cookie that then works without the header
  const bad = await http('/api/session', { method: 'POST', body: JSON.stringify({ name: 'alice', token: bob }) });
  assert.equal(bad.status, 401);
  const malformed = await http('/api/session', { method: 'POST', body: '{"name": 5' });
  assert.equal(malformed.status, 400);
  const huge = await http('/api/session', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(200_000), token: 'y' }) });
  assert.equal(huge.status, 413);
  const ok = await http('/api/session', { method: 'POST', body: JSON.stringify({ name: 'alice', token: alice }) });
  assert.equal(ok.status, 200);
  const cookie = String((ok.headers['set-cookie'] as string[])[0]);
  assert.match(cookie, /HttpOnly; SameSite=Strict/);
  assert.equal((await http('/api/me', { headers: { cookie: cookie.split(';')[0] } })).status, 200);

  const csv = await http('/api/labels/export.csv', { token: alice });
  assert.equal(csv.status, 200);
  assert.match(csv.body, /^Label_id,Lesion_id/);
  assert.equal((await http('/api/labels/export.json', { token: alice })).status, 200);
  assert.equal((await http('/api/nope', { token: alice })).status, 404);
});

test('socket: missing or wrong token; malformed events; NaN; unknown ids → error acks, nothing written', async () => {
  const wrong = client({ name: 'alice', token: 'wrong-token-xyz' });
  await assert.rejects(connected(wrong), /invalid reader token/);

  const anon = client();
  await connected(anon);
  assert.match((await emit(anon, 'worklist:get')).error, /not signed in/);
  assert.match((await emit(anon, 'propose', { lesionId: 'L0', box: { x1: 1, y1: 1, x2: 20, y2: 20 } })).error, /not signed in/);
  assert.match((await emit(anon, 'auth', { name: 'alice', token: bob })).error, /wrong token/);
  assert.match((await emit(anon, 'auth', 'garbage')).error, /auth: \(payload\)/);
  assert.deepEqual((await emit(anon, 'auth', { name: 'alice', token: alice })).data, { name: 'alice', admin: true }, 'alice is the first reader of the store, so its admin');

  const before = fileText();
  const c = anon;
  const cases: [string, unknown, RegExp][] = [
    ['label:save', null, /expected object/],
    ['label:save', 'L0', /expected object/],
    ['label:save', { lesionId: 'L0', status: 'accepted' }, /recist is required/],
    ['label:save', { lesionId: 'L0', status: 'accepted', recist: { ...good, long: [{ x: NaN, y: 1 }, good.long[1]] } }, /recist.long.0.x/],
    ['label:save', { lesionId: 'L0', status: 'accepted', recist: { ...good, long: [{ x: '20', y: 1 }, good.long[1]] } }, /expected number/],
    ['label:save', { lesionId: 'L0', status: 'accepted', recist: { ...good, long: [{ x: 1e9, y: 1 }, good.long[1]] } }, /outside the 64×64 image/],
    ['label:save', { lesionId: 'nope', status: 'accepted', recist: good }, /unknown lesion id/],
    ['label:save', { lesionId: '../../etc/passwd', status: 'accepted', recist: good }, /lesionId/],
    ['label:save', { lesionId: 'L0', status: 'maybe', recist: good }, /status/],
    ['label:save', { lesionId: 'L0', status: 'accepted', recist: good, extra: 1 }, /extra|Unrecognized/i],
    ['label:save', { lesionId: 'L0', status: 'accepted', recist: good, box: { x1: 10, y1: 10, x2: 5, y2: 20 } }, /x1=10 must be < x2=5/],
    ['propose', { lesionId: 'L0', box: { x1: NaN, y1: 1, x2: 20, y2: 20 } }, /box.x1/],
    ['propose', { lesionId: 'L0', box: { x1: 100, y1: 100, x2: 120, y2: 120 } }, /does not overlap/],
    ['propose', { lesionId: 'L7', box: { x1: 1, y1: 1, x2: 20, y2: 20 } }, /unknown lesion id/],
    ['propose', [1, 2, 3], /expected object/],
    ['no:such:event', {}, /unknown event/],
  ];
  for (const [event, payload, re] of cases) {
    const r = await emit(c, event, payload);
    assert.ok('error' in r, `${event} ${JSON.stringify(payload)} → ${JSON.stringify(r)}`);
    assert.match(r.error, re, `${event} ${JSON.stringify(payload)}`);
  }
  // events without an ack, and huge messages, must not crash anything
  (c as any).emit('label:save', { lesionId: 'L0' });
  (c as any).emit('propose');
  assert.equal(fileText(), before, 'nothing was written');
  // still answers
  const wl = await emit(c, 'worklist:get');
  assert.equal(wl.data.items.length, 3);
  assert.equal((await http('/api/worklist', { token: alice })).status, 200);
});

test('socket: propose → save persists ORIGINAL and FINAL, acks, then broadcasts label:saved to the other reader only', async () => {
  const a = client({ name: 'alice', token: alice });
  const b = client({ token: bob });
  await Promise.all([connected(a), connected(b)]);
  const heardByB: LabelDto[] = [], heardByA: LabelDto[] = [];
  b.on('label:saved', (l) => heardByB.push(l));
  a.on('label:saved', (l) => heardByA.push(l));

  const p = await emit(a, 'propose', { lesionId: 'L1', box: { x1: 16, y1: 20, x2: 48, y2: 44 } });
  assert.ok('data' in p, JSON.stringify(p));
  assert.equal(p.data.modelVersion, 'fake-1');
  assert.equal(p.data.heatmaps.channels, 4);
  assert.equal(Buffer.from(p.data.heatmaps.data, 'base64').length, 4 * 64 * 64);
  assert.equal(p.data.heatmaps.toImage.length, 6);

  const saved = await emit(a, 'label:save', { lesionId: 'L1', status: 'accepted', recist: good, box: p.data.box });
  assert.ok('data' in saved, JSON.stringify(saved));
  assert.equal(saved.data.reader, 'alice');
  assert.equal(saved.data.modelVersion, 'fake-1');
  const onDisk = JSON.parse(fileText());
  const label = onDisk.labels.at(-1);
  assert.equal(label.reader, 'alice');
  assert.deepEqual(label.final, good);
  assert.deepEqual(label.original.recist, p.data.recist, 'ORIGINAL is the server-side proposal');
  assert.equal(label.original.source, 'server');

  await new Promise((r) => setTimeout(r, 200));
  assert.equal(heardByB.length, 1);
  assert.equal(heardByB[0].lesionId, 'L1');
  assert.equal(heardByA.length, 0, 'the sender is not told about its own save');
  const wl = await emit(b, 'worklist:get');
  assert.equal(wl.data.items.find((i: { lesionId: string }) => i.lesionId === 'L1').status, 'accepted');

  // skip without marks; broadcasts for model changes and ranking
  assert.ok('data' in await emit(b, 'label:save', { lesionId: 'L2', status: 'skipped' }));
  const ranked = new Promise((r) => a.once('worklist:ranked', r));
  app.broadcast.worklistRanked({ order: ['L2', 'L0', 'L1'] });
  assert.deepEqual(await ranked, { order: ['L2', 'L0', 'L1'] });
  assert.deepEqual((await emit(a, 'worklist:get')).data.items.map((i: { lesionId: string }) => i.lesionId), ['L2', 'L0', 'L1']);
  const changed = new Promise((r) => b.once('model:changed', r));
  app.broadcast.modelChanged(fakeMeasurer('fake-2'));
  assert.deepEqual(await changed, { modelVersion: 'fake-2' });
  assert.equal((await emit(a, 'propose', { lesionId: 'L0', box: { x1: 16, y1: 20, x2: 48, y2: 44 } })).data.modelVersion, 'fake-2');
});

test('packHeatmaps: a mask read-out proposal ships its pseudo-mask (1 channel) placed on the crop; others ship the 4 heatmaps', () => {
  const crop = { x0: 100.5, y0: 50.5, side: 40, size: 128 };
  const mask = new Float32Array(32 * 32);
  mask[5 * 32 + 7] = 0.8;
  const base = {
    recist: { long: [{ x: 110, y: 60 }, { x: 130, y: 60 }], short: [{ x: 120, y: 55 }, { x: 120, y: 65 }] }, entropy: 0.2,
    entropies: [0.1, 0.1, 0.1, 0.1] as [number, number, number, number], heatmaps: { width: 64, height: 64, channels: 4, data: new Float32Array(4 * 4096) },
    theta: { tx: 0, ty: 0, alpha: 0, s: 0.5 }, crop, modelVersion: 'v', backend: 'cpu', ms: 1,
  } as const;
  const packed = packHeatmaps({ ...base, readout: 'mask', mask: { width: 32, height: 32, channels: 1, data: mask } });
  assert.equal(packed.kind, 'mask');
  assert.equal(packed.channels, 1);
  const bytes = Buffer.from(packed.data, 'base64');
  assert.equal(bytes.length, 1024);
  assert.equal(bytes[5 * 32 + 7], 255);
  // mask pixel (7, 5) covers crop pixels around ((7 + 0.5)·4 − 0.5, (5 + 0.5)·4 − 0.5) = (29.5, 21.5)
  const at = applyAffine(packed.toImage, { x: 7, y: 5 });
  const want = fromCrop(crop, { x: 29.5, y: 21.5 });
  assert.ok(Math.hypot(at.x - want.x, at.y - want.y) < 1e-9, `${JSON.stringify(at)} vs ${JSON.stringify(want)}`);
  const heat = packHeatmaps({ ...base, readout: 'heatmaps' });
  assert.equal(heat.kind, 'heatmaps');
  assert.equal(heat.channels, 4);
});
