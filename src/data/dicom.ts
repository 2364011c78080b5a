/**
 * DICOM CT slices → HU. Headers are read with dicom-parser; pixel data of every transfer syntax a PACS sends
 * decodes through one path (`decodeDicom`, used by every reader: inspect, predict, serve, train):
 * uncompressed implicit/explicit VR little/big endian, deflated explicit VR (node:zlib), RLE lossless (own decoder),
 * JPEG 2000 (OpenJPEG), HTJ2K (OpenJPH), JPEG-LS (CharLS), JPEG baseline/extended 8-bit (libjpeg-turbo), all as
 * WebAssembly (src/data/dicom-codecs/); JPEG lossless process 14 and 12-bit JPEG extended through daikon.
 * Lossy data decodes too and says so: `dicom.lossy` names why (the syntax, the codestream, or the header's
 * (0028,2110) Lossy Image Compression). Anything else throws an error naming the file and the UID.
 * Files with or without the 128-byte preamble, and bare data sets without file meta, are accepted.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import daikon from 'daikon';
import { decodeCompressedFrame, jpegPrecision } from './dicom-codecs/decode.ts';
import { encapsulatedFrame } from './dicom-codecs/frames.ts';
import { TRANSFER_SYNTAXES, UNSUPPORTED_SYNTAXES, syntaxLabel, type TransferSyntax } from './dicom-codecs/transfer-syntaxes.ts';
import type { DicomMetadata, DicomSlice, HuWindow } from './types.ts';

export const TS_IMPLICIT_LE = '1.2.840.10008.1.2';
export const TS_EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const TS_DEFLATED = '1.2.840.10008.1.2.1.99';

/** HU written into PixelPaddingValue pixels (outside the reconstruction circle) when `padding` is `air`. */
export const AIR_HU = -1024;

/** Options for {@link decodeDicom}. */
export interface DicomReadOptions {
  /**
   * PixelPaddingValue pixels of a CT (or modality-less) image: `air` (default) sets them to −1024 HU (as in
   * DeepLesion, whose minimum is −1024), `keep` leaves the rescaled value (often −3024 or −2000).
   */
  readonly padding?: 'air' | 'keep';
  /** Frame of a multi-frame object (default 0). */
  readonly frame?: number;
}

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/** How a buffer holds DICOM: Part 10 (with or without preamble) or a bare data set; null if not DICOM. */
export function dicomLayout(buf: Uint8Array): 'part10' | 'no-preamble' | 'meta-only' | 'dataset-explicit' | 'dataset-implicit' | null {
  const at = (o: number, s: string): boolean => buf.length >= o + s.length && [...s].every((c, i) => buf[o + i] === c.charCodeAt(0));
  if (at(128, 'DICM')) return 'part10';
  if (at(0, 'DICM')) return 'no-preamble';
  if (buf.length < 8) return null;
  const group = buf[0] | (buf[1] << 8);
  if (group === 0x0002) return 'meta-only';
  if (group !== 0x0008) return null;
  const vr = String.fromCharCode(buf[4], buf[5]);
  return VRS.has(vr) ? 'dataset-explicit' : 'dataset-implicit';
}

/** True when the buffer looks like DICOM (Part 10 with or without preamble, or a bare data set starting at group 0008). */
export function isDicom(buf: Uint8Array): boolean {
  return dicomLayout(buf) !== null;
}

function errText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err) return String((err as { exception: unknown }).exception);
  return String(err);
}

