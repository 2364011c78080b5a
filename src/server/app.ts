/**
 * The labeling server: Express 5 (HTTP API, slices, exports, the UI) and socket.io 4 (worklist, proposals, saves,
 * broadcasts). `createApplication` takes its dependencies as arguments; `index.ts` and the `serve` command only wire.
 *
 * Security: every API route and socket needs a reader token (`Authorization: Bearer`, or the HttpOnly cookie set by
 * `POST /api/session`); cross-origin requests and sockets are refused; responses carry a strict CSP; JSON bodies
 * and socket messages are size-limited; every payload is validated with zod before it touches the store.
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Server, type Socket } from 'socket.io';
import type { Box, Recist } from '../geometry/types.ts';
import { clipBox, validateBox } from '../geometry/box.ts';
import { compose, resizePixelAffine } from '../geometry/affine.ts';
import { cropToOriginalAffine } from '../geometry/crop.ts';
import { canonicalToCropAffine } from '../geometry/theta.ts';
import type { Measurer, Proposal } from '../model/measurer-types.ts';
import type { Dataset, LesionItem } from './datasets.ts';
import { ID_PATTERN } from './datasets.ts';
import type {
  Ack, ClientToServerEvents, LabelDto, ModelChanged, PackedHeatmaps, ProposalDto, ReaderInfo, ServerToClientEvents,
  SocketData, Worklist, WorklistItem, WorklistRanked,
} from './events.ts';
import { authSchema, describeZodError, labelSaveSchema, proposeSchema, type StoredLabel, type StoredProposal } from './schemas.ts';
import { SliceRenderer, windowFromQuery } from './slices.ts';
import { LabelStore, labelsToCsv, labelsToJson } from './store.ts';
import type { UiAsset } from './ui-bundle.ts';
import type { FineTuneService } from './finetune/index.ts';
import { createRanker, type Ranker } from './ranking.ts';
import { applyCalibration, isIdentityCalibration, readerCalibrationFromLabels, type ReaderCalibration } from '../active/reader-bias.ts';
import type { ZodType } from 'zod';

export interface AppConfig {
  /** Max JSON body (express) and socket message size in bytes (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** UI files by URL path (from `bundleUi`); when absent only the API is served. */
  readonly ui?: Map<string, UiAsset>;
  /** Log line sink (default: console.error for errors only). */
  readonly log?: (line: string) => void;
  /**
   * Rank the worklist by an active-learning strategy (src/server/ranking.ts). Absent: dataset order (or whatever
   * `broadcast.worklistRanked` last set).
   */
  readonly activeLearning?: {
    /** entropy | tta | random | first */
    readonly strategy: string;
    /** Rotated top window (default 10). */
    readonly k?: number;
    /** Lesions per scoring batch (default 4). */
    readonly batchSize?: number;
    /** Persist scores here. */
    readonly cacheFile?: string | null;
    /** Start scoring at once (default true). */
    readonly scoreOnStart?: boolean;
    readonly publishEveryMs?: number;
  };
  /**
   * Apply the signed-in reader's calibration (src/active/reader-bias.ts, fitted on their corrections of the current
   * model version) to the proposals they are shown. The stored ORIGINAL stays the model's raw output.
   */
  readonly readerCalibration?: boolean;
}

