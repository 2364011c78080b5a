import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAblation, BOX_JITTER, resolveConfig } from '../../src/model/config.ts';
import { finishReadout } from '../../src/model/decode.ts';
import { segmentLength, segmentMidpoint } from '../../src/geometry/recist.ts';

test('readout: default preset reads the pseudo-mask blended with the classical segmentation, paper and every Table 1 row read heatmaps, shn-only cannot read a mask', () => {
  assert.equal(resolveConfig().readout, 'mask+classical');
  assert.equal(resolveConfig({ preset: 'tiny' }).readout, 'mask');
  assert.equal(resolveConfig({ preset: 'paper' }).readout, 'heatmaps');
  for (const a of ['shn-only', 'stn-tpp', 'stn-tpp-lrp', 'full'] as const) assert.equal(resolveConfig({ ablation: a }).readout, 'heatmaps', a);
  assert.equal(applyAblation(resolveConfig(), 'full').readout, 'heatmaps');
  assert.equal(resolveConfig({ readout: 'heatmaps' }).readout, 'heatmaps');
  // the preset's default silently yields to heatmaps when there is no mask to read …
  assert.equal(resolveConfig({ stn: { enabled: false }, losses: { lrp: false, tpp: false, cos: false } }).readout, 'heatmaps');
  // … but an explicit request is an error that names the field
  assert.throws(() => resolveConfig({ readout: 'mask', losses: { lrp: false } }), /field readout is "mask", expected "heatmaps" \(the mask read-outs need the STN with L_LRP\)/);
  assert.throws(() => resolveConfig({ readout: 'box' as never }), /field readout is "box"/);
});

test('boxOrientationRatio: the default mask read-out has it, heatmap read-outs never; bad values name the field', () => {
  assert.equal(resolveConfig().boxOrientationRatio, 0.75);
  assert.equal(resolveConfig({ preset: 'paper' }).boxOrientationRatio, null);
  assert.equal(resolveConfig({ ablation: 'full' }).boxOrientationRatio, null);
  assert.equal(resolveConfig({ readout: 'heatmaps' }).boxOrientationRatio, null);
  assert.equal(resolveConfig({ boxOrientationRatio: null }).boxOrientationRatio, null);
  assert.equal(resolveConfig({ boxOrientationRatio: 0.8 }).boxOrientationRatio, 0.8);
  assert.throws(() => resolveConfig({ boxOrientationRatio: 1.5 }), /field boxOrientationRatio is 1\.5, expected null or a number in \(0, 1\]/);
  assert.throws(() => resolveConfig({ readout: 'heatmaps', boxOrientationRatio: 0.7 }), /only applies to the mask read-outs/);
});

test('classicalWeight: set for the mask+classical read-out only; bad values name the field', () => {
  assert.equal(resolveConfig().classicalWeight, 0.75);
  assert.equal(resolveConfig({ readout: 'mask' }).classicalWeight, null);
  assert.equal(resolveConfig({ preset: 'paper' }).classicalWeight, null);
  assert.equal(resolveConfig({ ablation: 'full' }).classicalWeight, null);
  assert.equal(resolveConfig({ preset: 'tiny', readout: 'mask+classical' }).classicalWeight, 0.75);
  assert.equal(resolveConfig({ classicalWeight: 0.25 }).classicalWeight, 0.25);
  assert.throws(() => resolveConfig({ classicalWeight: 2 }), /field classicalWeight is 2, expected null or a number in \[0, 1\]/);
  assert.throws(() => resolveConfig({ readout: 'mask', classicalWeight: 0.5 }), /only applies to the mask\+classical read-out/);
  assert.throws(() => resolveConfig({ classicalWeight: null }), /field classicalWeight is null, expected a number in \[0, 1\] for the mask\+classical read-out/);
});

test('lengthScale: the default read-out calibrates lengths, heatmap read-outs never; bad values name the field', () => {
  assert.equal(resolveConfig().lengthScale, 1.1);
  assert.equal(resolveConfig({ readout: 'mask' }).lengthScale, 1.1);
  assert.equal(resolveConfig({ preset: 'tiny' }).lengthScale, 1);
  assert.equal(resolveConfig({ preset: 'paper' }).lengthScale, 1);
  assert.equal(resolveConfig({ readout: 'heatmaps' }).lengthScale, 1);
  assert.equal(resolveConfig({ ablation: 'full' }).lengthScale, 1);
  assert.throws(() => resolveConfig({ lengthScale: 3 }), /field lengthScale is 3, expected a number in \[0\.5, 2\]/);
  assert.throws(() => resolveConfig({ readout: 'heatmaps', lengthScale: 1.1 }), /only applies to the mask read-outs/);
});

