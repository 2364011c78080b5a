/**
 * Security basics of the labeling server, beyond test/server/app.test.ts: every API route needs a valid reader token
 * (header or cookie, never the query string; a rotated token stops working); cross-origin HTTP and socket.io
 * handshakes are refused and no CORS header is ever sent; CSP and the other security headers are on every response
 * (API, UI, 404, errors); socket messages above the size limit drop only that client; path escapes on the UI and
 * slice routes; tokens are stored hashed and never exported; fine-tune admin actions are limited to the configured
 * admins.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { createApplication, CONTENT_SECURITY_POLICY, type Application } from '../../src/server/app.ts';
import { createFineTuneService } from '../../src/server/finetune/index.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import type { UiAsset } from '../../src/server/ui-bundle.ts';
import { fakeMeasurer, tinyDataset } from '../server/fixtures.ts';
import { ask, connected, reader } from '../load/harness.ts';

let dir: string, url: string, app: Application, store: LabelStore, alice: string, bob: string;
let service: ReturnType<typeof createFineTuneService>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recist-sec-'));
  store = await LabelStore.open(dir);
  alice = (await store.addReader('alice')).token;
  bob = (await store.addReader('bob')).token;
  const dataset = tinyDataset();
  service = createFineTuneService({
    store, dataset, labelsDir: join(dir, 'ft'), baseModelDir: join(dir, 'no-model'),
    config: { every: 0, pollMs: 3_600_000, admins: ['alice'] }, log: () => {},
  });
  const ui = new Map<string, UiAsset>([['/', { type: 'text/html', body: Buffer.from('<!doctype html><title>ui</title>') } as UiAsset], ['/app.js', { type: 'text/javascript', body: Buffer.from('1') } as UiAsset]]);
  app = createApplication({ dataset, measurer: fakeMeasurer(), store, fineTune: service, config: { ui, log: () => {} } });
  url = await app.listen(0);
});
after(async () => {
  await service?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const body = opts.body;
    const req = request({
      host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', agent: false,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...opts.headers },
    }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: r.headers }));
    });
    req.on('error', rej);
    req.end(body);
  });
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

const PROTECTED: [string, string][] = [
  ['GET', '/api/me'], ['GET', '/api/worklist'], ['GET', '/api/slices/s0.png'], ['GET', '/api/labels/export.csv'], ['GET', '/api/labels/export.json'],
  ['GET', '/api/finetune/status'], ['GET', '/api/finetune/versions'], ['GET', '/api/finetune/readers'], ['POST', '/api/finetune/start'], ['POST', '/api/finetune/rollback'],
];

test('every protected route: 401 without a token, with a wrong one, with a token in the query string, or a rotated one', async () => {
  const carol = (await store.addReader('carol')).token;
  for (const [method, path] of PROTECTED) {
    for (const [what, headers, p] of [
      ['no token', {}, path], ['wrong token', bearer('x'.repeat(32)), path], ['huge token', bearer('x'.repeat(100_000)), path],
      ['basic auth', { authorization: `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}` }, path],
      ['token in query', {}, `${path}?token=${alice}`], ['cookie with a wrong token', { cookie: 'recist_token=nope-nope-nope' }, path],
    ] as [string, Record<string, string>, string][]) {
      const r = await http(p, { method, headers, body: method === 'POST' ? '{}' : undefined });
      assert.ok(r.status === 401 || (what === 'huge token' && r.status === 431), `${method} ${path} with ${what} → ${r.status}`);
    }
  }
  assert.equal((await http('/api/me', { headers: bearer(carol) })).status, 200);
  await store.rotateToken('carol');
  assert.equal((await http('/api/me', { headers: bearer(carol) })).status, 401, 'a rotated token stops working');
});

test('fine-tune admin actions: only configured admins; others 403; cross-origin POSTs refused', async () => {
  for (const path of ['/api/finetune/start', '/api/finetune/rollback']) {
    const r = await http(path, { method: 'POST', headers: bearer(bob), body: '{}' });
    assert.equal(r.status, 403, `${path} as a non-admin → ${r.status} ${r.body}`);
    assert.match(JSON.parse(r.body).error, /only admins/);
    const cross = await http(path, { method: 'POST', headers: { ...bearer(alice), origin: 'http://evil.example' }, body: '{}' });
    assert.equal(cross.status, 403, `${path} cross-origin → ${cross.status}`);
  }
  // alice is an admin: the request gets past the admin check (409: nothing to fine-tune / nothing to roll back)
  const r = await http('/api/finetune/start', { method: 'POST', headers: bearer(alice), body: '{}' });
  assert.notEqual(r.status, 403, r.body);
  assert.ok(r.status < 500, `admin start → ${r.status} ${r.body}`);
});

test('CSP and security headers on every kind of response; never a CORS header; no x-powered-by', async () => {
  const cases: [string, Record<string, string>][] = [
    ['/', {}], ['/app.js', {}], ['/nope', {}], ['/api/nope', bearer(alice)], ['/api/worklist', bearer(alice)], ['/api/worklist', {}],
    ['/api/slices/s0.png', bearer(alice)], ['/api/worklist', { ...bearer(alice), origin: url }], ['/api/worklist', { ...bearer(alice), origin: 'http://evil.example' }],
  ];
  for (const [path, headers] of cases) {
    const r = await http(path, { headers });
    const where = `${path} ${JSON.stringify(Object.keys(headers))} → ${r.status}`;
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, where);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*object-src 'none'.*frame-ancestors 'none'/, where);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', where);
    assert.equal(r.headers['x-frame-options'], 'DENY', where);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', where);
    assert.equal(r.headers['access-control-allow-origin'], undefined, where);
    assert.equal(r.headers['x-powered-by'], undefined, where);
  }
  // a malformed JSON body goes through the error handler: still headers, a JSON error, no stack trace
  const bad = await http('/api/session', { method: 'POST', body: '{"name": ' });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.doesNotMatch(bad.body, /at .*\.(js|ts):\d+/, 'no stack trace in error bodies');
  // CORS preflight is not answered with permission
  const pre = await http('/api/worklist', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  assert.ok(pre.status === 403 || pre.status === 404, `preflight → ${pre.status}`);
});

test('socket.io: cross-origin handshake refused; oversized message drops only that client; wrong name for a token refused', async () => {
  const evil = connect(url, { transports: ['websocket'], extraHeaders: { origin: 'http://evil.example' }, auth: { name: 'alice', token: alice }, reconnection: false, forceNew: true });
  await assert.rejects(connected(evil), 'cross-origin websocket must be refused');
  evil.close();
  const evilPolling = connect(url, { transports: ['polling'], extraHeaders: { origin: 'http://evil.example' }, auth: { name: 'alice', token: alice }, reconnection: false, forceNew: true });
  await assert.rejects(connected(evilPolling), 'cross-origin polling must be refused');
  evilPolling.close();
  const impostor = reader(url, 'bob', alice);
  await assert.rejects(connected(impostor), /invalid reader token/);
  impostor.close();

  const a = reader(url, 'alice', alice), b = reader(url, 'bob', bob);
  await Promise.all([connected(a), connected(b)]);
  const dropped = new Promise<string>((res) => a.once('disconnect', (reason) => res(String(reason))));
  a.emit('label:save' as any, { lesionId: 'L0', status: 'skipped', junk: 'x'.repeat(200_000) } as any);
  const reason = await dropped;
  assert.match(reason, /transport close|transport error|io server disconnect/, reason);
  const wl = await ask(b, 5000, 'worklist:get');
  assert.equal(wl.data.items.length, 3, 'the other reader is unaffected');
  b.close();
  a.close();
});

test('path escapes on the UI and slice routes; tokens stored only as hashes and never exported', async () => {
  const paths = ['/../package.json', '/app.js/../../package.json', '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/..%5c..%5cpackage.json',
    '/app.js%00.png', '/%252e%252e/package.json', '/api/slices/..%252f..%252fpackage.json.png', '/api/slices/%c0%ae%c0%ae%2fpackage.json.png',
    '/api/slices/s0.png%00../../etc/passwd', '//etc/passwd', '/api/slices/' + '..%2f'.repeat(20) + 'etc%2fpasswd.png'];
  for (const p of paths) {
    const r = await http(p, { headers: bearer(alice) });
    assert.ok([400, 401, 404].includes(r.status), `${p} → ${r.status}`);
    assert.doesNotMatch(r.body, /"dependencies"|root:x:0:0/, `${p} leaked a file`);
  }
  // the socket's lesion id never reaches the file system (schema + lookup)
  const c = reader(url, 'alice', alice);
  await connected(c);
  for (const id of ['../../package.json', '..\\..\\x', '%2e%2e%2f', 'L0/../L1', 'L0\u0000']) {
    const r = await ask(c, 5000, 'propose', { lesionId: id, box: { x1: 1, y1: 1, x2: 20, y2: 20 } });
    assert.ok('error' in r, `${id} → ${JSON.stringify(r).slice(0, 100)}`);
  }
  assert.ok('data' in (await ask(c, 5000, 'label:save', { lesionId: 'L0', status: 'skipped' })));
  c.close();
  await store.flush();
  const file = readFileSync(join(dir, LABELS_FILE), 'utf8');
  for (const t of [alice, bob]) assert.ok(!file.includes(t), 'a raw token is in labels.json');
  assert.match(file, /"tokenHash": ?"[0-9a-f]{64}"/);
  for (const p of ['/api/labels/export.json', '/api/labels/export.csv']) {
    const r = await http(p, { headers: bearer(alice) });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.body, /tokenHash|[0-9a-f]{64}/, `${p} exports token hashes`);
    for (const t of [alice, bob]) assert.ok(!r.body.includes(t));
  }
});
