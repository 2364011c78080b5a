/**
 * The fine-tune service: the server's hook into incremental learning.
 *
 *   const fineTune = createFineTuneService({ store, dataset, labelsDir, baseModelDir, broadcast });
 *   fineTune.labelSaved();            // after each saved label: starts a job once `every` new corrections exist
 *   await fineTune.start('admin').done;
 *   app.use('/api/finetune', requireReader, fineTune.router());   // GET status|versions|readers, POST start|rollback (admins)
 *
 * Each job runs `runFineTuneJob` in a child process (child_process.fork with `--import tsx`), so the server stays
 * responsive. Progress and results go out through `broadcast(event, payload)`: `finetune:progress`,
 * `finetune:done`, and `model:changed` (payload.modelDir is the new active model folder) when a version is promoted
 * or rolled back. The worker writes at most one new version folder (atomic rename); this process alone rewrites the
 * active pointer (atomic rename) after the worker reported success. A worker that dies (kill -9, crash, OOM) leaves
 * the active model and the label store untouched; the service reports `finetune:done` with ok=false and keeps going.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { readerBiasFromLabels, readerCalibrationFromLabels, type ReaderBias, type ReaderCalibration } from '../../active/reader-bias.ts';
import { REPO_ROOT } from '../../data/paths.ts';
import type { CtSlice } from '../../data/types.ts';
import type { Measurer } from '../../model/measurer-types.ts';
import type { Recist, Box } from '../../geometry/types.ts';
import { exportCorrections, type ExportedCorrection } from '../../model/finetune-job.ts';
import { activeVersion, ensureBaseVersion, listVersions, nextVersionName, promote, rollback, versionsRoot, writeFileAtomic } from '../../model/versions.ts';
import type { FineTuneBroadcast, FineTuneDoneEvent, FineTuneEvents, WorkerJob, WorkerMessage } from './types.ts';

export type { FineTuneBroadcast, FineTuneDoneEvent, FineTuneEvents, FineTuneProgressEvent, ModelChangedEvent } from './types.ts';

/** The label fields the service reads (a subset of StoredLabel). */
export interface LabelLike {
  readonly id: string;
  readonly lesionId: string;
  readonly dataset: string;
  readonly reader: string;
  readonly time: string;
  readonly status: string;
  readonly final: Recist | null;
  readonly box: Box | null;
  /** The model proposal the reader corrected (ORIGINAL), when known. */
  readonly original?: { readonly recist: Recist; readonly modelVersion: string | null } | null;
  readonly spacing?: { readonly x: number; readonly y: number } | null;
}

export interface FineTuneConfig {
  /** Start a job automatically once this many new accepted corrections exist (0 = only by an admin; default 20). */
  readonly every?: number;
  /** Training budget per job: step cap (default 40) and/or minutes (default 2). */
  readonly steps?: number;
  readonly minutes?: number;
  /** Each job also re-picks the read-out's classical weight on its corrections (default true; with steps 0, that alone). */
  readonly fitReadout?: boolean;
  readonly learningRate?: number;
  readonly seed?: number;
  /** Replay synthetic lesions (default true). */
  readonly replay?: boolean;
  readonly replayFraction?: number;
  readonly tolerancePx?: number;
  /** Held-out corrections a fine-tune is validated on before it can be promoted (default MIN_VALIDATION_CORRECTIONS). */
  readonly minValidation?: number;
  /** tfjs backend of the worker (default $RECIST_BACKEND or wasm). */
  readonly backend?: string;
  /**
   * Readers allowed to start jobs and roll back, besides those the app names admins (`FineTuneAttach.isAdmin`: the
   * label store's admins and `serve --admins`). Nobody else may.
   */
  readonly admins?: readonly string[];
  /** How much lower than the server's the worker process's priority is (nice increment, default 10; 0 = same). */
  readonly nice?: number;
  /** How often the store is checked for new corrections (ms, default 5000); `labelSaved()` checks at once. */
  readonly pollMs?: number;
  /** Keep job folders (exported corrections) after the job (default false). */
  readonly keepJobs?: boolean;
}

export interface FineTuneServiceOptions {
  readonly store: { labels(): readonly LabelLike[] };
  /** Where corrections' slices come from. */
  readonly dataset: { readonly id: string; lesion(id: string): { readonly sliceRef: string } | undefined; slice(id: string): CtSlice };
  readonly labelsDir: string;
  /** Copied in as v0001 when the site has no versions yet (e.g. models/default). */
  readonly baseModelDir: string;
  /** Event sink; may be given later with `attach` (the app creates socket.io after the service). */
  readonly broadcast?: FineTuneBroadcast;
  readonly config?: FineTuneConfig;
  readonly log?: (line: string) => void;
  /** Worker entry (tests may substitute one). */
  readonly workerPath?: string;
}

