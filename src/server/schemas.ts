/** zod schemas for everything that crosses a trust boundary: socket payloads, HTTP bodies, the label file. */
import { z } from 'zod';

export const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
export const pointSchema = z.object({ x: finite, y: finite }).strict();
export const segmentSchema = z.tuple([pointSchema, pointSchema]);
export const recistSchema = z.object({ long: segmentSchema, short: segmentSchema }).strict();
export const boxSchema = z.object({ x1: finite, y1: finite, x2: finite, y2: finite }).strict();
export const spacingSchema = z.object({ x: finite.refine((v) => v > 0, 'must be > 0'), y: finite.refine((v) => v > 0, 'must be > 0') }).strict();

/** Lesion ids: printable, no path separators needed; the server looks them up, never opens them. */
export const lesionIdSchema = z.string().min(1).max(200).regex(/^[\w.#@:-]+$/, 'has characters outside [A-Za-z0-9_.#@:-]');
export const readerNameSchema = z.string().min(1).max(64).regex(/^[\w.@-]+$/, 'may contain letters, digits, _ . @ - only');
export const tokenSchema = z.string().min(8).max(200);
export const statusSchema = z.enum(['accepted', 'skipped']);

export const authSchema = z.object({ name: readerNameSchema, token: tokenSchema }).strict();
export const newReaderSchema = z.object({ name: readerNameSchema, admin: z.boolean().optional() }).strict();
export const adminFlagSchema = z.object({ admin: z.boolean() }).strict();
export const proposeSchema = z.object({ lesionId: lesionIdSchema, box: boxSchema }).strict();
export const labelSaveSchema = z.object({
  lesionId: lesionIdSchema,
  recist: recistSchema.nullish(),
  proposal: z.object({
    recist: recistSchema,
    entropy: finite.optional(),
    modelVersion: z.string().max(200).optional(),
  }).strict().nullish(),
  box: boxSchema.nullish(),
  status: statusSchema,
}).strict().refine((v) => v.status !== 'accepted' || v.recist, { message: 'recist is required when status is accepted', path: ['recist'] });

export const readerRecordSchema = z.object({
  name: readerNameSchema,
  /** sha256 of the token, hex. */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
  /**
   * May start fine-tunes, roll models back and manage readers. The first reader of a store is created an admin; in a
   * store written before this field existed (no reader has it) the first reader counts as the admin.
   */
  admin: z.boolean().optional(),
}).strict();

export const storedProposalSchema = z.object({
  recist: recistSchema,
  entropy: finite.nullable(),
  entropies: z.array(finite).length(4).nullable(),
  modelVersion: z.string().nullable(),
  /** 'server' when the server produced it in this session, 'client' when it came with the save. */
  source: z.enum(['server', 'client', 'import']),
  /**
   * Whether the reader was shown this proposal through their per-reader calibration (`--reader-calibration`).
   * `recist` is always the model's RAW output; absent when unknown (client or imported proposals, older files).
   */
  calibrated: z.boolean().optional(),
}).strict();

export const storedLabelSchema = z.object({
  id: z.string().min(1),
  lesionId: lesionIdSchema,
  dataset: z.string(),
  reader: z.string().min(1),
  time: z.string(),
  modelVersion: z.string().nullable(),
  /** ORIGINAL: the model's proposal the reader corrected. */
  original: storedProposalSchema.nullable(),
  /** FINAL: the reader's marks (null when skipped). */
  final: recistSchema.nullable(),
  box: boxSchema.nullable(),
  status: statusSchema,
  spacing: spacingSchema.nullable(),
}).strict();

export const SCHEMA_VERSION = 1;
export const storeFileSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  readers: z.array(readerRecordSchema),
  labels: z.array(storedLabelSchema),
}).strict();

export type ReaderRecord = z.infer<typeof readerRecordSchema>;
export type StoredProposal = z.infer<typeof storedProposalSchema>;
export type StoredLabel = z.infer<typeof storedLabelSchema>;
export type StoreFile = z.infer<typeof storeFileSchema>;

/** One-line description of a zod error: `path: message; path: message`. */
export function describeZodError(err: z.ZodError, prefix = ''): string {
  const parts = err.issues.slice(0, 4).map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(payload)'}: ${i.message}`);
  return parts.join('; ') + (err.issues.length > 4 ? `; and ${err.issues.length - 4} more` : '');
}
