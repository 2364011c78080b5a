/**
 * Nets and config: stage shapes for B = 1 and 2, parameter/FLOP counts for all presets, no tensor leak in
 * inference, config validation, and an (unasserted) one-lesion timing of the default preset.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { ablationOf, applyAblation, PRESETS, PRESET_NAMES, resolveConfig, resolveTrainConfig } from '../../src/model/config.ts';
import { buildCascade, disposeCascade, forwardCascade } from '../../src/model/cascade.ts';
import { netStats } from '../../src/model/nets/stats.ts';

let backend = 'cpu';
before(async () => {
  try {
    backend = (await initBackend('wasm')).detail;
  } catch {
    backend = (await initBackend('cpu')).detail;
  }
});

test('tiny cascade: every stage has the documented shape for B = 1 and 2', () => {
  const c = buildCascade(PRESETS.tiny);
  for (const B of [1, 2]) {
    const x = tf.randomUniform([B, 128, 128, 1], 0, 1, 'float32', B) as tf.Tensor4D;
    for (const training of [false, true]) {
      const out = forwardCascade(c, x, { training });
      assert.deepEqual(out.maskLogits?.shape, [B, 32, 32, 1]);
      assert.deepEqual(out.theta.shape, [B, 4]);
      assert.deepEqual(out.canonical?.shape, [B, 128, 128, 1]);
      assert.equal(out.heatmaps.length, c.config.shn.stacks);
      out.heatmaps.forEach((h) => assert.deepEqual(h.shape, [B, 64, 64, 4]));
      tf.dispose(out as unknown as tf.TensorContainer);
    }
    x.dispose();
  }
  disposeCascade(c);
});

test('two-stack SHN returns every stack (intermediate supervision)', () => {
  const c = buildCascade(resolveConfig({ preset: 'tiny', shn: { stacks: 2 } }));
  const x = tf.zeros([1, 128, 128, 1]) as tf.Tensor4D;
  const out = forwardCascade(c, x, { training: false });
  assert.equal(out.heatmaps.length, 2);
  out.heatmaps.forEach((h) => assert.deepEqual(h.shape, [1, 64, 64, 4]));
  tf.dispose([out as unknown as tf.TensorContainer, x]);
  disposeCascade(c);
});

test('no tensor leak across forwardCascade in inference mode', () => {
  const c = buildCascade(PRESETS.tiny);
  const x = tf.randomUniform([2, 128, 128, 1]) as tf.Tensor4D;
  tf.dispose(forwardCascade(c, x, { training: false }) as unknown as tf.TensorContainer); // warm-up
  const n0 = tf.memory().numTensors;
  const out = forwardCascade(c, x, { training: false });
  tf.dispose(out as unknown as tf.TensorContainer);
  assert.equal(tf.memory().numTensors, n0);
  x.dispose();
  disposeCascade(c);
});

test('parameter and FLOP counts per preset (paper ≈ ResNet-50 trunk 23.5M + FPN)', () => {
  for (const name of PRESET_NAMES) {
    const c = buildCascade(PRESETS[name]);
    const stn = netStats(c.stn!);
    const shn = netStats(c.shn);
    const m = (n: number) => (n / 1e6).toFixed(2);
    console.log(`# ${name}: STN ${m(stn.params)}M params, ${(stn.flops / 1e9).toFixed(3)} GFLOP; SHN ${m(shn.params)}M params, ${(shn.flops / 1e9).toFixed(3)} GFLOP (per 128² sample)`);
    if (name === 'paper') {
      // ResNet-50 without its fc and with a 1-channel conv1: 23.5M; FPN 256 laterals + 3 smoothing convs: 2.8M.
      assert.ok(stn.params > 25.5e6 && stn.params < 27e6, `paper STN params ${stn.params}`);
      assert.ok(shn.params > 5e6 && shn.params < 8e6, `paper SHN params ${shn.params}`);
    }
    disposeCascade(c);
  }
});

test('one-lesion inference timing, default preset (printed, not asserted)', () => {
  const c = buildCascade(PRESETS.default);
  const x = tf.randomUniform([1, 128, 128, 1]) as tf.Tensor4D;
  const run = () => {
    const out = forwardCascade(c, x, { training: false });
    out.heatmaps[out.heatmaps.length - 1].dataSync();
    tf.dispose(out as unknown as tf.TensorContainer);
  };
  run();
  run();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`# [${backend}] default preset, one lesion: median ${times[2].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)})`);
  x.dispose();
  disposeCascade(c);
});

test('resolveConfig fills defaults, applies ablations and names a bad field', () => {
  assert.deepEqual(resolveConfig({ preset: 'paper' }), PRESETS.paper);
  assert.equal(resolveConfig().preset, 'default');
  const c = resolveConfig({ preset: 'tiny', shn: { width: 32 }, ablation: 'stn-tpp' });
  assert.equal(c.shn.width, 32);
  assert.deepEqual(c.losses, { lrp: false, tpp: true, cos: false, coord: true });
  assert.equal(ablationOf(c), 'stn-tpp');
  assert.equal(ablationOf(applyAblation(PRESETS.paper, 'shn-only')), 'shn-only');
  assert.equal(applyAblation(PRESETS.paper, 'shn-only').stn.enabled, false);
  assert.equal(ablationOf(PRESETS.default), 'full');
  assert.throws(() => resolveConfig({ stn: { blocks: [3, 4, 6] } }), /field stn\.blocks is \[3,4,6\]/);
  assert.throws(() => resolveConfig({ stn: { baseWidth: 0 } }), /field stn\.baseWidth is 0/);
  assert.throws(() => resolveConfig({ shn: { depth: 9 } }), /field shn\.depth is 9/);
  assert.throws(() => resolveConfig({ shn: { width: 33 } }), /field shn\.width is 33/);
  assert.throws(() => resolveConfig({ inputSize: 256 }), /field inputSize is 256/);
  assert.throws(() => resolveConfig({ preset: 'huge' as 'paper' }), /field preset is "huge"/);
  assert.throws(() => resolveConfig({ ablation: 'nope' as 'full' }), /field ablation is "nope"/);
  assert.throws(() => resolveTrainConfig({ batch: 8, microBatch: 3 }), /field train\.microBatch is 3/);
  assert.equal(resolveTrainConfig().optimizer.momentum, 0.9);
  assert.equal(resolveTrainConfig().optimizer.learningRate, 5e-4);
  assert.equal(resolveTrainConfig().freezeBatchnorm, false);
  assert.throws(() => resolveTrainConfig({ freezeBatchnorm: 'yes' as never }), /field train\.freezeBatchnorm is "yes"/);
});

test('STN and SHN round-trip through tfjs layers format (built-in layers only)', async () => {
  const c = buildCascade(PRESETS.tiny, { seed: 3 });
  const x = tf.randomUniform([1, 128, 128, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  for (const model of [c.stn!, c.shn]) {
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    if (!artifacts) throw new Error('nothing saved');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const a = model.predict(x) as tf.Tensor | tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor | tf.Tensor[];
    const as = Array.isArray(a) ? a : [a], bs = Array.isArray(b) ? b : [b];
    assert.equal(as.length, bs.length);
    as.forEach((t, i) => assert.ok(tf.tidy(() => t.sub(bs[i]).abs().max().dataSync()[0]) < 1e-5, `${model.name} output ${i} differs after reload`));
    tf.dispose([...as, ...bs]);
    loaded.dispose();
  }
  x.dispose();
  disposeCascade(c);
});
