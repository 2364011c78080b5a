/**
 * Fuzz the server's trust boundary: the zod schemas (src/server/schemas.ts) on arbitrary values and on mutated valid
 * payloads; the socket.io events with those payloads against a live server (every ack is `{ error: string }` or
 * `{ data }`, the store only ever holds what was acked, the server keeps answering); the HTTP routes with random
 * methods, paths, queries, headers and bodies (never a 5xx, errors are JSON `{ error }`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createApplication, type Application } from '../../src/server/app.ts';
import { authSchema, labelSaveSchema, proposeSchema, storeFileSchema } from '../../src/server/schemas.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import { fakeMeasurer, tinyDataset } from '../server/fixtures.ts';
import { ask, connected, reader, type Client } from '../load/harness.ts';
import { Counter } from './fuzz-util.ts';

const counter = new Counter();
let dir: string, url: string, app: Application, store: LabelStore, token: string, client: Client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recist-fuzz-srv-'));
  store = await LabelStore.open(dir);
  token = (await store.addReader('fuzz')).token;
  app = createApplication({ dataset: tinyDataset(), measurer: fakeMeasurer(), store, config: { log: () => {} } });
  url = await app.listen(0);
  client = reader(url, 'fuzz', token);
  await connected(client);
});
after(async () => {
  client?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
  counter.print('server');
});

const good = { long: [{ x: 20, y: 30 }, { x: 44, y: 30 }], short: [{ x: 32, y: 24 }, { x: 32, y: 36 }] };
const validPayloads: Record<string, unknown> = {
  auth: { name: 'fuzz', token: 'x'.repeat(20) },
  propose: { lesionId: 'L0', box: { x1: 16, y1: 20, x2: 48, y2: 44 } },
  'label:save': { lesionId: 'L1', status: 'accepted', recist: good, box: { x1: 16, y1: 20, x2: 48, y2: 44 }, proposal: { recist: good, entropy: 0.2, modelVersion: 'm' } },
};
const oddValue = fc.oneof(
  fc.anything({ maxDepth: 3 }), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, '', '../../etc/passwd', '__proto__', null, undefined, [], {}),
  fc.double(), fc.string({ maxLength: 300 }),
);

/** Replace, delete or add a value at a random path of a valid payload. */
function mutate(base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, p: string[]): void => {
    paths.push(p);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths), oddValue, fc.constantFrom('set', 'delete', 'add')).map(([path, v, op]) => {
    if (path.length === 0) return v;
    const copy = structuredClone(base) as Record<string, unknown>;
    let o: Record<string, unknown> = copy;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = path[path.length - 1];
    if (op === 'delete') delete o[last];
    else if (op === 'add') o[`${last}_extra`] = v;
    else o[last] = v;
    return copy;
  });
}

function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v && typeof v === 'object') return Object.values(v).every(allFinite);
  return true;
}

test('schemas: arbitrary and mutated payloads never throw; what they accept has only finite numbers', { timeout: 60_000 }, () => {
  const schemas = { auth: authSchema, propose: proposeSchema, 'label:save': labelSaveSchema } as const;
  for (const [name, schema] of Object.entries(schemas)) {
    fc.assert(fc.property(fc.oneof(oddValue, mutate(validPayloads[name])), (v) => {
      counter.add(`schema ${name}`);
      const r = schema.safeParse(v);
      if (r.success) assert.ok(allFinite(r.data), `${name} accepted a non-finite number: ${JSON.stringify(r.data)}`);
      else assert.ok(r.error.issues.length > 0);
    }), { numRuns: 2000, seed: 1 });
  }
  const file = { schemaVersion: 1, readers: [{ name: 'a', tokenHash: 'a'.repeat(64), created: 'now' }], labels: [] };
  fc.assert(fc.property(fc.oneof(oddValue, mutate(file)), (v) => {
    counter.add('schema store file');
    const r = storeFileSchema.safeParse(v);
    if (r.success) assert.ok(allFinite(r.data));
  }), { numRuns: 1000, seed: 2 });
});

