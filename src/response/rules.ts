/**
 * RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009) as pure functions: the selection rules ({@link checkRules}), the
 * sum of diameters, nadir, target / non-target / overall response per time point ({@link assessResponse}), and
 * whether a re-measurement within an inter-reader band could change the overall response.
 *
 * Rules as coded (each has a test in test/response/rules.test.ts):
 * - Sum: long axis of non-nodal targets, short axis of nodal ones. A target with no length (empty) at a follow-up is
 *   not evaluable; so is a baseline target without a row at that follow-up.
 * - Nadir: the smallest fully measured sum at an earlier time point, the baseline included.
 * - Target CR: every non-nodal target 0 mm and every nodal target's short axis < 10 mm (the sum need not be 0).
 *   PD: sum ≥ 1.2 × nadir and sum − nadir ≥ 5 mm; also any target back above the CR limits after a CR time point
 *   (the reappearance rule). PR: sum ≤ 0.7 × baseline (−30 % exactly is PR). SD otherwise. CR is tested before PD,
 *   so nodes that stay under 10 mm are CR whatever their sum does.
 *   Not all targets evaluable: PD if the measured ones already give PD, else NE.
 * - Non-target: any `progression` → PD; any not assessed → NE; all `absent` → CR; else non-CR/non-PD.
 * - New lesions: any row of kind `new` at the time point.
 * - Overall, Table 4 (targets at baseline): PD if target PD, non-target PD or a new lesion; NE if targets NE; target CR
 *   gives CR with non-target CR (or none), PR otherwise; target PR → PR; SD → SD. Table 5 (non-targets only): PD,
 *   CR, non-CR/non-PD or NE from the non-target response and new lesions.
 * - Could flip: the time point's target lengths all scaled by 1 + lowPct/100 and by 1 + highPct/100 (one reader
 *   measuring every lesion longer, or shorter: the band's worst case), the baselines and nadir as measured; the
 *   overall responses those give that differ from the measured one. The categories are monotone in that scale, so the
 *   two ends find every reachable one.
 */
import type {
  InterReaderBand, LesionRow, NonTargetResponse, OverallResponse, RuleViolation, TargetResponse, TimepointResult,
} from './types.ts';
import { YOON_2016_BAND } from './types.ts';

/** RECIST 1.1's numbers. */
export const RECIST11 = {
  /** Non-nodal target: long axis ≥ 10 mm (CT, slice thickness ≤ 5 mm). */
  minTargetLongMm: 10,
  /** Nodal target: short axis ≥ 15 mm. */
  minNodalTargetShortMm: 15,
  /** Pathological node (non-target): short axis ≥ 10 mm; below, normal (and nodal CR). */
  pathologicalNodeShortMm: 10,
  maxTargets: 5,
  maxTargetsPerOrgan: 2,
  /** PR: ≥ 30 % decrease from baseline. */
  prDecreasePct: 30,
  /** PD: ≥ 20 % increase from nadir and ≥ 5 mm absolute. */
  pdIncreasePct: 20,
  pdAbsoluteMm: 5,
} as const;

/** Relative tolerance of the threshold comparisons (so −30 % computed in floating point is −30 %). */
const EPS = 1e-9;

const key = (r: { patient: string; timepoint: number; lesion: string }): string => `${r.patient}\u0000${r.timepoint}\u0000${r.lesion}`;
const where = (r: LesionRow): string => r.source ?? `patient ${r.patient} time point ${r.timepoint} lesion ${r.lesion}`;

/** The length RECIST sums for a target: short axis of a node, long axis otherwise (null: not evaluable). */
export function targetDiameter(r: LesionRow): number | null {
  return r.nodal ? r.shortMm : r.longMm;
}

/** Rows by patient, patients in first-seen order. */
export function byPatient<T extends { readonly patient: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.patient);
    if (list) list.push(r);
    else out.set(r.patient, [r]);
  }
  return out;
}

