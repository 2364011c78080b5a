/**
 * The label store: one lowdb 7 JSON file (`labels.json`) under the labels folder, after MONAI Label's local
 * datastore. It is validated on load (a file that does not match the schema is never overwritten), every write goes
 * through one queue, and lowdb's steno writer replaces the file atomically (temp file + rename).
 *
 * Each label keeps both the model's proposal it corrected (ORIGINAL) and the reader's marks (FINAL).
 * Reader tokens are stored only as SHA-256 hashes (they are 192-bit random, so a fast hash is enough).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { Recist, Spacing } from '../geometry/types.ts';
import { recistFromNumbers, recistToNumbers } from '../geometry/recist.ts';
import {
  SCHEMA_VERSION, describeZodError, readerNameSchema, storeFileSchema, storedLabelSchema,
  type ReaderRecord, type StoreFile, type StoredLabel,
} from './schemas.ts';

export const LABELS_FILE = 'labels.json';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Each reader's admin right: its flag, or in a store where no reader has one, the first reader. */
export function adminFlags(readers: readonly ReaderRecord[]): boolean[] {
  const flagged = readers.some((r) => r.admin !== undefined);
  return readers.map((r, i) => (flagged ? r.admin === true : i === 0));
}

/** What a caller supplies to add a label; id and time are assigned by the store. */
export type NewLabel = Omit<StoredLabel, 'id' | 'time'> & { time?: string };

