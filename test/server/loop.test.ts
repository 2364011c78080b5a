/**
 * The labeling loop end to end through `startServer` (the serve command's wiring): a real tiny model (seeded,
 * untrained) as the base, copied into the temp labels folder as v0001 and serving proposals; two socket.io readers;
 * N = 4 saved corrections trigger a fine-tune in a child process; `finetune:progress` / `finetune:done` reach both
 * readers; when promoted, `model:changed` reaches both and the next `propose` ack carries the new version (and the
 * worklist is re-ranked with it); when not, `finetune:done` says why. The label store keeps every label.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { startServer, type Started } from '../../src/server/index.ts';
import type {
  ClientToServerEvents, FineTuneDoneEvent, FineTuneProgressEvent, LabelDto, ModelChanged, ProposalDto, ServerToClientEvents, Worklist, WorklistRanked,
} from '../../src/server/events.ts';
import { LabelStore } from '../../src/server/store.ts';
import { ACTIVE_FILE, versionsRoot } from '../../src/model/versions.ts';
import { isValidationLesion } from '../../src/model/finetune.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { saveTinyModel } from '../model/finetune-fixtures.ts';
import { initBackend } from '../../src/model/backend/index.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const EVERY = 4;

const connected = (c: Client): Promise<void> => new Promise((res, rej) => { c.once('connect', () => res()); c.once('connect_error', rej); });
const ask = <T>(c: Client, event: string, ...args: unknown[]): Promise<T> =>
  (c as unknown as { timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<{ data?: T; error?: string }> } })
    .timeout(20000).emitWithAck(event, ...args).then((r) => { if (r.error !== undefined) throw new Error(r.error); return r.data as T; });

/** Everything a client heard, by event. */
function recorder(c: Client) {
  const heard = { progress: [] as FineTuneProgressEvent[], done: [] as FineTuneDoneEvent[], changed: [] as ModelChanged[], ranked: [] as WorklistRanked[] };
  c.on('finetune:progress', (p) => heard.progress.push(p));
  c.on('finetune:done', (p) => heard.done.push(p));
  c.on('model:changed', (p) => heard.changed.push(p));
  c.on('worklist:ranked', (p) => heard.ranked.push(p));
  return heard;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('4 corrections from two readers → fine-tune in a child process → finetune:done (+ model:changed, next proposal from the new version)', { timeout: 85000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-loop-'));
  const labels = join(dir, 'labels');
  const clients: Client[] = [];
  let started: Started | null = null;
  try {
    await initBackend('wasm');
    await saveTinyModel(join(dir, 'base'), 'tiny-base');
    const store = await LabelStore.open(labels);
    const tokens = { alice: (await store.addReader('alice')).token, bob: (await store.addReader('bob')).token };
    started = await startServer({
      port: 0, host: '127.0.0.1', data: null, labels, model: join(dir, 'base'), backend: 'wasm',
      finetuneEvery: EVERY, strategy: 'entropy', readerCalibration: false,
      // tiny budget; the gate's tolerance is opened (and one held-out correction allowed) so that a promotion (and the model swap) happens deterministically
      finetuneConfig: { steps: 2, minutes: 1, replay: false, tolerancePx: 1e9, minValidation: 1, pollMs: 3_600_000 },
    }, (line) => { if (/error|fail|warning/i.test(line)) console.log(`# server: ${line}`); });
    const s = started;
    assert.ok(s.fineTune, 'fine-tune service created');
    assert.equal(s.modelDir, join(versionsRoot(labels), 'v0001'), 'proposals load from the ACTIVE version (v0001 = copy of the base)');
    assert.equal(JSON.parse(readFileSync(join(versionsRoot(labels), ACTIVE_FILE), 'utf8')).version, 'v0001');
    assert.equal(s.app.measurer().modelVersion, 'tiny-base');

    const client = (name: 'alice' | 'bob'): Client => {
      const c: Client = connect(s.url, { transports: ['websocket'], auth: { name, token: tokens[name] }, reconnection: false, forceNew: true });
      clients.push(c);
      return c;
    };
    const alice = client('alice'), bob = client('bob');
    const heard = { alice: recorder(alice), bob: recorder(bob) };
    await Promise.all([connected(alice), connected(bob)]);

    // the worklist is ranked by the tiny model's entropy in the background
    // (it may have finished before the readers connected: ask the ranker, then the worklist)
    await s.app.ranker!.idle();
    assert.equal(s.app.ranker!.ranked().modelVersion, 'tiny-base');
    const wl = await ask<Worklist>(alice, 'worklist:get');
    assert.equal(wl.strategy, 'entropy');
    const todo = wl.items.filter((i) => i.status === 'todo');
    assert.ok(todo.every((i) => i.score !== null), 'every demo lesion has a reference mark, so every one is scored');

    // 4 corrections: at least one in the fixed validation split (else the gate refuses), the rest to train on
    const ds = s.dataset;
    const val = ds.lesions.filter((l) => isValidationLesion(l.id));
    const train = ds.lesions.filter((l) => !isValidationLesion(l.id));
    assert.ok(val.length >= 1 && train.length >= 3);
    const picked = [val[0], ...train.slice(0, EVERY - 1)];
    for (const [k, lesion] of picked.entries()) {
      const reader = k % 2 === 0 ? alice : bob;
      const box = roughBoxFor(lesion.reference!, lesion.id, 1, lesion.width, lesion.height);
      const p = await ask<ProposalDto>(reader, 'propose', { lesionId: lesion.id, box });
      assert.equal(p.modelVersion, 'tiny-base');
      const saved = await ask<LabelDto>(reader, 'label:save', { lesionId: lesion.id, status: 'accepted', recist: lesion.reference, box });
      assert.equal(saved.original?.modelVersion, 'tiny-base');
      assert.equal(saved.original?.calibrated, false);
    }
    // the 4th save triggered the job
    await until('the job to start', () => s.fineTune!.status().running !== null || heard.alice.done.length > 0, 5000);
    await until('finetune:done at both readers', () => heard.alice.done.length > 0 && heard.bob.done.length > 0, 75000);
    const done = heard.alice.done[0];
    assert.deepEqual(heard.bob.done[0], done);
    assert.equal(done.ok, true, `fine-tune failed: ${done.error}`);
    assert.equal(done.corrections, EVERY);
    assert.ok(heard.alice.progress.length > 0 && heard.bob.progress.length > 0, 'progress reached both readers');
    assert.ok(heard.alice.progress.some((p) => p.stage === 'train' && p.maxSteps === 2));
    if (done.promoted) {
      assert.equal(done.activeVersion, 'v0002');
      await until('model:changed at both readers', () => heard.alice.changed.length > 0 && heard.bob.changed.length > 0, 20000);
      const changed = heard.alice.changed[0];
      assert.equal(changed.modelVersion, done.modelVersion);
      assert.equal(changed.version, 'v0002');
      assert.deepEqual(heard.bob.changed[0], changed);
      assert.notEqual(changed.modelVersion, 'tiny-base');
      const lesion = ds.lesions.find((l) => !picked.includes(l))!;
      const p = await ask<ProposalDto>(bob, 'propose', { lesionId: lesion.id, box: roughBoxFor(lesion.reference!, lesion.id, 2, lesion.width, lesion.height) });
      assert.equal(p.modelVersion, changed.modelVersion, 'the next proposal comes from the promoted version');
      assert.equal(s.app.measurer().modelVersion, changed.modelVersion);
      // ranking recomputed with the new model
      await until('re-ranking with the new model', () => heard.alice.ranked.some((r) => r.modelVersion === changed.modelVersion && r.scored?.done === r.scored?.total), 30000);
      assert.equal(JSON.parse(readFileSync(join(versionsRoot(labels), ACTIVE_FILE), 'utf8')).version, 'v0002');
    } else {
      assert.match(done.reason, /\S/, 'not promoted: a reason is given');
      assert.equal(heard.alice.changed.length, 0);
      console.log(`# not promoted: ${done.reason}`);
    }
    // the label store kept every label
    await s.store.flush();
    assert.equal((await LabelStore.open(labels)).labels().length, EVERY);
    assert.equal(s.fineTune!.status().pending, 0, 'the corrections were used');
    assert.ok(existsSync(join(labels, 'finetune', 'jobs.jsonl')));
  } finally {
    for (const c of clients) c.close();
    await started?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