export interface AppDeps {
  readonly dataset: Dataset;
  readonly measurer: Measurer;
  readonly store: LabelStore;
  readonly config?: AppConfig;
  // ---- fine-tune hook (src/server/finetune, active-learning engineer): /api/finetune routes, events, model swap ----
  readonly fineTune?: Pick<FineTuneService, 'router' | 'attach'> & Partial<Pick<FineTuneService, 'labelSaved' | 'readerCalibration'>>;
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Broadcast {
  /**
   * Swaps the model used for proposals, tells every reader (`model:changed`) and re-ranks the worklist with the new
   * model. `info` adds the site version and reason (fine-tune promotions and rollbacks).
   */
  modelChanged(measurer: Measurer, info?: { version?: string; reason?: string }): void;
  /** Re-orders the worklist (most informative first) and tells every reader. */
  worklistRanked(info: WorklistRanked): void;
}

export interface Application {
  readonly app: express.Express;
  readonly io: IoServer;
  readonly httpServer: HttpServer;
  readonly broadcast: Broadcast;
  /** The current measurer (changes with `broadcast.modelChanged`). */
  measurer(): Measurer;
  /** The worklist ranker when `config.activeLearning` is set. */
  readonly ranker: Ranker | null;
  /** Listens on `port` (0 = any) and resolves the URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export const TOKEN_COOKIE = 'recist_token';
const READERS_ROOM = 'readers';
const KNOWN_EVENTS = new Set(['auth', 'worklist:get', 'propose', 'label:save']);

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

/** Cookie header → map (no dependency; values are URL-decoded when possible). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim(), v = part.slice(i + 1).trim();
    try { out.set(k, decodeURIComponent(v)); } catch { out.set(k, v); }
  }
  return out;
}

/** True when the request has no Origin (same-origin navigation, curl, node clients) or its Origin's host is ours. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function tokenFrom(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return parseCookies(req.headers.cookie).get(TOKEN_COOKIE);
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * What a client is told about a failure. Node system errors (a read-only or full disk under the label store…) carry
 * server file paths in their message: the client gets the code and its meaning only, the log gets the whole message.
 */
export function clientMessage(err: unknown, event: string, log: (line: string) => void): string {
  const sys = err as NodeJS.ErrnoException | null;
  if (sys instanceof Error && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    log(`${event} error: ${sys.message}`);
    const meaning = sys.message.startsWith(`${sys.code}: `) ? sys.message.slice(sys.code.length + 2).split(',')[0] : sys.syscall;
    return `server storage error (${sys.code}: ${meaning})${event === 'label:save' ? '; nothing was saved' : ''}`;
  }
  return errorMessage(err);
}

/**
 * Packs what the proposal was read from for the wire (one byte per value, per-channel max scaling): the pseudo-mask
 * for mask read-out proposals (its pixels cover the crop), else the 4 heatmaps (canonical space, mapped through θ).
 */
export function packHeatmaps(p: Proposal): PackedHeatmaps {
  const maps = p.mask ?? p.heatmaps;
  if (!maps) throw new Error(`proposal by ${p.modelVersion} carries neither a pseudo-mask nor heatmaps`);
  const { width, height, channels, data } = maps;
  const n = width * height;
  const bytes = new Uint8Array(n * channels);
  const scale: number[] = [];
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, data[c * n + i]);
    scale.push(max);
    const k = max > 0 ? 255 / max : 0;
    for (let i = 0; i < n; i++) bytes[c * n + i] = Math.max(0, Math.min(255, Math.round(data[c * n + i] * k)));
  }
  const toCrop = p.mask ? resizePixelAffine(width, p.crop.size) : canonicalToCropAffine(p.theta, width, p.crop.size);
  const toImage = compose(cropToOriginalAffine(p.crop), toCrop);
  return { width, height, channels, data: Buffer.from(bytes).toString('base64'), scale, toImage, kind: p.mask ? 'mask' : 'heatmaps' };
}

/** Throws unless every endpoint lies inside the image ([−0.5, W − 0.5] × [−0.5, H − 0.5]). */
export function assertRecistInside(r: Recist, width: number, height: number, context = 'recist'): void {
  const pts = [['long[0]', r.long[0]], ['long[1]', r.long[1]], ['short[0]', r.short[0]], ['short[1]', r.short[1]]] as const;
  for (const [name, p] of pts) {
    if (!(p.x >= -0.5 && p.x <= width - 0.5 && p.y >= -0.5 && p.y <= height - 0.5)) {
      throw new Error(`${context}.${name} = (${p.x}, ${p.y}) is outside the ${width}×${height} image`);
    }
  }
}

const plainRecist = (r: Recist): StoredProposal['recist'] => ({
  long: [{ x: r.long[0].x, y: r.long[0].y }, { x: r.long[1].x, y: r.long[1].y }],
  short: [{ x: r.short[0].x, y: r.short[0].y }, { x: r.short[1].x, y: r.short[1].y }],
});

