/**
 * DICOM SR of an accepted measurement: an Enhanced SR with the TID 1500 "Imaging Measurement Report" of one lesion,
 * written as the data set itself (no dcmjs derivation), so every code is a standard one (DCM, SCT, LN, UCUM; no
 * private scheme):
 *
 *   CONTAINER (126000, DCM, "Imaging Measurement Report")              TID 1500
 *     HAS CONCEPT MOD  CODE  Language of Content Item and Descendants = English (eng, RFC5646)
 *     HAS OBS CONTEXT  CODE  Observer Type = Person                       TID 1002: the reader is the observer
 *     HAS OBS CONTEXT  PNAME Person Observer Name = <reader>
 *     HAS CONCEPT MOD  CODE  Procedure Reported = CT unspecified body region (25045-6, LN)
 *     CONTAINS CONTAINER Image Library > Image Library Group > IMAGE <source image>   TID 1600/1601
 *     CONTAINS CONTAINER Imaging Measurements
 *       CONTAINS CONTAINER Measurement Group                             TID 1501
 *         HAS OBS CONTEXT TEXT   Tracking Identifier
 *         HAS OBS CONTEXT UIDREF Tracking Unique Identifier  (one per lesion: follow-ups of it carry the same)
 *         CONTAINS CODE Finding = Lesion (52988006, SCT)
 *         CONTAINS NUM Long Axis (103339001, SCT), mm      TID 300, each INFERRED FROM a SCOORD POLYLINE
 *         CONTAINS NUM Short Axis (103340004, SCT), mm       SELECTED FROM the source IMAGE
 *
 * The SR carries the source image's Patient and General Study modules (src/pacs/source.ts), so a PACS files it
 * under the same patient and study. UIDs are name-based (src/pacs/uid.ts): the SR of a label always has the same
 * SOP Instance UID, a reader's SRs of a study share one series, and a corrected label's SR names the SR it
 * replaces in Predecessor Documents Sequence (readers of SRs drop superseded ones: src/pacs/sr-read.ts).
 *
 * Measurements on a lossy-compressed image say so (SeriesDescription and (0028,2110) Lossy Image Compression 01).
 *
 * Coordinates: DICOM SCOORD puts (0, 0) at the top-left corner of the top-left pixel; ours put it at that pixel's
 * centre, so SCOORD = ours + 0.5.
 */
import type { Recist, Spacing } from '../geometry/types.ts';
import type { StoredLabel } from '../server/schemas.ts';
import { writePart10, type Natural } from './dcmjs.ts';
import type { SourceImage } from './source.ts';
import { uidFromNames } from './uid.ts';

export const ENHANCED_SR = '1.2.840.10008.5.1.4.1.1.88.22';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
export const TRACKING_IDENTIFIER = 'recist-cascade:Bidirectional';
/** Our implementation's class UID (name-based, fixed). */
export const IMPLEMENTATION_CLASS_UID = uidFromNames('implementation-class');
export const SR_SERIES_DESCRIPTION = 'RECIST measurements';
export const SR_SERIES_NUMBER = 9901;

export interface Code {
  readonly CodeValue: string;
  readonly CodingSchemeDesignator: string;
  readonly CodeMeaning: string;
}
const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => ({ CodeValue, CodingSchemeDesignator, CodeMeaning });

