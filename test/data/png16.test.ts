import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encode } from 'fast-png';
import { decodePng16, encodePng16Hu, readPng16Hu, writePng16Hu } from '../../src/data/png16.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

function synthetic(): CtSlice {
  const width = 7, height = 5;
  const hu = new Float32Array(width * height);
  for (let i = 0; i < hu.length; i++) hu[i] = -1024 + i * 97;
  return { width, height, hu, spacing: null, window: null, source: 'synthetic' };
}

test('encode → decode keeps HU exactly (HU = value − 32768)', () => {
  const s = synthetic();
  const back = decodePng16(encodePng16Hu(s), 'mem.png');
  assert.equal(back.width, 7);
  assert.equal(back.height, 5);
  assert.deepEqual(Array.from(back.hu), Array.from(s.hu));
  assert.equal(back.spacing, null);
  assert.equal(back.window, null);
  const withMeta = decodePng16(encodePng16Hu(s), 'mem.png', { spacing: { x: 0.7, y: 0.7 }, window: { center: 40, width: 400 } });
  assert.deepEqual(withMeta.spacing, { x: 0.7, y: 0.7 });
  assert.deepEqual(withMeta.window, { center: 40, width: 400 });
});

test('stored value is HU + 32768', () => {
  const data = Uint16Array.of(32768, 32768 - 1000, 32768 + 500, 0);
  const s = decodePng16(encode({ width: 2, height: 2, data, depth: 16, channels: 1 }), 'k.png');
  assert.deepEqual(Array.from(s.hu), [0, -1000, 500, -32768]);
});

test('writePng16Hu writes atomically (no temp file left) and reads back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'png16-'));
  try {
    const path = join(dir, 'a.png');
    writePng16Hu(path, synthetic());
    assert.deepEqual(readdirSync(dir), ['a.png']);
    assert.deepEqual(Array.from(readPng16Hu(path).hu), Array.from(synthetic().hu));
    assert.equal(readPng16Hu(path).source, path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: 8-bit, RGB, truncated, corrupt, not a PNG, NaN, missing file', () => {
  const eight = encode({ width: 2, height: 2, data: Uint8Array.of(1, 2, 3, 4), depth: 8, channels: 1 });
  assert.throws(() => decodePng16(eight, 'e.png'), /e\.png: PNG is 8-bit grayscale, expected 16-bit/);
  const rgb = encode({ width: 1, height: 1, data: Uint16Array.of(1, 2, 3), depth: 16, channels: 3 });
  assert.throws(() => decodePng16(rgb, 'c.png'), /c\.png: PNG is RGB, expected 16-bit grayscale/);
  const good = encodePng16Hu(synthetic());
  assert.throws(() => decodePng16(good.subarray(0, good.length - 30), 't.png'), /t\.png: corrupt or truncated PNG/);
  assert.throws(() => decodePng16(good.subarray(0, 20), 't2.png'), /t2\.png: not a PNG file/);
  const corrupt = good.slice();
  corrupt[45] ^= 0xff;
  assert.throws(() => decodePng16(corrupt, 'x.png'), /x\.png: corrupt or truncated PNG/);
  assert.throws(() => decodePng16(new TextEncoder().encode('hello world, not an image'), 'n.txt'), /n\.txt: not a PNG file/);
  const nan = synthetic();
  nan.hu[3] = Number.NaN;
  assert.throws(() => encodePng16Hu(nan), /synthetic: pixel 3,0 is NaN/);
  assert.throws(() => readPng16Hu(join(tmpdir(), 'does-not-exist-png16.png')), /does-not-exist-png16\.png: cannot read PNG/);
  const dir = mkdtempSync(join(tmpdir(), 'png16t-'));
  try {
    const p = join(dir, 'trunc.png');
    writeFileSync(p, good.subarray(0, Math.floor(good.length / 2)));
    assert.throws(() => readPng16Hu(p), new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt or truncated PNG`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real: a DeepLesion slice decodes to a plausible HU range', (t) => {
  const root = requireSharedData(t);
  if (!root) return;
  const path = join(root, DEV_SUBDIR, 'Images_png', '002648_01_01', '061.png');
  const s = readPng16Hu(path);
  assert.equal(s.width, 512);
  assert.equal(s.height, 512);
  let min = Infinity, max = -Infinity;
  for (const v of s.hu) { min = Math.min(min, v); max = Math.max(max, v); }
  assert.ok(min >= -3100 && min <= -900, `min ${min}`);
  assert.ok(max > 200 && max < 4000, `max ${max}`);
  assert.ok(readFileSync(path).length > 1000);
});