test('shortLengthScale: the default read-out scales the short axis on its own, heatmap read-outs never; a saved config without the field gets the preset\'s', () => {
  assert.equal(resolveConfig().shortLengthScale, 1.025);
  assert.equal(resolveConfig({ readout: 'mask' }).shortLengthScale, 1.025);
  assert.equal(resolveConfig({ preset: 'tiny' }).shortLengthScale, 1);
  assert.equal(resolveConfig({ readout: 'heatmaps' }).shortLengthScale, 1);
  assert.equal(resolveConfig({ ablation: 'full' }).shortLengthScale, 1);
  const saved = { ...resolveConfig(), shortLengthScale: undefined };
  assert.equal(resolveConfig(saved).shortLengthScale, 1.025);
  assert.throws(() => resolveConfig({ shortLengthScale: 0.1 }), /field shortLengthScale is 0\.1, expected a number in \[0\.5, 2\]/);
  assert.throws(() => resolveConfig({ readout: 'heatmaps', shortLengthScale: 1.05 }), /field shortLengthScale is 1\.05.*only applies to the mask read-outs/);
});

test('finishReadout scales a pseudo-mask measurement\'s long axis by lengthScale and its short axis by shortLengthScale, a heatmap read-out by neither', () => {
  const r = { long: [{ x: 40, y: 50 }, { x: 60, y: 50 }], short: [{ x: 50, y: 45 }, { x: 50, y: 55 }] } as const;
  const box = { x1: 30, y1: 30, x2: 70, y2: 70 };
  const config = { boxOrientationRatio: null, classicalWeight: null, lengthScale: 1.1, shortLengthScale: 1.2, boxLengthWeight: null };
  const out = finishReadout('mask', r as never, box, null, config).recist;
  assert.ok(Math.abs(segmentLength(out.long) - 22) < 1e-9, `long ${segmentLength(out.long)}`);
  assert.ok(Math.abs(segmentLength(out.short) - 12) < 1e-9, `short ${segmentLength(out.short)}`);
  assert.deepEqual(segmentMidpoint(out.short), { x: 50, y: 50 });
  const heat = finishReadout('heatmaps', r as never, box, null, config).recist;
  assert.equal(segmentLength(heat.long), 20);
  assert.equal(segmentLength(heat.short), 10);
});

test('boxLengthWeight: the default read-out pulls both lengths toward the box\'s, heatmap read-outs never; bad values name the field', () => {
  assert.deepEqual(resolveConfig().boxLengthWeight, { long: 0.125, short: 0.75 });
  assert.deepEqual(resolveConfig({ readout: 'mask' }).boxLengthWeight, { long: 0.125, short: 0.75 });
  assert.equal(resolveConfig({ preset: 'tiny' }).boxLengthWeight, null);
  assert.equal(resolveConfig({ readout: 'heatmaps' }).boxLengthWeight, null);
  assert.equal(resolveConfig({ ablation: 'full' }).boxLengthWeight, null);
  assert.deepEqual(resolveConfig({ ...resolveConfig(), boxLengthWeight: undefined }).boxLengthWeight, { long: 0.125, short: 0.75 }, 'a saved config without the field');
  assert.throws(() => resolveConfig({ boxLengthWeight: { long: 0.2, short: 1.5 } }), /field boxLengthWeight is \{"long":0\.2,"short":1\.5\}, expected null or \{ long, short \} with both in \[0, 1\]/);
  assert.throws(() => resolveConfig({ readout: 'heatmaps', boxLengthWeight: { long: 0, short: 0.5 } }), /only applies to the mask read-outs/);
});

test('boxJitter: the default read-out averages over jittered boxes, the paper preset and tests\' tiny one do not; bad values name the field', () => {
  assert.deepEqual(resolveConfig({ preset: 'default' }).boxJitter, BOX_JITTER);
  assert.equal(resolveConfig({ preset: 'paper' }).boxJitter, null);
  assert.equal(resolveConfig({ preset: 'tiny' }).boxJitter, null);
  assert.equal(resolveConfig({ preset: 'default', boxJitter: null }).boxJitter, null);
  assert.throws(() => resolveConfig({ boxJitter: { k: 2.5, shift: 0.1, scale: 0.1 } }), /field boxJitter is \{"k":2.5/);
  assert.throws(() => resolveConfig({ boxJitter: { k: 4, shift: 0.9, scale: 0.1 } }), /field boxJitter/);
});
