import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { inspectPath } from '../../src/cli/commands/inspect.ts';
import { COLORS, contactSheet, overlayPng, readerLayer, renderOverlay } from '../../src/data/overlay.ts';
import { DEV_SUBDIR, DICOM_SUBDIR } from '../../src/data/paths.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const flat = (w: number, h: number): CtSlice => ({ width: w, height: h, hu: new Float32Array(w * h), spacing: null, window: null, source: 'flat' });
const px = (d: Uint8Array, w: number, x: number, y: number): number[] => Array.from(d.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

test('overlay draws long red / short green at source coordinates, with crop and zoom', () => {
  const s = flat(40, 30);
  const recist = { long: [{ x: 5, y: 10 }, { x: 25, y: 10 }], short: [{ x: 15, y: 4 }, { x: 15, y: 16 }] } as const;
  const img = renderOverlay(s, [{ recist }], { lineWidth: 1 });
  assert.equal(img.width, 40);
  assert.deepEqual(px(img.data, 40, 8, 10), [...COLORS.long]);
  assert.deepEqual(px(img.data, 40, 15, 5), [...COLORS.short]);
  assert.deepEqual(px(img.data, 40, 8, 20), [99, 99, 99]); // 0 HU in the 50/450 window: 175/450·255 ≈ 99
  const z = renderOverlay(s, [{ recist }], { crop: { center: { x: 15, y: 10 }, size: 20 }, zoom: 3, lineWidth: 1 });
  assert.equal(z.width, 60);
  // source (8, 10) → crop origin (5, 0) → output ((8 − 5 + 0.5)·3 − 0.5, (10 + 0.5)·3 − 0.5) = (10, 31)
  assert.deepEqual(px(z.data, 60, 10, 31), [...COLORS.long]);
  const withReader = renderOverlay(s, [{ box: { x1: 2, y1: 2, x2: 30, y2: 20 } }, readerLayer(recist, 0)], { lineWidth: 1 });
  assert.deepEqual(px(withReader.data, 40, 8, 10), [...COLORS.readers[0]]);
  assert.deepEqual(px(withReader.data, 40, 2, 12), [...COLORS.box]);
  const png = decode(overlayPng(s, [{ recist }]));
  assert.equal(png.channels, 3);
  assert.equal(png.depth, 8);
  const sheet = contactSheet([img, z], 2);
  assert.equal(sheet.width, 2 * 60 + 3 * 4); // cells as wide as the widest image, 4-px gaps
  assert.throws(() => renderOverlay(s, [], { zoom: 0 }), /flat: overlay zoom 0/);
});

test('real: inspect DeepLesion dev folder prints lesions and writes one overlay per key slice + contact sheet', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const out = mkdtempSync(join(tmpdir(), 'inspect-'));
  try {
    const r = inspectPath(join(root, DEV_SUBDIR), { overlay: out });
    assert.equal(r.kind, 'deeplesion');
    assert.match(r.lines[0], /24 lesions/);
    assert.ok(r.lines.some((l) => /002648_01_01_061#2 \(row 2\) abdomen: long 21\.92 px = 19\.69 mm/.test(l)), r.lines.join('\n'));
    assert.equal(readdirSync(out).length, 24); // 23 key slices + contact sheet
    const png = decode(new Uint8Array(readFileSync(join(out, "002648_01_01_061.png"))));
    assert.equal(png.width, 512);
    // the lesion's long-axis midpoint pixel is painted red
    const mid = { x: Math.round((135.339 + 136.92) / 2), y: Math.round((246.541 + 263.405) / 2) };
    const p = px(png.data as Uint8Array, 512, mid.x, mid.y);
    assert.ok(p[0] > 200 && p[1] < 100, `midpoint ${p}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('real: inspect a DICOM file and a DICOM folder', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const out = mkdtempSync(join(tmpdir(), 'inspectd-'));
  try {
    const one = inspectPath(join(root, DICOM_SUBDIR, 'nema_wg04_CT1_chest_RLE.dcm'), { overlay: join(out, 'one.png') });
    assert.match(one.lines[0], /512x512, 0\.6615x0\.6615 mm\/px/);
    assert.match(one.lines[1], /transfer syntax 1\.2\.840\.10008\.1\.2\.5/);
    assert.deepEqual(one.written, [join(out, 'one.png')]);
    assert.throws(() => inspectPath(join(root, DICOM_SUBDIR)), /holds \d series/);
    assert.throws(() => inspectPath(join(out, 'missing')), /missing: no such file or folder/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