export class LabelStore {
  /** Mutations waiting for the next write (group commit: all of them go to disk in one atomic write). */
  private pending: { fn: (draft: StoreFile) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;

  private constructor(private readonly db: Low<StoreFile>, readonly file: string) {}

  /** Opens (or creates) `<dir>/labels.json`. Throws naming the file and the first schema problems if invalid. */
  static async open(dir: string): Promise<LabelStore> {
    const folder = resolve(dir);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, LABELS_FILE);
    const db = new Low<StoreFile>(new JSONFile<StoreFile>(file), { schemaVersion: SCHEMA_VERSION, readers: [], labels: [] });
    try {
      await db.read();
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); fix or move it away`);
    }
    const version = (db.data as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (version !== SCHEMA_VERSION) {
      throw new Error(`${file}: schemaVersion is ${JSON.stringify(version)}, this version of recist reads ${SCHEMA_VERSION}`);
    }
    const parsed = storeFileSchema.safeParse(db.data);
    if (!parsed.success) throw new Error(`${file}: does not match the label-store schema: ${describeZodError(parsed.error)}`);
    db.data = parsed.data;
    return new LabelStore(db, file);
  }

  get data(): Readonly<StoreFile> {
    return this.db.data;
  }

  readers(): readonly ReaderRecord[] {
    return this.db.data.readers;
  }

  labels(): readonly StoredLabel[] {
    return this.db.data.labels;
  }

  /**
   * Runs `fn` on a draft of the data inside the write queue; validates the result and writes it atomically. Mutations
   * queued while a write is in flight are applied together and written once (group commit: under many concurrent
   * saves each write costs O(store size), so one write per save made latency grow with the number of savers).
   * `fn` must throw before it changes the draft (it then fails alone); the draft shares the stored labels (copied
   * array, same objects): `fn` may append labels and edit readers, never edit stored labels in place.
   */
  private mutate<T>(fn: (draft: StoreFile) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // start after `this.writing = this.drain()` has been assigned: a batch that fails without writing would otherwise
    // clear `writing` before it is set, leaving it set forever (and `flush()` spinning on a settled promise)
    await null;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.pending.length);
      const previous = this.db.data;
      const draft: StoreFile = { ...previous, readers: previous.readers.map((r) => ({ ...r })), labels: [...previous.labels] };
      const applied: { op: (typeof batch)[number]; result: unknown }[] = [];
      for (const op of batch) {
        try {
          applied.push({ op, result: op.fn(draft) });
        } catch (err) {
          op.reject(err);
        }
      }
      if (applied.length === 0) continue;
      const parsed = this.validate(previous, draft);
      if (!parsed.success) {
        const err = new Error(`label store: refusing to write invalid data: ${describeZodError(parsed.error)}`);
        for (const a of applied) a.op.reject(err);
        continue;
      }
      this.db.data = parsed.data;
      try {
        await this.db.write();
      } catch (err) {
        this.db.data = previous;
        for (const a of applied) a.op.reject(err);
        continue;
      }
      for (const a of applied) a.op.resolve(a.result);
    }
    this.writing = null;
  }

  /** Validate a draft: readers always; labels only those appended after an unchanged prefix (else all of them). */
  private validate(previous: StoreFile, draft: StoreFile): { success: true; data: StoreFile } | { success: false; error: z.ZodError } {
    const n = previous.labels.length;
    const prefixKept = draft.labels.length >= n && draft.labels.every((l, i) => i >= n || l === previous.labels[i]);
    if (!prefixKept) return storeFileSchema.safeParse(draft);
    const head = storeFileSchema.safeParse({ ...draft, labels: [] });
    if (!head.success) return head;
    const added = z.array(storedLabelSchema).safeParse(draft.labels.slice(n));
    if (!added.success) return added;
    return { success: true, data: { ...head.data, labels: [...previous.labels, ...added.data] } };
  }

  /**
   * Adds a reader; returns the token (shown once; only its hash is stored). Throws if the name exists. The first
   * reader of a store is an admin whatever `opts.admin` says; later ones only with `admin: true`.
   */
  async addReader(name: string, opts: { admin?: boolean } = {}): Promise<{ reader: ReaderRecord; token: string }> {
    const checked = readerNameSchema.safeParse(name);
    if (!checked.success) throw new Error(`reader name ${JSON.stringify(name)}: ${describeZodError(checked.error)}`);
    const token = newToken();
    const reader = await this.mutate((d) => {
      if (d.readers.some((r) => r.name === name)) throw new Error(`reader ${JSON.stringify(name)} already exists`);
      const r: ReaderRecord = { name, tokenHash: hashToken(token), created: new Date().toISOString(), admin: d.readers.length === 0 || opts.admin === true };
      d.readers.push(r);
      return r;
    });
    return { reader, token };
  }

  /** Whether the reader may start fine-tunes, roll back and manage readers (see `ReaderRecord.admin`). */
  isAdmin(name: string): boolean {
    const i = this.db.data.readers.findIndex((x) => x.name === name);
    return i >= 0 && adminFlags(this.db.data.readers)[i];
  }

  /** Grants or takes back a reader's admin rights. Refuses to take them from the last admin. */
  async setAdmin(name: string, admin: boolean): Promise<void> {
    await this.mutate((d) => {
      const was = adminFlags(d.readers);
      const i = d.readers.findIndex((x) => x.name === name);
      if (i < 0) throw new Error(`reader ${JSON.stringify(name)} does not exist`);
      const after = was.map((a, j) => (j === i ? admin : a));
      if (!after.some(Boolean)) throw new Error(`reader ${JSON.stringify(name)} is the last admin; make another reader an admin first`);
      // write every reader's flag, so that the first-reader rule of older stores no longer applies
      d.readers.forEach((r, j) => { r.admin = after[j]; });
    });
  }

  /** Replaces a reader's token (e.g. a lost one); returns the new token. */
  async rotateToken(name: string): Promise<string> {
    const token = newToken();
    await this.mutate((d) => {
      const r = d.readers.find((x) => x.name === name);
      if (!r) throw new Error(`reader ${JSON.stringify(name)} does not exist`);
      r.tokenHash = hashToken(token);
    });
    return token;
  }

  /** The reader whose token this is (and whose name matches, when given), else null. Constant-time compare. */
  authenticate(token: unknown, name?: unknown): ReaderRecord | null {
    if (typeof token !== 'string' || token.length < 8 || token.length > 200) return null;
    const h = Buffer.from(hashToken(token), 'hex');
    for (const r of this.db.data.readers) {
      if (timingSafeEqual(h, Buffer.from(r.tokenHash, 'hex'))) {
        if (name !== undefined && name !== r.name) return null;
        return r;
      }
    }
    return null;
  }

  /** Appends a label (validated); resolves once it is on disk. */
  async addLabel(input: NewLabel): Promise<StoredLabel> {
    const label: StoredLabel = { ...input, id: randomUUID(), time: input.time ?? new Date().toISOString() };
    const checked = storedLabelSchema.safeParse(label);
    if (!checked.success) throw new Error(`label: ${describeZodError(checked.error)}`);
    await this.mutate((d) => { d.labels.push(checked.data); });
    return checked.data;
  }

  /** Appends many labels in one write. */
  async addLabels(inputs: readonly NewLabel[]): Promise<StoredLabel[]> {
    const labels = inputs.map((input, i) => {
      const checked = storedLabelSchema.safeParse({ ...input, id: randomUUID(), time: input.time ?? new Date().toISOString() });
      if (!checked.success) throw new Error(`label ${i + 1}: ${describeZodError(checked.error)}`);
      return checked.data;
    });
    await this.mutate((d) => { d.labels.push(...labels); });
    return labels;
  }

  /** The latest label of each lesion (by time, then insertion order), optionally for one dataset. */
  latestByLesion(dataset?: string): Map<string, StoredLabel> {
    const out = new Map<string, StoredLabel>();
    for (const l of this.db.data.labels) {
      if (dataset !== undefined && l.dataset !== dataset) continue;
      const prev = out.get(l.lesionId);
      if (!prev || prev.time <= l.time) out.set(l.lesionId, l);
    }
    return out;
  }

  /** Waits for queued writes. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Export / import

export const LABEL_CSV_COLUMNS = [
  'Label_id', 'Lesion_id', 'Dataset', 'Reader', 'Status', 'Time', 'Model_version',
  'Measurement_coordinates', 'Lesion_diameters_Pixel_', 'Lesion_diameters_mm', 'Rough_box', 'Spacing_mm_px_',
  'Proposal_coordinates', 'Proposal_entropy', 'Proposal_entropies', 'Proposal_model_version', 'Proposal_source',
  'Proposal_calibrated',
] as const;

const nums = (v: readonly number[]): string => v.map((x) => String(x)).join(', ');
const len = (s: Recist['long'], sp: Spacing | null): number =>
  Math.hypot((s[1].x - s[0].x) * (sp?.x ?? 1), (s[1].y - s[0].y) * (sp?.y ?? 1));

/**
 * DeepLesion-style CSV: `Measurement_coordinates` is "x1, y1, x2, y2, x3, y3, x4, y4" (long axis then short axis,
 * pixels), `Lesion_diameters_Pixel_` "long, short", `Spacing_mm_px_` "x, y". Numbers are written so that they read
 * back exactly (`parseLabelsCsv` is the inverse).
 */
export function labelsToCsv(labels: readonly StoredLabel[]): string {
  const rows = labels.map((l) => [
    l.id, l.lesionId, l.dataset, l.reader, l.status, l.time, l.modelVersion ?? '',
    l.final ? nums(recistToNumbers(l.final)) : '',
    l.final ? nums([len(l.final.long, null), len(l.final.short, null)]) : '',
    l.final && l.spacing ? nums([len(l.final.long, l.spacing), len(l.final.short, l.spacing)]) : '',
    l.box ? nums([l.box.x1, l.box.y1, l.box.x2, l.box.y2]) : '',
    l.spacing ? nums([l.spacing.x, l.spacing.y]) : '',
    l.original ? nums(recistToNumbers(l.original.recist)) : '',
    l.original?.entropy != null ? String(l.original.entropy) : '',
    l.original?.entropies ? nums(l.original.entropies) : '',
    l.original?.modelVersion ?? '',
    l.original?.source ?? '',
    l.original?.calibrated === undefined ? '' : String(l.original.calibrated),
  ]);
  return stringifyCsv([[...LABEL_CSV_COLUMNS], ...rows]);
}

/** Reads a CSV written by `labelsToCsv` back into labels (validated); errors name the row and field. */
export function parseLabelsCsv(text: string, source = 'labels.csv'): StoredLabel[] {
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((row, i) => {
    const ctx = (field: string): string => `${source} row ${i + 1}: field ${field}`;
    const numbers = (field: string, n: number): number[] | null => {
      const v = row[field];
      if (v === undefined) throw new Error(`${ctx(field)} is missing`);
      if (v.trim() === '') return null;
      const out = v.split(',').map((s) => Number(s.trim()));
      if (out.length !== n || out.some((x) => !Number.isFinite(x))) throw new Error(`${ctx(field)} = "${v}" is not ${n} finite numbers`);
      return out;
    };
    const coords = numbers('Measurement_coordinates', 8);
    const box = numbers('Rough_box', 4);
    const spacing = numbers('Spacing_mm_px_', 2);
    const prop = numbers('Proposal_coordinates', 8);
    const entropies = numbers('Proposal_entropies', 4);
    const ent = row.Proposal_entropy?.trim() ? Number(row.Proposal_entropy) : null;
    const cal = row.Proposal_calibrated?.trim();
    if (cal && cal !== 'true' && cal !== 'false') throw new Error(`${ctx('Proposal_calibrated')} = "${cal}" is not true, false or empty`);
    const label = {
      id: row.Label_id, lesionId: row.Lesion_id, dataset: row.Dataset, reader: row.Reader, status: row.Status, time: row.Time,
      modelVersion: row.Model_version || null,
      final: coords ? recistFromNumbers(coords, ctx('Measurement_coordinates')) : null,
      box: box ? { x1: box[0], y1: box[1], x2: box[2], y2: box[3] } : null,
      spacing: spacing ? { x: spacing[0], y: spacing[1] } : null,
      original: prop ? {
        recist: recistFromNumbers(prop, ctx('Proposal_coordinates')), entropy: ent, entropies,
        modelVersion: row.Proposal_model_version || null, source: row.Proposal_source || 'client',
        ...(cal ? { calibrated: cal === 'true' } : {}),
      } : null,
    };
    const checked = storedLabelSchema.safeParse(label);
    if (!checked.success) throw new Error(`${source} row ${i + 1}: ${describeZodError(checked.error)}`);
    return checked.data;
  });
}

/** JSON export: schema version and labels (no reader token hashes). */
export function labelsToJson(labels: readonly StoredLabel[]): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, labels }, null, 2) + '\n';
}
