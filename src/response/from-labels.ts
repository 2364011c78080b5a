/**
 * The measurements CSV (`recist response`'s input) from the label store: each lesion's role is an *assignment*
 * (which patient, study and tracked lesion it is, target / non-target / new, organ, node, non-target status), kept in
 * `<labels>/response.json` next to `labels.json`; its lengths come from the latest accepted label of that lesion
 * (mm through the label's pixel spacing). Pure: the caller reads the files.
 *
 * response.json: `{ "assignments": [ { "dataset", "lesionId", "patient", "study", "date"?, "lesion", "kind",
 * "organ"?, "nodal"?, "status"? } ] }` — `lesionId` is the label store's lesion (one mark on one slice), `lesion` the
 * id that tracks the same lesion across studies.
 */
import { z } from 'zod';
import { axisLengthsMm } from '../geometry/recist.ts';
import type { Recist, Spacing } from '../geometry/types.ts';
import { stringify } from 'csv-stringify/sync';
import { MEASUREMENT_COLUMNS } from './csv.ts';
import { assignTimepoints } from './timepoints.ts';
import type { LesionRow } from './types.ts';
import { LESION_KINDS, LESION_STATUSES } from './types.ts';

export const assignmentSchema = z.object({
  dataset: z.string(),
  lesionId: z.string().min(1),
  patient: z.string().min(1),
  study: z.string().min(1),
  date: z.string().nullable().optional(),
  lesion: z.string().min(1),
  kind: z.enum(LESION_KINDS as [LesionRow['kind'], ...LesionRow['kind'][]]),
  organ: z.string().default(''),
  nodal: z.boolean().default(false),
  status: z.enum(LESION_STATUSES as [NonNullable<LesionRow['status']>, ...NonNullable<LesionRow['status']>[]]).nullable().optional(),
}).strict();
export type Assignment = z.infer<typeof assignmentSchema>;
export const assignmentsFileSchema = z.object({ assignments: z.array(assignmentSchema) }).strict();

/** Validates a parsed response.json; the error names the file, the assignment and the field. */
export function parseAssignments(data: unknown, source = 'response.json'): Assignment[] {
  const r = assignmentsFileSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${source}: ${i.path.length ? `field ${i.path.join('.')}` : 'file'} ${i.message}`);
  }
  return r.data.assignments;
}

/** What is needed of a stored label. */
export interface LabelLike {
  readonly lesionId: string;
  readonly dataset: string;
  readonly status: string;
  readonly final: Recist | null;
  readonly spacing: Spacing | null;
  readonly time: string;
}

/**
 * Lesion rows from assignments and labels. Targets without an accepted label (or without spacing) get empty lengths
 * (not evaluable); a lesion assigned twice for one study is an error naming both.
 */
export function measurementsFromLabels(assignments: readonly Assignment[], labels: readonly LabelLike[], source = 'response.json'): LesionRow[] {
  const latest = new Map<string, LabelLike>();
  for (const l of labels) {
    if (l.status !== 'accepted' || !l.final) continue;
    const k = `${l.dataset}\u0000${l.lesionId}`;
    const prev = latest.get(k);
    if (!prev || prev.time <= l.time) latest.set(k, l);
  }
  const tp = assignTimepoints(assignments.map((a) => ({ patient: a.patient, study: a.study, date: a.date ?? null })));
  const seen = new Map<string, number>();
  return assignments.map((a, i): LesionRow => {
    const timepoint = tp(a.patient, a.study);
    const k = `${a.patient}\u0000${timepoint}\u0000${a.lesion}`;
    const dup = seen.get(k);
    if (dup !== undefined) throw new Error(`${source}: assignments ${dup + 1} and ${i + 1} are both lesion ${a.lesion} of patient ${a.patient} in study ${a.study}`);
    seen.set(k, i);
    const label = latest.get(`${a.dataset}\u0000${a.lesionId}`);
    const mm = label?.final && label.spacing ? axisLengthsMm(label.final, label.spacing) : null;
    const measured = a.kind !== 'new' && (a.kind === 'target' || a.nodal);
    return {
      patient: a.patient, timepoint, lesion: a.lesion, kind: a.kind, organ: a.organ, nodal: a.nodal,
      longMm: measured && mm ? mm.long : null, shortMm: measured && mm ? mm.short : null,
      status: a.kind === 'new' ? 'present' : a.kind === 'non-target' ? (a.status ?? null) : null,
      source: `${source} assignment ${i + 1}`,
    };
  });
}

/** The measurements CSV text (lengths to 0.01 mm), rows by patient, time point, then lesion. */
export function formatMeasurementsCsv(rows: readonly LesionRow[]): string {
  const sorted = [...rows].sort((a, b) => a.patient.localeCompare(b.patient) || a.timepoint - b.timepoint || a.lesion.localeCompare(b.lesion));
  const len = (x: number | null): string => (x === null ? '' : String(Number(x.toFixed(2))));
  return stringify([[...MEASUREMENT_COLUMNS], ...sorted.map((r) => [
    r.patient, String(r.timepoint), r.lesion, r.kind, r.organ, r.nodal ? '1' : '0', len(r.longMm), len(r.shortMm), r.status ?? '',
  ])]);
}
