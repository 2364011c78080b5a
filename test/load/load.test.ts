/**
 * Load test: 50 simulated readers over socket.io against one server (a child process on 127.0.0.1, port 0: the demo
 * dataset, a temp labels folder, the shipped model when models/default exists, else the classical fallback) for
 * RECIST_LOAD_SECONDS (default 20; the benchmark runs 120). RECIST_LOAD_MODEL=untrained (what `npm run bench` uses when
 * models/default is missing) serves an untrained default-preset cascade instead of the classical fallback, so every
 * proposal costs a real network forward pass; RECIST_LOAD_MODEL=<folder> serves that model. Each reader loops: propose on a random demo lesion with a
 * jittered box → save a label (accepted with the proposal's marks, or skipped). Checks:
 *  - no lost and no duplicated labels: every acked save is in labels.json exactly once, and nothing else is;
 *  - no error acks, no timeouts;
 *  - server RSS bounded: growth from the end of the warm-up to the end < max(200 MiB, 50% of the warm RSS).
 * Prints p50/p95/max latencies, throughput and RSS; RECIST_LOAD_OUT=path also writes them as JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoDataset } from '../../src/server/datasets.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import type { Box } from '../../src/geometry/types.ts';
import { ask, connected, quantile, reader, startChildServer, type Client } from './harness.ts';
import { existsSync } from 'node:fs';

/** The model folder the server child gets (RECIST_MODEL), or null for the server's own default. */
async function modelFor(dir: string): Promise<{ env: Record<string, string>; what: string }> {
  const want = process.env.RECIST_LOAD_MODEL;
  if (!want) return { env: {}, what: 'server default: models/default when present, else the classical fallback' };
  if (want !== 'untrained') return { env: { RECIST_MODEL: want }, what: want };
  const shipped = join(import.meta.dirname, '..', '..', 'models', 'default');
  if (existsSync(join(shipped, 'card.json'))) return { env: { RECIST_MODEL: shipped }, what: 'models/default' };
  const { initBackend } = await import('../../src/model/backend/index.ts');
  const { buildCascade, disposeCascade } = await import('../../src/model/cascade.ts');
  const { saveCheckpoint } = await import('../../src/model/checkpoint.ts');
  const { resolveConfig } = await import('../../src/model/config.ts');
  await initBackend('cpu');
  const config = resolveConfig({ preset: 'default' });
  const c = buildCascade(config, { seed: 1 });
  const out = join(dir, 'untrained-model');
  await saveCheckpoint(c, {
    format: 'recist-cascade/1', version: 'untrained-default', preset: 'default', ablation: 'full', config, createdAt: new Date().toISOString(),
    backend: 'cpu', seed: 1, data: {}, training: {}, metrics: {}, parent: null, command: 'load test',
  }, out);
  disposeCascade(c);
  return { env: { RECIST_MODEL: out }, what: 'untrained default-preset cascade (models/default missing; same cost per proposal)' };
}

const READERS = Number(process.env.RECIST_LOAD_READERS ?? 50);
const SECONDS = Number(process.env.RECIST_LOAD_SECONDS ?? 20);
const ACK_TIMEOUT_MS = 60_000;

