/**
 * SRs on their way to the PACS: each accepted label's SR is first written to an outbox folder (`<labels>/sr-outbox`,
 * `<SOP Instance UID>.dcm`), then stored with STOW-RS and removed from the outbox. When the server is down, slow or
 * refuses, the file stays and is sent again (at start, every `retryMs`, and after each save), so no measurement is
 * lost; the label store is never blocked by the PACS.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../data/png16.ts';
import type { StoredLabel } from '../server/schemas.ts';
import type { DicomwebDataset } from './datastore.ts';
import { labelSr } from './sr-export.ts';
import { readPart10, jsonString } from './dcmjs.ts';

export interface SrOutboxResult {
  readonly labelId: string;
  /** true: the SR is in the PACS; false: queued in the outbox (`message` says why). */
  readonly stored: boolean;
  readonly sopInstanceUid: string | null;
  readonly message: string;
}

export interface SrOutbox {
  readonly dir: string;
  /** Writes the label's SR to the outbox and tries to store it; never throws. */
  labelSaved(label: StoredLabel): Promise<SrOutboxResult | null>;
  /** Sends every SR still in the outbox; resolves the number still waiting. */
  flush(): Promise<number>;
  pending(): number;
  close(): void;
}

export function createSrOutbox(opts: {
  dataset: DicomwebDataset; labels: () => readonly StoredLabel[]; dir: string; log?: (m: string) => void; retryMs?: number;
}): SrOutbox {
  const { dataset, dir } = opts;
  const log = opts.log ?? (() => {});
  mkdirSync(dir, { recursive: true });
  let sending: Promise<number> | null = null;
  const files = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort();

  async function sendOne(file: string): Promise<void> {
    const path = join(dir, file);
    const bytes = new Uint8Array(readFileSync(path));
    const study = jsonString(readPart10(bytes, path, { headersOnly: true }).dict, '0020000D');
    if (!study) throw new Error(`${path}: field StudyInstanceUID is missing`);
    await dataset.client.store(study, [bytes]);
    rmSync(path, { force: true });
  }

  async function flushNow(): Promise<number> {
    for (const f of files()) {
      try {
        await sendOne(f);
        log(`SR ${f.replace(/\.dcm$/, '')} stored in ${dataset.client.url}`);
      } catch (err) {
        log(`SR ${f.replace(/\.dcm$/, '')} stays in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
        break; // the server is likely down: try the rest next time
      }
    }
    return files().length;
  }
  const flush = (): Promise<number> => {
    sending ??= flushNow().finally(() => { sending = null; });
    return sending;
  };
  const timer = setInterval(() => { if (files().length) void flush(); }, opts.retryMs ?? 30_000);
  timer.unref();
  if (files().length) void flush();

  return {
    dir, flush, pending: () => files().length,
    async labelSaved(label) {
      if (label.dataset !== dataset.id || label.status !== 'accepted' || !label.final) return null;
      const lesion = dataset.lesion(label.lesionId);
      if (!lesion) return null;
      let sop: string | null = null;
      try {
        const sr = labelSr(label, opts.labels(), dataset.source(lesion.sliceRef), {
          lossy: lesion.dicom?.lossy ?? null,
          ...(lesion.tracking ? { trackingUid: lesion.tracking.uid, ...(lesion.tracking.identifier ? { trackingIdentifier: lesion.tracking.identifier } : {}) } : {}),
        });
        sop = sr.uids.sopInstanceUid;
        writeFileAtomic(join(dir, `${sop}.dcm`), sr.bytes);
        if (sending) await sending.catch(() => 0);
        await sendOne(`${sop}.dcm`);
        void flush(); // earlier ones that waited
        return { labelId: label.id, stored: true, sopInstanceUid: sop, message: `SR stored in the PACS (${dataset.client.url})` };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        const queued = sop !== null && existsSync(join(dir, `${sop}.dcm`));
        log(`SR of label ${label.id}: ${why}`);
        return {
          labelId: label.id, stored: false, sopInstanceUid: sop,
          message: queued ? `label saved; SR not yet in the PACS, kept and sent again later: ${why}` : `label saved; no SR written: ${why}`,
        };
      }
    },
    close: () => clearInterval(timer),
  };
}
