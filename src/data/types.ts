import type { Box, Recist, Spacing } from '../geometry/types.ts';

/** A HU window: display/network intensity mapping. */
export interface HuWindow {
  readonly center: number;
  readonly width: number;
}

/** The network's input window (DeepLesion soft-tissue window, [-175, 275] HU) mapped to [0, 1]. */
export const NETWORK_WINDOW: HuWindow = { center: 50, width: 450 };

/** One axial CT slice in Hounsfield units. */
export interface CtSlice {
  readonly width: number;
  readonly height: number;
  /** Row-major HU values, length width·height. */
  readonly hu: Float32Array;
  /** mm per pixel, null when the source does not say. */
  readonly spacing: Spacing | null;
  /** The window the source recommends, if any. */
  readonly window: HuWindow | null;
  /** Where it came from (path), for error messages and provenance. */
  readonly source: string;
}

/** One row of DeepLesion's DL_info.csv, typed (all 18 columns). */
export interface LesionRecord {
  /** 1-based data row number in the CSV (header excluded), for error messages. */
  readonly row: number;
  readonly fileName: string;
  readonly patientIndex: number;
  readonly studyIndex: number;
  readonly seriesId: number;
  readonly keySliceIndex: number;
  readonly recist: Recist;
  /** DeepLesion's box = RECIST extent + 5 px. Never a model input (it leaks the answer). */
  readonly boundingBox: Box;
  readonly diametersPx: readonly [number, number];
  readonly normalizedLocation: readonly [number, number, number];
  readonly lesionType: number;
  readonly possiblyNoisy: boolean;
  readonly sliceRange: readonly [number, number];
  /** x, y in mm/px and z in mm (slice interval). */
  readonly spacing: { readonly x: number; readonly y: number; readonly z: number };
  readonly imageSize: readonly [number, number];
  readonly dicomWindow: readonly [number, number];
  readonly gender: string;
  readonly age: number | null;
  /** 1 train, 2 val, 3 test. */
  readonly split: number;
}

export const LESION_TYPE_NAMES: Record<number, string> = {
  [-1]: 'unknown', 1: 'bone', 2: 'abdomen', 3: 'mediastinum', 4: 'liver', 5: 'lung', 6: 'kidney', 7: 'soft tissue', 8: 'pelvis',
};

/** DICOM identifiers and pixel-module facts of a slice read from a DICOM file (for provenance and SR export). */
export interface DicomMetadata {
  readonly sopInstanceUid: string | null;
  readonly sopClassUid: string | null;
  readonly studyInstanceUid: string | null;
  readonly seriesInstanceUid: string | null;
  readonly frameOfReferenceUid: string | null;
  readonly transferSyntaxUid: string;
  readonly modality: string | null;
  readonly instanceNumber: number | null;
  /** (0020,0032) x, y, z in mm of the first transmitted pixel's centre. */
  readonly imagePositionPatient: readonly [number, number, number] | null;
  /** (0020,0037) row then column direction cosines. */
  readonly imageOrientationPatient: readonly [number, number, number, number, number, number] | null;
  readonly sliceThickness: number | null;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  readonly pixelRepresentation: number;
  readonly photometricInterpretation: string;
  readonly numberOfFrames: number;
  /** Pixels equal to PixelPaddingValue (outside the scan field), replaced per the reader's padding option. */
  readonly paddingPixels: number;
  /**
   * Why the pixel data is not the scanner's (lossy compression), e.g. "transfer syntax JPEG Baseline (Process 1)
   * (1.2.840.10008.1.2.4.50)" or "(0028,2110) Lossy Image Compression 01, ratio 10"; null when it is lossless.
   * HU of a lossy image are approximate: readers, proposals and exports say so.
   */
  readonly lossy: string | null;
}

/** A CT slice read from DICOM, with its identifiers. */
export interface DicomSlice extends CtSlice {
  readonly dicom: DicomMetadata;
}
