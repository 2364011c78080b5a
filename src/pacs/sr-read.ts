/**
 * Bidirectional measurements out of DICOM SR: TID 1500 reports with TID 1501 measurement groups holding a TID 300
 * long axis and short axis (NUM, each INFERRED FROM a SCOORD POLYLINE on an image), as this project, OHIF and dcmjs
 * write them. Codes are matched by value (the SNOMED CT codes and the older SRT G-A185 / G-A186) and, for writers
 * with private schemes, by meaning. Other measurement groups (lengths, areas, …) are reported as skipped.
 *
 * SCOORD (0, 0) is the corner of the top-left pixel; ours is that pixel's centre: ours = SCOORD − 0.5.
 */
import type { Point, Recist } from '../geometry/types.ts';
import { naturalize, readPart10, type DicomJson, type Natural } from './dcmjs.ts';

export const SR_SOP_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.88.11', '1.2.840.10008.5.1.4.1.1.88.22', '1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.88.34',
]);

export interface SrMeasurement {
  /** The image the marks are on. */
  readonly sopInstanceUid: string;
  readonly sopClassUid: string | null;
  readonly recist: Recist;
  readonly longMm: number | null;
  readonly shortMm: number | null;
  readonly trackingUid: string | null;
  readonly trackingIdentifier: string | null;
}

export interface SrDocument {
  readonly source: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string | null;
  readonly studyInstanceUid: string | null;
  readonly patientId: string | null;
  /** Person Observer Name (TID 1002), as written (PN alphabetic form); null when the SR names none. */
  readonly observer: string | null;
  /** Content Date/Time as an ISO time (UTC as written), null when absent. */
  readonly time: string | null;
  /** SOP Instance UIDs of the SRs this one supersedes (Predecessor Documents Sequence). */
  readonly predecessors: readonly string[];
  readonly measurements: readonly SrMeasurement[];
  /** Measurement groups that hold no bidirectional measurement, by their concepts. */
  readonly skipped: readonly string[];
}

type Item = Natural & { ContentSequence?: Item[] };

const first = <T>(v: unknown): T | undefined => (Array.isArray(v) ? (v[0] as T) : (v as T | undefined));
const conceptOf = (it: Item): { CodeValue?: string; CodingSchemeDesignator?: string; CodeMeaning?: string } =>
  first(it.ConceptNameCodeSequence) ?? {};
const is = (it: Item, values: readonly string[], meaning: string): boolean => {
  const c = conceptOf(it);
  return (c.CodeValue !== undefined && values.includes(String(c.CodeValue))) || String(c.CodeMeaning ?? '').trim().toLowerCase() === meaning;
};
const children = (it: Item): Item[] => (Array.isArray(it.ContentSequence) ? it.ContentSequence : []);
const str = (v: unknown): string | null => {
  const x = first<unknown>(v);
  if (x === undefined || x === null) return null;
  if (typeof x === 'object') {
    if (x instanceof String) return x.valueOf().trim() || null; // dcmjs PN values are String objects
    return 'Alphabetic' in (x as object) ? String((x as { Alphabetic?: unknown }).Alphabetic ?? '') || null : null;
  }
  const s = String(x).trim();
  return s === '' ? null : s;
};

const LONG = ['103339001', 'G-A185'];
const SHORT = ['103340004', 'G-A186'];

function walk(it: Item, visit: (it: Item) => void): void {
  visit(it);
  for (const c of children(it)) walk(c, visit);
}

function segment(num: Item, where: string): { seg: [Point, Point]; ref: { sop: string; cls: string | null } | null; mm: number | null } {
  const sc = children(num).find((c) => c.ValueType === 'SCOORD');
  if (!sc) throw new Error(`${where}: no SCOORD in the measurement`);
  const gd = Array.isArray(sc.GraphicData) ? sc.GraphicData.map(Number) : [];
  if (String(sc.GraphicType ?? '') !== 'POLYLINE' || gd.length !== 4 || gd.some((v) => !Number.isFinite(v))) {
    throw new Error(`${where}: field GraphicData is ${JSON.stringify(gd.length ? gd : sc.GraphicData)} (GraphicType ${JSON.stringify(sc.GraphicType)}), expected a POLYLINE of 2 points (4 numbers)`);
  }
  const img = children(sc).find((c) => c.ValueType === 'IMAGE') ?? children(num).find((c) => c.ValueType === 'IMAGE');
  const refSeq = first<Natural>(img?.ReferencedSOPSequence);
  const sop = str(refSeq?.ReferencedSOPInstanceUID);
  const measured = first<Natural>(num.MeasuredValueSequence);
  const value = measured ? Number(first(measured.NumericValue)) : NaN;
  return {
    seg: [{ x: gd[0] - 0.5, y: gd[1] - 0.5 }, { x: gd[2] - 0.5, y: gd[3] - 0.5 }],
    ref: sop ? { sop, cls: str(refSeq?.ReferencedSOPClassUID) } : null,
    mm: Number.isFinite(value) ? value : null,
  };
}