function parse(buf: Uint8Array, name: string): { ds: DataSet; part10: Uint8Array } {
  const layout = dicomLayout(buf);
  if (!layout) throw new Error(`${name}: not a DICOM file (no DICM prefix and no data set at group 0002/0008)`);
  let part10 = buf;
  const opts: { TransferSyntaxUID?: string } = {};
  if (layout === 'no-preamble' || layout === 'meta-only') {
    part10 = new Uint8Array(buf.length + (layout === 'no-preamble' ? 128 : 132));
    part10.set([0x44, 0x49, 0x43, 0x4d], 128);
    part10.set(buf, layout === 'no-preamble' ? 128 : 132);
  } else if (layout === 'dataset-explicit') opts.TransferSyntaxUID = TS_EXPLICIT_LE;
  else if (layout === 'dataset-implicit') opts.TransferSyntaxUID = TS_IMPLICIT_LE;
  let inflateError: string | null = null;
  const inflater = (arr: Uint8Array, position: number): Uint8Array => {
    let body: Buffer;
    try {
      body = inflateRawSync(arr.subarray(position));
    } catch (err) {
      inflateError = errText(err);
      throw err;
    }
    const full = new Uint8Array(position + body.length);
    full.set(arr.subarray(0, position), 0);
    full.set(body, position);
    return full;
  };
  try {
    return { ds: dicomParser.parseDicom(part10, { ...opts, inflater }), part10 };
  } catch (err) {
    if (inflateError !== null) throw new Error(`${name}: cannot inflate the ${syntaxLabel(TS_DEFLATED)} data set: ${inflateError}`);
    throw new Error(`${name}: corrupt or truncated DICOM (${buf.length} bytes): ${errText(err)}`);
  }
}

/** Reads typed header values, naming the tag in errors. */
class Header {
  constructor(private readonly ds: DataSet, private readonly name: string) {}
  has(tag: string): boolean {
    const el = this.ds.elements[tag];
    return !!el && el.length > 0;
  }
  str(tag: string): string | null {
    const s = this.has(tag) ? this.ds.string(tag) : undefined;
    return s === undefined || s === '' ? null : s;
  }
  us(tag: string, label: string): number {
    const v = this.has(tag) ? this.ds.uint16(tag) : undefined;
    if (v === undefined) throw new Error(`${this.name}: missing ${fmtTag(tag)} ${label}`);
    return v;
  }
  usOr(tag: string, fallback: number): number {
    return (this.has(tag) ? this.ds.uint16(tag) : undefined) ?? fallback;
  }
  /** Multi-valued DS/IS as numbers; null when absent; throws naming the tag on a non-number. */
  nums(tag: string, label: string, count?: number): number[] | null {
    const s = this.str(tag);
    if (s === null) return null;
    const parts = s.split('\\').map((p) => p.trim());
    const values = parts.map(Number);
    if (values.some((v, i) => parts[i] === '' || !Number.isFinite(v))) {
      throw new Error(`${this.name}: ${fmtTag(tag)} ${label} has a non-numeric value ${JSON.stringify(s)}`);
    }
    if (count !== undefined && values.length < count) {
      throw new Error(`${this.name}: ${fmtTag(tag)} ${label} has ${values.length} values, expected ${count} (${JSON.stringify(s)})`);
    }
    return values;
  }
  num(tag: string, label: string): number | null {
    return this.nums(tag, label)?.[0] ?? null;
  }
  int16(tag: string): number | undefined {
    return this.has(tag) ? this.ds.int16(tag) : undefined;
  }
}

function fmtTag(tag: string): string {
  return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
}

/** Pixel layout of a frame, as the header describes it. */
interface PixelLayout {
  readonly rows: number;
  readonly cols: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  readonly numberOfFrames: number;
}

/** A frame's samples, their byte order, whether they are still at their stored bit position, and codestream lossiness. */
interface FrameSamples {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  /** Native data keeps High Bit's position; decoded data is right-aligned. */
  readonly native: boolean;
  readonly lossy: string | null;
}

/** Whole-file decode through daikon (JPEG lossless process 14, 12-bit JPEG extended); returns frame `frame`. */
function daikonFrame(part10: Uint8Array, syntax: TransferSyntax, frame: number, frameBytes: number, name: string): FrameSamples {
  const ab = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer;
  let raw: ArrayBuffer;
  let littleEndian: boolean;
  try {
    const image = daikon.Series.parseImage(new DataView(ab));
    if (!image) throw new Error(errText(daikon.Series.parserError));
    raw = image.getRawData();
    littleEndian = image.littleEndian;
  } catch (err) {
    throw new Error(`${name}: cannot decode ${syntaxLabel(syntax.uid)} pixel data: ${errText(err)}`);
  }
  if (!raw || raw.byteLength < (frame + 1) * frameBytes) {
    throw new Error(`${name}: decoded ${syntaxLabel(syntax.uid)} pixel data has ${raw?.byteLength ?? 0} bytes, expected ${(frame + 1) * frameBytes}`);
  }
  return { bytes: new Uint8Array(raw, frame * frameBytes, frameBytes), littleEndian, native: false, lossy: syntax.lossy === 'always' ? 'DCT JPEG' : null };
}

