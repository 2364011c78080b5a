/**
 * The fine-tune worker: a child process (forked by runner.ts with `--import tsx`) that runs one job and exits, so
 * training never blocks the server's event loop. Protocol over the IPC channel:
 *   parent → child  { type: 'start', job: WorkerJob }
 *   child → parent  { type: 'progress', ... } (throttled), then { type: 'done', result } or { type: 'error', message }
 * It writes only a new version folder (atomic rename); the parent alone rewrites the active pointer.
 */
import { initBackend, type BackendName } from '../../model/backend/index.ts';
import { runFineTuneJob, type FineTuneJobOptions } from '../../model/finetune-job.ts';
import type { WorkerMessage, WorkerJob } from './types.ts';

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
}

/**
 * The parent at start. Training runs step after step in microtasks (wasm read-backs resolve at once), so the event
 * loop — and with it the IPC 'disconnect' event — may not run for the whole job: a killed server would leave this
 * worker training, orphaned, until its budget ends. Every progress callback checks the parent is still there.
 */
const parentPid = process.ppid;
const exitIfOrphaned = (): void => {
  if (process.ppid !== parentPid) process.exit(2);
};

async function run(job: WorkerJob): Promise<void> {
  const backend = await initBackend((job.backend ?? process.env.RECIST_BACKEND ?? 'wasm') as BackendName | 'auto');
  await send({ type: 'progress', stage: 'start', step: 0, maxSteps: job.steps ?? 0, loss: null, elapsedS: 0, note: `backend ${backend.detail}` });
  let last = 0;
  const opts: FineTuneJobOptions = {
    versionsDir: job.versionsDir, baseModelDir: job.baseModelDir, jobDir: job.jobDir, steps: job.steps, minutes: job.minutes, fitReadout: job.fitReadout,
    seed: job.seed, learningRate: job.learningRate, replay: job.replay, replayFraction: job.replayFraction, tolerancePx: job.tolerancePx, minValidation: job.minValidation,
    onProgress: (p) => {
      exitIfOrphaned();
      const now = Date.now();
      if (p.stage === 'train' && now - last < (job.progressEveryMs ?? 1000) && p.step !== p.maxSteps) return;
      last = now;
      void send(p.stage === 'train'
        ? { type: 'progress', stage: 'train', step: p.step, maxSteps: p.maxSteps, loss: p.loss, elapsedS: p.elapsedS }
        : { type: 'progress', stage: p.stage, step: 0, maxSteps: 0, loss: null, elapsedS: p.elapsedS });
    },
  };
  const result = await runFineTuneJob(opts);
  await send({ type: 'done', result });
}

process.on('message', (m: unknown) => {
  const msg = m as { type?: string; job?: WorkerJob };
  if (msg?.type !== 'start' || !msg.job) return;
  run(msg.job)
    .then(() => process.exit(0))
    .catch(async (err: unknown) => {
      await send({ type: 'error', message: err instanceof Error ? `${err.message}` : String(err) });
      process.exit(1);
    });
});
// the parent going away ends the job
process.on('disconnect', () => process.exit(2));
