import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BOX_PROTOCOLS, PAPER_BOX_PROTOCOL, boxArea, boxContains, boxHeight, boxWidth, describeBoxProtocol, lesionExtent, parseBoxProtocolNames,
  roughBoxFor, roughBoxUnclipped,
} from '../../src/geometry/box.ts';
import { createRng } from '../../src/geometry/random.ts';
import { buildSample } from '../../src/data/samples.ts';
import { parseBoxProtocol } from '../../src/cli/box-protocol-flags.ts';
import { recistArb, makeRecist } from './arbitraries.ts';

test('square protocol: a square box containing the extent, area k × the extent area unless the extent forces more', () => {
  const square = { areaRatio: [2, 6.5], shape: 'square' } as const;
  fc.assert(fc.property(recistArb({ center: [0, 512], long: [2, 150] }), fc.integer({ min: 0, max: 2 ** 31 }), (r, seed) => {
    const b = roughBoxUnclipped(r, createRng(seed), square);
    const e = lesionExtent(r);
    const side = Math.sqrt(boxArea(e) * 2);
    const forced = Math.max(boxWidth(e), boxHeight(e)) > side;
    const ratio = boxArea(b) / boxArea(e);
    return boxContains(b, e, 1e-9) && (forced || (Math.abs(boxWidth(b) - boxHeight(b)) < 1e-9 && ratio >= 2 - 1e-9 && ratio <= 6.5 + 1e-9));
  }));
});

test('the paper protocol is the default: same boxes with and without naming it, and the same 3 random draws', () => {
  const r = makeRecist({ x: 200, y: 150 }, 0.4, 30, 12);
  assert.deepEqual(roughBoxUnclipped(r, createRng(5)), roughBoxUnclipped(r, createRng(5), PAPER_BOX_PROTOCOL));
  assert.deepEqual(roughBoxFor(r, 'L1', 0, 512, 512), roughBoxFor(r, 'L1', 0, 512, 512, BOX_PROTOCOLS.paper));
  const wide = roughBoxFor(r, 'L1', 0, 512, 512, BOX_PROTOCOLS.wide);
  assert.notDeepEqual(wide, roughBoxFor(r, 'L1', 0, 512, 512));
});

test('training samples: one protocol draws no extra number (old streams unchanged); a mixture draws both shapes', () => {
  const slice = { width: 256, height: 256, hu: new Float32Array(256 * 256).fill(40), spacing: { x: 0.7, y: 0.7 }, window: null, source: 'flat' };
  const r = makeRecist({ x: 128, y: 128 }, 0.2, 40, 14);
  const a = buildSample(slice, r, createRng(3));
  const b = buildSample(slice, r, createRng(3), { boxProtocols: [PAPER_BOX_PROTOCOL] });
  assert.deepEqual(a.box, b.box);
  const rng = createRng(9);
  const aspects = Array.from({ length: 40 }, () => buildSample(slice, r, rng, { boxProtocols: parseBoxProtocolNames('paper,square') }).box)
    .map((x) => boxWidth(x) / boxHeight(x));
  assert.ok(aspects.some((q) => Math.abs(q - 1) < 1e-9), 'some square boxes');
  assert.ok(aspects.some((q) => q > 2), 'some boxes of the extent\'s shape (40×~14 mark)');
});

test('protocol names and flags: clear errors naming the bad value', () => {
  assert.deepEqual(parseBoxProtocolNames('paper, square'), [BOX_PROTOCOLS.paper, BOX_PROTOCOLS.square]);
  assert.throws(() => parseBoxProtocolNames('paper,tight'), /box protocol "tight" is not one of paper, wide, square/);
  assert.throws(() => parseBoxProtocolNames(' , '), /give at least one/);
  assert.deepEqual(parseBoxProtocol('4,6.25', undefined), { areaRatio: [4, 6.25], shape: 'extent' });
  assert.deepEqual(parseBoxProtocol(undefined, 'square'), { areaRatio: [2, 2.5], shape: 'square' });
  assert.throws(() => parseBoxProtocol('2.5,2', undefined), /--box-area "2.5,2": expected two numbers lo,hi with 1 ≤ lo ≤ hi/);
  assert.throws(() => parseBoxProtocol(undefined, 'circle'), /--box-shape "circle"/);
  assert.match(describeBoxProtocol(), /paper Sect\. 3/);
  assert.match(describeBoxProtocol({ areaRatio: [2, 2.5], shape: 'square' }), /square .*NOT the default protocol/);
});
