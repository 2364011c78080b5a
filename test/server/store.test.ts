import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelStore, LABELS_FILE, labelsToCsv, parseLabelsCsv, type NewLabel } from '../../src/server/store.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'recist-store-'));

const sample = (i: number, reader = 'alice'): NewLabel => ({
  lesionId: `lesion-${i}`, dataset: 'demo', reader, modelVersion: 'm1', status: 'accepted',
  final: { long: [{ x: 10.125 + i, y: 20 }, { x: 40, y: 21.5 }], short: [{ x: 25, y: 10 }, { x: 25.3, y: 30 / 7 }] },
  original: { recist: { long: [{ x: 11, y: 20 }, { x: 41, y: 22 }], short: [{ x: 26, y: 11 }, { x: 26, y: 31 }] }, entropy: 0.42, entropies: [0.1, 0.2, 0.3, 0.4], modelVersion: 'm1', source: 'server' },
  box: { x1: 5, y1: 5, x2: 45, y2: 35 }, spacing: { x: 0.7, y: 0.7 },
});

test('readers: token shown once, only the hash stored, authentication by token (+ name)', async () => {
  const dir = tmp();
  try {
    const store = await LabelStore.open(dir);
    const { token } = await store.addReader('alice');
    const text = readFileSync(join(dir, LABELS_FILE), 'utf8');
    assert.ok(!text.includes(token), 'the token itself is never written');
    assert.equal(store.authenticate(token)?.name, 'alice');
    assert.equal(store.authenticate(token, 'alice')?.name, 'alice');
    assert.equal(store.authenticate(token, 'bob'), null);
    assert.equal(store.authenticate('wrong-token-123'), null);
    assert.equal(store.authenticate(undefined), null);
    await assert.rejects(store.addReader('alice'), /already exists/);
    await assert.rejects(store.addReader('../evil'), /reader name/);
    const reopened = await LabelStore.open(dir);
    assert.equal(reopened.authenticate(token)?.name, 'alice');
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('labels persist; concurrent writes are serialized; the file is valid JSON at every moment; no temp files left', async () => {
  const dir = tmp();
  try {
    const store = await LabelStore.open(dir);
    const file = join(dir, LABELS_FILE);
    let reads = 0, stop = false;
    const watcher = (async () => {
      while (!stop) {
        try { JSON.parse(readFileSync(file, 'utf8')); reads++; } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.addLabel(sample(i))));
    stop = true;
    await watcher;
    assert.ok(reads > 0);
    const reopened = await LabelStore.open(dir);
    assert.equal(reopened.labels().length, 40);
    assert.deepEqual(new Set(reopened.labels().map((l) => l.lesionId)).size, 40);
    assert.deepEqual(readdirSync(dir), [LABELS_FILE]);
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('invalid data is refused before anything is written', async () => {
  const dir = tmp();
  try {
    const store = await LabelStore.open(dir);
    await store.addLabel(sample(1));
    const before = readFileSync(join(dir, LABELS_FILE), 'utf8');
    const bad = { ...sample(2), final: { long: [{ x: NaN, y: 0 }, { x: 1, y: 1 }], short: [{ x: 0, y: 0 }, { x: 1, y: 1 }] } } as NewLabel;
    await assert.rejects(store.addLabel(bad), /final.long.0.x.*NaN/);
    await assert.rejects(store.addLabel({ ...sample(3), lesionId: '../../etc/passwd' }), /lesionId/);
    assert.equal(readFileSync(join(dir, LABELS_FILE), 'utf8'), before);
    assert.equal(store.labels().length, 1);
    await store.addLabel(sample(4)); // the queue still works after a refusal
    assert.equal(store.labels().length, 2);
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('schema validation on load: wrong version, bad fields, broken JSON are reported and the file is left alone', async () => {
  const dir = tmp();
  const file = join(dir, LABELS_FILE);
  try {
    writeFileSync(file, JSON.stringify({ schemaVersion: 99, readers: [], labels: [] }));
    await assert.rejects(LabelStore.open(dir), /schemaVersion is 99/);
    const badLabel = { schemaVersion: 1, readers: [], labels: [{ ...sample(1), id: 'x', time: 't', status: 'maybe' }] };
    writeFileSync(file, JSON.stringify(badLabel));
    await assert.rejects(LabelStore.open(dir), /labels\.0\.status/);
    writeFileSync(file, '{"schemaVersion": 1, "readers": [');
    await assert.rejects(LabelStore.open(dir), /not valid JSON/);
    assert.equal(readFileSync(file, 'utf8'), '{"schemaVersion": 1, "readers": [');
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('CSV export round trip (exact numbers), skipped labels and labels without a proposal included', async () => {
  const dir = tmp();
  try {
    const store = await LabelStore.open(dir);
    await store.addLabel(sample(1));
    await store.addLabel({ ...sample(2, 'bob'), status: 'skipped', final: null, original: null, box: null, modelVersion: null });
    await store.addLabel({ ...sample(3), spacing: null, original: { ...sample(3).original!, entropies: null, entropy: null } });
    const csv = labelsToCsv(store.labels());
    assert.match(csv.split('\n')[0], /^Label_id,Lesion_id,.*Measurement_coordinates/);
    assert.deepEqual(parseLabelsCsv(csv), store.labels());
    assert.throws(() => parseLabelsCsv(csv.replace('11.125', 'abc')), /row 1: field Measurement_coordinates/);
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});
