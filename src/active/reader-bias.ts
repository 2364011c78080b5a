/**
 * Per-reader systematic differences and per-reader calibration of the site model.
 *
 * Bias: from lesions read by ≥ 2 readers, each reader's marks are compared with the mean of the OTHER readers on the
 * same lesion: signed long/short length difference (mm when the label has a pixel spacing, else px) and in % of the
 * others' mean, and the signed rotation of the long axis (degrees, image coordinates: x right, y down, so a positive
 * angle turns clockwise on screen), axial (an axis has no direction: wrapped to (−90°, 90°]).
 *
 * Calibration: per reader, a length scale per axis (each about its own midpoint) and one rotation offset about the
 * long-axis midpoint, fitted on that reader's (proposal, correction) pairs and shrunk toward the identity when pairs
 * are few.
 * Applied to proposals shown to that reader (`applyCalibration`).
 */
import { axisLengthsMm, recistCenter, mapRecist, scaleAxes, segmentAngle as angleOf } from '../geometry/recist.ts';
import type { Recist, Spacing } from '../geometry/types.ts';

export interface ReaderMark {
  readonly lesionId: string;
  readonly reader: string;
  readonly recist: Recist;
  readonly spacing: Spacing | null;
}

export interface MeanSd {
  readonly mean: number;
  readonly sd: number;
}

export interface ReaderBias {
  readonly reader: string;
  /** Lesions this reader shares with at least one other reader. */
  readonly n: number;
  /** 'mm' when every compared label had a spacing, else 'px'. */
  readonly unit: 'mm' | 'px';
  readonly longDiff: MeanSd;
  readonly longDiffPct: MeanSd;
  readonly shortDiff: MeanSd;
  readonly shortDiffPct: MeanSd;
  readonly rotationDeg: MeanSd;
}

const DEG = 180 / Math.PI;

/** Wrap an axial angle difference (radians) to (−π/2, π/2]. */
export function wrapAxial(a: number): number {
  let x = a % Math.PI;
  if (x > Math.PI / 2) x -= Math.PI;
  if (x <= -Math.PI / 2) x += Math.PI;
  return x;
}

/** Mean direction of undirected axes (radians), via the doubled-angle trick. */
export function axialMean(angles: readonly number[]): number {
  const c = angles.reduce((a, t) => a + Math.cos(2 * t), 0), s = angles.reduce((a, t) => a + Math.sin(2 * t), 0);
  return Math.atan2(s, c) / 2;
}

function meanSd(v: readonly number[]): MeanSd {
  if (v.length === 0) return { mean: NaN, sd: NaN };
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return { mean: m, sd };
}

/** Each reader's bias against the others. With several marks of one reader on a lesion, the last one counts. */
export function readerBias(marks: readonly ReaderMark[]): ReaderBias[] {
  const byLesion = new Map<string, Map<string, ReaderMark>>();
  for (const m of marks) {
    let readers = byLesion.get(m.lesionId);
    if (!readers) byLesion.set(m.lesionId, (readers = new Map()));
    readers.set(m.reader, m);
  }
  const acc = new Map<string, { long: number[]; longPct: number[]; short: number[]; shortPct: number[]; rot: number[]; px: boolean }>();
  for (const readers of byLesion.values()) {
    if (readers.size < 2) continue;
    const all = [...readers.values()];
    const spacingOf = (m: ReaderMark): Spacing => m.spacing ?? { x: 1, y: 1 };
    const anyPx = all.some((m) => !m.spacing);
    const len = all.map((m) => axisLengthsMm(m.recist, anyPx ? { x: 1, y: 1 } : spacingOf(m)));
    all.forEach((m, i) => {
      const others = all.map((_, j) => j).filter((j) => j !== i);
      const refLong = others.reduce((a, j) => a + len[j].long, 0) / others.length;
      const refShort = others.reduce((a, j) => a + len[j].short, 0) / others.length;
      const refAngle = axialMean(others.map((j) => angleOf(all[j].recist.long)));
      let a = acc.get(m.reader);
      if (!a) acc.set(m.reader, (a = { long: [], longPct: [], short: [], shortPct: [], rot: [], px: false }));
      a.px ||= anyPx;
      a.long.push(len[i].long - refLong);
      a.short.push(len[i].short - refShort);
      if (refLong > 0) a.longPct.push((100 * (len[i].long - refLong)) / refLong);
      if (refShort > 0) a.shortPct.push((100 * (len[i].short - refShort)) / refShort);
      a.rot.push(wrapAxial(angleOf(m.recist.long) - refAngle) * DEG);
    });
  }
  return [...acc.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([reader, a]) => ({
    reader, n: a.long.length, unit: a.px ? 'px' : 'mm',
    longDiff: meanSd(a.long), longDiffPct: meanSd(a.longPct), shortDiff: meanSd(a.short), shortDiffPct: meanSd(a.shortPct),
    rotationDeg: meanSd(a.rot),
  }));
}

