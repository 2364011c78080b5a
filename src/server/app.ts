/**
 * The labeling server: Express 5 (HTTP API, slices, exports, the UI; src/server/routes.ts) and socket.io 4 (worklist,
 * proposals, saves, broadcasts; src/server/sockets.ts), with background jobs (worklist scoring, model swaps, the
 * fine-tune hook; src/server/jobs.ts). `createApplication` takes its dependencies as arguments; `index.ts` and the
 * `serve` command only wire.
 *
 * Security (src/server/security.ts): every API route and socket needs a reader token (`Authorization: Bearer`, or the
 * HttpOnly cookie set by `POST /api/session`); cross-origin requests and sockets are refused; responses carry a strict
 * CSP; JSON bodies and socket messages are size-limited; every payload is validated with zod before it touches the store.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { Measurer } from '../model/measurer-types.ts';
import { readerCalibrationFromLabels } from '../active/reader-bias.ts';
import type { Ranker } from './ranking.ts';
import { createHttpApp } from './routes.ts';
import { attachSocketHandlers, createIo, type IoServer } from './sockets.ts';
import { createJobs, type Broadcast } from './jobs.ts';
import { buildWorklist } from './worklist.ts';
import type { AppDeps, ServerContext } from './context.ts';
import { FairQueue, RateLimiter } from './inference/fair-queue.ts';
import type { ParallelMeasurer } from './inference/pool.ts';

export type { AppConfig, AppDeps } from './context.ts';
export type { Broadcast } from './jobs.ts';
export { CONTENT_SECURITY_POLICY, TOKEN_COOKIE, parseCookies, sameOrigin } from './security.ts';
export { assertRecistInside, clientMessage, labelDto, packHeatmaps } from './wire.ts';

export interface Application {
  readonly app: express.Express;
  readonly io: IoServer;
  readonly httpServer: HttpServer;
  readonly broadcast: Broadcast;
  /** The current measurer (changes with `broadcast.modelChanged`). */
  measurer(): Measurer;
  /** The worklist ranker when `config.activeLearning` is set. */
  readonly ranker: Ranker | null;
  /** The proposal queue (one lane per reader, round-robin). */
  readonly queue: FairQueue;
  /** Listens on `port` (0 = any) and resolves the URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export function createApplication(deps: AppDeps): Application {
  const { dataset, store } = deps;
  const config = deps.config ?? {};
  const log = config.log ?? ((line: string) => { if (/error/i.test(line)) console.error(line); });
  const limits = config.proposals ?? {};
  let current: () => Measurer = () => deps.measurer;
  // as many at once as the measurer runs in parallel (an inference pool: its workers; in-process: one)
  const queue = new FairQueue({ concurrency: () => (current() as Partial<ParallelMeasurer>).concurrency ?? 1, perLane: limits.perReader, maxQueued: limits.maxQueued });
  const isAdmin = (reader: string): boolean => store.isAdmin(reader) || (config.admins?.includes(reader) ?? false);
  const jobs = createJobs(deps, queue, isAdmin, log);
  current = jobs.measurer;
  const rate = (limits.ratePerS ?? 5) > 0 ? new RateLimiter(limits.ratePerS ?? 5, limits.burst ?? 10) : null;
  const ctx: ServerContext = {
    dataset, store, config, log, fineTune: deps.fineTune, srOutbox: deps.srOutbox, queue, rate,
    limit: config.bodyLimitBytes ?? 64 * 1024,
    measurer: jobs.measurer,
    worklist: (serve = false) => buildWorklist({ dataset, store, ranker: jobs.ranker, ranking: jobs.ranking, modelVersion: () => jobs.measurer().modelVersion }, serve),
    isAdmin,
    readerInfo: (reader) => ({ name: reader, admin: isAdmin(reader) }),
    calibrationFor: (reader, modelVersion) => {
      if (deps.fineTune?.readerCalibration) return deps.fineTune.readerCalibration(reader, modelVersion);
      return readerCalibrationFromLabels(store.labels(), dataset.id, reader, modelVersion);
    },
  };
  const app = createHttpApp(ctx);
  const httpServer = createServer(app);
  const io = createIo(httpServer, ctx);
  jobs.attachIo(io);
  attachSocketHandlers(io, ctx);
  jobs.start();

  return {
    app, io, httpServer, broadcast: jobs.broadcast, ranker: jobs.ranker, queue,
    measurer: jobs.measurer,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolvePromise, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const a = httpServer.address() as AddressInfo;
          resolvePromise(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      });
    },
    async close() {
      jobs.close();
      io.disconnectSockets(true);
      await new Promise<void>((r) => { void io.close(() => r()); });
      httpServer.closeAllConnections?.();
      if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
      await store.flush();
    },
  };
}
