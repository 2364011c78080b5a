import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';
import { DEV_SUBDIR } from '../../src/data/paths.ts';
import { openDeepLesionFolder } from '../../src/data/deeplesion.ts';
import { roughBoxFor } from '../../src/geometry/box.ts';
import { fromCrop, toCrop } from '../../src/geometry/crop.ts';
import { mapRecist, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { thetaFromRecist } from '../../src/geometry/theta.ts';
import { initBackend } from '../../src/model/backend/index.ts';
import { loadCheckpoint } from '../../src/model/checkpoint.ts';
import { cropInput, DEFAULT_MODEL_DIR, shnUnderTheta } from '../../src/model/measurer.ts';
import { disposeCascade } from '../../src/model/cascade.ts';

test('the shipped SHN has learned: given the true θ, its long axis on the real dev lesions lands near DL\'s (an untrained SHN: about 20 px off)', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  await initBackend('wasm');
  const { cascade } = await loadCheckpoint(DEFAULT_MODEL_DIR);
  try {
    const folder = openDeepLesionFolder(join(shared, DEV_SUBDIR));
    const errors: number[] = [], peaks: number[] = [];
    for (const r of folder.records) {
      const slice = folder.slice(r);
      const c = cropInput(slice, roughBoxFor(r.recist, folder.lesionId(r), 0, slice.width, slice.height), { classicalWeight: null });
      const truth = mapRecist(r.recist, (p) => toCrop(c.frame, p));
      const { recist, heatmaps } = await shnUnderTheta(cascade, c.input, thetaFromRecist(truth, c.frame.size));
      errors.push(segmentLocationDistance(mapRecist(recist, (p) => fromCrop(c.frame, p)).long, r.recist.long));
      peaks.push(Math.max(...heatmaps.data.subarray(0, heatmaps.width * heatmaps.height)));
    }
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    assert.equal(errors.length, 24);
    assert.ok(mean < 3, `long-axis location under the true θ: ${mean.toFixed(2)} px (measured 1.9 on seed-0..2 boxes)`);
    assert.ok(peaks.reduce((a, b) => a + b, 0) / peaks.length > 0.05, 'heatmaps with a peak');
  } finally {
    disposeCascade(cascade);
  }
});
