/**
 * DICOM SR export of accepted measurements: one Enhanced SR (TID 1500 "Imaging Measurement Report") per label, with
 * one TID 1501 measurement group holding a TID 300 bidirectional measurement (long axis + short axis, each a NUM in
 * mm with its SCOORD POLYLINE) built with dcmjs, referencing the measured image's SOP Class/Instance UIDs and
 * carrying its Study Instance UID. Measurements on a lossy-compressed image say so (SeriesDescription and
 * (0028,2110) Lossy Image Compression 01).
 *
 * Coordinates: DICOM SCOORD puts (0, 0) at the top-left corner of the top-left pixel; ours put it at that pixel's
 * centre, so SCOORD = ours + 0.5.
 */
import dcmjs from 'dcmjs';
import type { Recist, Spacing } from '../geometry/types.ts';
import type { DicomRef } from './datasets.ts';
import type { StoredLabel } from './schemas.ts';

const { TID1500MeasurementReport, TID1501MeasurementGroup } = dcmjs.utilities.TID1500;
const { Bidirectional } = dcmjs.utilities.TID300;

export const TRACKING_IDENTIFIER = 'recist-cascade:Bidirectional';

const mm = (s: Recist['long'], sp: Spacing): number => Math.hypot((s[1].x - s[0].x) * sp.x, (s[1].y - s[0].y) * sp.y);
const sc = (p: { x: number; y: number }): { x: number; y: number } => ({ x: p.x + 0.5, y: p.y + 0.5 });

/** The SR's bytes (DICOM Part 10) for one accepted label on a DICOM image. Throws for labels it cannot express. */
export function labelToSr(label: StoredLabel, ref: DicomRef): Uint8Array {
  if (label.status !== 'accepted' || !label.final) throw new Error(`label ${label.id}: only accepted labels with marks can be exported as SR`);
  if (!ref.sopInstanceUid || !ref.sopClassUid || !ref.studyInstanceUid || !ref.seriesInstanceUid) {
    throw new Error(`label ${label.id}: the source image of lesion ${label.lesionId} lacks SOP/Study/Series UIDs`);
  }
  if (!label.spacing) throw new Error(`label ${label.id}: no pixel spacing, lengths in mm unknown`);
  const r = label.final;
  const measurement = new Bidirectional({
    longAxis: { point1: sc(r.long[0]), point2: sc(r.long[1]) },
    shortAxis: { point1: sc(r.short[0]), point2: sc(r.short[1]) },
    longAxisLength: mm(r.long, label.spacing),
    shortAxisLength: mm(r.short, label.spacing),
    unit: 'mm',
    ReferencedSOPSequence: { ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid },
    trackingIdentifierTextValue: TRACKING_IDENTIFIER,
    trackingUniqueIdentifier: dcmjs.data.DicomMetaDictionary.uid(),
  });
  const report = new TID1500MeasurementReport({ TID1501MeasurementGroups: [new TID1501MeasurementGroup([measurement])] });
  const version = new Uint8Array(2);
  version[1] = 1;
  const meta = {
    FileMetaInformationVersion: { Value: [version.buffer], vr: 'OB' },
    TransferSyntaxUID: { Value: ['1.2.840.10008.1.2.1'], vr: 'UI' },
    ImplementationClassUID: { Value: ['1.2.826.0.1.3680043.10.1421.1'], vr: 'UI' },
    ImplementationVersionName: { Value: ['recist-cascade'], vr: 'SH' },
  };
  const source = {
    StudyInstanceUID: ref.studyInstanceUid, SeriesInstanceUID: ref.seriesInstanceUid, FrameOfReferenceUID: ref.frameOfReferenceUid ?? undefined,
    Modality: ref.modality ?? 'CT', _meta: meta, _vrMap: { PixelData: 'OW' },
  };
  const sr = new dcmjs.derivations.StructuredReport([source]);
  const content = report.contentItem(source, { PersonName: label.reader });
  const ds = Object.assign(sr.dataset, content) as Record<string, unknown>;
  const sopInstanceUid = dcmjs.data.DicomMetaDictionary.uid();
  Object.assign(ds, {
    SOPInstanceUID: sopInstanceUid,
    SeriesDescription: ref.lossy ? 'RECIST measurements on a lossy-compressed image' : 'RECIST measurements',
    // measured on a lossy-compressed image: say so as an image derived from it would (PS3.3 C.7.6.1.1.5)
    ...(ref.lossy ? { LossyImageCompression: '01' } : {}),
    ContentDate: label.time.slice(0, 10).replace(/-/g, ''),
    ContentTime: label.time.slice(11, 19).replace(/:/g, ''),
    ContentLabel: 'RECIST',
    _meta: {
      ...meta,
      MediaStorageSOPClassUID: { Value: [ds.SOPClassUID], vr: 'UI' },
      MediaStorageSOPInstanceUID: { Value: [sopInstanceUid], vr: 'UI' },
    },
  });
  return new Uint8Array(dcmjs.data.datasetToBuffer(ds));
}