/** Samples of one frame: read in place (native, deflated) or decoded from its fragments. */
function frameSamples(ds: DataSet, part10: Uint8Array, syntax: TransferSyntax, frame: number, layout: PixelLayout, name: string): FrameSamples {
  const el = ds.elements.x7fe00010;
  if (!el) throw new Error(`${name}: missing (7FE0,0010) Pixel Data`);
  const frameBytes = layout.rows * layout.cols * (layout.bitsAllocated / 8);
  if (syntax.codec === 'native' || syntax.codec === 'deflate') {
    const start = el.dataOffset + frame * frameBytes;
    if (el.encapsulatedPixelData || start + frameBytes > Math.min(el.dataOffset + el.length, ds.byteArray.length)) {
      throw new Error(`${name}: (7FE0,0010) Pixel Data has ${el.length} bytes, expected ${(frame + 1) * frameBytes} for frame ${frame} (truncated?)`);
    }
    return { bytes: ds.byteArray.subarray(start, start + frameBytes), littleEndian: !syntax.bigEndian, native: true, lossy: null };
  }
  const where = `${name}: frame ${frame + 1} of ${layout.numberOfFrames}, ${syntaxLabel(syntax.uid)}`;
  let compressed: Uint8Array;
  try {
    compressed = encapsulatedFrame(ds, el, frame, layout.numberOfFrames);
  } catch (err) {
    throw new Error(`${where}: ${errText(err)}`);
  }
  if (syntax.codec === 'jpeg-lossless' || (syntax.codec === 'jpeg' && (jpegPrecision(compressed) ?? 8) > 8)) {
    return daikonFrame(part10, syntax, frame, frameBytes, name);
  }
  try {
    const decoded = decodeCompressedFrame(syntax.codec, compressed, layout);
    return { bytes: decoded.bytes, littleEndian: true, native: false, lossy: decoded.lossy };
  } catch (err) {
    throw new Error(`${where}: malformed compressed frame (${compressed.length} bytes): ${errText(err)}`);
  }
}

/** Why the pixel data is not as acquired (syntax, codestream, header), or null. */
function lossyReason(h: Header, syntax: TransferSyntax, codestream: string | null): string | null {
  const reasons: string[] = [];
  if (syntax.lossy === 'always') reasons.push(`transfer syntax ${syntaxLabel(syntax.uid)}`);
  else if (codestream) reasons.push(`${syntaxLabel(syntax.uid)} codestream: ${codestream}`);
  if (h.str('x00282110') === '01') {
    const ratio = h.str('x00282112');
    const method = h.str('x00282114');
    reasons.push(`(0028,2110) Lossy Image Compression 01${ratio ? `, ratio ${ratio}` : ''}${method ? `, method ${method}` : ''}`);
  }
  return reasons.length ? reasons.join('; ') : null;
}