/**
 * The RECIST 1.1 rules a patient's lesions break: baseline present, measurable targets (≥ 10 mm long axis; nodes
 * ≥ 15 mm short axis), at most 5 targets and 2 per organ, pathological nodal non-targets (≥ 10 mm short axis when
 * measured), no new lesion at baseline, the same lesion keeps its kind / node flag / organ, follow-up targets and
 * non-targets chosen at baseline, short axis ≤ long axis. Duplicate rows are an error in the input, not a rule
 * (see parseMeasurementsCsv).
 */
export function checkRules(rows: readonly LesionRow[]): RuleViolation[] {
  const out: RuleViolation[] = [];
  const v = (r: LesionRow | null, patient: string, rule: string, message: string): void => {
    out.push({ patient, timepoint: r ? r.timepoint : null, lesion: r ? r.lesion : null, rule, message });
  };
  for (const [patient, list] of byPatient(rows)) {
    const baseline = list.filter((r) => r.timepoint === 0);
    if (baseline.length === 0) {
      v(null, patient, 'no-baseline', `patient ${patient}: no time point 0 (baseline) rows`);
      continue;
    }
    const atBaseline = new Map(baseline.map((r) => [r.lesion, r]));
    const targets = baseline.filter((r) => r.kind === 'target');
    for (const r of baseline) {
      if (r.kind === 'new') v(r, patient, 'new-at-baseline', `${where(r)}: lesion ${r.lesion} is "new" at baseline; baseline lesions are target or non-target`);
      if (r.kind === 'target') {
        const d = targetDiameter(r);
        if (r.nodal) {
          if (d === null || d < RECIST11.minNodalTargetShortMm) {
            v(r, patient, 'target-too-small', `${where(r)}: nodal target ${r.lesion} short axis ${d ?? 'empty'} mm, a nodal target needs ≥ ${RECIST11.minNodalTargetShortMm} mm at baseline`);
          }
        } else if (d === null || d < RECIST11.minTargetLongMm) {
          v(r, patient, 'target-too-small', `${where(r)}: target ${r.lesion} long axis ${d ?? 'empty'} mm, a target needs ≥ ${RECIST11.minTargetLongMm} mm at baseline`);
        }
        if (r.organ.trim() === '') v(r, patient, 'target-organ-missing', `${where(r)}: target ${r.lesion} has no organ (at most ${RECIST11.maxTargetsPerOrgan} targets per organ)`);
      }
      if (r.kind === 'non-target' && r.nodal && r.shortMm !== null && r.shortMm < RECIST11.pathologicalNodeShortMm) {
        v(r, patient, 'node-not-pathological', `${where(r)}: nodal non-target ${r.lesion} short axis ${r.shortMm} mm < ${RECIST11.pathologicalNodeShortMm} mm is a normal node, not a lesion`);
      }
    }
    if (targets.length > RECIST11.maxTargets) {
      v(null, patient, 'too-many-targets', `patient ${patient}: ${targets.length} targets at baseline (${targets.map((t) => t.lesion).join(', ')}), at most ${RECIST11.maxTargets}`);
    }
    const perOrgan = new Map<string, string[]>();
    for (const t of targets) {
      const o = t.organ.trim().toLowerCase();
      if (o === '') continue;
      perOrgan.set(o, [...(perOrgan.get(o) ?? []), t.lesion]);
    }
    for (const [organ, ids] of perOrgan) {
      if (ids.length > RECIST11.maxTargetsPerOrgan) {
        v(null, patient, 'too-many-targets-in-organ', `patient ${patient}: ${ids.length} targets in organ ${organ} (${ids.join(', ')}), at most ${RECIST11.maxTargetsPerOrgan} per organ`);
      }
    }
    for (const r of list) {
      if (r.longMm !== null && r.shortMm !== null && r.shortMm > r.longMm + EPS) {
        v(r, patient, 'short-longer-than-long', `${where(r)}: lesion ${r.lesion} short axis ${r.shortMm} mm > long axis ${r.longMm} mm`);
      }
      if (r.timepoint === 0) continue;
      const b = atBaseline.get(r.lesion);
      if (r.kind === 'new') {
        if (b) v(r, patient, 'new-lesion-at-baseline', `${where(r)}: "new" lesion ${r.lesion} was already recorded at baseline as ${b.kind}`);
        continue;
      }
      if (!b) {
        v(r, patient, `${r.kind}-not-at-baseline`, `${where(r)}: ${r.kind} ${r.lesion} was not chosen at baseline; a lesion first seen at a follow-up is "new"`);
        continue;
      }
      if (b.kind !== r.kind) v(r, patient, 'kind-changed', `${where(r)}: lesion ${r.lesion} is ${r.kind} here but ${b.kind} at baseline`);
      if (b.nodal !== r.nodal) v(r, patient, 'nodal-changed', `${where(r)}: lesion ${r.lesion} nodal ${r.nodal ? 1 : 0} here but ${b.nodal ? 1 : 0} at baseline`);
      if (b.organ.trim().toLowerCase() !== r.organ.trim().toLowerCase()) v(r, patient, 'organ-changed', `${where(r)}: lesion ${r.lesion} organ "${r.organ}" here but "${b.organ}" at baseline`);
    }
  }
  return out;
}

