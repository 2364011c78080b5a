/**
 * Patients and time points: each lesion's study becomes a time point of its patient, studies ordered in time
 * (0 = baseline, the earliest). Where a study comes from:
 * - DeepLesion: `Patient_index` / `Study_index` (a patient's studies are numbered in time order; on the dev pairs the
 *   patients' ages agree), {@link deepLesionStudy};
 * - DICOM: PatientID, StudyDate (YYYYMMDD), StudyInstanceUID;
 * - NIfTI: a folder per patient and a sub-folder per study named by its date, `<patient>/<YYYYMMDD>[_anything]/<file>.nii[.gz]`,
 *   {@link studyFromPath}.
 */

/** One study of a patient. `date` (YYYYMMDD or ISO 8601) orders first, then `order`, then the study id. */
export interface StudyRef {
  readonly patient: string;
  readonly study: string;
  readonly date?: string | null;
  readonly order?: number | null;
}

const studyKey = (patient: string, study: string): string => `${patient}\u0000${study}`;

/** A date as YYYYMMDD digits (from YYYYMMDD or ISO 8601), or null. Throws on a malformed one, naming it. */
export function normalizeStudyDate(date: string | null | undefined, context = 'study date'): string | null {
  if (date === null || date === undefined || date.trim() === '') return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(date.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) {
    throw new Error(`${context} ${JSON.stringify(date)} is not a date (YYYYMMDD or YYYY-MM-DD)`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

/** Time point of every (patient, study): 0 for the earliest study of each patient, then 1, 2, … */
export function assignTimepoints(studies: readonly StudyRef[]): (patient: string, study: string) => number {
  const per = new Map<string, Map<string, StudyRef & { day: string | null }>>();
  for (const s of studies) {
    const list = per.get(s.patient) ?? new Map();
    const day = normalizeStudyDate(s.date, `patient ${s.patient} study ${s.study}: date`);
    const prev = list.get(s.study);
    if (prev && prev.day !== day) throw new Error(`patient ${s.patient} study ${s.study}: two dates, ${prev.day} and ${day}`);
    list.set(s.study, { ...s, day });
    per.set(s.patient, list);
  }
  const index = new Map<string, number>();
  for (const [patient, list] of per) {
    const sorted = [...list.values()].sort((a, b) =>
      (a.day ?? '99999999').localeCompare(b.day ?? '99999999') || (a.order ?? Infinity) - (b.order ?? Infinity) || a.study.localeCompare(b.study, 'en', { numeric: true }));
    sorted.forEach((s, i) => index.set(studyKey(patient, s.study), i));
  }
  return (patient, study) => {
    const t = index.get(studyKey(patient, study));
    if (t === undefined) throw new Error(`patient ${patient} study ${study}: not among the studies given`);
    return t;
  };
}

/** A DeepLesion record's study: patient `000069`, study `2`, ordered by Study_index. */
export function deepLesionStudy(r: { readonly patientIndex: number; readonly studyIndex: number }): StudyRef {
  return { patient: String(r.patientIndex).padStart(6, '0'), study: String(r.studyIndex), order: r.studyIndex };
}

/** The NIfTI folder convention `<patient>/<YYYYMMDD>[_anything]/<file>`: patient, study (the folder) and its date. */
export function studyFromPath(path: string): StudyRef {
  const parts = path.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  if (parts.length < 3) throw new Error(`${path}: expected <patient>/<YYYYMMDD>[_anything]/<file> for a study of a patient`);
  const [patient, study] = parts.slice(-3, -1);
  const m = /^(\d{8})(?:[_-].*)?$/.exec(study);
  if (!m) throw new Error(`${path}: study folder ${JSON.stringify(study)} does not start with its date YYYYMMDD`);
  return { patient, study, date: normalizeStudyDate(m[1], `${path}: study folder date`) };
}
