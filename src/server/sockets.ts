/**
 * The socket.io side of the labeling server: sign-in, worklist, proposals and label saves. Every handler validates its
 * payload with zod, answers `{ error } | { data }`, and a save is persisted and acked before it is broadcast.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { ZodType } from 'zod';
import type { Box } from '../geometry/types.ts';
import { clipBox, validateBox } from '../geometry/box.ts';
import { applyCalibration, isIdentityCalibration } from '../active/reader-bias.ts';
import type {
  Ack, ClientToServerEvents, ProposalDto, ReaderInfo, ServerToClientEvents, SocketData, Worklist,
} from './events.ts';
import { authSchema, describeZodError, labelSaveSchema, proposeSchema, type StoredProposal } from './schemas.ts';
import { sameOrigin, tokenFrom } from './security.ts';
import { assertRecistInside, clientMessage, errorMessage, labelDto, packHeatmaps, plainRecist } from './wire.ts';
import { READERS_ROOM, type ServerContext } from './context.ts';
import { RequestRefused } from './inference/fair-queue.ts';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const KNOWN_EVENTS = new Set(['auth', 'worklist:get', 'propose', 'label:save']);

/** socket.io on `httpServer`: same-origin only, messages size-limited, reader token checked at the handshake. */
export function createIo(httpServer: HttpServer, ctx: ServerContext): IoServer {
  const io: IoServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: ctx.limit,
    allowRequest: (req, cb) => cb(sameOrigin(req) ? null : 'cross-origin connection refused', sameOrigin(req)),
  });
  io.use((socket, next) => {
    socket.data.reader = null;
    const auth = socket.handshake.auth as { name?: unknown; token?: unknown } | undefined;
    const given = auth && typeof auth === 'object' && auth.token !== undefined;
    const token = given ? auth.token : tokenFrom(socket.request);
    if (token === undefined) return next(); // may sign in with the `auth` event
    const reader = ctx.store.authenticate(token, given && auth.name !== undefined ? auth.name : undefined);
    if (!reader) return next(new Error('invalid reader token'));
    socket.data.reader = ctx.readerInfo(reader.name);
    void socket.join(READERS_ROOM);
    next();
  });
  return io;
}

/** The event handlers of every connection. */
export function attachSocketHandlers(io: IoServer, ctx: ServerContext): void {
  const { dataset, store, config, log } = ctx;
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
          if (err instanceof RequestRefused) {
            reply({ error: `${event}: ${err.message}`, code: err.code, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) });
          } else reply({ error: `${event}: ${clientMessage(err, event, log)}` });
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
      socket.data.reader = ctx.readerInfo(reader.name);
      await socket.join(READERS_ROOM);
      return { data: ctx.readerInfo(reader.name) };
    });

    handle<undefined, Worklist>(socket, 'worklist:get', null, true, async () => ({ data: ctx.worklist(true) }));

    handle(socket, 'propose', proposeSchema, true, async (p, reader) => {
      const t0 = performance.now();
      const lesion = dataset.lesion(p.lesionId);
      if (!lesion) throw new Error(`unknown lesion id ${JSON.stringify(p.lesionId)}`);
      validateBox(p.box, lesion.width, lesion.height, 'box');
      const box: Box = clipBox(p.box, lesion.width, lesion.height);
      validateBox(box, lesion.width, lesion.height, 'box (clipped to the image)');
      const wait = ctx.rate?.take(reader!.name) ?? 0;
      if (wait > 0) throw new RequestRefused('rate-limited', `more than ${ctx.rate!.ratePerS} proposals per second from ${reader!.name}; retry in ${wait} ms`, wait);
      const slice = dataset.slice(lesion.sliceRef);
      // the reader's own lane; a newer box for this lesion replaces a queued older one (answered superseded)
      const proposal = await ctx.queue.submit(reader!.name, lesion.id, () => ctx.measurer().measure(slice, box));
      // per-reader calibration: the reader sees the calibrated marks; the store keeps the raw proposal as ORIGINAL
      let shown = proposal.recist;
      let calibration: ProposalDto['calibration'];
      if (config.readerCalibration && reader) {
        const cal = ctx.calibrationFor(reader.name, proposal.modelVersion);
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
        serverMs: performance.now() - t0, lossy: lesion.dicom?.lossy ?? null, ...(calibration ? { calibration } : {}),
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
        lesionId: lesion.id, dataset: dataset.id, reader: reader!.name, modelVersion: original?.modelVersion ?? ctx.measurer().modelVersion,
        original, final: p.status === 'accepted' ? p.recist! : (p.recist ?? null), box: p.box ?? null, status: p.status, spacing: lesion.spacing,
      });
      proposals.get(socket)?.delete(lesion.id);
      // the PACS copy (STOW-RS) waits at most 5 s; the SR stays in the outbox and is sent later when it takes longer
      const pacs = ctx.srOutbox ? await Promise.race([
        ctx.srOutbox.labelSaved(saved),
        new Promise<{ stored: boolean; message: string }>((r) => setTimeout(() => r({ stored: false, message: 'label saved; the PACS is slow, the SR is kept and sent in the background' }), 5000).unref()),
      ]) : null;
      const dto = pacs ? { ...labelDto(saved), pacs: { stored: pacs.stored, message: pacs.message } } : labelDto(saved);
      // persisted and acked first, then everyone else hears about it
      return {
        data: dto,
        after: () => {
          socket.to(READERS_ROOM).emit('label:saved', dto);
          ctx.fineTune?.labelSaved?.(); // may start a fine-tune job (every N corrections)
        },
      };
    });
  });
}
