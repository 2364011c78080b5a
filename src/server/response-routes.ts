/**
 * The labeling server's response routes (mounted at `/api/response`, reader token required): the lesions' roles at
 * each study (`<labels>/response.json`, src/response/from-labels.ts), the RECIST 1.1 assessment computed from them and
 * the label store, the printable report, and a follow-up box carried from a lesion's accepted baseline marks.
 *
 *   GET  /api/response?band=-22,25      { data: { assignments, measurements, results, violations, band } }
 *   PUT  /api/response/assignments      body { assignments: [...] } → { data: { assignments } } (validated, written atomically)
 *   GET  /api/response/report.html      the printable report
 *   POST /api/response/carry            body { from, to, method? } → { data: { box, centre, method, ncc? } }: the box around
 *                                       `from`'s latest accepted marks carried onto `to`'s key slice
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { writeFileAtomic } from '../data/png16.ts';
import { boxAroundMarks, CARRY_METHODS, carryBox, type CarryMethod } from '../response/carry.ts';
import { measurementsFromLabels, parseAssignments, type Assignment } from '../response/from-labels.ts';
import { parseBand } from '../response/noise.ts';
import { REPORT_CSS, responseReportHtml } from '../response/report-html.ts';
import { assessResponse, checkRules } from '../response/rules.ts';
import { YOON_2016_BAND } from '../response/types.ts';
import type { ServerContext } from './context.ts';
import { ID_PATTERN } from './datasets.ts';
import { CONTENT_SECURITY_POLICY } from './security.ts';
import { errorMessage } from './wire.ts';

export const RESPONSE_FILE = 'response.json';

/** The server's CSP with the report's one style sheet allowed by its hash (no inline script, nothing else loosened). */
export const REPORT_CSP = CONTENT_SECURITY_POLICY.replace("style-src 'self'", `style-src 'self' 'sha256-${createHash('sha256').update(REPORT_CSS).digest('base64')}'`);

const carrySchema = z.object({
  from: z.string().regex(ID_PATTERN),
  to: z.string().regex(ID_PATTERN),
  method: z.enum(CARRY_METHODS as [CarryMethod, ...CarryMethod[]]).optional(),
}).strict();

export function responseRouter(ctx: Pick<ServerContext, 'dataset' | 'store'>): express.Router {
  const { dataset, store } = ctx;
  const file = join(dirname(store.file), RESPONSE_FILE);
  let writing: Promise<unknown> = Promise.resolve();
  const read = (): Assignment[] => (existsSync(file) ? parseAssignments(JSON.parse(readFileSync(file, 'utf8')), file) : []);
  const assess = (bandText: unknown) => {
    const band = typeof bandText === 'string' ? parseBand(bandText, 'band') : YOON_2016_BAND;
    const assignments = read();
    const measurements = measurementsFromLabels(assignments, store.labels(), file);
    const violations = checkRules(measurements);
    const noBaseline = new Set(violations.filter((v) => v.rule === 'no-baseline').map((v) => v.patient));
    const results = assessResponse(measurements.filter((r) => !noBaseline.has(r.patient)), band);
    return { assignments, measurements, results, violations, band };
  };
  const router = express.Router();
  router.get('/', (req: Request, res: Response) => {
    try {
      res.json({ data: assess(req.query.band) });
    } catch (err) {
      res.status(400).json({ error: errorMessage(err) });
    }
  });
  router.get('/report.html', (req: Request, res: Response) => {
    try {
      const a = assess(req.query.band);
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Security-Policy', REPORT_CSP);
      res.send(responseReportHtml(a.measurements, a.results, a.violations, a.band, { title: `RECIST 1.1 response: ${dataset.id}`, subtitle: new Date().toISOString().slice(0, 10) }));
    } catch (err) {
      res.status(400).json({ error: errorMessage(err) });
    }
  });
  router.put('/assignments', async (req: Request, res: Response) => {
    let assignments: Assignment[];
    try {
      assignments = parseAssignments(req.body, 'body');
      for (const [i, a] of assignments.entries()) {
        if (a.dataset === dataset.id && !dataset.lesion(a.lesionId)) throw new Error(`body: field assignments.${i}.lesionId ${JSON.stringify(a.lesionId)} is not a lesion of dataset ${dataset.id}`);
      }
      measurementsFromLabels(assignments, [], 'body'); // the same lesion twice in one study, bad dates
    } catch (err) {
      res.status(400).json({ error: errorMessage(err) });
      return;
    }
    const job = writing.then(() => writeFileAtomic(file, new TextEncoder().encode(JSON.stringify({ assignments }, null, 1) + '\n')));
    writing = job.catch(() => undefined);
    await job;
    res.json({ data: { assignments } });
  });
  router.post('/carry', (req: Request, res: Response) => {
    const parsed = carrySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: `carry: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'} ${i.message}`).join('; ')}` });
      return;
    }
    const { from, to, method = 'body+match' } = parsed.data;
    const a = dataset.lesion(from), b = dataset.lesion(to);
    if (!a || !b) {
      res.status(404).json({ error: `carry: unknown lesion ${JSON.stringify(!a ? from : to)}` });
      return;
    }
    const label = store.latestByLesion(dataset.id).get(from);
    if (!label || label.status !== 'accepted' || !label.final) {
      res.status(409).json({ error: `carry: lesion ${from} has no accepted marks to carry (accept the baseline first)` });
      return;
    }
    try {
      const base = dataset.slice(a.sliceRef), follow = dataset.slice(b.sliceRef);
      const carried = carryBox(base, follow, boxAroundMarks(label.final, base.width, base.height), method);
      res.json({ data: carried });
    } catch (err) {
      res.status(400).json({ error: errorMessage(err) });
    }
  });
  return router;
}
