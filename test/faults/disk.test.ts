/**
 * Storage faults under the label store: a read-only labels folder and a full disk. The save gets a clear error ack,
 * labels.json is byte-for-byte unchanged (and still loads), the in-memory store is unchanged, the server keeps
 * answering, and saves work again once the fault is gone.
 *
 * How the fault is made, best first: a real tmpfs (`mount -t tmpfs`, then `remount,ro`, or a 64 KiB tmpfs filled up)
 * when this process may mount (root with CAP_SYS_ADMIN); otherwise `chmod 555` (non-root) for read-only; otherwise
 * (root without mount) an injected failing writer: the store's temp file `.labels.json.tmp` made a directory
 * (EISDIR) or a symlink to /dev/full (ENOSPC). Which one ran is printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApplication } from '../../src/server/app.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import { fakeMeasurer, tinyDataset } from '../server/fixtures.ts';
import { ask, connected, reader } from '../load/harness.ts';

const good = { long: [{ x: 20, y: 30 }, { x: 44, y: 30 }], short: [{ x: 32, y: 24 }, { x: 32, y: 36 }] };
const isRoot = process.getuid?.() === 0;
/** RECIST_FAULT_NO_MOUNT=1 exercises the injected-writer fallbacks even where mounting works. */
const mayMount = isRoot && process.env.RECIST_FAULT_NO_MOUNT !== '1';

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const umount = (dir: string): void => { try { execFileSync('umount', [dir], { stdio: 'ignore' }); } catch { /* not mounted */ } };

/** A server on a store in `labels`, one signed-in reader; `fault()` breaks storage, `heal()` repairs it. */
async function scenario(kind: string, labels: string, fault: () => string, heal: () => void): Promise<void> {
  const store = await LabelStore.open(labels);
  const token = (await store.addReader('alice')).token;
  const app = createApplication({ dataset: tinyDataset(), measurer: fakeMeasurer(), store, config: { log: () => {} } });
  const url = await app.listen(0);
  const c = reader(url, 'alice', token);
  try {
    await connected(c);
    const first = await ask(c, 5000, 'label:save', { lesionId: 'L0', status: 'accepted', recist: good });
    assert.ok('data' in first, JSON.stringify(first));
    const before = readFileSync(join(labels, LABELS_FILE));
    const how = fault();
    const r = await ask(c, 10_000, 'label:save', { lesionId: 'L1', status: 'accepted', recist: good });
    console.log(`# ${kind} (${how}): save → ${JSON.stringify(r).slice(0, 200)}`);
    assert.ok('error' in r, `${kind}: the save must fail: ${JSON.stringify(r)}`);
    assert.match(r.error, /^label:save: .*(EROFS|read-only|EACCES|permission|EISDIR|ENOSPC|no space)/i, `${kind}: unclear error ${r.error}`);
    assert.ok(!r.error.includes(labels) && !/\/tmp\/|'\//.test(r.error), `${kind}: the error shows a server path: ${r.error}`);
    assert.deepEqual(readFileSync(join(labels, LABELS_FILE)), before, `${kind}: labels.json changed`);
    assert.equal(store.labels().length, 1, `${kind}: the failed label is not kept in memory`);
    // still up: worklist, proposals, HTTP
    assert.equal((await ask(c, 5000, 'worklist:get')).data.items.length, 3);
    assert.ok('data' in (await ask(c, 5000, 'propose', { lesionId: 'L0', box: { x1: 16, y1: 20, x2: 48, y2: 44 } })));
    assert.equal((await fetch(`${url}/api/worklist`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    heal();
    const again = await ask(c, 5000, 'label:save', { lesionId: 'L2', status: 'skipped' });
    assert.ok('data' in again, `${kind}: save after the fault is gone: ${JSON.stringify(again)}`);
    const reopened = await LabelStore.open(labels);
    assert.deepEqual(reopened.labels().map((l) => l.lesionId), ['L0', 'L2'], `${kind}: store after recovery`);
  } finally {
    c.close();
    await app.close().catch(() => {});
  }
}

test('read-only labels folder: clear error to the client, nothing corrupted, server up, saves resume', { timeout: 30_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-fault-ro-'));
  const labels = join(root, 'labels');
  mkdirSync(labels);
  const mounted = mayMount && tryMount(labels, '1m');
  try {
    await scenario('read-only', labels, () => {
      if (mounted) {
        execFileSync('mount', ['-o', 'remount,ro', labels]);
        return 'tmpfs remounted read-only';
      }
      if (!isRoot) {
        chmodSync(labels, 0o555);
        return 'chmod 555';
      }
      mkdirSync(join(labels, `.${LABELS_FILE}.tmp`));
      return 'injected: the temp file is a directory (EISDIR)';
    }, () => {
      if (mounted) execFileSync('mount', ['-o', 'remount,rw', labels]);
      else if (!isRoot) chmodSync(labels, 0o755);
      else rmSync(join(labels, `.${LABELS_FILE}.tmp`), { recursive: true, force: true });
    });
  } finally {
    if (mounted) umount(labels);
    rmSync(root, { recursive: true, force: true });
  }
});

test('disk full: clear error to the client, labels.json intact, server up, saves resume when space is back', { timeout: 30_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'recist-fault-full-'));
  const labels = join(root, 'labels');
  mkdirSync(labels);
  const mounted = mayMount && tryMount(labels, '64k');
  const filler = join(labels, 'filler.bin');
  try {
    await scenario('disk full', labels, () => {
      if (mounted) {
        // Fill the 64 KiB tmpfs to the last block.
        let size = 64 * 1024;
        for (;;) {
          try { writeFileSync(filler, Buffer.alloc(size), { flag: 'a' }); } catch { if (size <= 512) break; size >>= 1; }
        }
        return 'tmpfs of 64 KiB filled up';
      }
      symlinkSync('/dev/full', join(labels, `.${LABELS_FILE}.tmp`));
      return 'injected: the temp file is a symlink to /dev/full (ENOSPC)';
    }, () => {
      if (mounted) rmSync(filler, { force: true });
      else rmSync(join(labels, `.${LABELS_FILE}.tmp`), { force: true });
      // steno leaves a partly written temp file after ENOSPC; the next write replaces it
    });
  } finally {
    if (mounted) umount(labels);
    rmSync(root, { recursive: true, force: true });
  }
});