export function labelDto(l: StoredLabel): LabelDto {
  return {
    id: l.id, lesionId: l.lesionId, dataset: l.dataset, reader: l.reader, time: l.time, modelVersion: l.modelVersion,
    original: l.original ? {
      recist: l.original.recist, entropy: l.original.entropy, modelVersion: l.original.modelVersion,
      ...(l.original.calibrated !== undefined ? { calibrated: l.original.calibrated } : {}),
    } : null,
    final: l.final, box: l.box, status: l.status, spacing: l.spacing,
  };
}

export function createApplication(deps: AppDeps): Application {
  const { dataset, store } = deps;
  let measurer = deps.measurer;
  const config = deps.config ?? {};
  const limit = config.bodyLimitBytes ?? 64 * 1024;
  const log = config.log ?? ((line: string) => { if (/error/i.test(line)) console.error(line); });
  const renderer = new SliceRenderer();
  let ranking: WorklistRanked | null = null;
  let ioRef: IoServer | null = null;
  const al = config.activeLearning;
  const ranker: Ranker | null = al ? createRanker({
    dataset, store, strategy: al.strategy, measurer: () => measurer, k: al.k, batchSize: al.batchSize, cacheFile: al.cacheFile ?? null,
    publishEveryMs: al.publishEveryMs, log,
    onRanked: (info) => { ranking = info; ioRef?.to(READERS_ROOM).emit('worklist:ranked', info); },
  }) : null;

  // ---------------------------------------------------------------------------------------------------- worklist
  /** The worklist for one request; with a ranker, `serve` hands the first unlabeled lesion to this caller. */
  const worklist = (serve = false): Worklist => {
    const latest = store.latestByLesion(dataset.id);
    const ranked = ranker?.order({ serve });
    const scores = ranked?.scores ?? ranking?.scores;
    const order = ranked?.order ?? ranking?.order ?? [];
    const rank = new Map(order.map((id, i) => [id, i] as const));
    const items: WorklistItem[] = dataset.lesions.map((l: LesionItem) => {
      const label = latest.get(l.id);
      return {
        lesionId: l.id, sliceId: l.sliceRef, stack: l.stack, keyIndex: l.keyIndex, width: l.width, height: l.height,
        spacing: l.spacing, window: l.window, title: l.title, status: label?.status ?? 'todo', labelledBy: label?.reader ?? null,
        final: label?.final ?? null, score: scores?.[l.id] ?? null,
      };
    });
    if (ranked || ranking) {
      // ranked (unlabeled) lesions first in rank order, then the rest (labeled) in dataset order (stable sort)
      const pos = (id: string): number => rank.get(id) ?? Number.MAX_SAFE_INTEGER;
      items.sort((a, b) => pos(a.lesionId) - pos(b.lesionId));
    }
    const scored = ranker ? ranker.ranked().scored : undefined;
    return {
      dataset: dataset.id, modelVersion: measurer.modelVersion, items,
      ...(ranker ? { strategy: ranker.strategy } : {}), ...(scored ? { scored } : {}),
    };
  };

  // ---------------------------------------------------------------------------------------------- calibration
  const calibrationFor = (reader: string, modelVersion: string): ReaderCalibration => {
    if (deps.fineTune?.readerCalibration) return deps.fineTune.readerCalibration(reader, modelVersion);
    return readerCalibrationFromLabels(store.labels(), dataset.id, reader, modelVersion);
  };

  // -------------------------------------------------------------------------------------------------------- HTTP
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!sameOrigin(req)) {
      res.status(403).json({ error: 'cross-origin requests are not allowed' });
      return;
    }
    next();
  });
  app.use(express.json({ limit }));

  const requireReader = (req: Request, res: Response, next: NextFunction): void => {
    const reader = store.authenticate(tokenFrom(req));
    if (!reader) {
      res.status(401).json({ error: 'missing or invalid reader token (sign in, or send Authorization: Bearer <token>)' });
      return;
    }
    res.locals.reader = reader.name;
    next();
  };

  app.post('/api/session', (req: Request, res: Response) => {
    const parsed = authSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: `sign-in: ${describeZodError(parsed.error)}` });
      return;
    }
    const reader = store.authenticate(parsed.data.token, parsed.data.name);
    if (!reader) {
      res.status(401).json({ error: 'unknown reader name or wrong token' });
      return;
    }
    const secure = req.secure ? '; Secure' : '';
    res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(parsed.data.token)}; HttpOnly; SameSite=Strict; Path=/${secure}`);
    res.json({ data: { name: reader.name } satisfies ReaderInfo });
  });
  app.post('/api/logout', (_req: Request, res: Response) => {
    res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    res.json({ data: true });
  });
  // who is signed in (never 401, so the sign-in page loads without console errors)
  app.get('/api/session', (req: Request, res: Response) => {
    const reader = store.authenticate(tokenFrom(req));
    res.json({ data: reader ? { name: reader.name } : null });
  });
  app.get('/api/me', requireReader, (_req: Request, res: Response) => {
    res.json({ data: { name: res.locals.reader as string } });
  });
  app.get('/api/worklist', requireReader, (_req: Request, res: Response) => {
    res.json({ data: worklist(true) });
  });
  app.get('/api/slices/:id.png', requireReader, (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!ID_PATTERN.test(id) || !dataset.hasSlice(id)) {
      res.status(404).json({ error: `unknown slice id ${JSON.stringify(id.slice(0, 80))}` });
      return;
    }
    let window;
    try {
      window = windowFromQuery(req.query.window, null);
    } catch (err) {
      res.status(400).json({ error: errorMessage(err) });
      return;
    }
    const slice = () => dataset.slice(id);
    const fallback = req.query.window === undefined ? (dataset.lesions.find((l) => l.stack.includes(id))?.window ?? null) : null;
    const png = renderer.png(id, fallback ? { center: Math.round(fallback.center), width: Math.round(fallback.width) } : window, slice);
    res.setHeader('Content-Type', 'image/png');
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.end(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  });
  app.get('/api/labels/export.csv', requireReader, (_req: Request, res: Response) => {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="labels.csv"');
    res.send(labelsToCsv(store.labels()));
  });
  app.get('/api/labels/export.json', requireReader, (_req: Request, res: Response) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="labels.json"');
    res.send(labelsToJson(store.labels()));
  });
  if (deps.fineTune) app.use('/api/finetune', requireReader, deps.fineTune.router()); // fine-tune hook
  app.use('/api', (_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such API route' });
  });
  if (config.ui) {
    const ui = config.ui;
    app.get(['/', '/app.js', '/app.js.map', '/style.css'], (req: Request, res: Response) => {
      const asset = ui.get(req.path);
      if (!asset) {
        res.status(404).end();
        return;
      }
      res.setHeader('Content-Type', asset.type);
      res.setHeader('Cache-Control', 'no-cache');
      res.end(asset.body);
    });
  }
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  // Express 5 forwards thrown and rejected errors here; the server keeps running.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status >= 500) log(`http error: ${errorMessage(err)}`);
    if (!res.headersSent) res.status(status).json({ error: status >= 500 ? 'internal error' : errorMessage(err) });
  });

  // --------------------------------------------------------------------------------------------------- socket.io
  const httpServer = createServer(app);
  const io: IoServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: limit,
    allowRequest: (req, cb) => cb(sameOrigin(req) ? null : 'cross-origin connection refused', sameOrigin(req)),
  });
  ioRef = io;

  io.use((socket, next) => {
    socket.data.reader = null;
    const auth = socket.handshake.auth as { name?: unknown; token?: unknown } | undefined;
    const given = auth && typeof auth === 'object' && auth.token !== undefined;
    const token = given ? auth.token : tokenFrom(socket.request);
    if (token === undefined) return next(); // may sign in with the `auth` event
    const reader = store.authenticate(token, given && auth.name !== undefined ? auth.name : undefined);
    if (!reader) return next(new Error('invalid reader token'));
    socket.data.reader = { name: reader.name };
    void socket.join(READERS_ROOM);
    next();
  });

  /** The last proposal sent to each socket per lesion: saved as ORIGINAL (the client cannot forge it). */
  const proposals = new WeakMap<IoSocket, Map<string, StoredProposal>>();

  const handle = <P, T>(
    socket: IoSocket, event: string, schema: ZodType<P> | null, needsReader: boolean,
    fn: (payload: P, reader: ReaderInfo | null) => Promise<{ data: T; after?: () => void }>,
  ): void => {
    socket.on(event as 'auth', (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: Ack<T>) => void) : null;
      const reply = (r: Ack<T>): void => { try { ack?.(r); } catch (err) { log(`ack error: ${errorMessage(err)}`); } };
      void (async () => {
        try {
          if (needsReader && !socket.data.reader) return reply({ error: `${event}: not signed in` });
          let payload = undefined as P;
          if (schema) {
            const parsed = schema.safeParse(args[0]);
            if (!parsed.success) return reply({ error: `${event}: ${describeZodError(parsed.error)}` });
            payload = parsed.data;
          }
          const { data, after } = await fn(payload, socket.data.reader);
          reply({ data });
          after?.();
        } catch (err) {
          reply({ error: `${event}: ${clientMessage(err, event, log)}` });
        }
      })();
    });
  };

  io.on('connection', (socket: IoSocket) => {
    proposals.set(socket, new Map());
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') {
        try { ack({ error: `unknown event ${JSON.stringify(String(event).slice(0, 60))}` }); } catch { /* ignore */ }
      }
    });

    handle(socket, 'auth', authSchema, false, async (p) => {
      const reader = store.authenticate(p.token, p.name);
      if (!reader) throw new Error('unknown reader name or wrong token');
      socket.data.reader = { name: reader.name };
      await socket.join(READERS_ROOM);
      return { data: { name: reader.name } };
    });

    handle<undefined, Worklist>(socket, 'worklist:get', null, true, async () => ({ data: worklist(true) }));

    handle(socket, 'propose', proposeSchema, true, async (p, reader) => {
      const t0 = performance.now();
      const lesion = dataset.lesion(p.lesionId);
      if (!lesion) throw new Error(`unknown lesion id ${JSON.stringify(p.lesionId)}`);
      validateBox(p.box, lesion.width, lesion.height, 'box');
      const box: Box = clipBox(p.box, lesion.width, lesion.height);
      validateBox(box, lesion.width, lesion.height, 'box (clipped to the image)');
      const slice = dataset.slice(lesion.sliceRef);
      const m = measurer;
      const proposal = await m.measure(slice, box);
      // per-reader calibration: the reader sees the calibrated marks; the store keeps the raw proposal as ORIGINAL
      let shown = proposal.recist;
      let calibration: ProposalDto['calibration'];
      if (config.readerCalibration && reader) {
        const cal = calibrationFor(reader.name, proposal.modelVersion);
        if (!isIdentityCalibration(cal)) {
          const c = applyCalibration(proposal.recist, cal);
          try {
            assertRecistInside(c, lesion.width, lesion.height, 'calibrated proposal');
            shown = c;
            calibration = { longScale: cal.longScale, shortScale: cal.shortScale, rotationDeg: cal.rotationDeg, n: cal.n, raw: plainRecist(proposal.recist) };
          } catch { /* calibrated marks would leave the image: show the raw proposal */ }
        }
      }
      const dto: ProposalDto = {
        lesionId: lesion.id, box, recist: shown, entropy: proposal.entropy, entropies: proposal.entropies,
        heatmaps: packHeatmaps(proposal), modelVersion: proposal.modelVersion, backend: proposal.backend, ms: proposal.ms,
        serverMs: performance.now() - t0, ...(calibration ? { calibration } : {}),
      };
      proposals.get(socket)?.set(lesion.id, {
        recist: plainRecist(proposal.recist), entropy: proposal.entropy, entropies: proposal.entropies ? [...proposal.entropies] : null, modelVersion: proposal.modelVersion, source: 'server',
        calibrated: calibration !== undefined,
      });
      return { data: dto };
    });

    handle(socket, 'label:save', labelSaveSchema, true, async (p, reader) => {
      const lesion = dataset.lesion(p.lesionId);
      if (!lesion) throw new Error(`unknown lesion id ${JSON.stringify(p.lesionId)}`);
      if (p.recist) assertRecistInside(p.recist, lesion.width, lesion.height, 'recist');
      if (p.proposal) assertRecistInside(p.proposal.recist, lesion.width, lesion.height, 'proposal.recist');
      if (p.box) validateBox(p.box, lesion.width, lesion.height, 'box');
      const remembered = proposals.get(socket)?.get(lesion.id);
      const original: StoredProposal | null = remembered ?? (p.proposal ? {
        recist: p.proposal.recist, entropy: p.proposal.entropy ?? null, entropies: null, modelVersion: p.proposal.modelVersion ?? null, source: 'client',
      } : null);
      const saved = await store.addLabel({
        lesionId: lesion.id, dataset: dataset.id, reader: reader!.name, modelVersion: original?.modelVersion ?? measurer.modelVersion,
        original, final: p.status === 'accepted' ? p.recist! : (p.recist ?? null), box: p.box ?? null, status: p.status, spacing: lesion.spacing,
      });
      proposals.get(socket)?.delete(lesion.id);
      const dto = labelDto(saved);
      // persisted and acked first, then everyone else hears about it
      return {
        data: dto,
        after: () => {
          socket.to(READERS_ROOM).emit('label:saved', dto);
          deps.fineTune?.labelSaved?.(); // may start a fine-tune job (every N corrections)
        },
      };
    });
  });

  /** Measurers the app loaded itself (fine-tune promotions): disposed once replaced (after in-flight work drained). */
  const owned = new WeakSet<Measurer>();
  const retired = new Map<ReturnType<typeof setTimeout>, Measurer>();
  const broadcast: Broadcast = {
    modelChanged(next, extra) {
      const previous = measurer;
      measurer = next;
      const info: ModelChanged = { modelVersion: next.modelVersion, ...(extra?.version ? { version: extra.version } : {}), ...(extra?.reason ? { reason: extra.reason } : {}) };
      io.to(READERS_ROOM).emit('model:changed', info);
      if (previous !== next && owned.has(previous)) {
        const t = setTimeout(() => { retired.delete(t); try { previous.dispose(); } catch { /* already gone */ } }, 30_000);
        t.unref();
        retired.set(t, previous);
      }
      void ranker?.rescore(); // scores are per model version: rank again with the new model
    },
    worklistRanked(info) {
      ranking = info;
      io.to(READERS_ROOM).emit('worklist:ranked', info);
    },
  };
  // ---- fine-tune hook: relay finetune:progress / finetune:done to readers; a promoted or rolled-back model replaces
  // the measurer through broadcast.modelChanged (which emits model:changed itself, after the swap, so a proposal
  // asked for after model:changed always comes from the new version).
  let pendingChange: { version?: string; reason?: string } | null = null;
  deps.fineTune?.attach({
    emit: (event, payload) => {
      if (event === 'model:changed') {
        const p = payload as { version?: string; reason?: string };
        pendingChange = { version: p.version, reason: p.reason };
      } else if (event === 'finetune:progress') io.to(READERS_ROOM).emit('finetune:progress', payload as Parameters<ServerToClientEvents['finetune:progress']>[0]);
      else if (event === 'finetune:done') io.to(READERS_ROOM).emit('finetune:done', payload as Parameters<ServerToClientEvents['finetune:done']>[0]);
    },
    modelChanged: (m) => {
      owned.add(m);
      const extra = pendingChange ?? undefined;
      pendingChange = null;
      broadcast.modelChanged(m, extra);
    },
  });
  if (ranker && (al?.scoreOnStart ?? true)) setImmediate(() => { void ranker.rescore(); });

  return {
    app, io, httpServer, broadcast, ranker,
    measurer: () => measurer,
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
      ranker?.close();
      for (const [t, m] of retired) { clearTimeout(t); try { m.dispose(); } catch { /* already gone */ } }
      retired.clear();
      io.disconnectSockets(true);
      await new Promise<void>((r) => { void io.close(() => r()); });
      httpServer.closeAllConnections?.();
      if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
      await store.flush();
    },
  };
}
