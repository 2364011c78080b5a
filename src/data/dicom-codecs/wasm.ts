/**
 * The cornerstone WebAssembly codecs (the ones OHIF and cornerstone3D decode DICOM with), loaded synchronously
 * so that `decodeDicom` stays a plain function: the `.wasm` bytes are read from the package (or from
 * `$RECIST_CODEC_DIR`, or the folder of the running script, for single-file bundles), compiled with
 * `new WebAssembly.Module` and instantiated through Emscripten's `instantiateWasm` hook, which makes the module
 * ready before its factory returns. Each codec is loaded on first use and kept.
 *
 * The codecs report errors by printing (captured here) and throwing a bare C++ exception pointer;
 * {@link runCodec} turns both into one Error message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import openjpegFactory from '@cornerstonejs/codec-openjpeg/wasmjs';
import charlsFactory from '@cornerstonejs/codec-charls/wasmjs';
import libjpegTurboFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs';
import openjphFactory from '@cornerstonejs/codec-openjph/wasmjs';

/** Image geometry as the codecs take and give it. */
export interface CodecFrameInfo {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly componentCount: number;
  readonly isSigned?: boolean;
  readonly isUsingColorTransform?: boolean;
}

/** What every decoder class offers (the encoded bytes go in, the decoded samples come out, little endian). */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  delete(): void;
  /** JPEG 2000 / HTJ2K: whether the codestream used the reversible (lossless) wavelet. */
  getIsReversible?(): boolean;
  /** JPEG-LS: the NEAR parameter (0 = lossless). */
  getNearLossless?(): number;
  /** HTJ2K: the decoder's last error. */
  getLastErrorMessage?(): string;
}

/** What every encoder class offers. */
export interface WasmEncoder {
  getDecodedBuffer(info: CodecFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
  setQuality?(lossless: boolean, quality: number): void;
  setDecompositions?(n: number): void;
  setNearLossless?(near: number): void;
}

export type CodecName = 'openjpeg' | 'charls' | 'libjpeg-turbo-8bit' | 'openjph';

interface CodecSpec {
  readonly factory: (settings: object) => unknown;
  readonly pkg: string;
  readonly wasmFile: string;
  readonly decoder: string;
  readonly encoder: string;
}

const SPECS: Record<CodecName, CodecSpec> = {
  openjpeg: { factory: openjpegFactory, pkg: '@cornerstonejs/codec-openjpeg', wasmFile: 'openjpegwasm.wasm', decoder: 'J2KDecoder', encoder: 'J2KEncoder' },
  charls: { factory: charlsFactory, pkg: '@cornerstonejs/codec-charls', wasmFile: 'charlswasm.wasm', decoder: 'JpegLSDecoder', encoder: 'JpegLSEncoder' },
  'libjpeg-turbo-8bit': {
    factory: libjpegTurboFactory, pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', wasmFile: 'libjpegturbowasm.wasm', decoder: 'JPEGDecoder', encoder: 'JPEGEncoder',
  },
  openjph: { factory: openjphFactory, pkg: '@cornerstonejs/codec-openjph', wasmFile: 'openjphjs.wasm', decoder: 'HTJ2KDecoder', encoder: 'HTJ2KEncoder' },
};

/** A loaded codec: constructors for its classes and the lines it printed during the last {@link runCodec}. */
export interface LoadedCodec {
  readonly name: CodecName;
  readonly newDecoder: () => WasmDecoder;
  readonly newEncoder: () => WasmEncoder;
  readonly messages: string[];
}

const loaded = new Map<CodecName, LoadedCodec>();

/** URL of this module; in a CommonJS bundle `import.meta.url` is empty, so the entry script stands in. */
function hereUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (url) return url;
  return pathToFileURL(process.argv[1] ?? join(process.cwd(), 'index.js')).href;
}

/** Where a codec's `.wasm` lives: `$RECIST_CODEC_DIR`, the npm package, or beside the running script. */
export function codecWasmPath(name: CodecName, env: NodeJS.ProcessEnv = process.env): string {
  const spec = SPECS[name];
  const tried: string[] = [];
  if (env.RECIST_CODEC_DIR) {
    const p = resolve(env.RECIST_CODEC_DIR, spec.wasmFile);
    if (existsSync(p)) return p;
    throw new Error(`RECIST_CODEC_DIR=${env.RECIST_CODEC_DIR}: no ${spec.wasmFile} there (codec ${spec.pkg})`);
  }
  try {
    const p = createRequire(hereUrl()).resolve(`${spec.pkg}/wasm`);
    if (existsSync(p)) return p;
    tried.push(p);
  } catch {
    tried.push(`${spec.pkg} (not resolvable)`);
  }
  const beside = join(dirname(process.argv[1] ?? '.'), spec.wasmFile);
  if (existsSync(beside)) return beside;
  tried.push(beside);
  throw new Error(`codec ${spec.pkg}: ${spec.wasmFile} not found (looked in: ${tried.join('; ')}); run npm install or set RECIST_CODEC_DIR`);
}

type ClassCtor<T> = new () => T;

/** Loads (once) and returns a codec, synchronously. */
export function loadCodec(name: CodecName): LoadedCodec {
  const have = loaded.get(name);
  if (have) return have;
  const spec = SPECS[name];
  const wasm = new WebAssembly.Module(readFileSync(codecWasmPath(name)));
  const messages: string[] = [];
  const settings: Record<string, unknown> = {
    print: (s: string) => messages.push(String(s)),
    printErr: (s: string) => messages.push(String(s)),
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      const instance = new WebAssembly.Instance(wasm, imports);
      done(instance, wasm);
      return instance.exports;
    },
  };
  const ready = spec.factory(settings);
  // The factory returns a promise; swallow its rejection here (a failed start shows as missing classes below).
  if (ready && typeof (ready as Promise<unknown>).then === 'function') (ready as Promise<unknown>).then(undefined, () => undefined);
  const Decoder = settings[spec.decoder] as ClassCtor<WasmDecoder> | undefined;
  const Encoder = settings[spec.encoder] as ClassCtor<WasmEncoder> | undefined;
  if (typeof Decoder !== 'function' || typeof Encoder !== 'function') {
    throw new Error(`codec ${spec.pkg}: WebAssembly module did not start synchronously (no ${spec.decoder}/${spec.encoder}); messages: ${messages.join(' | ') || 'none'}`);
  }
  const codec: LoadedCodec = { name, newDecoder: () => new Decoder(), newEncoder: () => new Encoder(), messages };
  loaded.set(name, codec);
  return codec;
}

/**
 * Runs `fn` with a codec, turning whatever it throws (an Error, a string, or a C++ exception pointer) into an
 * Error whose message carries the codec's own printed error lines. `what` names the operation for the message.
 */
export function runCodec<T>(codec: LoadedCodec, what: string, fn: () => T): T {
  codec.messages.length = 0;
  try {
    return fn();
  } catch (err) {
    const printed = codec.messages.filter((m) => !/^\[INFO\]/.test(m)).join(' | ');
    const own = err instanceof Error ? err.message : typeof err === 'number' ? `the codec rejected the data (C++ exception, no message)` : String(err);
    throw new Error(`${what} failed (${SPECS[codec.name].pkg}): ${printed ? `${printed}; ` : ''}${own}`);
  } finally {
    codec.messages.length = 0;
  }
}