export interface FineTuneStatus {
  readonly running: { readonly jobId: string; readonly trigger: string; readonly startedAt: string; readonly pid: number | null } | null;
  /** Accepted corrections not yet used by a job. */
  readonly pending: number;
  readonly every: number;
  readonly last: FineTuneDoneEvent | null;
}

export interface FineTuneService {
  /** Call after a label is saved: may start a job (auto trigger). */
  labelSaved(): void;
  /** Start a job now; throws if one is running or there are no corrections. `done` never rejects. */
  start(trigger?: 'admin' | 'auto'): { jobId: string; done: Promise<FineTuneDoneEvent> };
  status(): FineTuneStatus;
  /** The active model folder (ensures v0001 exists). */
  activeModelDir(): Promise<string>;
  rollback(reason?: string): Promise<{ version: string; modelVersion: string }>;
  /**
   * Per-reader calibration of the site model (src/active/reader-bias.ts): a length scale per axis and a rotation offset fitted
   * on this reader's (proposal, correction) pairs of the active model version, shrunk toward identity. The app
   * applies it to proposals for that reader with `applyCalibration` when enabled.
   */
  readerCalibration(reader: string, modelVersion?: string): ReaderCalibration;
  /** Each reader's bias vs the others (lesions read by ≥ 2 readers). */
  readerBias(): ReaderBias[];
  /** Worker process id while a job runs. */
  workerPid(): number | null;
  /** Express router: GET /status, /versions, /readers (bias + calibration), POST /start, /rollback (mount behind the reader check). */
  router(): Router;
  /**
   * Connect to the app (called by createApplication): `emit` relays events to readers; `modelChanged` receives the
   * new Measurer (loaded here from the active version) after a promotion or rollback.
   */
  attach(app: FineTuneAttach): void;
  /** Kill a running worker and stop the timer. */
  close(): Promise<void>;
}

/** What createApplication hands the service. */
export interface FineTuneAttach {
  readonly emit: FineTuneBroadcast;
  readonly modelChanged?: (measurer: Measurer) => void;
  /**
   * Loads a promoted or rolled-back version for `modelChanged` (the server's inference pool loads it in every worker);
   * default: `createMeasurer` in this process.
   */
  readonly loadModel?: (modelDir: string) => Promise<Measurer>;
  /** Whether a signed-in reader may start jobs and roll back (with `FineTuneConfig.admins`). */
  readonly isAdmin?: (reader: string) => boolean;
}

// From the repository root (data/paths.ts), not import.meta.url: a CommonJS bundle of the CLI has none.
const WORKER = join(REPO_ROOT, 'src', 'server', 'finetune', 'worker.ts');

interface State {
  readonly usedLabelIds: string[];
}

