/**
 * The patient and study of an image an SR is about: the Patient, Patient Study and General Study module attributes
 * of the source image, copied unchanged into every SR written on it, so that a PACS files the SR under the same
 * patient and study. Read from a Part 10 file or from DICOMweb metadata (both the DICOM JSON model).
 */
import { readFileSync } from 'node:fs';
import { isDicomUid } from './uid.ts';
import { jsonString, naturalize, readPart10, type DicomJson, type Natural } from './dcmjs.ts';

/** Patient module (C.7.1.1) attributes copied into an SR. */
export const PATIENT_KEYWORDS = [
  'PatientName', 'PatientID', 'IssuerOfPatientID', 'TypeOfPatientID', 'PatientBirthDate', 'PatientSex', 'OtherPatientIDsSequence',
  'PatientAge', 'PatientSize', 'PatientWeight', // Patient Study module (C.7.2.2)
] as const;
/** General Study module (C.7.2.1) attributes copied into an SR. */
export const STUDY_KEYWORDS = [
  'StudyInstanceUID', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber', 'StudyDescription',
  'IssuerOfAccessionNumberSequence',
] as const;
/** Type 2 attributes an SR must carry (possibly empty); the export refuses a source without the first group. */
export const REQUIRED_FOR_FILING = ['PatientID', 'StudyInstanceUID'] as const;

export interface SourceImage {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
  readonly modality: string | null;
  /** Patient (and Patient Study) module attributes, naturalized (only those present in the source). */
  readonly patient: Readonly<Natural>;
  /** General Study module attributes, naturalized. */
  readonly study: Readonly<Natural>;
}

const TAG = {
  sopClass: '00080016', sopInstance: '00080018', study: '0020000D', series: '0020000E', frame: '00200052', modality: '00080060',
} as const;

/** The source image's identifiers and patient/study modules from a DICOM JSON data set; throws naming `name` and the tag. */
export function sourceImageFromJson(ds: DicomJson, name: string): SourceImage {
  const uid = (tag: string, field: string): string => {
    const v = jsonString(ds, tag);
    if (!isDicomUid(v)) throw new Error(`${name}: field ${field} (${tag.slice(0, 4)},${tag.slice(4)}) is ${JSON.stringify(v)}, not a DICOM UID`);
    return v;
  };
  const natural = naturalize(ds);
  const pick = (keys: readonly string[]): Natural => Object.fromEntries(keys.filter((k) => natural[k] !== undefined).map((k) => [k, natural[k]]));
  const frame = jsonString(ds, TAG.frame);
  return {
    sopClassUid: uid(TAG.sopClass, 'SOPClassUID'), sopInstanceUid: uid(TAG.sopInstance, 'SOPInstanceUID'),
    studyInstanceUid: uid(TAG.study, 'StudyInstanceUID'), seriesInstanceUid: uid(TAG.series, 'SeriesInstanceUID'),
    frameOfReferenceUid: isDicomUid(frame) ? frame : null, modality: jsonString(ds, TAG.modality),
    patient: pick(PATIENT_KEYWORDS), study: pick(STUDY_KEYWORDS),
  };
}

/** The same from a Part 10 file's bytes (headers only). */
export function sourceImageFromBytes(bytes: Uint8Array, name: string): SourceImage {
  return sourceImageFromJson(readPart10(bytes, name, { headersOnly: true }).dict, name);
}

export function readSourceImage(path: string): SourceImage {
  return sourceImageFromBytes(new Uint8Array(readFileSync(path)), path);
}
