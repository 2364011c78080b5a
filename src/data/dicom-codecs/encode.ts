/**
 * Encoders of the same codecs, for writing re-encoded copies of a DICOM (tests build every lossless syntax
 * from the real CT with them; `lossy` options give lossy copies): JPEG 2000 (OpenJPEG), HTJ2K (OpenJPH),
 * JPEG-LS (CharLS), JPEG baseline 8-bit (libjpeg-turbo), RLE (src/data/dicom-codecs/rle.ts).
 */
import { encodeRleFrame } from './rle.ts';
import { loadCodec, runCodec, type CodecName, type WasmEncoder } from './wasm.ts';
import type { FrameLayout } from './decode.ts';

export type EncodableCodec = 'jpeg2000' | 'htj2k' | 'jpeg-ls' | 'jpeg' | 'rle';

export interface EncodeOptions {
  /** JPEG 2000 / HTJ2K: irreversible wavelet with this quantization quality; JPEG-LS: NEAR; JPEG: quality 1..100. */
  readonly lossy?: number;
}

const WASM: Record<Exclude<EncodableCodec, 'rle'>, CodecName> = { jpeg2000: 'openjpeg', htj2k: 'openjph', 'jpeg-ls': 'charls', jpeg: 'libjpeg-turbo-8bit' };

/** Encodes one grayscale frame of little-endian samples (bitsAllocated/8 bytes each). */
export function encodeFrame(codec: EncodableCodec, samples: Uint8Array, layout: FrameLayout, opts: EncodeOptions = {}): Uint8Array {
  const n = layout.rows * layout.cols;
  const bytesPerSample = layout.bitsAllocated / 8;
  if (samples.length !== n * bytesPerSample) throw new Error(`encode: ${samples.length} bytes for ${layout.cols}x${layout.rows} samples of ${bytesPerSample} bytes`);
  if (codec === 'rle') return encodeRleFrame(samples, n, bytesPerSample);
  if (codec === 'jpeg' && layout.bitsAllocated !== 8) throw new Error(`encode: JPEG baseline holds 8-bit samples, not ${layout.bitsAllocated}-bit`);
  if (bytesPerSample > 2) throw new Error(`encode: ${layout.bitsAllocated}-bit samples are not supported by ${codec}`);
  const wasm = loadCodec(WASM[codec]);
  return runCodec(wasm, `encoding ${codec}`, () => {
    let enc: WasmEncoder | null = null;
    try {
      enc = wasm.newEncoder();
      const info = {
        width: layout.cols, height: layout.rows, bitsPerSample: layout.bitsStored, componentCount: 1, isSigned: layout.signed, isUsingColorTransform: false,
      };
      if (codec === 'jpeg2000' || codec === 'htj2k') {
        enc.setDecompositions?.(Math.max(0, Math.min(5, Math.floor(Math.log2(Math.min(layout.rows, layout.cols))) - 1)));
        if (opts.lossy !== undefined) enc.setQuality?.(false, opts.lossy);
      } else if (codec === 'jpeg-ls' && opts.lossy !== undefined) enc.setNearLossless?.(opts.lossy);
      else if (codec === 'jpeg' && opts.lossy !== undefined) enc.setQuality?.(true, opts.lossy);
      const input = enc.getDecodedBuffer(info);
      input.set(samples.subarray(0, input.length));
      enc.encode();
      return enc.getEncodedBuffer().slice();
    } finally {
      enc?.delete();
    }
  });
}