/** Decodes an in-memory DICOM CT slice to HU. `name` is used in errors and as `source`. */
export function decodeDicom(buf: Uint8Array, name: string, opts: DicomReadOptions = {}): DicomSlice {
  const { ds, part10 } = parse(buf, name);
  const h = new Header(ds, name);
  const layout = dicomLayout(buf);
  const ts = h.str('x00020010') ?? (layout === 'dataset-explicit' ? TS_EXPLICIT_LE : TS_IMPLICIT_LE);
  const syntax = TRANSFER_SYNTAXES.get(ts);
  if (!syntax) throw new Error(`${name}: unsupported transfer syntax ${ts} (${UNSUPPORTED_SYNTAXES[ts] ?? 'unknown'})`);
  const rows = h.us('x00280010', 'Rows');
  const cols = h.us('x00280011', 'Columns');
  const bitsAllocated = h.us('x00280100', 'Bits Allocated');
  const bitsStored = h.usOr('x00280101', bitsAllocated);
  const highBit = h.usOr('x00280102', bitsStored - 1);
  const pixelRepresentation = h.usOr('x00280103', 0);
  const samples = h.usOr('x00280002', 1);
  const photometric = h.str('x00280004') ?? 'MONOCHROME2';
  if (samples !== 1 || !photometric.startsWith('MONOCHROME')) {
    throw new Error(`${name}: (0028,0004) Photometric Interpretation is ${photometric} with ${samples} samples/pixel, expected grayscale MONOCHROME1/2`);
  }
  if (![8, 16, 32].includes(bitsAllocated) || bitsStored < 1 || bitsStored > bitsAllocated || highBit + 1 < bitsStored || highBit >= bitsAllocated) {
    throw new Error(`${name}: unsupported pixel layout: Bits Allocated ${bitsAllocated}, Bits Stored ${bitsStored}, High Bit ${highBit}`);
  }
  if (rows === 0 || cols === 0) throw new Error(`${name}: (0028,0010/0011) image size is ${cols}x${rows}`);
  const numberOfFrames = Math.max(1, h.num('x00280008', 'Number of Frames') ?? 1);
  const frame = opts.frame ?? 0;
  if (!Number.isInteger(frame) || frame < 0 || frame >= numberOfFrames) {
    throw new Error(`${name}: frame ${frame} out of range (Number of Frames ${numberOfFrames})`);
  }
  const slope = h.num('x00281053', 'Rescale Slope') ?? 1;
  const intercept = h.num('x00281052', 'Rescale Intercept') ?? 0;
  const n = rows * cols;
  const bytesPer = bitsAllocated / 8;
  const pixelLayout: PixelLayout = { rows, cols, bitsAllocated, bitsStored, signed: pixelRepresentation === 1, numberOfFrames };
  const { bytes, littleEndian, native, lossy: codestreamLossy } = frameSamples(ds, part10, syntax, frame, pixelLayout, name);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shift = native ? highBit + 1 - bitsStored : 0;
  const mask = bitsStored >= 32 ? 0xffffffff : 2 ** bitsStored - 1;
  const signBit = 2 ** (bitsStored - 1);
  const signed = pixelRepresentation === 1;
  const paddingRaw = h.has('x00280120') ? (signed ? h.int16('x00280120') : h.usOr('x00280120', 0)) : undefined;
  const modality = h.str('x00080060');
  const padToAir = (opts.padding ?? 'air') === 'air' && paddingRaw !== undefined && (modality === 'CT' || modality === null);
  const hu = new Float32Array(n);
  let paddingPixels = 0;
  for (let i = 0; i < n; i++) {
    let u = bytesPer === 1 ? bytes[i] : bytesPer === 2 ? view.getUint16(i * 2, littleEndian) : view.getUint32(i * 4, littleEndian);
    u = Math.floor(u / 2 ** shift) % (mask + 1);
    const stored = signed && u >= signBit ? u - 2 * signBit : u;
    if (paddingRaw !== undefined && stored === paddingRaw) {
      paddingPixels++;
      if (padToAir) {
        hu[i] = AIR_HU;
        continue;
      }
    }
    hu[i] = stored * slope + intercept;
  }

  const spacingValues = h.nums('x00280030', 'Pixel Spacing', 2);
  if (spacingValues && !(spacingValues[0] > 0 && spacingValues[1] > 0)) {
    throw new Error(`${name}: (0028,0030) Pixel Spacing must be positive, got ${spacingValues.join('\\')}`);
  }
  const wc = h.num('x00281050', 'Window Center');
  const ww = h.num('x00281051', 'Window Width');
  const window: HuWindow | null = wc !== null && ww !== null && ww > 0 ? { center: wc, width: ww } : null;
  const ipp = h.nums('x00200032', 'Image Position (Patient)', 3);
  const iop = h.nums('x00200037', 'Image Orientation (Patient)', 6);
  const dicom: DicomMetadata = {
    sopInstanceUid: h.str('x00080018'),
    sopClassUid: h.str('x00080016'),
    studyInstanceUid: h.str('x0020000d'),
    seriesInstanceUid: h.str('x0020000e'),
    frameOfReferenceUid: h.str('x00200052'),
    transferSyntaxUid: ts,
    modality,
    instanceNumber: h.num('x00200013', 'Instance Number'),
    imagePositionPatient: ipp ? [ipp[0], ipp[1], ipp[2]] : null,
    imageOrientationPatient: iop ? [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]] : null,
    sliceThickness: h.num('x00180050', 'Slice Thickness'),
    rescaleSlope: slope,
    rescaleIntercept: intercept,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    photometricInterpretation: photometric,
    numberOfFrames,
    paddingPixels,
    lossy: lossyReason(h, syntax, codestreamLossy),
  };
  return {
    width: cols,
    height: rows,
    hu,
    // PixelSpacing is row spacing (between rows, i.e. along y) then column spacing (along x).
    spacing: spacingValues ? { x: spacingValues[1], y: spacingValues[0] } : null,
    window,
    source: name,
    dicom,
  };
}

