/**
 * Types of the RECIST 1.1 response assessment (Eisenhauer et al., Eur J Cancer 2009): the lesions a reader picked and
 * measured at each time point of a patient, and the per-time-point result. Lengths are in millimetres.
 */

/** `target`: measured and summed; `non-target`: followed by status; `new`: a lesion first seen at a follow-up. */
export type LesionKind = 'target' | 'non-target' | 'new';
export const LESION_KINDS: readonly LesionKind[] = ['target', 'non-target', 'new'];

/** Non-target status (`progression` = unequivocal progression); new lesions are `present`. */
export type LesionStatus = 'present' | 'absent' | 'progression';
export const LESION_STATUSES: readonly LesionStatus[] = ['present', 'absent', 'progression'];

/** One lesion at one time point (one row of the measurements CSV). */
export interface LesionRow {
  readonly patient: string;
  /** 0 is the baseline; follow-ups count up in time order. */
  readonly timepoint: number;
  /** The lesion's id, the same at every time point (it tracks the lesion). */
  readonly lesion: string;
  readonly kind: LesionKind;
  /** Organ (at most 2 targets per organ). May be empty for non-target and new lesions. */
  readonly organ: string;
  /** A lymph node: its short axis is summed (target ≥ 15 mm at baseline, normal < 10 mm). */
  readonly nodal: boolean;
  /** Long axis, mm; 0 = disappeared; null = not evaluable (or not measured, for non-targets). */
  readonly longMm: number | null;
  /** Short axis, mm; same conventions. */
  readonly shortMm: number | null;
  /** Non-target and new lesions; null for targets and for a non-target not assessed (→ NE). */
  readonly status: LesionStatus | null;
  /** Where the row came from (`m.csv row 3`), for messages. */
  readonly source?: string;
}

export type TargetResponse = 'CR' | 'PR' | 'SD' | 'PD' | 'NE';
export type NonTargetResponse = 'CR' | 'non-CR/non-PD' | 'PD' | 'NE';
/** Table 4 (targets ± non-targets) gives CR/PR/SD/PD/NE; Table 5 (non-targets only) adds non-CR/non-PD. */
export type OverallResponse = 'CR' | 'PR' | 'SD' | 'non-CR/non-PD' | 'PD' | 'NE';

/**
 * The relative spread of a re-measurement (95 % limits, percent of the measured length): a second reader's length
 * lies within [L·(1 + lowPct/100), L·(1 + highPct/100)].
 */
export interface InterReaderBand {
  readonly lowPct: number;
  readonly highPct: number;
}

/** Yoon et al. 2016 (meta-analysis of RECIST measurement variability): inter-reader 95 % limits about −22 % to +25 %. */
export const YOON_2016_BAND: InterReaderBand = { lowPct: -22, highPct: 25 };

/** The assessment of one patient at one time point. */
export interface TimepointResult {
  readonly patient: string;
  readonly timepoint: number;
  /** Sum of the measured targets' diameters (long axis, short axis for nodes); null when there are no targets. */
  readonly sumMm: number | null;
  readonly baselineSumMm: number | null;
  /** The smallest fully measured sum before this time point (baseline included); null at baseline. */
  readonly nadirMm: number | null;
  readonly changeFromBaselinePct: number | null;
  readonly changeFromNadirPct: number | null;
  /** null at baseline and for patients without targets. */
  readonly targetResponse: TargetResponse | null;
  /** null at baseline and for patients without non-target lesions. */
  readonly nonTargetResponse: NonTargetResponse | null;
  /** New lesions present at this time point (ids). */
  readonly newLesions: readonly string[];
  /** `baseline` at time point 0. */
  readonly overallResponse: OverallResponse | 'baseline';
  /** Targets that could not be evaluated at this time point (missing row or empty length). */
  readonly notEvaluable: readonly string[];
  /** The overall responses a re-measurement within the band could give instead (empty: it could not flip). */
  readonly flipTo: readonly OverallResponse[];
}

/** A broken RECIST 1.1 selection or consistency rule. */
export interface RuleViolation {
  readonly patient: string;
  readonly timepoint: number | null;
  readonly lesion: string | null;
  /** A short stable name, e.g. `target-too-small`, `too-many-targets`. */
  readonly rule: string;
  readonly message: string;
}
