/**
 * The labeling server under load, as a site uses it: R readers with S sockets each (default 10 × 3 = 30 sockets), each
 * socket proposing on a random demo lesion (jittered box) and saving (accepted with the proposal's marks, 10 % skipped)
 * for N seconds, while one more socket asks for the worklist every 250 ms. The same load runs against each mode, one
 * after the other, in one invocation (so the ratios between modes are measured under the same machine load):
 *   main      proposals on the server's main thread (serve --inference-workers 0: the server before the worker pool)
 *   pool      proposals and worklist scoring in inference worker threads (the default)
 *   finetune  the pool while a fine-tune job runs (the admin starts one after 5 saves; the demo worklist has fewer
 *             lesions than the automatic trigger's 20 corrections)
 * Counts: every acked save is on disk exactly once, nothing else is; superseded / busy / rate-limited answers.
 *
 *   tsx bench/parts/load-fair.ts [--seconds 45] [--modes main,pool,finetune] [--readers 10] [--sockets 3] [--out file]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoDataset } from '../../src/server/datasets.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import type { Box } from '../../src/geometry/types.ts';
import { io as connect } from 'socket.io-client';
import { ask, connected, quantile, type Client } from '../../test/load/harness.ts';

/** A reader's socket; a long connect timeout (a shared machine may be slow to accept 31 sockets at once). */
const reader = (url: string, name: string, token: string): Client =>
  connect(url, { transports: ['websocket'], auth: { name, token }, reconnection: false, forceNew: true, timeout: 180_000 });

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '45' }, modes: { type: 'string', default: 'main,pool,finetune' },
    readers: { type: 'string', default: '10' }, sockets: { type: 'string', default: '3' }, out: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds), READERS = Number(values.readers), SOCKETS = Number(values.sockets);
const ACK_TIMEOUT_MS = 60_000;
const MODES: Record<string, Record<string, string>> = {
  main: { RECIST_INFERENCE_WORKERS: '0', RECIST_FINETUNE_EVERY: '0' },
  pool: { RECIST_FINETUNE_EVERY: '0' },
  finetune: { RECIST_FINETUNE_EVERY: '0', RECIST_FINETUNE_MIN_VALIDATION: '1' },
};

const q = (xs: number[]) => ({ n: xs.length, p50: Math.round(quantile(xs, 0.5)), p95: Math.round(quantile(xs, 0.95)), max: Math.round(quantile(xs, 1)) });

