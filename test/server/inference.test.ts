/**
 * Inference off the event loop: the fair proposal queue (round-robin across readers, superseded boxes, bounded with
 * busy answers, rate limit) and the worker-thread pool (a promoted version reaches every worker; a killed worker is
 * replaced and its caller gets an error; tfjs never starts on the main thread).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FairQueue, RateLimiter, RequestRefused } from '../../src/server/inference/fair-queue.ts';
import { createInferencePool } from '../../src/server/inference/pool.ts';
import { ellipseLesion } from '../model/finetune-fixtures.ts';

/** A queue with one slot whose jobs finish when the test says so; records the order jobs started in. */
function manualQueue(perLane = 4, maxQueued = 64) {
  const started: string[] = [];
  const finish: (() => void)[] = [];
  const q = new FairQueue({ concurrency: () => 1, perLane, maxQueued });
  const job = (lane: string, key: string | null, name: string) => q.submit(lane, key, () => new Promise<string>((res) => {
    started.push(name);
    finish.push(() => res(name));
  }));
  const step = async (): Promise<void> => { finish.shift()!(); await new Promise((r) => setImmediate(r)); };
  return { q, job, started, step };
}

test('fair queue: readers are served round-robin, not in arrival order', async () => {
  const { job, started, step } = manualQueue(8);
  const all = [job('alice', null, 'a0')]; // runs at once
  for (let i = 1; i <= 4; i++) all.push(job('alice', null, `a${i}`)); // alice floods the queue first
  all.push(job('bob', null, 'b1'), job('bob', null, 'b2'), job('carol', null, 'c1'));
  for (let i = 0; i < 8; i++) await step();
  await Promise.all(all);
  assert.deepEqual(started, ['a0', 'a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
});

test('fair queue: a newer box for the same lesion supersedes the queued one; other lesions and readers are kept', async () => {
  const { q, job, started, step } = manualQueue();
  const running = job('alice', 'L1', 'first');
  const old = job('alice', 'L1', 'old');
  const other = job('alice', 'L2', 'other lesion');
  const bobs = job('bob', 'L1', 'bob same lesion');
  const newer = job('alice', 'L1', 'newer');
  await assert.rejects(old, (e: unknown) => e instanceof RequestRefused && e.code === 'superseded' && /L1/.test(e.message));
  for (let i = 0; i < 4; i++) await step();
  assert.deepEqual(await Promise.all([running, other, bobs, newer]), ['first', 'other lesion', 'bob same lesion', 'newer']);
  assert.deepEqual(started, ['first', 'newer', 'bob same lesion', 'other lesion'], 'the newer box took the old one\'s place in alice\'s queue');
  assert.equal(q.stats().superseded, 1);
});

test('fair queue: a full lane or a full queue answers busy at once, with a retry hint', async () => {
  const { q, job, step } = manualQueue(2, 3);
  const kept = [job('alice', null, 'run'), job('alice', null, 'q1'), job('alice', null, 'q2')];
  const t0 = performance.now();
  await assert.rejects(job('alice', null, 'q3'), (e: unknown) => e instanceof RequestRefused && e.code === 'busy' && (e.retryAfterMs ?? 0) > 0 && /2 requests from alice/.test(e.message));
  assert.ok(performance.now() - t0 < 50, 'refused at once, not after a timeout');
  kept.push(job('bob', null, 'b1'));
  await assert.rejects(job('carol', null, 'c1'), (e: unknown) => e instanceof RequestRefused && e.code === 'busy' && /3 requests are waiting/.test(e.message));
  for (let i = 0; i < 4; i++) await step();
  assert.deepEqual(await Promise.all(kept), ['run', 'q1', 'q2', 'b1']);
  assert.equal(q.stats().busy, 2);
  assert.equal(q.stats().queued, 0);
});

test('fair queue: a job that throws fails alone; the next one runs', async () => {
  const q = new FairQueue({ concurrency: () => 1 });
  const bad = q.submit('alice', null, async () => { throw new Error('model failed'); });
  const good = q.submit('bob', null, async () => 'ok');
  await assert.rejects(bad, /model failed/);
  assert.equal(await good, 'ok');
});

test('rate limiter: burst, then the sustained rate, per reader', () => {
  let now = 0;
  const r = new RateLimiter(2, 3, () => now);
  assert.deepEqual([r.take('a'), r.take('a'), r.take('a')], [0, 0, 0]);
  const wait = r.take('a');
  assert.ok(wait > 0 && wait <= 500, `4th at once waits ${wait} ms`);
  assert.equal(r.take('b'), 0, 'another reader has their own bucket');
  now += 500;
  assert.equal(r.take('a'), 0, 'one token back after 1/rate s');
  assert.throws(() => new RateLimiter(0, 1), /rate limit 0/);
});

test('inference pool: every worker proposes with a promoted version before the next proposal; a killed worker is replaced and its caller gets an error', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-pool-'));
  const { initBackend } = await import('../../src/model/backend/index.ts');
  const { saveTinyModel } = await import('../model/finetune-fixtures.ts');
  await initBackend('cpu'); // only to write the test models; the pool's workers load them themselves
  await saveTinyModel(join(dir, 'v1'), 'tiny-v1');
  await saveTinyModel(join(dir, 'v2'), 'tiny-v2');
  const logs: string[] = [];
  const pool = await createInferencePool({ modelDir: join(dir, 'v1'), size: 2, backend: 'wasm', log: (l) => logs.push(l) });
  try {
    const { slice } = ellipseLesion(3);
    const box = { x1: 50, y1: 50, x2: 110, y2: 110 };
    assert.equal(pool.concurrency, 2);
    assert.equal(pool.modelVersion, 'tiny-v1');
    assert.equal(pool.threads().length, 2);
    const threads = pool.threads().map((t) => t.threadId);
    const before = await Promise.all([pool.measure(slice, box), pool.measure(slice, box)]);
    assert.deepEqual(before.map((p) => p.modelVersion), ['tiny-v1', 'tiny-v1']);
    assert.ok(before[0].recist.long[0].x >= 50 && before[0].recist.long[0].x <= 110, 'a real proposal inside the box');

    await pool.load(join(dir, 'v2'));
    assert.equal(pool.modelVersion, 'tiny-v2');
    for (const t of pool.threads()) assert.ok(t.keys.includes(2), `worker ${t.threadId} holds the promoted version`);
    const after = await Promise.all([0, 1, 2, 3].map(() => pool.measure(slice, box)));
    assert.deepEqual(after.map((p) => p.modelVersion), ['tiny-v2', 'tiny-v2', 'tiny-v2', 'tiny-v2'], 'no proposal after the switch comes from the old version');
    await assert.rejects(pool.load(join(dir, 'missing')), /did not load/);
    assert.equal(pool.modelVersion, 'tiny-v2', 'a version that does not load leaves the current one');

    // kill a worker while it measures: that caller gets an error, the others are answered, the worker is replaced
    const inFlight = [pool.measure(slice, box), pool.measure(slice, box)];
    const victim = threads[0];
    await new Promise((r) => setTimeout(r, 5));
    await pool.terminateWorker(victim);
    const settled = await Promise.allSettled(inFlight);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.equal(rejected.length, 1, `exactly the killed worker's request fails: ${JSON.stringify(settled.map((s) => s.status))}`);
    assert.match(String(rejected[0].reason?.message), /stopped .* while measuring; the proposal was not made, ask again/);
    for (let i = 0; i < 600 && pool.restarts === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(pool.restarts, 1);
    assert.ok(!pool.threads().some((t) => t.threadId === victim));
    const again = await Promise.all([0, 1, 2, 3].map(() => pool.measure(slice, box)));
    assert.deepEqual(again.map((p) => p.modelVersion), ['tiny-v2', 'tiny-v2', 'tiny-v2', 'tiny-v2'], 'the replacement loads the current version');
    assert.equal(pool.threads().length, 2);
    assert.ok(logs.some((l) => /starting a replacement/.test(l)));
  } finally {
    pool.dispose();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
