/**
 * `recist-cascade`: semi-automatic RECIST measurement on CT (STN + stacked-hourglass cascade, Tang et al. 2018).
 *
 * ```ts
 * import { createMeasurer, readDicom } from 'recist-cascade';
 * const measurer = await createMeasurer();                        // models/default, best backend
 * const slice = readDicom('slice.dcm');                           // HU, spacing, window
 * const p = await measurer.measure(slice, { x1: 200, y1: 180, x2: 260, y2: 230 });
 * console.log(p.recist.long, p.recist.short, p.entropy);         // slice pixels; uncertainty in [0, 1]
 * measurer.dispose();
 * ```
 *
 * Sections: **data** (DeepLesion folders, DICOM, 16-bit PNG, windowing, NIfTI volumes and mask folders), **geometry** (RECIST marks, boxes,
 * the paper's rough-box protocol), **measurer** ({@link createMeasurer}), **evaluation** (metrics, the paper's
 * Table 1, baselines), **synthetic lesions**. Display helpers for notebooks live in `recist-cascade/notebook`.
 * Coordinates are continuous pixel coordinates of the slice (x right, y down, pixel (i, j) centred at (i, j)).
 *
 * @packageDocumentation
 * @module recist-cascade
 */

// ---- measurer -----------------------------------------------------------------------------------------------
export {
  createMeasurer, resolveMeasurerOptions, validateSlice, DEFAULT_MEASURER_OPTIONS,
  type MeasurerOptions, type ResolvedMeasurerOptions, type LoadedMeasurer, type Measurer, type Proposal,
} from './api/measurer.ts';
export { measurerFromCascade, DEFAULT_MODEL_DIR } from './model/measurer.ts';
export { loadCheckpoint, readModelCard, type ModelCard } from './model/checkpoint.ts';
export { initBackend, backendInfo, BACKEND_NAMES, type BackendName, type BackendInfo } from './model/backend/index.ts';
export { READOUTS, PRESET_NAMES, resolveConfig, type Readout, type PresetName, type ModelConfig } from './model/config.ts';

// ---- data ---------------------------------------------------------------------------------------------------
export type { CtSlice, LesionRecord, HuWindow, DicomMetadata, DicomSlice } from './data/types.ts';
export { NETWORK_WINDOW, LESION_TYPE_NAMES } from './data/types.ts';
export {
  openDeepLesionFolder, openDeepLesionFolder as readDeepLesion, readDeepLesionSlice, recordLengths, recordWindow,
  recordSliceLocation, type DeepLesionFolder, type OpenDeepLesionOptions, type RecordLengths,
} from './data/deeplesion.ts';
export { readDlInfo, parseDlInfo, writeDlInfo, formatDlInfo } from './data/deeplesion-csv.ts';
export { readDicom, readDicomSeries, decodeDicom, isDicom, type DicomReadOptions } from './data/dicom.ts';
export { readImage, decodeImage, imageKind, huStats, type ReadImageOptions, type ImageKind, type HuStats } from './data/image.ts';
export { WINDOW_PRESETS, parseWindow, windowRange, windowToUnit, windowToBytes, bytesToHu, type WindowPresetName } from './data/window.ts';
export { sharedDataDir, DEV_SUBDIR, ANNOTATIONS_CSV, DICOM_SUBDIR } from './data/paths.ts';
export { renderOverlay, overlayPng, encodeRgbPng, contactSheet, drawLine, COLORS, type RgbImage, type Rgb, type OverlayLayer, type OverlayOptions } from './data/overlay.ts';
export { readNifti, parseNifti, volumeSlice, isNiftiName, type Volume } from './data/nifti.ts';
export { openMaskFolder, isMaskFolder, listMaskCases, lesionsFromMask, MIN_LESION_LONG_MM, type MaskFolder, type MaskCase, type MaskLesion, type OpenMaskFolderOptions } from './data/mask-lesions.ts';

// ---- geometry -----------------------------------------------------------------------------------------------
export type { Point, Segment, Recist, Box, Spacing, Theta, MapStack } from './geometry/types.ts';
export {
  recistFromNumbers, recistToNumbers, axisLengthsPx, axisLengthsMm, recistCenter, recistExtent, segmentLocationDistance,
  matchEndpoints, averageRecists, mapRecist, entropyPx, segmentAngle, axisAngleDiffDeg,
} from './geometry/recist.ts';
export {
  simulateRoughBox, roughBoxFor, lesionExtent, boxCross, validateBox, clipBox, boxCenter, boxWidth, boxHeight, boxArea,
  PAPER_BOX_PROTOCOL, BOX_PROTOCOLS, describeBoxProtocol, type BoxProtocol, type RoughBoxOptions,
} from './geometry/box.ts';
export { CROP_SIZE, cropFrameFromBox, cropImage, toCrop, fromCrop, type CropFrame } from './geometry/crop.ts';
export { createRng, type Rng } from './geometry/random.ts';
export { classicalRecist, type ClassicalOptions, type ClassicalResult } from './segment/classical.ts';

// ---- evaluation ---------------------------------------------------------------------------------------------
export {
  compareRecist, compareAxis, endpointLocationDifference, summarize, blandAltman, blandAltmanPercent, mean, median,
  formatMeanStd, type RecistComparison, type AxisComparison, type Summary, type BlandAltman,
} from './eval/metrics.ts';
export { buildReaderTable, renderMarkdown as renderReaderTable, renderCsv as renderReaderTableCsv, type ReaderTable } from './eval/reader-table.ts';
export { boxCrossMethod, classicalMethod, createClassicalMethod, measurerMethod, type Method, type MethodOutput } from './eval/baselines/index.ts';
export { evaluateFolder, findSummary, DL_READER, type EvaluateOptions, type EvalResult } from './eval/run.ts';
export { spearman, spearmanInterval, uncertaintyVsError } from './eval/uncertainty.ts';

// ---- synthetic lesions ----------------------------------------------------------------------------------------
export { generateDataset, generateCase, type GenerateOptions, type GenerateDatasetOptions, type SyntheticCase } from './data/synth/generate.ts';
export { listBackgrounds, BUILTIN_DICOM } from './data/synth/placement.ts';
export { defaultReaders, readReader, readReadersCsv, formatReadersCsv, type SimulatedReader, type ReaderMark } from './data/synth/readers.ts';
export { realGeometries, createSizeSampler, foldAngle, DEV_RANGE_BIAS } from './data/synth/distribution.ts';

// ---- training samples (crops, θ, pseudo-masks, heatmaps) ---------------------------------------------------------
export { buildSample, canonicalImage, type Sample, type SampleOptions } from './data/samples.ts';
export { decodeHeatmaps, heatmapEntropies } from './geometry/heatmap.ts';
export { wrapHalfTurn } from './geometry/theta.ts';

// ---- active learning, labels, model versions ---------------------------------------------------------------------
export { rankWorklist, getStrategy, STRATEGIES, entropyStrategy, entropyPxStrategy, randomStrategy, type Strategy, type WorklistRanking } from './active/strategies.ts';
export { readerBias, type ReaderBias } from './active/reader-bias.ts';
export { LabelStore } from './server/store.ts';
export { versionsRoot, listVersions, activeVersion, type VersionInfo } from './model/versions.ts';
