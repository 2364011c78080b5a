import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAblation, resolveConfig } from '../../src/model/config.ts';

test('readout: default preset reads the pseudo-mask, paper and every Table 1 row read heatmaps, shn-only cannot read a mask', () => {
  assert.equal(resolveConfig().readout, 'mask');
  assert.equal(resolveConfig({ preset: 'paper' }).readout, 'heatmaps');
  for (const a of ['shn-only', 'stn-tpp', 'stn-tpp-lrp', 'full'] as const) assert.equal(resolveConfig({ ablation: a }).readout, 'heatmaps', a);
  assert.equal(applyAblation(resolveConfig(), 'full').readout, 'heatmaps');
  assert.equal(resolveConfig({ readout: 'heatmaps' }).readout, 'heatmaps');
  // the preset's default silently yields to heatmaps when there is no mask to read …
  assert.equal(resolveConfig({ stn: { enabled: false }, losses: { lrp: false, tpp: false, cos: false } }).readout, 'heatmaps');
  // … but an explicit request is an error that names the field
  assert.throws(() => resolveConfig({ readout: 'mask', losses: { lrp: false } }), /field readout is "mask", expected "heatmaps" \(the mask read-out needs the STN with L_LRP\)/);
  assert.throws(() => resolveConfig({ readout: 'box' as never }), /field readout is "box"/);
});
