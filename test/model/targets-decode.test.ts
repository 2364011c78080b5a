import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildSample } from '../../src/data/samples.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { createRng } from '../../src/geometry/random.ts';
import { fromCrop } from '../../src/geometry/crop.ts';
import { mapRecist, segmentLocationDistance } from '../../src/geometry/recist.ts';
import { canonicalKeypoints, thetaToMatrix } from '../../src/geometry/theta.ts';
import { samplesToBatch, disposeBatch } from '../../src/model/batch.ts';
import { decodeProposal, nhwcToMapStack } from '../../src/model/decode.ts';
import { heatmapTargets } from '../../src/model/targets.ts';

await tf.setBackend('cpu');

function ellipseSlice(seed: number) {
  const rng = createRng(seed);
  const W = 200;
  const hu = new Float32Array(W * W).fill(60);
  const cx = rng.uniform(80, 120), cy = rng.uniform(80, 120), a = rng.uniform(6, 20), b = a * rng.uniform(0.4, 0.9), ang = rng.uniform(-Math.PI, Math.PI);
  const c = Math.cos(ang), s = Math.sin(ang);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
    const u = (x - cx) * c + (y - cy) * s, v = -(x - cx) * s + (y - cy) * c;
    if ((u / a) ** 2 + (v / b) ** 2 <= 1) hu[y * W + x] = -10;
  }
  const slice: CtSlice = { width: W, height: W, hu, spacing: { x: 0.7, y: 0.7 }, window: null, source: `ellipse-${seed}` };
  const recist = { long: [{ x: cx - a * c, y: cy - a * s }, { x: cx + a * c, y: cy + a * s }], short: [{ x: cx + b * s, y: cy - b * c }, { x: cx - b * s, y: cy + b * c }] } as const;
  return { slice, recist, rng };
}

test('perfect heatmaps under the true θ decode back to the true marks in slice pixels', () => {
  for (let seed = 0; seed < 20; seed++) {
    const { slice, recist, rng } = ellipseSlice(seed);
    const s = buildSample(slice, recist, rng, { augment: false });
    const d = decodeProposal(s.heatmaps, s.theta, s.frame)!;
    const truth = mapRecist(s.recistCrop, (p) => fromCrop(s.frame, p));
    assert.ok(segmentLocationDistance(d.recist.long, truth.long) < 0.1, `seed ${seed}: long off by ${segmentLocationDistance(d.recist.long, truth.long)}`);
    assert.ok(segmentLocationDistance(d.recist.short, truth.short) < 0.1, `seed ${seed}: short`);
    assert.ok(segmentLocationDistance(d.recist.long, recist.long) < 0.1, `seed ${seed}: not the original mark`);
  }
});

test('mask read-out: the perfect pseudo-mask (the LRP target) decodes to the true marks in slice pixels, within the mask grid', () => {
  for (let seed = 0; seed < 20; seed++) {
    const { slice, recist, rng } = ellipseSlice(seed);
    const s = buildSample(slice, recist, rng, { augment: false });
    const d = decodeProposal(s.heatmaps, s.theta, s.frame, { data: s.mask32, size: 32 })!;
    assert.equal(d.readout, 'mask');
    // one mask pixel = 4 crop pixels = 4·side/128 slice pixels
    const tol = 2.2 * 4 * (s.frame.side / s.frame.size);
    const ratio = Math.hypot(recist.short[1].x - recist.short[0].x, recist.short[1].y - recist.short[0].y)
      / Math.hypot(recist.long[1].x - recist.long[0].x, recist.long[1].y - recist.long[0].y);
    const dist = segmentLocationDistance(d.recist.long, recist.long);
    if (ratio < 0.8) assert.ok(dist < tol, `seed ${seed}: long off by ${dist.toFixed(2)} (tolerance ${tol.toFixed(2)})`);
  }
  // an empty mask falls back to the heatmaps
  const { slice, recist, rng } = ellipseSlice(0);
  const s = buildSample(slice, recist, rng, { augment: false });
  const d = decodeProposal(s.heatmaps, s.theta, s.frame, { data: new Float32Array(1024), size: 32 })!;
  assert.equal(d.readout, 'heatmaps');
  assert.ok(segmentLocationDistance(d.recist.long, recist.long) < 0.1);
});

test('in-graph heatmap targets equal the geometry module\'s canonical keypoints, for the true and a perturbed θ', () => {
  const samples = [0, 1, 2, 3].map((seed) => { const e = ellipseSlice(seed); return buildSample(e.slice, e.recist, e.rng, { augment: true }); });
  const b = samplesToBatch(samples);
  for (const delta of [0, 0.3]) {
    const thetas = samples.map((s) => ({ ...s.theta, alpha: s.theta.alpha + delta, tx: s.theta.tx + delta / 10 }));
    const mats = tf.tensor2d(thetas.map((t) => [...thetaToMatrix(t)]), [4, 6]);
    const maps = heatmapTargets(b.keypoints, mats, 64).maps;
    const data = maps.arraySync() as number[][][][];
    samples.forEach((s, i) => {
      const expected = canonicalKeypoints(s.recistCrop, thetas[i], 64);
      const stack = nhwcToMapStack(new Float32Array(data[i].flat(2)), 64, 4);
      expected.forEach((p, k) => {
        const px = Math.round(p.x), py = Math.round(p.y);
        if (px < 0 || py < 0 || px >= 64 || py >= 64) return;
        const v = stack.data[k * 64 * 64 + py * 64 + px];
        assert.ok(v > 0.5, `sample ${i} keypoint ${k} (delta ${delta}): target is ${v} at (${px}, ${py})`);
      });
    });
    tf.dispose([mats, maps]);
  }
  disposeBatch(b);
});

test('heatmap targets pass no gradient to θ', () => {
  const e = ellipseSlice(5);
  const b = samplesToBatch([buildSample(e.slice, e.recist, e.rng)]);
  const theta = tf.variable(tf.tensor2d([[0.5, 0, 0.1, 0, 0.5, 0]]));
  const { grads } = tf.variableGrads(() => heatmapTargets(b.keypoints, theta, 64).maps.sum() as tf.Scalar, [theta]);
  assert.equal(tf.abs(grads[theta.name]).sum().dataSync()[0], 0);
  tf.dispose([theta, grads[theta.name]]);
  disposeBatch(b);
});
