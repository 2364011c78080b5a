/**
 * The HTTP side of the labeling server (Express 5): sign-in, the worklist, slice images, label exports, reader
 * management (admins), the fine-tune hook's routes and the UI files. Every API route but sign-in needs a reader token; JSON bodies are size-limited and
 * validated with zod; thrown errors end in the error handler and the server keeps running.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ID_PATTERN } from './datasets.ts';
import type { ReaderInfo } from './events.ts';
import { adminFlagSchema, authSchema, describeZodError, newReaderSchema } from './schemas.ts';
import { SliceRenderer, windowFromQuery } from './slices.ts';
import { labelsToCsv, labelsToJson } from './store.ts';
import { responseRouter } from './response-routes.ts';
import { securityHeaders, TOKEN_COOKIE, tokenFrom } from './security.ts';
import { errorMessage } from './wire.ts';
import type { ServerContext } from './context.ts';

export function createHttpApp(ctx: ServerContext): express.Express {
  const { dataset, store, config, log } = ctx;
  const renderer = new SliceRenderer();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders);
  app.use(express.json({ limit: ctx.limit }));

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
    res.json({ data: ctx.readerInfo(reader.name) satisfies ReaderInfo });
  });
  app.post('/api/logout', (_req: Request, res: Response) => {
    res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    res.json({ data: true });
  });
  // who is signed in (never 401, so the sign-in page loads without console errors)
  app.get('/api/session', (req: Request, res: Response) => {
    const reader = store.authenticate(tokenFrom(req));
    res.json({ data: reader ? ctx.readerInfo(reader.name) : null });
  });
  app.get('/api/me', requireReader, (_req: Request, res: Response) => {
    res.json({ data: ctx.readerInfo(res.locals.reader as string) });
  });
  // ---- reader management (admins only): list, add (the token is shown once), new token, admin rights
  const requireAdmin = (what: string) => (_req: Request, res: Response, next: NextFunction): void => {
    const reader = res.locals.reader as string;
    if (!ctx.isAdmin(reader)) {
      res.status(403).json({ error: `only admins may ${what} (${reader} is not one)`, code: 'forbidden' });
      return;
    }
    next();
  };
  const manage = requireAdmin('manage readers');
  const readerName = (req: Request): string => String(req.params.name);
  app.get('/api/readers', requireReader, manage, (_req: Request, res: Response) => {
    const counts = new Map<string, number>();
    for (const l of store.labels()) counts.set(l.reader, (counts.get(l.reader) ?? 0) + 1);
    res.json({ data: store.readers().map((r) => ({ name: r.name, admin: ctx.isAdmin(r.name), created: r.created, labels: counts.get(r.name) ?? 0 })) });
  });
  app.post('/api/readers', requireReader, manage, async (req: Request, res: Response) => {
    const parsed = newReaderSchema.safeParse(req.body);
    if (!parsed.success) { res.status(400).json({ error: `new reader: ${describeZodError(parsed.error)}` }); return; }
    try {
      const { reader, token } = await store.addReader(parsed.data.name, { admin: parsed.data.admin });
      log(`readers: ${res.locals.reader as string} added ${reader.name}${reader.admin ? ' (admin)' : ''}`);
      res.status(201).json({ data: { name: reader.name, admin: ctx.isAdmin(reader.name), token } });
    } catch (err) {
      res.status(409).json({ error: errorMessage(err) });
    }
  });
  app.post('/api/readers/:name/token', requireReader, manage, async (req: Request, res: Response) => {
    try {
      res.json({ data: { name: readerName(req), token: await store.rotateToken(readerName(req)) } });
    } catch (err) {
      res.status(404).json({ error: errorMessage(err) });
    }
  });
  app.post('/api/readers/:name/admin', requireReader, manage, async (req: Request, res: Response) => {
    const parsed = adminFlagSchema.safeParse(req.body);
    if (!parsed.success) { res.status(400).json({ error: `admin flag: ${describeZodError(parsed.error)}` }); return; }
    try {
      await store.setAdmin(readerName(req), parsed.data.admin);
      res.json({ data: ctx.readerInfo(readerName(req)) });
    } catch (err) {
      res.status(409).json({ error: errorMessage(err) });
    }
  });
  app.get('/api/worklist', requireReader, (_req: Request, res: Response) => {
    res.json({ data: ctx.worklist(true) });
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
  app.use('/api/response', requireReader, responseRouter(ctx)); // RECIST 1.1 response across studies
  if (ctx.fineTune) app.use('/api/finetune', requireReader, ctx.fineTune.router()); // fine-tune hook
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
  return app;
}
