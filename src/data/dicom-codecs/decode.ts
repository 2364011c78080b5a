/**
 * One compressed frame → grayscale samples, little endian, `bytesPerSample` bytes each, as the header's pixel
 * module describes them (sign extension and rescale happen afterwards in src/data/dicom.ts, the same for every
 * syntax). Also says whether the codestream itself was lossy (JPEG 2000 / HTJ2K irreversible wavelet, JPEG-LS
 * NEAR > 0, any DCT JPEG).
 *
 * Decoders: OpenJPEG (JPEG 2000), OpenJPH (HTJ2K), CharLS (JPEG-LS), libjpeg-turbo 8-bit (JPEG baseline and
 * 8-bit extended), all WebAssembly (src/data/dicom-codecs/wasm.ts); RLE by src/data/dicom-codecs/rle.ts.
 * JPEG lossless (process 14) and 12-bit JPEG extended go through daikon in src/data/dicom.ts (whole file).
 */
import { decodeRleFrame } from './rle.ts';
import type { PixelCodec } from './transfer-syntaxes.ts';
import { loadCodec, runCodec, type CodecFrameInfo, type CodecName, type WasmDecoder } from './wasm.ts';

/** What the header says a frame holds. */
export interface FrameLayout {
  readonly rows: number;
  readonly cols: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  /** PixelRepresentation 1: two's complement. */
  readonly signed: boolean;
}

export interface DecodedFrame {
  /** rows·cols samples, little endian, bitsAllocated/8 bytes each. */
  readonly bytes: Uint8Array;
  /** Why the codestream is lossy (e.g. "irreversible wavelet"), or null when it decoded losslessly. */
  readonly lossy: string | null;
}

const WASM: Partial<Record<PixelCodec, CodecName>> = { jpeg2000: 'openjpeg', htj2k: 'openjph', 'jpeg-ls': 'charls', jpeg: 'libjpeg-turbo-8bit' };

/** Sample precision of a JPEG (DCT) codestream from its SOF marker, or null if none is found. */
export function jpegPrecision(frame: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < frame.length) {
    if (frame[i] !== 0xff) {
      i++;
      continue;
    }
    const m = frame[i + 1];
    if (m === 0xff || m === 0x00 || (m >= 0xd0 && m <= 0xd8) || m === 0x01) {
      i += m === 0xff ? 1 : 2;
      continue;
    }
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return frame[i + 4] ?? null;
    i += 2 + ((frame[i + 2] << 8) | frame[i + 3]);
  }
  return null;
}

/** Copies decoded samples (1 or 2 bytes each, `signed` per the codestream) into `bytesPerSample`-byte LE samples. */
function widen(src: Uint8Array, srcBytes: number, srcSigned: boolean, n: number, bytesPerSample: number): Uint8Array {
  if (srcBytes === bytesPerSample) return src.slice(0, n * bytesPerSample);
  const out = new Uint8Array(n * bytesPerSample);
  const dst = new DataView(out.buffer);
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < n; i++) {
    const v = srcBytes === 1 ? (srcSigned ? sv.getInt8(i) : sv.getUint8(i)) : srcSigned ? sv.getInt16(i * 2, true) : sv.getUint16(i * 2, true);
    if (bytesPerSample === 1) dst.setUint8(i, v & 0xff);
    else if (bytesPerSample === 2) dst.setUint16(i * 2, v & 0xffff, true);
    else dst.setUint32(i * 4, v >>> 0, true);
  }
  return out;
}

function checkGeometry(info: CodecFrameInfo, layout: FrameLayout): void {
  if (info.width !== layout.cols || info.height !== layout.rows) {
    throw new Error(`codestream is ${info.width}x${info.height}, the header says ${layout.cols}x${layout.rows} (Columns x Rows)`);
  }
  if (info.componentCount !== 1) throw new Error(`codestream has ${info.componentCount} components, expected 1 (grayscale)`);
  if (info.bitsPerSample > layout.bitsAllocated) {
    throw new Error(`codestream has ${info.bitsPerSample} bits per sample, more than Bits Allocated ${layout.bitsAllocated}`);
  }
}

/** Decodes one frame of a WebAssembly-decoded syntax or RLE. Throws a plain message (the caller names file and syntax). */
export function decodeCompressedFrame(codec: PixelCodec, frame: Uint8Array, layout: FrameLayout): DecodedFrame {
  const n = layout.rows * layout.cols;
  const bytesPerSample = layout.bitsAllocated / 8;
  if (codec === 'rle') return { bytes: decodeRleFrame(frame, n, bytesPerSample), lossy: null };
  const name = WASM[codec];
  if (!name) throw new Error(`no frame decoder for ${codec}`);
  if (frame.length === 0) throw new Error('frame has 0 bytes');
  const wasm = loadCodec(name);
  return runCodec(wasm, 'decoding', () => {
    let dec: WasmDecoder | null = null;
    try {
      dec = wasm.newDecoder();
      dec.getEncodedBuffer(frame.length).set(frame);
      dec.decode();
      const errors = wasm.messages.filter((m) => /\[ERROR\]|ojph error/i.test(m));
      if (errors.length) throw new Error('decoder reported errors');
      const info = dec.getFrameInfo();
      checkGeometry(info, layout);
      const decoded = dec.getDecodedBuffer();
      const srcBytes = info.bitsPerSample <= 8 ? 1 : 2;
      if (decoded.length < n * srcBytes) throw new Error(`decoder gave ${decoded.length} bytes, expected ${n * srcBytes}`);
      const bytes = widen(decoded, srcBytes, info.isSigned ?? layout.signed, n, bytesPerSample);
      let lossy: string | null = null;
      if (codec === 'jpeg') lossy = 'DCT JPEG';
      else if (codec === 'jpeg-ls') {
        const near = dec.getNearLossless?.() ?? 0;
        if (near > 0) lossy = `JPEG-LS NEAR ${near}`;
      } else if (dec.getIsReversible && !dec.getIsReversible()) lossy = 'irreversible wavelet';
      return { bytes, lossy };
    } finally {
      dec?.delete();
    }
  });
}
