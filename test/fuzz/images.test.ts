/**
 * Fuzz the image loaders (src/data/png16.ts, dicom.ts, image.ts): random bytes, random bytes behind a PNG/DICOM
 * signature, and mutated real files (DeepLesion 16-bit PNGs and the DICOM files of ../shared/data: byte flips, header
 * edits, 16-bit field overwrites, truncation, insertion). Each input either decodes into a slice with
 * hu.length = width·height and no NaN, or throws a plain Error with a message — no TypeError/RangeError from inside
 * the decoders, no hang (each case is timed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { decodePng16, encodePng16Hu } from '../../src/data/png16.ts';
import { decodeDicom } from '../../src/data/dicom.ts';
import { decodeImage } from '../../src/data/image.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { sharedDataDir } from '../../src/data/paths.ts';
import { assertCleanError, Counter, mutatedBytes } from './fuzz-util.ts';

const counter = new Counter();
let slowest = { ms: 0, what: '' };

function check(decode: () => CtSlice, what: string): void {
  counter.add(what);
  const t0 = performance.now();
  let s: CtSlice;
  try {
    s = decode();
  } catch (err) {
    assertCleanError(err, what);
    return;
  } finally {
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, what };
    assert.ok(ms < 5000, `${what}: one decode took ${ms.toFixed(0)} ms`);
  }
  assert.ok(Number.isInteger(s.width) && s.width > 0 && Number.isInteger(s.height) && s.height > 0, `${what}: size ${s.width}x${s.height}`);
  assert.equal(s.hu.length, s.width * s.height, `${what}: hu length`);
  for (let i = 0; i < s.hu.length; i++) if (!Number.isFinite(s.hu[i])) assert.fail(`${what}: hu[${i}] = ${s.hu[i]}`);
  if (s.spacing) assert.ok(s.spacing.x > 0 && s.spacing.y > 0 && Number.isFinite(s.spacing.x) && Number.isFinite(s.spacing.y), `${what}: spacing`);
}

function realFiles(): { png: Uint8Array[]; dicom: { name: string; bytes: Uint8Array }[] } {
  const dir = sharedDataDir();
  if (!dir) {
    // Without the shared data: a synthetic 16-bit PNG (the DICOM part then fuzzes random/prefixed bytes only).
    const hu = new Float32Array(64 * 64).map((_, i) => (i % 64) * 10 - 300);
    return { png: [encodePng16Hu({ width: 64, height: 64, hu, spacing: null, window: null, source: 'synthetic' })], dicom: [] };
  }
  const pngDir = join(dir, 'deeplesion-dev', 'Images_png');
  const series = readdirSync(pngDir).sort().slice(0, 2);
  const png = series.map((s) => readFileSync(join(pngDir, s, readdirSync(join(pngDir, s)).sort()[0])));
  const dicom = readdirSync(join(dir, 'dicom')).filter((f) => f.endsWith('.dcm')).sort().map((f) => ({ name: f, bytes: readFileSync(join(dir, 'dicom', f)) as Uint8Array }));
  return { png, dicom };
}

test('image loaders: random and mutated PNG/DICOM bytes → a finite slice or a clean Error, no hang', { timeout: 60_000 }, () => {
  const { png, dicom } = realFiles();
  // 1. random bytes, bare and behind the PNG / DICOM magic
  const PNG_SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const withPrefix = (p: Uint8Array, at: number) => fc.uint8Array({ maxLength: 600 }).map((b) => {
    const out = new Uint8Array(Math.max(at + p.length, b.length));
    out.set(b);
    out.set(p, at);
    return out;
  });
  const dicm = new TextEncoder().encode('DICM');
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), withPrefix(PNG_SIG, 0), withPrefix(dicm, 128), withPrefix(dicm, 0), withPrefix(Uint8Array.of(0x08, 0x00, 0x05, 0x00, 0x43, 0x53), 0)),
    (b) => check(() => decodeImage(b, 'random.bin'), 'random')), { numRuns: 2000, seed: 1 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => check(() => decodeDicom(withPrefixBytes(dicm, 128, b), 'random.dcm'), 'random-dicom')), { numRuns: 800, seed: 2 });

  // 2. mutated real DeepLesion PNGs (CRCs catch most edits: also the same edits with the CRC check's view of them)
  for (const [k, p] of png.entries()) {
    fc.assert(fc.property(mutatedBytes(p), (b) => check(() => decodePng16(b, `png${k}.png`), 'mutated-png')), { numRuns: k === 0 ? 250 : 120, seed: 10 + k });
  }
  // 2b. the same mutations with every chunk's CRC recomputed, so the edits reach IHDR checks, zlib and the pixel
  // unpacking instead of stopping at the CRC check; plus IHDR width/height/depth/colour-type overwrites.
  const ihdr = fc.tuple(fc.constantFrom(16, 20, 24, 25, 26, 27, 28), fc.constantFrom(0, 1, 2, 3, 4, 6, 8, 16, 0x7f, 0xff)).map(([off, v]) => [off, v] as const);
  for (const [k, p] of png.slice(0, 1).entries()) {
    fc.assert(fc.property(fc.oneof(mutatedBytes(p), fc.array(ihdr, { minLength: 1, maxLength: 4 }).map((edits) => {
      const b = Uint8Array.from(p);
      for (const [off, v] of edits) b[off] = v;
      return b;
    })), (b) => check(() => decodePng16(fixCrcs(b), `png${k}.png`), 'mutated-png-crc-fixed')), { numRuns: 400, seed: 30 + k });
  }
  // 3. mutated real DICOMs (the small one most: a 128×128 native slice decodes in well under a millisecond)
  for (const [k, d] of dicom.entries()) {
    const runs = d.bytes.length < 100_000 ? 1500 : /RLE/.test(d.name) ? 60 : 150;
    fc.assert(fc.property(mutatedBytes(d.bytes), (b) => check(() => decodeDicom(b, d.name), `mutated-dicom`)), { numRuns: runs, seed: 20 + k });
  }
  counter.print('images');
  console.log(`# slowest case ${slowest.ms.toFixed(0)} ms (${slowest.what})`);
});

function withPrefixBytes(p: Uint8Array, at: number, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(at + p.length, b.length));
  out.set(b);
  out.set(p, at);
  return out;
}

/** Recompute the CRC of every PNG chunk that fits in the buffer (a mutated file then passes the CRC check). */
function fixCrcs(b: Uint8Array): Uint8Array {
  const out = Uint8Array.from(b);
  const view = new DataView(out.buffer);
  let off = 8;
  while (off + 12 <= out.length) {
    const len = view.getUint32(off);
    if (off + 12 + len > out.length) break;
    view.setUint32(off + 8 + len, crc32(out.subarray(off + 4, off + 8 + len)));
    off += 12 + len;
  }
  return out;
}
