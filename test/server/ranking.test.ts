/**
 * Worklist ranking on the server: scores come from a stubbed measurer whose entropy is a known function of the lesion
 * and the model version. `worklist:get` orders unlabeled lesions by descending entropy (labeled ones after them, not
 * ranked; a lesion with no box to score on last), two readers asking at the same time are handed different lesions,
 * and the ranking is recomputed with the new model after `model:changed`. Also: per-reader calibration of proposals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { createApplication, type Application } from '../../src/server/app.ts';
import type { ClientToServerEvents, LabelDto, ProposalDto, ServerToClientEvents, Worklist, WorklistRanked } from '../../src/server/events.ts';
import { LabelStore } from '../../src/server/store.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import type { Recist } from '../../src/geometry/types.ts';
import { entropyOf, fakeMeasurer, rankDataset as dataset, stubEntropyMeasurer as stubMeasurer } from './fixtures.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const connected = (c: Client): Promise<void> => new Promise((res, rej) => { c.once('connect', () => res()); c.once('connect_error', rej); });
const ask = <T>(c: Client, event: string, ...args: unknown[]): Promise<T> =>
  (c as unknown as { timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<{ data?: T; error?: string }> } })
    .timeout(10000).emitWithAck(event, ...args).then((r) => { if (r.error !== undefined) throw new Error(r.error); return r.data as T; });
const next = <E extends keyof ServerToClientEvents>(c: Client, event: E, pred: (p: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true, ms = 20000) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no ${event} within ${ms} ms`)), ms);
    const on = ((p: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!pred(p)) return;
      clearTimeout(t);
      c.off(event, on as never);
      res(p);
    }) as never;
    c.on(event, on);
  });
const todoIds = (wl: Worklist): string[] => wl.items.filter((i) => i.status === 'todo').map((i) => i.lesionId);
type Pt = { x: number; y: number };
const plain = (r: Recist): { long: [Pt, Pt]; short: [Pt, Pt] } => ({ long: [{ ...r.long[0] }, { ...r.long[1] }], short: [{ ...r.short[0] }, { ...r.short[1] }] });

test('worklist ranked by entropy: labeled excluded, unscorable last, simultaneous readers get different lesions, re-ranked after model:changed', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rank-'));
  const clients: Client[] = [];
  let app: Application | null = null;
  try {
    const ds = dataset();
    const store = await LabelStore.open(dir);
    const tokens = { alice: (await store.addReader('alice')).token, bob: (await store.addReader('bob')).token };
    // L5 (the most uncertain under v1) is already labeled: it must not be ranked
    await store.addLabel({
      lesionId: 'L5', dataset: ds.id, reader: 'bob', modelVersion: 'v1', original: null, final: plain(ds.lesion('L5')!.reference!),
      box: null, status: 'accepted', spacing: null,
    });
    const m1 = stubMeasurer('v1');
    app = createApplication({
      dataset: ds, measurer: m1, store, config: { log: () => {}, activeLearning: { strategy: 'entropy', k: 10, batchSize: 2, scoreOnStart: false } },
    });
    const url = await app.listen(0);
    const client = (name: 'alice' | 'bob'): Client => {
      const c: Client = connect(url, { transports: ['websocket'], auth: { name, token: tokens[name] }, reconnection: false, forceNew: true });
      clients.push(c);
      return c;
    };
    const alice = client('alice'), bob = client('bob');
    await Promise.all([connected(alice), connected(bob)]);

    const ranked1 = next(alice, 'worklist:ranked', (r) => r.modelVersion === 'v1');
    const ranked1b = next(bob, 'worklist:ranked', (r) => r.modelVersion === 'v1');
    await app.ranker!.rescore();
    const r1: WorklistRanked = await ranked1;
    await ranked1b; // both readers hear it
    assert.deepEqual(r1.order, ['L4', 'L3', 'L2', 'L1', 'L0', 'L6'], 'descending v1 entropy; L5 labeled; L6 unscored last');
    assert.equal(r1.strategy, 'entropy');
    assert.deepEqual(r1.scored, { done: 5, total: 5 });
    assert.equal(r1.scores?.L6, undefined);
    // scored on the reference mark's simulated rough box (roughBoxFor, seed 0)
    const l2 = ds.lesion('L2')!;
    assert.deepEqual(m1.boxes.get('L2'), roughBoxFor(l2.reference!, 'L2', 0, l2.width, l2.height));
    assert.ok(!m1.boxes.has('L5'), 'labeled lesions are not scored');

    // one reader: descending entropy, the labeled lesion after the ranked ones
    const wl = await ask<Worklist>(alice, 'worklist:get');
    assert.equal(wl.strategy, 'entropy');
    assert.deepEqual(todoIds(wl), ['L4', 'L3', 'L2', 'L1', 'L0', 'L6']);
    assert.deepEqual(wl.items.map((i) => i.lesionId), ['L4', 'L3', 'L2', 'L1', 'L0', 'L6', 'L5']);
    assert.equal(wl.items.at(-1)!.status, 'accepted');
    const byId = new Map(wl.items.map((i) => [i.lesionId, i]));
    assert.ok(Math.abs(byId.get('L4')!.score! - entropyOf('v1', 4)) < 1e-9);
    assert.equal(byId.get('L6')!.score, null);

    // two readers at the same time: different first lesions (alice was just handed L4)
    const [wa, wb] = await Promise.all([ask<Worklist>(alice, 'worklist:get'), ask<Worklist>(bob, 'worklist:get')]);
    const firsts = [todoIds(wa)[0], todoIds(wb)[0]];
    assert.notEqual(firsts[0], firsts[1], `both readers were handed ${firsts[0]}`);
    assert.ok(!firsts.includes('L4'), 'L4 was handed out last time');
    // the HTTP worklist is ranked the same way
    const http = await (await fetch(`${url}/api/worklist`, { headers: { Authorization: `Bearer ${tokens.alice}` } })).json() as { data: Worklist };
    assert.deepEqual(new Set(todoIds(http.data)), new Set(['L0', 'L1', 'L2', 'L3', 'L4', 'L6']));
    assert.equal(todoIds(http.data).at(-1), 'L6');

    // a new model: scores are per version, so everything is scored again and the order follows v2
    const m2 = stubMeasurer('v2');
    const changed = next(bob, 'model:changed');
    const ranked2 = next(alice, 'worklist:ranked', (r) => r.modelVersion === 'v2' && r.scored?.done === r.scored?.total);
    app.broadcast.modelChanged(m2);
    assert.equal((await changed).modelVersion, 'v2');
    const r2 = await ranked2;
    assert.deepEqual(r2.order, ['L0', 'L1', 'L2', 'L3', 'L4', 'L6'], 'descending v2 entropy');
    assert.equal(m2.boxes.size, 5, 're-scored under v2');
    const wl2 = await ask<Worklist>(alice, 'worklist:get');
    assert.equal(wl2.modelVersion, 'v2');
    assert.ok(Math.abs(wl2.items.find((i) => i.lesionId === 'L0')!.score! - entropyOf('v2', 0)) < 1e-9);
    assert.equal(todoIds(wl2).at(-1), 'L6');

    // a saved label leaves the ranking
    const saved = await ask<LabelDto>(alice, 'label:save', { lesionId: 'L0', status: 'skipped' });
    assert.equal(saved.lesionId, 'L0');
    assert.ok(!app.ranker!.ranked().order.includes('L0'));
  } finally {
    for (const c of clients) c.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('strategy first/random: no scoring; first = dataset order minus labeled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rank2-'));
  const ds = dataset();
  const store = await LabelStore.open(dir);
  const m = stubMeasurer('v1');
  const app = createApplication({ dataset: ds, measurer: m, store, config: { log: () => {}, activeLearning: { strategy: 'first', scoreOnStart: false } } });
  try {
    await app.ranker!.rescore();
    assert.equal(m.boxes.size, 0, 'first needs no scores');
    assert.deepEqual(app.ranker!.ranked().order, ds.lesions.map((l) => l.id));
    assert.throws(() => createApplication({ dataset: ds, measurer: m, store, config: { activeLearning: { strategy: 'nope' } } }), /unknown active-learning strategy/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('strategy entropy-px: the server scores entropy × the proposal\'s long-axis length (slice px) and ranks by it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rank-px-'));
  const ds = dataset();
  const store = await LabelStore.open(dir);
  const m = stubMeasurer('v1');
  const app = createApplication({ dataset: ds, measurer: m, store, config: { log: () => {}, activeLearning: { strategy: 'entropy-px', k: 10, batchSize: 2, scoreOnStart: false } } });
  try {
    await app.ranker!.rescore();
    const r = app.ranker!.ranked();
    assert.equal(r.strategy, 'entropy-px');
    assert.ok(m.boxes.size >= 2, 'scored through the measurer');
    for (const [id, box] of m.boxes) {
      // the stub proposes a long axis of 2/3 the box width
      const want = entropyOf('v1', Number(id.slice(1))) * (2 / 3) * (box.x2 - box.x1);
      assert.ok(Math.abs(r.scores![id] - want) < 1e-9, `${id}: ${r.scores![id]} vs ${want}`);
    }
    const scored = r.order.filter((id) => r.scores![id] !== undefined);
    for (let i = 1; i < scored.length; i++) assert.ok(r.scores![scored[i - 1]] >= r.scores![scored[i]], 'highest first');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('strategy tta: test-time-augmentation spread through the measurer (flipped/transposed slices), every scoreable lesion scored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-rank3-'));
  const ds = dataset();
  const store = await LabelStore.open(dir);
  const app = createApplication({ dataset: ds, measurer: fakeMeasurer('v1'), store, config: { log: () => {}, activeLearning: { strategy: 'tta', scoreOnStart: false } } });
  try {
    await app.ranker!.rescore();
    const r = app.ranker!.ranked();
    assert.deepEqual(r.scored, { done: 6, total: 6 });
    assert.deepEqual(new Set(r.order), new Set(ds.lesions.map((l) => l.id)));
    assert.equal(r.order.at(-1), 'L6');
    for (const id of r.order.slice(0, 6)) assert.ok(Number.isFinite(r.scores?.[id]) && r.scores![id] >= 0, `${id}: ${r.scores?.[id]}`);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('reader calibration: the reader sees calibrated marks, the store keeps the raw proposal with calibrated: true', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-cal-'));
  const clients: Client[] = [];
  const ds = dataset();
  const store = await LabelStore.open(dir);
  const tokens = { alice: (await store.addReader('alice')).token, bob: (await store.addReader('bob')).token };
  const m = fakeMeasurer('v1');
  // alice's history: she always draws 1.3× longer than the model's proposals (5 pairs)
  const scaled = (r: Recist, k: number): Recist => {
    const cx = (r.long[0].x + r.long[1].x) / 2, cy = (r.long[0].y + r.long[1].y) / 2;
    const f = (p: { x: number; y: number }) => ({ x: cx + k * (p.x - cx), y: cy + k * (p.y - cy) });
    return { long: [f(r.long[0]), f(r.long[1])], short: [f(r.short[0]), f(r.short[1])] };
  };
  for (let i = 0; i < 5; i++) {
    const l = ds.lesions[i];
    const p = await m.measure(ds.slice(l.sliceRef), { x1: 20, y1: 25, x2: 60, y2: 55 });
    await store.addLabel({
      lesionId: l.id, dataset: ds.id, reader: 'alice', modelVersion: 'v1', status: 'accepted', spacing: null, box: null,
      original: { recist: plain(p.recist), entropy: p.entropy, entropies: p.entropies ? [...p.entropies] : null, modelVersion: 'v1', source: 'server' },
      final: plain(scaled(p.recist, 1.3)),
    });
  }
  const app = createApplication({ dataset: ds, measurer: m, store, config: { log: () => {}, readerCalibration: true } });
  try {
    const url = await app.listen(0);
    const client = (name: 'alice' | 'bob'): Client => {
      const c: Client = connect(url, { transports: ['websocket'], auth: { name, token: tokens[name] }, reconnection: false, forceNew: true });
      clients.push(c);
      return c;
    };
    const alice = client('alice'), bob = client('bob');
    await Promise.all([connected(alice), connected(bob)]);
    const box = { x1: 30, y1: 30, x2: 60, y2: 50 };
    const pa = await ask<ProposalDto>(alice, 'propose', { lesionId: 'L6', box });
    assert.ok(pa.calibration, 'alice gets a calibrated proposal');
    assert.ok(pa.calibration.longScale > 1.1 && pa.calibration.longScale < 1.3, `shrunk toward 1: ${pa.calibration.longScale}`);
    const len = (r: Recist) => Math.hypot(r.long[1].x - r.long[0].x, r.long[1].y - r.long[0].y);
    assert.ok(Math.abs(len(pa.recist) / len(pa.calibration.raw) - pa.calibration.longScale) < 1e-6);
    const pb = await ask<ProposalDto>(bob, 'propose', { lesionId: 'L6', box });
    assert.equal(pb.calibration, undefined, 'bob has no history: the raw proposal');
    assert.deepEqual(pb.recist, pa.calibration.raw);

    const la = await ask<LabelDto>(alice, 'label:save', { lesionId: 'L6', status: 'accepted', recist: pa.recist });
    assert.deepEqual(la.original?.recist, pa.calibration.raw, 'ORIGINAL = the raw model output');
    assert.equal(la.original?.calibrated, true);
    const lb = await ask<LabelDto>(bob, 'label:save', { lesionId: 'L6', status: 'accepted', recist: pb.recist });
    assert.equal(lb.original?.calibrated, false);
    const stored = store.labels().filter((l) => l.lesionId === 'L6');
    assert.deepEqual(stored.map((l) => [l.reader, l.original?.calibrated]), [['alice', true], ['bob', false]]);
  } finally {
    for (const c of clients) c.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