/** The targets' diameters at one time point, in the baseline's order (null: not evaluable). */
interface TargetValues {
  readonly ids: readonly string[];
  readonly nodal: readonly boolean[];
  readonly values: readonly (number | null)[];
}

const sumOf = (values: readonly (number | null)[]): number => values.reduce<number>((a, x) => a + (x ?? 0), 0);

function isComplete(values: readonly (number | null)[]): boolean {
  return values.every((x) => x !== null);
}

function isTargetCr(t: TargetValues, values: readonly (number | null)[]): boolean {
  return values.every((x, i) => x !== null && (t.nodal[i] ? x < RECIST11.pathologicalNodeShortMm : x === 0));
}

function isPd(sum: number, nadir: number): boolean {
  return sum >= nadir * (1 + RECIST11.pdIncreasePct / 100) - EPS * Math.max(1, nadir)
    && sum - nadir >= RECIST11.pdAbsoluteMm - EPS * Math.max(1, nadir);
}

/**
 * Target response of one time point from its diameters, the baseline sum, the nadir and whether an earlier time
 * point was a target CR (then any target back above the CR limits is PD).
 */
export function targetResponseOf(t: TargetValues, values: readonly (number | null)[], baselineSum: number, nadir: number, afterCr: boolean): TargetResponse {
  const sum = sumOf(values);
  if (!isComplete(values)) return isPd(sum, nadir) ? 'PD' : 'NE';
  if (isTargetCr(t, values)) return 'CR';
  if (afterCr) return 'PD';
  if (isPd(sum, nadir)) return 'PD';
  if (sum <= baselineSum * (1 - RECIST11.prDecreasePct / 100) + EPS * Math.max(1, baselineSum)) return 'PR';
  return 'SD';
}

/** Non-target response from the statuses of the baseline non-targets at one time point (null: not assessed). */
export function nonTargetResponseOf(statuses: readonly (LesionRow['status'])[]): NonTargetResponse | null {
  if (statuses.length === 0) return null;
  if (statuses.some((s) => s === 'progression')) return 'PD';
  if (statuses.some((s) => s === null)) return 'NE';
  if (statuses.every((s) => s === 'absent')) return 'CR';
  return 'non-CR/non-PD';
}

/** Overall response, RECIST 1.1 Table 4 (with targets) or Table 5 (non-targets only). */
export function overallResponseOf(target: TargetResponse | null, nonTarget: NonTargetResponse | null, newLesions: boolean): OverallResponse {
  if (newLesions || target === 'PD' || nonTarget === 'PD') return 'PD';
  if (target === null) {
    if (nonTarget === null) return 'NE'; // no disease followed at baseline: nothing to assess
    return nonTarget;
  }
  if (target === 'NE') return 'NE';
  if (target === 'CR') return nonTarget === null || nonTarget === 'CR' ? 'CR' : 'PR';
  return target;
}