function isoTime(date: string | null, time: string | null): string | null {
  if (!date || !/^\d{8}$/.test(date)) return null;
  const t = (time ?? '').replace(/[^\d.]/g, '');
  const hh = t.slice(0, 2) || '00', mi = t.slice(2, 4) || '00', ss = t.slice(4, 6) || '00', frac = (t.split('.')[1] ?? '').padEnd(3, '0').slice(0, 3);
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${hh}:${mi}:${ss}.${frac}Z`;
}

/** The bidirectional measurements of an SR data set (DICOM JSON model); throws naming `source` and the bad field. */
export function srDocumentFromJson(json: DicomJson, source: string): SrDocument {
  const ds = naturalize(json) as Item;
  const cls = str(ds.SOPClassUID);
  if (!cls || !SR_SOP_CLASSES.has(cls)) throw new Error(`${source}: field SOPClassUID is ${JSON.stringify(cls)}, not a Basic/Enhanced/Comprehensive SR`);
  const sop = str(ds.SOPInstanceUID);
  if (!sop) throw new Error(`${source}: field SOPInstanceUID is missing`);
  if (ds.ValueType !== 'CONTAINER') throw new Error(`${source}: field ValueType of the root content item is ${JSON.stringify(ds.ValueType)}, expected CONTAINER`);
  let observer: string | null = null;
  for (const c of children(ds)) {
    if (c.RelationshipType === 'HAS OBS CONTEXT' && c.ValueType === 'PNAME' && is(c, ['121008'], 'person observer name')) observer ??= str(c.PersonName);
  }
  const measurements: SrMeasurement[] = [];
  const skipped: string[] = [];
  let groupIndex = 0;
  walk(ds, (it) => {
    if (!(it.ValueType === 'CONTAINER' && is(it, ['125007'], 'measurement group'))) return;
    groupIndex++;
    const where = `${source}: measurement group ${groupIndex}`;
    const items = children(it);
    const long = items.find((c) => c.ValueType === 'NUM' && is(c, LONG, 'long axis'));
    const short = items.find((c) => c.ValueType === 'NUM' && is(c, SHORT, 'short axis'));
    if (!long && !short) {
      skipped.push(items.filter((c) => c.ValueType === 'NUM').map((c) => conceptOf(c).CodeMeaning ?? '?').join(', ') || 'no measurement');
      return;
    }
    if (!long || !short) throw new Error(`${where}: has a ${long ? 'long' : 'short'} axis but no ${long ? 'short' : 'long'} axis`);
    const l = segment(long, `${where} long axis`), s = segment(short, `${where} short axis`);
    const ref = l.ref ?? s.ref;
    if (!ref) throw new Error(`${where}: field ReferencedSOPSequence is missing (the marks name no image)`);
    if (l.ref && s.ref && l.ref.sop !== s.ref.sop) throw new Error(`${where}: long and short axis are on different images (${l.ref.sop}, ${s.ref.sop})`);
    const text = (codes: string[], meaning: string, field: 'TextValue' | 'UID'): string | null => {
      const c = items.find((x) => is(x, codes, meaning));
      return c ? str(c[field]) : null;
    };
    measurements.push({
      sopInstanceUid: ref.sop, sopClassUid: ref.cls, recist: { long: l.seg, short: s.seg }, longMm: l.mm, shortMm: s.mm,
      trackingUid: text(['112040'], 'tracking unique identifier', 'UID'), trackingIdentifier: text(['112039'], 'tracking identifier', 'TextValue'),
    });
  });
  const predecessors: string[] = [];
  for (const study of (Array.isArray(ds.PredecessorDocumentsSequence) ? ds.PredecessorDocumentsSequence : []) as Natural[]) {
    for (const series of (Array.isArray(study.ReferencedSeriesSequence) ? study.ReferencedSeriesSequence : []) as Natural[]) {
      for (const r of (Array.isArray(series.ReferencedSOPSequence) ? series.ReferencedSOPSequence : []) as Natural[]) {
        const u = str(r.ReferencedSOPInstanceUID);
        if (u) predecessors.push(u);
      }
    }
  }
  return {
    source, sopInstanceUid: sop, seriesInstanceUid: str(ds.SeriesInstanceUID), studyInstanceUid: str(ds.StudyInstanceUID),
    patientId: str(ds.PatientID), observer, time: isoTime(str(ds.ContentDate), str(ds.ContentTime)), predecessors, measurements, skipped,
  };
}

export function srDocumentFromBytes(bytes: Uint8Array, source: string): SrDocument {
  return srDocumentFromJson(readPart10(bytes, source).dict, source);
}

/** Drops the documents another document of the list supersedes. */
export function currentDocuments(docs: readonly SrDocument[]): SrDocument[] {
  const superseded = new Set(docs.flatMap((d) => d.predecessors));
  return docs.filter((d) => !superseded.has(d.sopInstanceUid));
}

/** A reader name (letters, digits, _ . @ -) for an SR observer: `Doe^Jane` → `Doe.Jane`; null → `sr-observer`. */
export function readerFromObserver(observer: string | null): string {
  const name = (observer ?? '').split('^').map((p) => p.trim()).filter(Boolean).join('.').replace(/[^\w.@-]+/g, '_').slice(0, 64);
  return name || 'sr-observer';
}