/** The standard codes the SR uses (PS3.16). */
export const CODES = {
  report: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  english: code('eng', 'RFC5646', 'English'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  person: code('121006', 'DCM', 'Person'),
  personObserverName: code('121008', 'DCM', 'Person Observer Name'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  ctProcedure: code('25045-6', 'LN', 'CT unspecified body region'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  lesion: code('52988006', 'SCT', 'Lesion'),
  longAxis: code('103339001', 'SCT', 'Long Axis'),
  shortAxis: code('103340004', 'SCT', 'Short Axis'),
  mm: code('mm', 'UCUM', 'millimeter'),
} as const;

/** An earlier SR this one replaces. */
export interface SrReference {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
}

export interface SrOptions {
  /** The lesion's Tracking Unique Identifier (default: name-based from the label's dataset and lesion). */
  readonly trackingUid?: string;
  readonly trackingIdentifier?: string;
  /** The SR of the reader's earlier label of the same lesion, which this one supersedes. */
  readonly predecessor?: SrReference | null;
  /** Software version written in General Equipment (e.g. the model version). */
  readonly softwareVersion?: string;
  /**
   * Why the measured image is lossy (`DicomMetadata.lossy`), or null: the SR then says so, as an image derived from
   * it would (SeriesDescription, (0028,2110) Lossy Image Compression 01; PS3.3 C.7.6.1.1.5).
   */
  readonly lossy?: string | null;
}

/** The Tracking Unique Identifier of a lesion of a dataset (stable: every SR of the lesion carries it). */
export const lesionTrackingUid = (dataset: string, lesionId: string): string => uidFromNames('lesion', dataset, lesionId);

/** The SR's own UIDs for a label on an image of `studyInstanceUid` (name-based: the same label gives the same SR). */
export function srUids(label: Pick<StoredLabel, 'id' | 'reader'>, studyInstanceUid: string): SrReference {
  return {
    studyInstanceUid,
    seriesInstanceUid: uidFromNames('sr-series', studyInstanceUid, label.reader),
    sopInstanceUid: uidFromNames('sr', label.id),
  };
}

const mm = (s: Recist['long'], sp: Spacing): number => Math.hypot((s[1].x - s[0].x) * sp.x, (s[1].y - s[0].y) * sp.y);
const scoord = (s: Recist['long']): number[] => [s[0].x + 0.5, s[0].y + 0.5, s[1].x + 0.5, s[1].y + 0.5];

/** A reader name as a DICOM PN: family name component, `^` and `=` not allowed in it, at most 64 characters. */
export function readerPersonName(reader: string): string {
  return `${reader.replace(/[\\^=]/g, ' ').slice(0, 62)}^`;
}

/** DICOM DA and TM from an ISO time (UTC). */
export function dicomDateTime(iso: string, field: string): { date: string; time: string } {
  const t = new Date(iso);
  if (!Number.isFinite(t.getTime())) throw new Error(`${field} ${JSON.stringify(iso)}: not an ISO date-time`);
  const s = t.toISOString();
  return { date: s.slice(0, 10).replace(/-/g, ''), time: `${s.slice(11, 19).replace(/:/g, '')}.${s.slice(20, 23)}` };
}

function item(rel: string | null, valueType: string, concept: Code | null, extra: Natural): Natural {
  return {
    ...(rel ? { RelationshipType: rel } : {}), ValueType: valueType,
    ...(concept ? { ConceptNameCodeSequence: [{ ...concept }] } : {}), ...extra,
  };
}

function axis(concept: Code, s: Recist['long'], spacing: Spacing, ref: Natural): Natural {
  return item('CONTAINS', 'NUM', concept, {
    MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [{ ...CODES.mm }], NumericValue: Number(mm(s, spacing).toFixed(6)) }],
    ContentSequence: [item('INFERRED FROM', 'SCOORD', null, {
      GraphicType: 'POLYLINE', GraphicData: scoord(s),
      ContentSequence: [item('SELECTED FROM', 'IMAGE', null, { ReferencedSOPSequence: [{ ...ref }] })],
    })],
  });
}

/** The SR's bytes (DICOM Part 10) for one accepted label on a DICOM image. Throws for labels it cannot express. */
export function labelToSr(label: StoredLabel, source: SourceImage, opts: SrOptions = {}): Uint8Array {
  return writePart10(...srDataset(label, source, opts));
}

/** The SR as naturalized file meta and data set (what `labelToSr` writes). */
export function srDataset(label: StoredLabel, source: SourceImage, opts: SrOptions = {}): [Natural, Natural] {
  if (label.status !== 'accepted' || !label.final) throw new Error(`label ${label.id}: only accepted labels with marks can be exported as SR`);
  if (!label.spacing) throw new Error(`label ${label.id}: no pixel spacing, lengths in mm unknown`);
  const r = label.final;
  const uids = srUids(label, source.studyInstanceUid);
  const { date, time } = dicomDateTime(label.time, `label ${label.id}: field time`);
  const ref = { ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: source.sopInstanceUid };
  const evidence = (refs: { study: string; series: string; sopClass: string; sop: string }[]): Natural[] => refs.map((e) => ({
    StudyInstanceUID: e.study,
    ReferencedSeriesSequence: [{ SeriesInstanceUID: e.series, ReferencedSOPSequence: [{ ReferencedSOPClassUID: e.sopClass, ReferencedSOPInstanceUID: e.sop }] }],
  }));
  const group = item('CONTAINS', 'CONTAINER', CODES.measurementGroup, {
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1501' }],
    ContentSequence: [
      item('HAS OBS CONTEXT', 'TEXT', CODES.trackingIdentifier, { TextValue: opts.trackingIdentifier ?? TRACKING_IDENTIFIER }),
      item('HAS OBS CONTEXT', 'UIDREF', CODES.trackingUid, { UID: opts.trackingUid ?? lesionTrackingUid(label.dataset, label.lesionId) }),
      item('CONTAINS', 'CODE', CODES.finding, { ConceptCodeSequence: [{ ...CODES.lesion }] }),
      axis(CODES.longAxis, r.long, label.spacing, ref),
      axis(CODES.shortAxis, r.short, label.spacing, ref),
    ],
  });
  const content = item(null, 'CONTAINER', CODES.report, {
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      item('HAS CONCEPT MOD', 'CODE', CODES.language, { ConceptCodeSequence: [{ ...CODES.english }] }),
      item('HAS OBS CONTEXT', 'CODE', CODES.observerType, { ConceptCodeSequence: [{ ...CODES.person }] }),
      item('HAS OBS CONTEXT', 'PNAME', CODES.personObserverName, { PersonName: [{ Alphabetic: readerPersonName(label.reader) }] }),
      item('HAS CONCEPT MOD', 'CODE', CODES.procedureReported, { ConceptCodeSequence: [{ ...CODES.ctProcedure }] }),
      item('CONTAINS', 'CONTAINER', CODES.imageLibrary, {
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: [item('CONTAINS', 'CONTAINER', CODES.imageLibraryGroup, {
          ContinuityOfContent: 'SEPARATE',
          ContentSequence: [item('CONTAINS', 'IMAGE', null, { ReferencedSOPSequence: [{ ...ref }] })],
        })],
      }),
      item('CONTAINS', 'CONTAINER', CODES.imagingMeasurements, { ContinuityOfContent: 'SEPARATE', ContentSequence: [group] }),
    ],
  });
  const emptyIfMissing = (keys: readonly string[], src: Readonly<Natural>): Natural =>
    Object.fromEntries(keys.map((k) => [k, src[k] ?? '']));
  const now = dicomDateTime(new Date().toISOString(), 'now');
  const ds: Natural = {
    SpecificCharacterSet: 'ISO_IR 192',
    // SOP Common
    SOPClassUID: ENHANCED_SR, SOPInstanceUID: uids.sopInstanceUid, InstanceCreationDate: now.date, InstanceCreationTime: now.time,
    // Patient (type 2 attributes present even when the source left them empty) and Patient Study
    ...emptyIfMissing(['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex'], source.patient),
    ...source.patient,
    // General Study
    ...emptyIfMissing(['StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'], source.study),
    ...source.study,
    StudyInstanceUID: source.studyInstanceUid,
    // SR Document Series
    Modality: 'SR', SeriesInstanceUID: uids.seriesInstanceUid, SeriesNumber: SR_SERIES_NUMBER,
    SeriesDescription: opts.lossy ? `${SR_SERIES_DESCRIPTION} on a lossy-compressed image` : SR_SERIES_DESCRIPTION,
    ...(opts.lossy ? { LossyImageCompression: '01' } : {}),
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    Manufacturer: 'recist-cascade', ManufacturerModelName: 'recist-cascade', SoftwareVersions: opts.softwareVersion ?? label.modelVersion ?? 'unknown',
    // SR Document General
    InstanceNumber: 1, CompletionFlag: 'COMPLETE', VerificationFlag: 'UNVERIFIED', ContentDate: date, ContentTime: time,
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: evidence([{ study: source.studyInstanceUid, series: source.seriesInstanceUid, sopClass: source.sopClassUid, sop: source.sopInstanceUid }]),
    ...(opts.predecessor ? {
      PredecessorDocumentsSequence: evidence([{ study: opts.predecessor.studyInstanceUid, series: opts.predecessor.seriesInstanceUid, sopClass: ENHANCED_SR, sop: opts.predecessor.sopInstanceUid }]),
    } : {}),
    // SR Document Content
    ...content,
  };
  const version = new Uint8Array([0, 1]);
  const meta: Natural = {
    FileMetaInformationVersion: version.buffer, MediaStorageSOPClassUID: ENHANCED_SR, MediaStorageSOPInstanceUID: uids.sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LE, ImplementationClassUID: IMPLEMENTATION_CLASS_UID, ImplementationVersionName: 'recist-cascade',
  };
  return [meta, ds];
}