// -------------------------------------------------------------------------------------------------- calibration

export interface ReaderCalibration {
  readonly reader: string;
  /** Long-axis length scale, about the long axis's midpoint (1 = none). */
  readonly longScale: number;
  /** Short-axis length scale, about the short axis's midpoint (1 = none): readers bias the two axes differently. */
  readonly shortScale: number;
  /** Rotation offset in degrees (image coordinates, positive = clockwise on screen). */
  readonly rotationDeg: number;
  /** Pairs it was fitted on. */
  readonly n: number;
  /** The unshrunk fit, for display. */
  readonly raw: { readonly longScale: number; readonly shortScale: number; readonly rotationDeg: number };
}

export interface CalibrationOptions {
  /** Below this many pairs the calibration is the identity (default 3). */
  readonly minPairs?: number;
  /** Shrinkage toward identity: weight n / (n + prior) (default 5 pairs). */
  readonly prior?: number;
}

export const IDENTITY_CALIBRATION = (reader: string): ReaderCalibration =>
  ({ reader, longScale: 1, shortScale: 1, rotationDeg: 0, n: 0, raw: { longScale: 1, shortScale: 1, rotationDeg: 0 } });

/** Whether a calibration changes marks at all. */
export function isIdentityCalibration(cal: Pick<ReaderCalibration, 'longScale' | 'shortScale' | 'rotationDeg'>): boolean {
  return cal.longScale === 1 && cal.shortScale === 1 && cal.rotationDeg === 0;
}

/**
 * How far a mean bias stands out of its own noise, as an empirical-Bayes weight: with the spread of true biases
 * estimated from this one mean as max(0, m² − se²), the posterior weight of the mean is max(0, 1 − se²/m²) (se: its
 * standard error). 1 below 2 values (no spread to judge by); 0 for a mean of exactly 0.
 */
export function evidenceWeight(values: readonly number[]): number {
  if (values.length < 2) return 1;
  const { mean, sd } = meanSd(values);
  if (mean === 0) return 0;
  return Math.max(0, 1 - (sd * sd) / values.length / (mean * mean));
}

/**
 * Only lesions the reader measured with short/long below this tell their rotation: on a rounder lesion the long axis a
 * reader picks is close to arbitrary (the read-out treats the same ratio as round, ModelConfig.boxOrientationRatio), and
 * the mean of such rotations over a few corrections is noise that would turn every later proposal. 2026-11-27: a site
 * calibration on 8 entropy-first picks of synthetic lesions turned the test proposals enough to cost 1.5 px of long-axis
 * location (reports/al-sim/site-longer-calibration, before this rule).
 */
export const ROTATION_MAX_RATIO = 0.75;

/**
 * Fit one reader's calibration on (model proposal, that reader's correction) pairs: per axis, the geometric mean of the
 * per-pair length ratios (final / proposal, long and short axes separately: a proportional bias, estimated in log space
 * so that every lesion counts alike whatever its size), and the axial mean of the long-axis rotation (correction −
 * proposal) over the elongated lesions (`ROTATION_MAX_RATIO`). Each is shrunk toward the identity by n / (n + prior)
 * (n: the pairs it was fitted on; no rotation from fewer than minPairs elongated lesions) and by its `evidenceWeight`
 * (of the per-pair log length ratios, of the per-pair rotations), so that a bias no larger than its own noise is not
 * applied: a handful of corrections of an unbiased reader would otherwise add their noise to every later proposal.
 */