test('socket.io events: random and mutated payloads → an { error } or { data } ack; only acked labels are stored; server answers', { timeout: 60_000 }, async () => {
  const stored = new Set<string>();
  const event = fc.constantFrom('auth', 'propose', 'label:save', 'worklist:get', 'no:such', 'label:save', 'propose');
  await fc.assert(fc.asyncProperty(event, fc.boolean(), fc.oneof(oddValue, mutate(validPayloads.propose), mutate(validPayloads['label:save']), mutate(validPayloads.auth)), async (ev, withPayload, payload) => {
    counter.add('socket event');
    const r = await (withPayload ? ask(client, 5000, ev, payload) : ask(client, 5000, ev));
    assert.ok(r && typeof r === 'object', `${ev}: ack ${JSON.stringify(r)}`);
    if ('error' in r) {
      assert.equal(typeof r.error, 'string');
      assert.ok(r.error.length > 0 && r.error.length < 2000, `${ev}: error message length ${r.error.length}`);
      assert.doesNotMatch(r.error, /TypeError|Cannot read propert|undefined is not/, `${ev}: internal error leaked: ${r.error}`);
    } else {
      assert.ok('data' in r, `${ev}: ack without data or error: ${JSON.stringify(r)}`);
      if (ev === 'label:save') stored.add(r.data.id);
      // a failed re-auth (auth with a wrong token) must not sign the socket out; re-sign-in if a fuzz auth succeeded
    }
  }), { numRuns: 1500, seed: 3 });
  // fire-and-forget emits (no ack) must not crash anything
  for (let i = 0; i < 200; i++) (client as any).emit(['propose', 'label:save', 'auth', 'x'][i % 4], i % 2 ? { lesionId: 'L0' } : 'junk');
  counter.add('socket emit without ack', 200);
  const wl = await ask(client, 5000, 'worklist:get');
  assert.equal(wl.data.items.length, 3, 'server still answers');
  await store.flush();
  const onDisk = JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8')) as { labels: { id: string }[] };
  assert.deepEqual(new Set(onDisk.labels.map((l) => l.id)), stored, 'the store holds exactly the acked labels');
  assert.ok((await LabelStore.open(dir)).labels().length === stored.size, 'the store file still validates');
});

function http(path: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const len = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { ...headers, ...len }, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(r.headers['content-type'] ?? '') }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

test('HTTP routes: random methods, paths, queries, headers and bodies → never a 5xx, errors as JSON', { timeout: 60_000 }, async () => {
  const seg = fc.oneof(fc.constantFrom('api', 'session', 'me', 'worklist', 'slices', 's0.png', 'labels', 'export.csv', 'export.json', 'finetune', '..', '%2e%2e', '%2F', '%00', '%', '%zz', 'L0', ''), fc.string({ maxLength: 12 }).map(encodeURIComponent));
  const path = fc.tuple(fc.array(seg, { minLength: 1, maxLength: 5 }), fc.option(fc.string({ maxLength: 40 }))).map(([s, q]) => `/${s.join('/')}${q === null ? '' : `?${q.replace(/[#\s]/g, '')}`}`);
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
  const body = fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constant('{"name": "fuzz", "token": '), fc.constant(JSON.stringify({ name: 'fuzz', token }))));
  const headers = fc.record({
    auth: fc.constantFrom('none', 'good', 'bad', 'weird'), ctype: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', ''),
    origin: fc.constantFrom(undefined, 'http://evil.example', 'null', 'not a url'), cookie: fc.option(fc.string({ maxLength: 60 })),
  });
  await fc.assert(fc.asyncProperty(method, path, headers, body, async (m, p, h, b) => {
    counter.add('http request');
    const hdr: Record<string, string> = {};
    if (h.auth === 'good') hdr.authorization = `Bearer ${token}`;
    if (h.auth === 'bad') hdr.authorization = 'Bearer nope-nope-nope';
    if (h.auth === 'weird') hdr.authorization = 'Basic Zm9vOmJhcg==';
    if (h.ctype) hdr['content-type'] = h.ctype;
    if (h.origin) hdr.origin = h.origin;
    if (h.cookie) hdr.cookie = h.cookie.replace(/[^\x20-\x7e]/g, '');
    const r = await http(p, m, hdr, b === null || m === 'GET' || m === 'HEAD' ? undefined : b);
    assert.ok(r.status >= 200 && r.status < 500, `${m} ${p} → ${r.status} ${r.body.slice(0, 200)}`);
    if (r.status >= 400 && m !== 'HEAD' && r.body) {
      assert.match(r.type, /application\/json/, `${m} ${p} → ${r.status} not JSON`);
      assert.equal(typeof JSON.parse(r.body).error, 'string');
    }
  }), { numRuns: 1500, seed: 4 });
  assert.equal((await http('/api/worklist', 'GET', { authorization: `Bearer ${token}` })).status, 200);
});
