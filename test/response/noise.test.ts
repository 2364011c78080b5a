import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandFromReaderPairs, parseBand } from '../../src/response/noise.ts';

test('parseBand: LOW,HIGH percent; refusals name the flag and the value', () => {
  assert.deepEqual(parseBand('-22,25'), { lowPct: -22, highPct: 25 });
  assert.deepEqual(parseBand(' -5 , 5 '), { lowPct: -5, highPct: 5 });
  assert.throws(() => parseBand('22,25', '--band'), /--band "22,25" must be LOW,HIGH/);
  assert.throws(() => parseBand('-22', '--band'), /--band "-22"/);
  assert.throws(() => parseBand('-100,5', '--band'), /-100 < LOW/);
  assert.throws(() => parseBand('-5,x', '--band'), /--band "-5,x"/);
});

test('bandFromReaderPairs: log-ratio limits, symmetric in the readers, asymmetric in percent', () => {
  // log ratios ±0.1 for every pair: sd 0.1 → exp(±0.196) − 1 = −17.8 % / +21.7 %
  const r = Math.exp(0.1);
  const band = bandFromReaderPairs([[10, 10 * r], [20 * r, 20], [30, 30 * r], [0, 5]]);
  assert.equal(band.pairs, 3);
  assert.ok(Math.abs(band.lowPct - 100 * (Math.exp(-0.196) - 1)) < 1e-9, String(band.lowPct));
  assert.ok(Math.abs(band.highPct - 100 * (Math.exp(0.196) - 1)) < 1e-9, String(band.highPct));
  const swapped = bandFromReaderPairs([[10 * r, 10], [20, 20 * r], [30 * r, 30]]);
  assert.deepEqual([swapped.lowPct, swapped.highPct], [band.lowPct, band.highPct]);
  assert.throws(() => bandFromReaderPairs([[10, 11], [0, 3]]), /1 lesion pairs with two positive lengths, at least 3 needed/);
});