const pct = (x: number, ref: number | null): number | null => (ref === null || ref === 0 ? null : ((x - ref) / ref) * 100);

/** Assesses one patient's time points (rows of one patient; time point 0 must exist). */
export function assessPatient(rows: readonly LesionRow[], band: InterReaderBand = YOON_2016_BAND): TimepointResult[] {
  if (rows.length === 0) return [];
  const patient = rows[0].patient;
  const cell = new Map(rows.map((r) => [key(r), r]));
  const baseline = rows.filter((r) => r.timepoint === 0);
  if (baseline.length === 0) throw new Error(`patient ${patient}: no time point 0 (baseline) rows`);
  const targets = baseline.filter((r) => r.kind === 'target');
  const nonTargets = baseline.filter((r) => r.kind === 'non-target');
  const t: TargetValues = { ids: targets.map((r) => r.lesion), nodal: targets.map((r) => r.nodal), values: targets.map(targetDiameter) };
  const timepoints = [...new Set(rows.map((r) => r.timepoint))].sort((a, b) => a - b);
  const baselineSum = targets.length > 0 ? sumOf(t.values) : null;

  const out: TimepointResult[] = [];
  let nadir = baselineSum;
  let afterCr = false;
  for (const tp of timepoints) {
    const here = (lesion: string): LesionRow | undefined => cell.get(key({ patient, timepoint: tp, lesion }));
    const values = t.ids.map((id) => { const r = here(id); return r ? targetDiameter(r) : null; });
    const sum = targets.length > 0 ? sumOf(values) : null;
    const notEvaluable = t.ids.filter((_, i) => values[i] === null);
    const newLesions = rows.filter((r) => r.timepoint === tp && r.kind === 'new').map((r) => r.lesion);
    if (tp === 0) {
      out.push({
        patient, timepoint: 0, sumMm: sum, baselineSumMm: baselineSum, nadirMm: null, changeFromBaselinePct: null,
        changeFromNadirPct: null, targetResponse: null, nonTargetResponse: null, newLesions, overallResponse: 'baseline',
        notEvaluable, flipTo: [],
      });
      continue;
    }
    const nonTarget = nonTargetResponseOf(nonTargets.map((r) => here(r.lesion)?.status ?? null));
    const respond = (scale: number): { target: TargetResponse | null; overall: OverallResponse } => {
      const target = targets.length > 0 && baselineSum !== null && nadir !== null
        ? targetResponseOf(t, values.map((x) => (x === null ? null : x * scale)), baselineSum, nadir, afterCr)
        : null;
      return { target, overall: overallResponseOf(target, nonTarget, newLesions.length > 0) };
    };
    const measured = respond(1);
    const flipTo = [...new Set([respond(1 + band.lowPct / 100).overall, respond(1 + band.highPct / 100).overall])]
      .filter((o) => o !== measured.overall);
    out.push({
      patient, timepoint: tp, sumMm: sum, baselineSumMm: baselineSum, nadirMm: targets.length > 0 ? nadir : null,
      changeFromBaselinePct: sum === null ? null : pct(sum, baselineSum),
      changeFromNadirPct: sum === null ? null : pct(sum, nadir),
      targetResponse: measured.target, nonTargetResponse: nonTarget, newLesions, overallResponse: measured.overall,
      notEvaluable, flipTo,
    });
    if (sum !== null && isComplete(values)) nadir = nadir === null ? sum : Math.min(nadir, sum);
    if (measured.target === 'CR') afterCr = true;
  }
  return out;
}

/** Assesses every patient (patients in first-seen order, time points ascending). */
export function assessResponse(rows: readonly LesionRow[], band: InterReaderBand = YOON_2016_BAND): TimepointResult[] {
  return [...byPatient(rows).values()].flatMap((list) => assessPatient(list, band));
}
