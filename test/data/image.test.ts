import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encode } from 'fast-png';
import jpeg from 'jpeg-js';
import { decodeExport8, readExport8 } from '../../src/data/export8.ts';
import { decodeImage, imageKind, readImage } from '../../src/data/image.ts';
import { DEV_SUBDIR, DICOM_SUBDIR } from '../../src/data/paths.ts';
import { encodePng16Hu } from '../../src/data/png16.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { bytesToHu, parseWindow, windowToBytes, windowToUnit, WINDOW_PRESETS } from '../../src/data/window.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const W = { center: 50, width: 450 };

function ramp(): CtSlice {
  const hu = new Float32Array(16 * 4);
  for (let i = 0; i < hu.length; i++) hu[i] = -300 + i * 10;
  return { width: 16, height: 4, hu, spacing: null, window: null, source: 'ramp' };
}

test('window presets, parsing, unit/byte mapping (clipped, NaN-free)', () => {
  assert.deepEqual(WINDOW_PRESETS.softTissue, { center: 40, width: 400 });
  assert.deepEqual(WINDOW_PRESETS.lung, { center: -600, width: 1500 });
  assert.deepEqual(WINDOW_PRESETS.liver, { center: 60, width: 160 });
  assert.deepEqual(WINDOW_PRESETS.bone, { center: 400, width: 1800 });
  assert.deepEqual(WINDOW_PRESETS.deeplesion, { center: 50, width: 450 });
  assert.deepEqual(parseWindow('soft-tissue'), WINDOW_PRESETS.softTissue);
  assert.deepEqual(parseWindow('-600,1500'), { center: -600, width: 1500 });
  assert.throws(() => parseWindow('foo'), /window "foo": not a preset/);
  assert.throws(() => parseWindow('50,0'), /width must be > 0/);
  assert.deepEqual(Array.from(windowToUnit([-175, 50, 275, -1000, 2000, Number.NaN], W)), [0, 0.5, 1, 0, 1, 0]);
  assert.deepEqual(Array.from(windowToBytes([-175, 50, 275], W)), [0, 128, 255]);
  const back = bytesToHu(windowToBytes([-100, 0, 100], W), W);
  for (const [i, v] of [-100, 0, 100].entries()) assert.ok(Math.abs(back[i] - v) <= W.width / 255 / 2 + 1e-3);
});

test('8-bit PNG and JPEG exports → HU within one grey level (JPEG: a few)', () => {
  const s = ramp();
  const gray = windowToBytes(s.hu, W);
  const png = encode({ width: 16, height: 4, data: gray, depth: 8, channels: 1 });
  const fromPng = decodeExport8(png, 'e.png', W);
  s.hu.forEach((v, i) => {
    const clipped = Math.min(275, Math.max(-175, v));
    assert.ok(Math.abs(fromPng.hu[i] - clipped) <= 450 / 255 / 2 + 1e-3, `png px ${i}`);
  });
  const rgba = new Uint8Array(16 * 4 * 4);
  gray.forEach((g, i) => rgba.set([g, g, g, 255], i * 4));
  const jpg = jpeg.encode({ width: 16, height: 4, data: rgba }, 100).data;
  const fromJpg = decodeExport8(jpg, 'e.jpg', W);
  assert.equal(fromJpg.width, 16);
  s.hu.forEach((v, i) => assert.ok(Math.abs(fromJpg.hu[i] - Math.min(275, Math.max(-175, v))) <= 450 / 255 * 4, `jpg px ${i}`));
  const rgb = encode({ width: 1, height: 1, data: Uint8Array.of(200, 10, 10), depth: 8, channels: 3 });
  assert.throws(() => decodeExport8(rgb, 'red.png', W), /red\.png: color image/);
  const dir = mkdtempSync(join(tmpdir(), 'exp8-'));
  try {
    writeFileSync(join(dir, 'a.png'), png);
    assert.equal(readExport8(join(dir, 'a.png'), W).width, 16);
    assert.equal(readImage(join(dir, 'a.png'), { exportWindow: W }).height, 4);
    assert.throws(() => readImage(join(dir, 'a.png')), /a\.png: 8-bit PNG holds windowed values, not HU/);
    assert.throws(() => readExport8(join(dir, 'a.png'), { center: 0, width: 0 }), /a\.png: window: invalid window/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readImage dispatches on magic bytes; non-images get a clear error', () => {
  const png16 = encodePng16Hu(ramp());
  assert.equal(imageKind(png16), 'png16');
  assert.deepEqual(Array.from(decodeImage(png16, 'r.png').hu), Array.from(ramp().hu));
  const dir = mkdtempSync(join(tmpdir(), 'img-'));
  try {
    writeFileSync(join(dir, 'x.txt'), 'hello, this is text');
    assert.throws(() => readImage(join(dir, 'x.txt')), new RegExp(`${join(dir, 'x.txt')}: not a PNG, DICOM or NIfTI file`));
    writeFileSync(join(dir, 'empty.png'), '');
    assert.throws(() => readImage(join(dir, 'empty.png')), /empty\.png: not a PNG, DICOM or NIfTI file/);
    writeFileSync(join(dir, 'trunc.png'), png16.subarray(0, 60));
    assert.throws(() => readImage(join(dir, 'trunc.png')), /trunc\.png: corrupt or truncated PNG/);
    assert.throws(() => readImage(join(dir, 'nope.png')), /nope\.png: cannot read image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real: readImage reads a DeepLesion PNG and DICOMs (with and without preamble) by content', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const png = readImage(join(root, DEV_SUBDIR, 'Images_png', '000062_01_01', '070.png'));
  assert.equal(png.width, 512);
  const dcmPath = join(root, DICOM_SUBDIR, 'pydicom_CT_small_128x128.dcm');
  const dcm = readImage(dcmPath);
  assert.equal(dcm.width, 128);
  const bare = decodeImage(new Uint8Array(readFileSync(dcmPath)).subarray(128), 'bare');
  assert.ok(bare.hu.every((v, i) => v === dcm.hu[i]));
});