export function createFineTuneService(o: FineTuneServiceOptions): FineTuneService {
  const cfg = o.config ?? {};
  const every = cfg.every ?? 20;
  const log = o.log ?? (() => {});
  let attached: FineTuneAttach | null = null;
  /** Events go to the constructor's broadcast and the attached app; model:changed also swaps the app's measurer. */
  const broadcast: FineTuneBroadcast = (event, payload) => {
    o.broadcast?.(event, payload);
    attached?.emit(event, payload);
    if (event === 'model:changed' && attached?.modelChanged) {
      const swap = attached.modelChanged;
      const dir = (payload as FineTuneEvents['model:changed']).modelDir;
      const load = attached.loadModel ?? ((d: string) => import('../../model/measurer.ts')
        .then(({ createMeasurer }) => createMeasurer({ modelDir: d, backend: (cfg.backend ?? process.env.RECIST_BACKEND ?? 'auto') as 'auto' })));
      void load(dir)
        .then((m) => swap(m))
        .catch((err: unknown) => log(`fine-tune: loading ${dir} failed (${err instanceof Error ? err.message : String(err)}); proposals keep the previous model`));
    }
  };
  const timer = every > 0 ? setInterval(() => maybeStart(), cfg.pollMs ?? 5000) : null;
  timer?.unref();
  const labelsDir = resolve(o.labelsDir);
  const root = versionsRoot(labelsDir);
  const ftDir = join(labelsDir, 'finetune');
  const stateFile = join(ftDir, 'state.json');
  const used = new Set<string>(existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State).usedLabelIds : []);
  let running: { jobId: string; trigger: string; startedAt: string; child: ChildProcess | null } | null = null;
  let last: FineTuneDoneEvent | null = null;
  let closed = false;

  /** The latest accepted label per lesion of this dataset: the corrections a job trains and validates on. */
  const corrections = (): LabelLike[] => {
    const latest = new Map<string, LabelLike>();
    for (const l of o.store.labels()) {
      if (l.dataset !== o.dataset.id) continue;
      const prev = latest.get(l.lesionId);
      if (!prev || prev.time <= l.time) latest.set(l.lesionId, l);
    }
    return [...latest.values()].filter((l) => l.status === 'accepted' && l.final !== null && o.dataset.lesion(l.lesionId));
  };
  const pending = (): number => corrections().filter((l) => !used.has(l.id)).length;

  const finish = async (ev: FineTuneDoneEvent, jobDir: string): Promise<FineTuneDoneEvent> => {
    last = ev;
    running = null;
    await mkdir(ftDir, { recursive: true });
    await appendFile(join(ftDir, 'jobs.jsonl'), JSON.stringify({ time: new Date().toISOString(), ...ev }) + '\n').catch(() => {});
    if (!cfg.keepJobs) await rm(jobDir, { recursive: true, force: true }).catch(() => {});
    log(`fine-tune ${ev.jobId}: ${ev.ok ? ev.reason : `failed: ${ev.error}`}`);
    broadcast('finetune:done', ev);
    return ev;
  };

  const start = (trigger: 'admin' | 'auto' = 'admin'): { jobId: string; done: Promise<FineTuneDoneEvent> } => {
    if (closed) throw new Error('fine-tune service is closed');
    if (running) throw new Error(`a fine-tune job (${running.jobId}) is already running`);
    const labels = corrections();
    if (labels.length === 0) throw new Error(`no accepted corrections in dataset ${o.dataset.id} to fine-tune on`);
    const jobId = `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${randomUUID().slice(0, 6)}`;
    const jobDir = join(ftDir, 'jobs', jobId);
    const t0 = Date.now();
    running = { jobId, trigger, startedAt: new Date().toISOString(), child: null };
    const job = running;
    const fail = (error: string, activeVersion: string | null = null): Promise<FineTuneDoneEvent> => finish({
      jobId, ok: false, promoted: false, reason: `fine-tune failed: ${error}; the active model is unchanged`, activeVersion, modelVersion: null,
      metricsBefore: null, metricsAfter: null, corrections: labels.length, seconds: (Date.now() - t0) / 1000, error,
    }, jobDir);

    const done = (async (): Promise<FineTuneDoneEvent> => {
      let base: Awaited<ReturnType<typeof ensureBaseVersion>>;
      let nextVersion: string | undefined;
      try {
        base = await ensureBaseVersion(root, o.baseModelDir);
        nextVersion = nextVersionName(root);
        const items: ExportedCorrection[] = labels.map((l) => {
          const lesion = o.dataset.lesion(l.lesionId)!;
          return { lesionId: l.lesionId, reader: l.reader, slice: o.dataset.slice(lesion.sliceRef), recist: l.final!, box: l.box };
        });
        await exportCorrections(jobDir, items);
      } catch (err) {
        return fail(err instanceof Error ? err.message : String(err));
      }
      const workerJob: WorkerJob = {
        versionsDir: root, baseModelDir: o.baseModelDir, jobDir, steps: cfg.steps ?? 40, minutes: cfg.minutes ?? 2, fitReadout: cfg.fitReadout ?? true, seed: cfg.seed ?? 1,
        learningRate: cfg.learningRate, replay: cfg.replay, replayFraction: cfg.replayFraction, tolerancePx: cfg.tolerancePx, minValidation: cfg.minValidation, backend: cfg.backend,
      };
      return new Promise<FineTuneDoneEvent>((resolvePromise) => {
        const child = fork(o.workerPath ?? WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        job.child = child;
        // training yields the cores to the server (saves, worklists, proposals) when they are busy
        const nice = cfg.nice ?? 10;
        if (nice > 0 && child.pid !== undefined) {
          try { setPriority(child.pid, Math.min(19, getPriority() + nice)); } catch { /* not permitted: same priority */ }
        }
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
        let result: WorkerMessage | null = null;
        child.on('message', (m: WorkerMessage) => {
          if (m.type === 'progress') {
            broadcast('finetune:progress', {
              jobId, stage: m.stage, step: m.step, maxSteps: m.maxSteps, loss: m.loss, elapsedS: m.elapsedS, ...(m.note ? { note: m.note } : {}),
              ...(nextVersion ? { nextVersion } : {}),
            });
          } else result = m;
        });
        child.on('error', (err) => { stderr += `\n${err.message}`; });
        child.once('exit', (code, signal) => {
          void (async () => {
            const r = result as WorkerMessage | null;
            if (!r || r.type !== 'done') {
              const why = r?.type === 'error' ? r.message : signal ? `worker killed by ${signal}` : `worker exited with code ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
              return resolvePromise(await fail(why, base.name));
            }
            const res = r.result;
            for (const l of labels) used.add(l.id);
            await mkdir(ftDir, { recursive: true });
            await writeFileAtomic(stateFile, JSON.stringify({ usedLabelIds: [...used] } satisfies State));
            let activeName = res.baseVersion;
            let modelVersion = res.baseModelVersion;
            if (res.promoted && res.savedVersion) {
              try {
                await promote(root, res.savedVersion, res.reason);
                activeName = res.savedVersion;
                modelVersion = res.modelVersion ?? modelVersion;
                broadcast('model:changed', { modelVersion, version: activeName, modelDir: join(root, activeName), reason: res.reason });
              } catch (err) {
                return resolvePromise(await fail(`promotion of ${res.savedVersion} failed: ${err instanceof Error ? err.message : String(err)}`, res.baseVersion));
              }
            }
            resolvePromise(await finish({
              jobId, ok: true, promoted: res.promoted, reason: res.reason, activeVersion: activeName, modelVersion,
              metricsBefore: res.metricsBefore, metricsAfter: res.metricsAfter, taughtBefore: res.taughtBefore, taughtAfter: res.taughtAfter, readoutFit: res.readoutFit,
              corrections: labels.length, seconds: (Date.now() - t0) / 1000,
            }, jobDir));
          })();
        });
        child.send({ type: 'start', job: workerJob });
      });
    })();
    return { jobId, done };
  };

  const maybeStart = (): void => {
    if (closed || running || every <= 0 || pending() < every) return;
    try {
      const { jobId } = start('auto');
      log(`fine-tune ${jobId}: started automatically (${every} new corrections)`);
    } catch (err) {
      log(`fine-tune: automatic start failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const isAdmin = (reader: unknown): boolean =>
    typeof reader === 'string' && (cfg.admins?.includes(reader) === true || attached?.isAdmin?.(reader) === true);

  const service: FineTuneService = {
    labelSaved: maybeStart,
    start,
    status: () => ({
      running: running ? { jobId: running.jobId, trigger: running.trigger, startedAt: running.startedAt, pid: running.child?.pid ?? null } : null,
      pending: pending(), every, last,
    }),
    async activeModelDir() {
      return (await ensureBaseVersion(root, o.baseModelDir)).dir;
    },
    async rollback(reason) {
      if (running) throw new Error(`a fine-tune job (${running.jobId}) is running; roll back after it finished`);
      const p = await rollback(root, reason);
      const v = (await activeVersion(root))!;
      broadcast('model:changed', { modelVersion: v.card.version, version: p.version, modelDir: v.dir, reason: p.events[p.events.length - 1]?.reason ?? 'rollback' });
      return { version: p.version, modelVersion: v.card.version };
    },
    readerCalibration: (reader, modelVersion) => readerCalibrationFromLabels(o.store.labels(), o.dataset.id, reader, modelVersion),
    readerBias() {
      return readerBiasFromLabels(o.store.labels(), o.dataset.id);
    },
    workerPid: () => running?.child?.pid ?? null,
    attach(app) {
      attached = app;
    },
    router() {
      const r = express.Router();
      const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
      r.get('/status', (_req: Request, res: Response) => { res.json({ data: service.status() }); });
      r.get('/readers', (_req: Request, res: Response) => {
        const bias = service.readerBias();
        res.json({ data: { bias, calibration: bias.map((b) => service.readerCalibration(b.reader)) } });
      });
      r.get('/versions', async (_req: Request, res: Response) => {
        const versions = await listVersions(root);
        res.json({ data: versions.map((v) => ({ name: v.name, modelVersion: v.card.version, parent: v.card.parent, createdAt: v.card.createdAt, active: v.active, metrics: v.card.metrics })) });
      });
      r.post('/start', (_req: Request, res: Response) => {
        if (!isAdmin(res.locals.reader)) { res.status(403).json({ error: `only admins may start fine-tuning (${String(res.locals.reader)} is not one)`, code: 'forbidden' }); return; }
        try {
          const { jobId } = start('admin');
          res.status(202).json({ data: { jobId } });
        } catch (err) {
          res.status(409).json({ error: errorText(err) });
        }
      });
      r.post('/rollback', async (_req: Request, res: Response) => {
        if (!isAdmin(res.locals.reader)) { res.status(403).json({ error: `only admins may roll back (${String(res.locals.reader)} is not one)`, code: 'forbidden' }); return; }
        try {
          res.json({ data: await service.rollback(`rolled back by ${String(res.locals.reader ?? 'admin')}`) });
        } catch (err) {
          res.status(409).json({ error: errorText(err) });
        }
      });
      return r;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      const child = running?.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
  return service;
}