/** Reads a DICOM file as a HU slice with its identifiers. */
export function readDicom(path: string, opts: DicomReadOptions = {}): DicomSlice {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot read DICOM: ${errText(err)}`);
  }
  return decodeDicom(buf, path, opts);
}

/** Position of a slice along its normal (ImagePositionPatient · (row × col cosines)), else z, else null. */
export function slicePosition(s: DicomSlice): number | null {
  const p = s.dicom.imagePositionPatient;
  if (!p) return null;
  const o = s.dicom.imageOrientationPatient;
  if (!o) return p[2];
  const nx = o[1] * o[5] - o[2] * o[4];
  const ny = o[2] * o[3] - o[0] * o[5];
  const nz = o[0] * o[4] - o[1] * o[3];
  return p[0] * nx + p[1] * ny + p[2] * nz;
}

/** A file of a series folder that did not decode, and why. */
export interface SkippedDicom {
  readonly file: string;
  readonly error: string;
}

/**
 * Reads every DICOM file in a folder (non-DICOM files such as DICOMDIR readmes are skipped) as one series,
 * sorted by position along the slice normal (ImagePositionPatient), else by InstanceNumber, else by file name.
 * A DICOM file that does not decode (a malformed compressed frame, a truncated file) is left out and listed in
 * `skipped` with its error (which names the file and the transfer syntax); the rest of the series loads.
 * Throws if the folder holds no decodable DICOM file or more than one SeriesInstanceUID.
 */
export function readDicomSeriesReport(folder: string, opts: DicomReadOptions = {}): { slices: DicomSlice[]; skipped: SkippedDicom[] } {
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (err) {
    throw new Error(`${folder}: cannot list DICOM folder: ${errText(err)}`);
  }
  const slices: DicomSlice[] = [];
  const skipped: SkippedDicom[] = [];
  for (const entry of names) {
    const path = join(folder, entry);
    if (!statSync(path).isFile()) continue;
    const buf = readFileSync(path);
    if (entry === 'DICOMDIR' || !isDicom(buf)) continue;
    try {
      slices.push(decodeDicom(buf, path, opts));
    } catch (err) {
      skipped.push({ file: path, error: errText(err) });
    }
  }
  if (slices.length === 0) {
    throw new Error(`${folder}: no DICOM files found${skipped.length ? ` that decode (${skipped.length} failed; first: ${skipped[0].error})` : ''}`);
  }
  const uids = [...new Set(slices.map((s) => s.dicom.seriesInstanceUid ?? '(none)'))];
  if (uids.length > 1) throw new Error(`${folder}: holds ${uids.length} series (${uids.join(', ')}); expected one SeriesInstanceUID`);
  const key = (s: DicomSlice): number | null => slicePosition(s);
  if (slices.every((s) => key(s) !== null)) slices.sort((a, b) => (key(a) as number) - (key(b) as number));
  else if (slices.every((s) => s.dicom.instanceNumber !== null)) {
    slices.sort((a, b) => (a.dicom.instanceNumber as number) - (b.dicom.instanceNumber as number));
  }
  return { slices, skipped };
}

/** {@link readDicomSeriesReport}'s slices; files that did not decode go to `onSkip` (if given) and are left out. */
export function readDicomSeries(folder: string, opts: DicomReadOptions & { onSkip?: (s: SkippedDicom) => void } = {}): DicomSlice[] {
  const { slices, skipped } = readDicomSeriesReport(folder, opts);
  for (const s of skipped) opts.onSkip?.(s);
  return slices;
}