test(`load: ${READERS} readers for ${SECONDS} s — no lost or duplicated labels, p95 latency, bounded server RSS`, { timeout: (SECONDS + 150) * 1000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-load-'));
  const clients: Client[] = [];
  let server: Awaited<ReturnType<typeof startChildServer>> | null = null;
  try {
    const store = await LabelStore.open(dir);
    const tokens: [string, string][] = [];
    for (let i = 0; i < READERS; i++) {
      const name = `load-${String(i).padStart(2, '0')}`;
      tokens.push([name, (await store.addReader(name)).token]);
    }
    const lesions = demoDataset().lesions.map((l) => {
      const r = l.reference!;
      const xs = [r.long[0].x, r.long[1].x, r.short[0].x, r.short[1].x], ys = [r.long[0].y, r.long[1].y, r.short[0].y, r.short[1].y];
      return { id: l.id, cx: (Math.min(...xs) + Math.max(...xs)) / 2, cy: (Math.min(...ys) + Math.max(...ys)) / 2, half: Math.max(8, Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * 0.75 };
    });
    const model = await modelFor(dir);
    server = await startChildServer({ RECIST_LABELS: dir, ...model.env });
    const rss: { t: number; rss: number }[] = [{ t: 0, rss: await server.rss() }];
    for (const [name, token] of tokens) clients.push(reader(server.url, name, token));
    await Promise.all(clients.map(connected));

    const lat = { propose: [] as number[], save: [] as number[] };
    const acked = new Map<string, string>(); // label id → reader
    const errors: string[] = [];
    let proposals = 0;
    const t0 = Date.now();
    const deadline = t0 + SECONDS * 1000;
    const sampler = setInterval(() => { void server!.rss().then((v) => rss.push({ t: Date.now() - t0, rss: v })).catch(() => {}); }, 1000);
    let seed = 12345;
    const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

    const loop = async (c: Client, name: string): Promise<void> => {
      while (Date.now() < deadline) {
        const l = lesions[Math.floor(rand() * lesions.length)];
        const j = (): number => (rand() - 0.5) * l.half * 0.3;
        const box: Box = { x1: l.cx - l.half + j(), y1: l.cy - l.half + j(), x2: l.cx + l.half + j(), y2: l.cy + l.half + j() };
        let t = performance.now();
        const p = await ask(c, ACK_TIMEOUT_MS, 'propose', { lesionId: l.id, box }).catch((e: Error) => ({ error: `timeout/transport: ${e.message}` }));
        lat.propose.push(performance.now() - t);
        if ('error' in p) { errors.push(`${name} propose: ${p.error}`); continue; }
        proposals++;
        const skip = rand() < 0.1;
        t = performance.now();
        const s = await ask(c, ACK_TIMEOUT_MS, 'label:save', skip ? { lesionId: l.id, status: 'skipped', box } : { lesionId: l.id, status: 'accepted', recist: p.data.recist, box })
          .catch((e: Error) => ({ error: `timeout/transport: ${e.message}` }));
        lat.save.push(performance.now() - t);
        if ('error' in s) { errors.push(`${name} save: ${s.error}`); continue; }
        if (acked.has(s.data.id)) errors.push(`duplicate ack id ${s.data.id}`);
        acked.set(s.data.id, name);
      }
    };
    await Promise.all(clients.map((c, i) => loop(c, tokens[i][0])));
    const wall = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    rss.push({ t: Date.now() - t0, rss: await server.rss() });
    for (const c of clients) c.close();
    await server.close(); // flushes the store

    const onDisk = JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8')) as { labels: { id: string; reader: string }[] };
    const ids = onDisk.labels.map((l) => l.id);
    const dupes = ids.length - new Set(ids).size;
    const missing = [...acked.keys()].filter((id) => !ids.includes(id));
    const extra = onDisk.labels.filter((l) => !acked.has(l.id));
    const warm = rss.filter((s) => s.t >= SECONDS * 250)[0] ?? rss[0];
    const end = rss[rss.length - 1];
    const mib = (b: number): number => Math.round(b / 2 ** 20);
    const q = (xs: number[], p: number): number => Math.round(quantile(xs, p));
    const result = {
      readers: READERS, seconds: SECONDS, wallS: Math.round(wall * 10) / 10, proposals, saves: acked.size, labelsOnDisk: ids.length,
      duplicates: dupes, missing: missing.length, unacknowledgedOnDisk: extra.length, errors: errors.length, firstErrors: errors.slice(0, 5),
      proposeMs: { p50: q(lat.propose, 0.5), p95: q(lat.propose, 0.95), max: q(lat.propose, 1) },
      saveMs: { p50: q(lat.save, 0.5), p95: q(lat.save, 0.95), max: q(lat.save, 1) },
      proposalsPerS: Math.round((proposals / wall) * 10) / 10, savesPerS: Math.round((acked.size / wall) * 10) / 10,
      serverRssMiB: { start: mib(rss[0].rss), warm: mib(warm.rss), end: mib(end.rss), max: mib(Math.max(...rss.map((s) => s.rss))) },
      measurer: model.what,
    };
    console.log(`# load: ${JSON.stringify(result)}`);
    if (process.env.RECIST_LOAD_OUT) writeFileSync(process.env.RECIST_LOAD_OUT, JSON.stringify(result, null, 2) + '\n');

    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} error acks`);
    assert.ok(acked.size > 0, 'no label was saved');
    assert.equal(dupes, 0, 'duplicated label ids in the store');
    assert.deepEqual(missing, [], 'acked labels missing from the store');
    assert.equal(extra.length, 0, 'labels in the store that were never acked');
    assert.equal(ids.length, acked.size);
    const growth = end.rss - warm.rss;
    assert.ok(growth < Math.max(200 * 2 ** 20, warm.rss * 0.5), `server RSS grew ${mib(growth)} MiB after warm-up (${mib(warm.rss)} → ${mib(end.rss)} MiB)`);
  } finally {
    for (const c of clients) c.close();
    await server?.kill9();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