export function fitReaderCalibration(
  reader: string, pairs: readonly { readonly proposal: Recist; readonly final: Recist }[], opts: CalibrationOptions = {},
): ReaderCalibration {
  const minPairs = opts.minPairs ?? 3, prior = opts.prior ?? 5;
  const n = pairs.length;
  if (n < minPairs) return { ...IDENTITY_CALIBRATION(reader), n };
  const rot: number[] = [], logLong: number[] = [], logShort: number[] = [];
  for (const { proposal, final } of pairs) {
    const p = axisLengthsMm(proposal, { x: 1, y: 1 }), f = axisLengthsMm(final, { x: 1, y: 1 });
    if (p.long > 0 && f.long > 0) logLong.push(Math.log(f.long / p.long));
    if (p.short > 0 && f.short > 0) logShort.push(Math.log(f.short / p.short));
    if (f.long > 0 && f.short / f.long < ROTATION_MAX_RATIO) rot.push(wrapAxial(angleOf(final.long) - angleOf(proposal.long)));
  }
  const geometricMean = (logs: readonly number[]): number => (logs.length ? Math.exp(meanSd(logs).mean) : 1);
  const meanRot = rot.length ? axialMean(rot) : 0;
  const raw = { longScale: geometricMean(logLong), shortScale: geometricMean(logShort), rotationDeg: meanRot * DEG };
  const w = n / (n + prior);
  // The rotations' evidence about their axial mean: deviations taken around it, so wrapping cannot inflate the spread.
  const rotEvidence = evidenceWeight(rot.map((r) => meanRot + wrapAxial(r - meanRot)));
  const shrink = (scale: number, evidence: number): number => 1 + w * evidence * (scale - 1);
  return {
    reader, n, raw,
    longScale: shrink(raw.longScale, evidenceWeight(logLong)), shortScale: shrink(raw.shortScale, evidenceWeight(logShort)),
    // Rotation: evidence from the elongated lesions only, so shrunk by their count (none below minPairs of them).
    rotationDeg: rot.length < minPairs ? 0 : (rot.length / (rot.length + prior)) * rotEvidence * raw.rotationDeg,
  };
}

/** A stored label, as far as calibration reads it. */
export interface CalibrationLabel {
  readonly reader: string;
  readonly dataset: string;
  readonly status: string;
  readonly final: Recist | null;
  readonly original?: { readonly recist: Recist; readonly modelVersion: string | null } | null;
}

/**
 * `reader`'s calibration fitted on their accepted corrections of model proposals in `dataset` — only of proposals by
 * `modelVersion` when given (a new model needs a new calibration).
 */
export function readerCalibrationFromLabels(labels: readonly CalibrationLabel[], dataset: string, reader: string, modelVersion?: string): ReaderCalibration {
  const pairs: { proposal: Recist; final: Recist }[] = [];
  for (const l of acceptedLabels(labels, dataset)) {
    if (l.reader !== reader || !l.original?.recist) continue;
    if (modelVersion !== undefined && l.original.modelVersion !== modelVersion) continue;
    pairs.push({ proposal: l.original.recist, final: l.final });
  }
  return fitReaderCalibration(reader, pairs);
}

/** The labels calibrations and bias reports are fitted on: accepted, with final marks, in `dataset`. */
export function acceptedLabels<L extends CalibrationLabel>(labels: readonly L[], dataset: string): (L & { readonly final: Recist })[] {
  return labels.filter((l): l is L & { readonly final: Recist } => l.dataset === dataset && l.status === 'accepted' && l.final !== null);
}

/** `readerBias` over the accepted labels of `dataset`. */
export function readerBiasFromLabels(labels: readonly (CalibrationLabel & { readonly lesionId: string; readonly spacing?: Spacing | null })[], dataset: string): ReaderBias[] {
  return readerBias(acceptedLabels(labels, dataset).map((l) => ({ lesionId: l.lesionId, reader: l.reader, recist: l.final, spacing: l.spacing ?? null })));
}

/**
 * A proposal as shown to the calibrated reader: each axis scaled about its own midpoint (`longScale`, `shortScale`),
 * then both rotated about the long axis's midpoint.
 */
export function applyCalibration(r: Recist, cal: Pick<ReaderCalibration, 'longScale' | 'shortScale' | 'rotationDeg'>): Recist {
  if (isIdentityCalibration(cal)) return r;
  const scaled = scaleAxes(r, cal.longScale, cal.shortScale);
  const c = recistCenter(r);
  const t = cal.rotationDeg / DEG, cos = Math.cos(t), sin = Math.sin(t);
  return mapRecist(scaled, (p) => ({ x: c.x + cos * (p.x - c.x) - sin * (p.y - c.y), y: c.y + sin * (p.x - c.x) + cos * (p.y - c.y) }));
}
