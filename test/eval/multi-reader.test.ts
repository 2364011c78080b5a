import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recist } from '../../src/geometry/types.ts';
import { createRng } from '../../src/geometry/random.ts';
import { readReader, type SimulatedReader } from '../../src/data/synth/readers.ts';
import { buildReaderTable, type MarkSet } from '../../src/eval/reader-table.ts';

/** A reader with only isotropic Gaussian endpoint noise σ per coordinate (no bias, no length/rotation noise). */
const noiseOnly = (name: string, sigmaLong: number, sigmaShort: number): SimulatedReader => ({
  name, lengthScale: 1, shortScale: 1, rotationBiasDeg: 0, rotationNoiseDeg: 0, longRelNoise: 0, shortRelNoise: 0,
  endpointNoisePx: sigmaLong, shortEndpointNoisePx: sigmaShort, perpNoiseDeg: 0,
});

test('simulated multi-reader study: measured location variability matches the simulated endpoint noise', () => {
  const n = 2000;
  const rng = createRng(2024);
  const truth = new Map<string, Recist>();
  for (let i = 0; i < n; i++) {
    const cx = rng.uniform(100, 400), cy = rng.uniform(100, 400), L = rng.uniform(30, 80), a = rng.uniform(0, Math.PI);
    const u = { x: Math.cos(a), y: Math.sin(a) }, v = { x: -u.y, y: u.x }, S = L * rng.uniform(0.5, 0.9);
    truth.set(`l${i}`, {
      long: [{ x: cx - (u.x * L) / 2, y: cy - (u.y * L) / 2 }, { x: cx + (u.x * L) / 2, y: cy + (u.y * L) / 2 }],
      short: [{ x: cx - (v.x * S) / 2, y: cy - (v.y * S) / 2 }, { x: cx + (v.x * S) / 2, y: cy + (v.y * S) / 2 }],
    });
  }
  const sigmaLong = 1.5, sigmaShort = 2.5;
  const readers = ['A', 'B', 'C'].map((name) => noiseOnly(name, sigmaLong, sigmaShort));
  const sets: MarkSet[] = readers.map((r) => {
    const rr = createRng(r.name.charCodeAt(0));
    return { name: r.name, role: 'reader', marks: new Map([...truth].map(([id, t]) => [id, readReader(t, r, rr)])) };
  });
  const table = buildReaderTable(sets);
  // Endpoint difference of two readers ~ N(0, 2σ²) per coordinate → its length is Rayleigh(σ√2): mean σ√2·√(π/2) = σ√π,
  // variance (4 − π)/2 · 2σ². The location difference averages two independent endpoints: variance halves.
  for (const [axis, sigma] of [['long', sigmaLong], ['short', sigmaShort]] as const) {
    const expected = sigma * Math.sqrt(Math.PI);
    const sdLoc = Math.sqrt(((4 - Math.PI) / 2) * 2 * sigma * sigma / 2);
    const se = sdLoc / Math.sqrt(n);
    for (const [row, col] of [['A', 'B'], ['A', 'C'], ['B', 'C']]) {
      const c = table.cells[axis][row][col]!;
      assert.ok(Math.abs(c.loc.mean - expected) < 3 * se, `${axis} ${row}-${col}: loc ${c.loc.mean} vs expected ${expected} ± ${3 * se}`);
      assert.ok(Math.abs(c.loc.std - sdLoc) < 0.1 * sdLoc, `${axis} ${row}-${col}: loc std ${c.loc.std} vs ${sdLoc}`);
      // Length difference: sanity here; its exact expectation is checked in the next test.
      assert.ok(c.len.mean > 0 && c.len.mean < 2 * expected);
    }
    // Overall = pooled over the two other readers: with equal noise, ≈ the same expectation.
    assert.ok(Math.abs(table.overall[axis].A!.loc.mean - expected) < 3 * se);
  }
});

test('length difference of noise-only readers matches |N(0, 4σ²)| (projection of both endpoints on the axis)', () => {
  // L_a − L_b ≈ (e_a2 − e_a1 − e_b2 + e_b1)·u: sum of 4 independent N(0, σ²) → N(0, 4σ²); |.| mean = 2σ·√(2/π).
  const n = 3000, sigma = 1;
  const t: Recist = { long: [{ x: 0, y: 0 }, { x: 200, y: 0 }], short: [{ x: 100, y: -60 }, { x: 100, y: 60 }] };
  const truth = new Map(Array.from({ length: n }, (_, i) => [`l${i}`, t] as const));
  const mk = (name: string, seed: number): MarkSet => {
    const r = noiseOnly(name, sigma, sigma), rng = createRng(seed);
    return { name, role: 'reader', marks: new Map([...truth].map(([id, m]) => [id, readReader(m, r, rng)])) };
  };
  const table = buildReaderTable([mk('A', 1), mk('B', 2)]);
  const c = table.cells.long.A.B!;
  const expected = 2 * sigma * Math.sqrt(2 / Math.PI);
  const se = Math.sqrt(4 * sigma * sigma * (1 - 2 / Math.PI) / n);
  assert.ok(Math.abs(c.len.mean - expected) < 3 * se + 0.01, `len ${c.len.mean} vs ${expected} ± ${3 * se}`);
});
