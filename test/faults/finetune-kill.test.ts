/**
 * kill -9 of the SERVER while a fine-tune job trains (test/server/finetune.test.ts covers killing the worker): the
 * orphaned worker exits by itself (it watches its IPC channel), the active-model pointer and labels.json are byte for
 * byte unchanged, and a restarted server loads the same store, reports no running job, still has only the base
 * version, and answers the fine-tune routes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIVE_FILE, listVersions, versionsRoot } from '../../src/model/versions.ts';
import { LabelStore } from '../../src/server/store.ts';
import { saveTinyModel } from '../model/finetune-fixtures.ts';
import { initBackend } from '../../src/model/backend/index.ts';
import { ellipseDataset } from './finetune-server-child.ts';

const CHILD = fileURLToPath(new URL('./finetune-server-child.ts', import.meta.url));
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

function startServer(dir: string) {
  const proc = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, RECIST_FT_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-5000); });
  const exited = new Promise((r) => proc.once('exit', r));
  const next = <T>(type: string, ms: number): Promise<T> => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no '${type}' from the server child within ${ms} ms: ${err.slice(-1500)}`)), ms);
    const on = (m: { type?: string }) => { if (m?.type === type) { clearTimeout(t); proc.off('message', on); res(m as T); } };
    proc.on('message', on);
  });
  return { proc, exited, next };
}

test('kill -9 of the server during a fine-tune: worker exits, active model and labels intact, restart is clean', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-fault-ft-'));
  let pids: number[] = [];
  try {
    await initBackend('cpu');
    await saveTinyModel(join(dir, 'base'), 'base-model');
    const { dataset, marks } = ellipseDataset();
    const store = await LabelStore.open(join(dir, 'labels'));
    const token = (await store.addReader('admin')).token;
    await store.addLabels(dataset.lesions.map((l) => ({
      lesionId: l.id, dataset: dataset.id, reader: 'admin', modelVersion: null, original: null, box: null, status: 'accepted' as const, spacing: l.spacing,
      final: JSON.parse(JSON.stringify(marks.get(l.id))),
    })));
    const labelsBefore = readFileSync(store.file, 'utf8');

    const s1 = startServer(dir);
    pids.push(s1.proc.pid!);
    await s1.next<{ url: string }>('ready', 60_000);
    s1.proc.send({ type: 'start' });
    const { workerPid } = await s1.next<{ workerPid: number }>('training', 90_000);
    assert.ok(workerPid > 0 && alive(workerPid), 'the worker is training');
    pids.push(workerPid);
    const root = versionsRoot(join(dir, 'labels'));
    const pointerBefore = readFileSync(join(root, ACTIVE_FILE), 'utf8');
    s1.proc.kill('SIGKILL');
    await s1.exited;
    const t0 = Date.now();
    while (alive(workerPid) && Date.now() - t0 < Number(process.env.FT_WAIT ?? 15_000)) await new Promise((r) => setTimeout(r, 100));
    if (alive(workerPid)) console.log('# worker still alive: ' + readFileSync(`/proc/${workerPid}/status`, 'utf8').split('\n').filter((l) => /State|PPid|Threads/.test(l)).join(' '));
    assert.equal(alive(workerPid), false, 'the orphaned worker exited by itself');
    console.log(`# worker ${workerPid} gone ${Date.now() - t0} ms after the server was killed`);
    assert.equal(readFileSync(join(root, ACTIVE_FILE), 'utf8'), pointerBefore, 'active pointer intact');
    assert.equal(readFileSync(store.file, 'utf8'), labelsBefore, 'labels.json intact');

    const s2 = startServer(dir);
    pids.push(s2.proc.pid!);
    const { url } = await s2.next<{ url: string }>('ready', 60_000);
    const status = await (await fetch(`${url}/api/finetune/status`, { headers: { authorization: `Bearer ${token}` } })).json() as { data: { running: unknown; pending: number } };
    assert.equal(status.data.running, null, 'no job runs after the restart');
    assert.equal(status.data.pending, 12, 'the corrections of the killed job count as pending again');
    assert.deepEqual((await listVersions(root)).map((v) => v.name), ['v0001'], 'only the base version');
    assert.equal((await LabelStore.open(join(dir, 'labels'))).labels().length, 12);
    s2.proc.kill('SIGKILL');
    await s2.exited;
    assert.ok(existsSync(join(root, ACTIVE_FILE)));
  } finally {
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    pids = [];
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
