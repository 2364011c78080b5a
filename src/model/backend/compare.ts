/**
 * Numerical comparison across backends (tests, benchmarks, self-checks): run a computation on a named backend with plain-array
 * inputs/outputs, and compare arrays with a tolerance relative to the reference's magnitude.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';

/** Deterministic pseudo-random floats in [-1, 1) (LCG; tests must not depend on Math.random). */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Switch to `backend`, run `fn`, read every output tensor back to a Float32Array. */
export async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const data = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return data;
}

/** Max |a − b| over the arrays and the reference's max |b|. */
export function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; mag: number } {
  assert.equal(a.length, b.length, `length ${a.length} vs ${b.length}`);
  let err = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return { err, mag };
}

/** Assert max abs error ≤ tol · max(1, max |ref|). */
export function assertClose(got: ArrayLike<number>, ref: ArrayLike<number>, label: string, tol = 1e-4): void {
  const { err, mag } = maxErr(got, ref);
  assert.ok(err <= tol * Math.max(1, mag), `${label}: max abs error ${err.toExponential(2)} (ref magnitude ${mag.toFixed(3)})`);
}