async function runMode(mode: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `recist-loadfair-${mode}-`));
  const store = await LabelStore.open(dir);
  const admin = (await store.addReader('site-admin')).token; // first reader: the admin (polls the fine-tune status)
  const names = Array.from({ length: READERS }, (_, i) => `reader-${String(i).padStart(2, '0')}`);
  const tokens = new Map<string, string>();
  for (const n of names) tokens.set(n, (await store.addReader(n)).token);
  const probeToken = (await store.addReader('probe')).token;
  const child = fork(join(import.meta.dirname, 'load-server.ts'), [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, RECIST_LABELS: dir, ...MODES[mode] }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-20_000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = await new Promise<{ url: string; workers: number; model: string }>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`server did not start in 300 s: ${stderr.slice(-1500)}`)), 300_000);
    child.on('message', (m: { type?: string; url?: string; workers?: number; model?: string }) => { if (m.type === 'ready') { clearTimeout(t); res(m as { url: string; workers: number; model: string }); } });
    void exited.then(() => rej(new Error(`server exited: ${stderr.slice(-1500)}`)));
  });
  const clients: { c: Client; name: string }[] = [];
  for (const n of names) for (let s = 0; s < SOCKETS; s++) clients.push({ c: reader(ready.url, n, tokens.get(n)!), name: n });
  const probe = reader(ready.url, 'probe', probeToken);
  await Promise.all([...clients.map((x) => connected(x.c)), connected(probe)]);

  const lesions = demoDataset({ cacheDir: join(dir, 'demo') }).lesions.map((l) => {
    const r = l.reference!;
    const xs = [r.long[0].x, r.long[1].x, r.short[0].x, r.short[1].x], ys = [r.long[0].y, r.long[1].y, r.short[0].y, r.short[1].y];
    return { id: l.id, cx: (Math.min(...xs) + Math.max(...xs)) / 2, cy: (Math.min(...ys) + Math.max(...ys)) / 2, half: Math.max(8, Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) * 0.75 };
  });
  const lat = { propose: [] as number[], save: [] as number[], worklist: [] as number[] };
  const codes: Record<string, number> = {};
  const errors: string[] = [];
  const acked = new Map<string, string>();
  let duplicateAcks = 0;
  let proposals = 0;
  let seed = 12345;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const t0 = Date.now();
  const deadline = t0 + SECONDS * 1000;
  const fineTuneSeen: boolean[] = [];
  let fineTuneStart: string | null = null;
  const ftTimer = setInterval(() => {
    void fetch(`${ready.url}/api/finetune/status`, { headers: { authorization: `Bearer ${admin}` } })
      .then((r) => r.json()).then((j: { data?: { running: unknown } }) => fineTuneSeen.push(j.data?.running != null)).catch(() => {});
  }, 1000);

  const loop = async (c: Client, name: string): Promise<void> => {
    while (Date.now() < deadline) {
      const l = lesions[Math.floor(rand() * lesions.length)];
      const j = (): number => (rand() - 0.5) * l.half * 0.3;
      const box: Box = { x1: l.cx - l.half + j(), y1: l.cy - l.half + j(), x2: l.cx + l.half + j(), y2: l.cy + l.half + j() };
      let t = performance.now();
      const p = await ask(c, ACK_TIMEOUT_MS, 'propose', { lesionId: l.id, box }).catch((e: Error) => ({ error: `timeout/transport: ${e.message}` }));
      if ('error' in p) {
        if (p.code) {
          codes[p.code] = (codes[p.code] ?? 0) + 1;
          if (p.retryAfterMs) await new Promise((r) => setTimeout(r, Math.min(2000, p.retryAfterMs)));
        } else errors.push(`${name} propose: ${p.error}`);
        continue;
      }
      lat.propose.push(performance.now() - t);
      proposals++;
      const skip = rand() < 0.1;
      t = performance.now();
      const s = await ask(c, ACK_TIMEOUT_MS, 'label:save', skip ? { lesionId: l.id, status: 'skipped', box } : { lesionId: l.id, status: 'accepted', recist: p.data.recist, box })
        .catch((e: Error) => ({ error: `timeout/transport: ${e.message}` }));
      lat.save.push(performance.now() - t);
      if ('error' in s) { errors.push(`${name} save: ${s.error}`); continue; }
      if (acked.has(s.data.id)) duplicateAcks++;
      acked.set(s.data.id, name);
      if (mode === 'finetune' && acked.size === 5) {
        void fetch(`${ready.url}/api/finetune/start`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } })
          .then((r) => r.json()).then((j: unknown) => { fineTuneStart = JSON.stringify(j).slice(0, 200); }).catch((e: Error) => { fineTuneStart = e.message; });
      }
    }
  };
  const probeLoop = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const t = performance.now();
      const w = await ask(probe, ACK_TIMEOUT_MS, 'worklist:get').catch((e: Error) => ({ error: e.message }));
      lat.worklist.push(performance.now() - t);
      if ('error' in w) errors.push(`probe worklist: ${w.error}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await Promise.all([...clients.map((x) => loop(x.c, x.name)), probeLoop()]);
  const wall = (Date.now() - t0) / 1000;
  clearInterval(ftTimer);
  for (const x of clients) x.c.close();
  probe.close();
  child.send({ type: 'close' });
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(kill);
  const onDisk = (JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8')) as { labels: { id: string }[] }).labels.map((l) => l.id);
  const diskSet = new Set(onDisk);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  return {
    mode, workers: ready.workers, model: ready.model, seconds: SECONDS, wallS: Math.round(wall * 10) / 10, sockets: clients.length, readers: READERS,
    proposals, proposalsPerS: Math.round((proposals / wall) * 100) / 100, saves: acked.size, labelsOnDisk: onDisk.length,
    missing: [...acked.keys()].filter((id) => !diskSet.has(id)).length, duplicatesOnDisk: onDisk.length - diskSet.size, duplicateAcks,
    unacknowledgedOnDisk: onDisk.filter((id) => !acked.has(id)).length, refused: codes, errors: errors.length, firstErrors: errors.slice(0, 5),
    saveMs: q(lat.save), worklistMs: q(lat.worklist), proposeMs: q(lat.propose),
    fineTuneRunningFraction: fineTuneSeen.length ? Math.round((fineTuneSeen.filter(Boolean).length / fineTuneSeen.length) * 100) / 100 : null,
    fineTuneStart, serverLog: stderr.split('\n').filter((l) => /fine-tune/.test(l)).slice(-4),
  };
}

const results: Record<string, unknown>[] = [];
const load0 = loadavg();
for (const mode of values.modes!.split(',')) {
  if (!MODES[mode]) throw new Error(`--modes: unknown mode ${mode} (main, pool, finetune)`);
  const r = await runMode(mode);
  console.log(`# ${mode}: ${JSON.stringify(r)}`);
  results.push({ ...r, loadAverageAfter: Math.round(loadavg()[0] * 100) / 100 });
}
const out = {
  date: new Date().toISOString(), command: `tsx bench/parts/load-fair.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), loadAverageAtStart: load0.map((x) => Math.round(x * 100) / 100) },
  results,
};
if (values.out) writeFileSync(values.out, JSON.stringify(out, null, 2) + '\n');
