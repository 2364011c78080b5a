/**
 * The label store under concurrent writers (group commit, src/server/store.ts): 50 concurrent saves on a store that
 * already holds 3,000 labels are written in a few writes (not 50 O(N) rewrites), each caller's promise resolves only
 * once its label is on disk, a failing mutation in a batch fails alone, and a failed write rolls the whole batch back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabelStore, LABELS_FILE, type NewLabel } from '../../src/server/store.ts';

const r = { long: [{ x: 20, y: 30 }, { x: 44, y: 30 }], short: [{ x: 32, y: 24 }, { x: 32, y: 36 }] } as NonNullable<NewLabel['final']>;
const label = (lesionId: string): NewLabel => ({
  lesionId, dataset: 'd', reader: 'a', modelVersion: 'm', original: { recist: r, entropy: 0.1, entropies: [0.1, 0.1, 0.1, 0.1], modelVersion: 'm', source: 'server' },
  final: r, box: { x1: 1, y1: 1, x2: 5, y2: 5 }, status: 'accepted', spacing: { x: 0.7, y: 0.7 },
});
const onDisk = (dir: string): { labels: { id: string; lesionId: string }[]; readers: { name: string }[] } => JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8'));

test('50 concurrent saves on a 3,000-label store: all on disk, quickly, each resolved after its write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-store-conc-'));
  try {
    const s = await LabelStore.open(dir);
    await s.addReader('a');
    await s.addLabels(Array.from({ length: 3000 }, (_, i) => label(`old-${i}`)));
    const t0 = performance.now();
    const saved = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const l = await s.addLabel(label(`new-${i}`));
      if (i % 10 === 0) assert.ok(onDisk(dir).labels.some((x) => x.id === l.id), `label ${i} resolved before it was on disk`);
      return l;
    }));
    const ms = performance.now() - t0;
    console.log(`# 50 concurrent saves on 3,000 labels: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 5000, `50 concurrent saves took ${ms.toFixed(0)} ms`);
    const ids = onDisk(dir).labels.map((l) => l.id);
    assert.equal(ids.length, 3050);
    assert.equal(new Set(ids).size, 3050);
    for (const l of saved) assert.ok(ids.includes(l.id));
    assert.equal((await LabelStore.open(dir)).labels().length, 3050, 'the file reloads and validates');
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});

test('a failing mutation fails alone in its batch; a failed write rejects its batch and changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-store-conc2-'));
  try {
    const s = await LabelStore.open(dir);
    const results = await Promise.allSettled([s.addReader('x'), s.addReader('x'), s.addLabel(label('L1')), s.addReader('y')]);
    assert.deepEqual(results.map((p) => p.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /already exists/);
    assert.deepEqual(onDisk(dir).readers.map((x) => x.name), ['x', 'y']);
    // make the next write fail (the temp file is a directory): both queued saves reject, memory and disk unchanged
    const before = readFileSync(join(dir, LABELS_FILE), 'utf8');
    mkdirSync(join(dir, `.${LABELS_FILE}.tmp`));
    const failed = await Promise.allSettled([s.addLabel(label('L2')), s.addLabel(label('L3'))]);
    assert.deepEqual(failed.map((p) => p.status), ['rejected', 'rejected']);
    assert.equal(readFileSync(join(dir, LABELS_FILE), 'utf8'), before);
    assert.deepEqual(s.labels().map((l) => l.lesionId), ['L1']);
    rmSync(join(dir, `.${LABELS_FILE}.tmp`), { recursive: true });
    await s.addLabel(label('L4'));
    await s.flush();
    assert.deepEqual((await LabelStore.open(dir)).labels().map((l) => l.lesionId), ['L1', 'L4']);
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
