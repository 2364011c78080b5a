/** Shared by the fuzz tests: what counts as a clean failure, byte mutators, and a run counter. */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/**
 * A clean failure: an `Error` with a message, thrown on purpose — not a TypeError/RangeError/SyntaxError escaping
 * from deep inside a parser (those mean an input was not checked before use).
 */
export function assertCleanError(err: unknown, context: string): void {
  assert.ok(err instanceof Error, `${context}: threw a non-Error ${String(err)}`);
  assert.ok(!(err instanceof TypeError) && !(err instanceof RangeError) && !(err instanceof SyntaxError) && !(err instanceof ReferenceError),
    `${context}: ${err.constructor.name} escaped: ${err.message}\n${err.stack?.split('\n').slice(0, 6).join('\n')}`);
  assert.ok(err.message.trim().length > 0, `${context}: empty error message`);
}

/** Mutations of a real file: flip bytes, overwrite runs, truncate, insert, duplicate a region. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = base.length;
  const flip = fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }).map((edits) => {
    const b = Uint8Array.from(base);
    for (const [i, v] of edits) b[i] = v;
    return b;
  });
  // Header-heavy: most structure (PNG IHDR/chunk lengths, DICOM tags and VRs) sits in the first bytes.
  const headFlip = fc.array(fc.tuple(fc.nat({ max: Math.min(n, 2048) - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
    const b = Uint8Array.from(base);
    for (const [i, v] of edits) b[i] = v;
    return b;
  });
  const truncate = fc.nat({ max: n - 1 }).map((k) => base.slice(0, k));
  const insert = fc.tuple(fc.nat({ max: n }), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([i, ins]) => {
    const b = new Uint8Array(n + ins.length);
    b.set(base.subarray(0, i));
    b.set(ins, i);
    b.set(base.subarray(i), i + ins.length);
    return b;
  });
  const u16 = fc.tuple(fc.nat({ max: Math.min(n, 4096) - 2 }), fc.constantFrom(0, 1, 0xff, 0x7fff, 0x8000, 0xffff)).map(([i, v]) => {
    const b = Uint8Array.from(base);
    b[i] = v & 0xff;
    b[i + 1] = v >> 8;
    return b;
  });
  return fc.oneof(flip, headFlip, truncate, insert, u16);
}

/** Runs so far per file, printed at the end. */
export class Counter {
  readonly counts = new Map<string, number>();
  add(what: string, n = 1): void { this.counts.set(what, (this.counts.get(what) ?? 0) + n); }
  total(): number { return [...this.counts.values()].reduce((a, b) => a + b, 0); }
  print(file: string): void {
    console.log(`# fuzz ${file}: ${this.total()} cases (${[...this.counts].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  }
}
