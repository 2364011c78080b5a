/**
 * Which labels become SRs and with what links: the latest accepted label of each (dataset, lesion, reader) is the
 * reader's current measurement of that lesion; it supersedes the SR of their previous accepted label of the lesion
 * (Predecessor Documents Sequence), so a PACS or an importer keeps one current measurement per reader and lesion.
 */
import type { StoredLabel } from '../server/schemas.ts';
import { labelToSr, srUids, type SrOptions, type SrReference } from './sr.ts';
import type { SourceImage } from './source.ts';

const key = (l: StoredLabel): string => `${l.dataset}\u0000${l.lesionId}\u0000${l.reader}`;
const accepted = (l: StoredLabel): boolean => l.status === 'accepted' && l.final !== null;

/** The reader's accepted label of the same lesion saved just before `label` (store order), else null. */
export function previousAccepted(label: StoredLabel, labels: readonly StoredLabel[]): StoredLabel | null {
  let prev: StoredLabel | null = null;
  for (const l of labels) {
    if (l.id === label.id) return prev;
    if (accepted(l) && key(l) === key(label)) prev = l;
  }
  return prev;
}

/** The latest accepted label per (dataset, lesion, reader), in store order. */
export function currentAccepted(labels: readonly StoredLabel[], dataset?: string): StoredLabel[] {
  const last = new Map<string, StoredLabel>();
  for (const l of labels) if (accepted(l) && (dataset === undefined || l.dataset === dataset)) last.set(key(l), l);
  return [...last.values()];
}

export interface LabelSr {
  readonly label: StoredLabel;
  readonly bytes: Uint8Array;
  readonly uids: SrReference;
  readonly predecessor: SrReference | null;
  /** File name for an export folder: one file per lesion and reader (a re-export replaces it). */
  readonly fileName: string;
}

/** The SR of `label` (with its predecessor among `labels`) on `source`. */
export function labelSr(label: StoredLabel, labels: readonly StoredLabel[], source: SourceImage, opts: Omit<SrOptions, 'predecessor'> = {}): LabelSr {
  const prev = previousAccepted(label, labels);
  const predecessor = prev ? srUids(prev, source.studyInstanceUid) : null;
  const bytes = labelToSr(label, source, { ...opts, predecessor });
  const safe = (s: string): string => s.replace(/[^\w.-]/g, '_').slice(0, 100);
  return { label, bytes, uids: srUids(label, source.studyInstanceUid), predecessor, fileName: `${safe(label.lesionId)}_${safe(label.reader)}.dcm` };
}
