/**
 * The public measurer (src/api/measurer.ts): options are copied, defaulted and checked (the bad field and value
 * named), inputs are checked before the model runs, and on a real dev lesion a call leaves no tensors behind.
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createMeasurer, DEFAULT_MEASURER_OPTIONS, resolveMeasurerOptions, validateSlice } from '../../src/api/measurer.ts';
import { openDeepLesionFolder } from '../../src/data/deeplesion.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { segmentLocationDistance } from '../../src/geometry/recist.ts';
import { DEFAULT_MODEL_DIR } from '../../src/model/measurer.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

test('resolveMeasurerOptions: defaults from one constant (model folder, backend, the card\'s read-out)', () => {
  const saved = { model: process.env.RECIST_MODEL, backend: process.env.RECIST_BACKEND };
  delete process.env.RECIST_MODEL;
  delete process.env.RECIST_BACKEND;
  try {
    assert.deepEqual(resolveMeasurerOptions(), { model: resolve(DEFAULT_MODEL_DIR), backend: 'auto', readout: null });
    assert.equal(DEFAULT_MEASURER_OPTIONS.model(), DEFAULT_MODEL_DIR);
    process.env.RECIST_BACKEND = 'cpu';
    assert.equal(resolveMeasurerOptions({}).backend, 'cpu');
    assert.deepEqual(resolveMeasurerOptions({ backend: 'wasm', readout: 'heatmaps' }), { model: resolve(DEFAULT_MODEL_DIR), backend: 'wasm', readout: 'heatmaps' });
  } finally {
    for (const [k, v] of [['RECIST_MODEL', saved.model], ['RECIST_BACKEND', saved.backend]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('resolveMeasurerOptions: names the bad field and its value', () => {
  assert.throws(() => resolveMeasurerOptions({ backend: 'gpu' as never }), /option backend is "gpu", expected one of auto, tensorflow/);
  assert.throws(() => resolveMeasurerOptions({ readout: 'argmax' as never }), /option readout is "argmax", expected one of heatmaps, mask, mask\+classical/);
  assert.throws(() => resolveMeasurerOptions({ modelDir: 'models/default' } as never), /option modelDir is "models\/default", no such option \(known: model, backend, readout\)/);
  assert.throws(() => resolveMeasurerOptions({ model: '/nonexistent/model' }), /option model is "\/nonexistent\/model", expected a model folder with a card\.json \(\/nonexistent\/model\/card\.json does not exist/);
  assert.throws(() => resolveMeasurerOptions({ model: '' }), /option model is "", expected a model folder path/);
});

test('validateSlice: a HU array that does not fit width × height is named', () => {
  const ok: CtSlice = { width: 4, height: 3, hu: new Float32Array(12), spacing: null, window: null, source: 'mem.dcm' };
  validateSlice(ok);
  assert.throws(() => validateSlice({ ...ok, hu: new Float32Array(10) }), /slice mem\.dcm: field hu has 10 values, expected width × height = 12/);
  assert.throws(() => validateSlice({ ...ok, width: 0 }), /field width is 0, expected a positive integer/);
  assert.throws(() => validateSlice({ ...ok, hu: Array.from({ length: 12 }, () => 0) as never }), /field hu is \[object Array\], expected a Float32Array of HU/);
});

test('createMeasurer on a real dev lesion: marks near the reference, no tensors left by a call, refused after dispose', { timeout: 5 * 60_000 }, async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const folder = openDeepLesionFolder(join(shared, DEV_SUBDIR));
  const record = folder.records[0];
  const slice = folder.slice(record);
  const box = roughBoxFor(record.recist, folder.lesionId(record), 0, slice.width, slice.height);
  const measurer = await createMeasurer({ backend: 'wasm' });
  try {
    await measurer.measure(slice, box); // first call: the folded nets are compiled and kept
    const before = tf.memory().numTensors;
    const p = await measurer.measure(slice, box);
    assert.equal(tf.memory().numTensors, before, 'measure() left tensors behind');
    const [batch] = await measurer.measureBatch([{ slice, box }]);
    assert.equal(tf.memory().numTensors, before, 'measureBatch() left tensors behind');
    assert.deepEqual(batch.recist, p.recist);
    assert.equal(p.modelVersion, measurer.card.version);
    const err = segmentLocationDistance(p.recist.long, record.recist.long);
    assert.ok(err < 10, `long-axis location error ${err.toFixed(2)} px on ${folder.lesionId(record)}, expected < 10 px`);
    await assert.rejects(measurer.measure({ ...slice, hu: slice.hu.subarray(1) }, box), /field hu has \d+ values, expected width × height/);
  } finally {
    measurer.dispose();
  }
  await assert.rejects(measurer.measure(slice, box), /measure after dispose\(\)/);
});
