/**
 * Re-encodes an uncompressed DICOM image into another transfer syntax with the codecs' encoders (the header is
 * kept, rewritten as explicit VR little endian by dcmjs). Used to build every lossless syntax from the real CT
 * for the round-trip tests, and lossy copies for the lossy-flag tests.
 */
import { deflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import { encodeFrame, type EncodableCodec, type EncodeOptions } from './encode.ts';
import { TRANSFER_SYNTAXES } from './transfer-syntaxes.ts';

type Element = { vr: string; Value: unknown[] };
type Dict = Record<string, Element>;

/** Options of {@link reencodeDicom}. */
export interface ReencodeOptions extends EncodeOptions {
  /** Write (0028,2110) Lossy Image Compression = 01 when encoding lossily (default true). */
  readonly markLossy?: boolean;
}

function num(dict: Dict, tag: string, fallback?: number): number {
  const v = dict[tag]?.Value?.[0];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (fallback !== undefined) return fallback;
  throw new Error(`missing (${tag.slice(0, 4)},${tag.slice(4)})`);
}

const NATIVE_INPUT = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

/** Re-encodes `buf` (implicit or explicit VR little endian, grayscale) into transfer syntax `ts`. */
export function reencodeDicom(buf: Uint8Array, name: string, ts: string, opts: ReencodeOptions = {}): Uint8Array {
  const syntax = TRANSFER_SYNTAXES.get(ts);
  if (!syntax) throw new Error(`${name}: cannot re-encode into unknown transfer syntax ${ts}`);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const file = dcmjs.data.DicomMessage.readFile(ab);
  const meta = file.meta as Dict;
  const dict = file.dict as Dict;
  const from = String(meta['00020010']?.Value?.[0] ?? '');
  if (!NATIVE_INPUT.has(from)) throw new Error(`${name}: re-encoding needs little-endian uncompressed input, got transfer syntax ${from}`);
  const layout = {
    rows: num(dict, '00280010'), cols: num(dict, '00280011'), bitsAllocated: num(dict, '00280100'),
    bitsStored: num(dict, '00280101', num(dict, '00280100')), signed: num(dict, '00280103', 0) === 1,
  };
  const frames = Math.max(1, num(dict, '00280008', 1));
  const pixel = dict['7FE00010'];
  const raw = pixel?.Value?.[0];
  if (!(raw instanceof ArrayBuffer)) throw new Error(`${name}: no (7FE0,0010) Pixel Data`);
  const frameBytes = layout.rows * layout.cols * (layout.bitsAllocated / 8);
  const all = new Uint8Array(raw);
  if (all.length < frames * frameBytes) throw new Error(`${name}: Pixel Data has ${all.length} bytes, expected ${frames * frameBytes}`);
  meta['00020010'] = { vr: 'UI', Value: [ts] };
  const lossy = opts.lossy !== undefined || syntax.lossy === 'always';
  if (lossy && (opts.markLossy ?? true)) dict['00282110'] = { vr: 'CS', Value: ['01'] };
  if (syntax.codec === 'native' || syntax.codec === 'deflate') {
    if (syntax.bigEndian || syntax.implicitVr) throw new Error(`${name}: re-encoding into ${syntax.name} is not supported`);
    if (syntax.codec === 'native') return new Uint8Array(withDict(meta, dict).write());
    // Deflated: the explicit-VR LE data set after the file meta, raw-deflated.
    meta['00020010'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] };
    const plain = new Uint8Array(withDict(meta, dict).write());
    const dataStart = 132 + 12 + new DataView(plain.buffer).getUint32(132 + 8, true);
    const metaOut = withDict({ ...meta, '00020010': { vr: 'UI', Value: [ts] } }, {});
    const metaBytes = new Uint8Array(metaOut.write());
    const body = deflateRawSync(plain.subarray(dataStart));
    const out = new Uint8Array(metaBytes.length + body.length + (body.length % 2));
    out.set(metaBytes, 0);
    out.set(body, metaBytes.length);
    return out;
  }
  const encoded: ArrayBuffer[] = [];
  for (let f = 0; f < frames; f++) {
    const frame = encodeFrame(syntax.codec as EncodableCodec, all.subarray(f * frameBytes, (f + 1) * frameBytes), layout, opts);
    encoded.push(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
  }
  dict['7FE00010'] = { vr: 'OB', Value: encoded };
  return new Uint8Array(withDict(meta, dict).write());
}

function withDict(meta: Dict, dict: Dict): { write(): ArrayBuffer } {
  const d = new dcmjs.data.DicomDict(meta);
  d.dict = dict;
  return d;
}
