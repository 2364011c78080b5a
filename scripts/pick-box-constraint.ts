/**
 * Trial: the box-orientation step snapping round measurements to the box's longer side (shipped: the pseudo-mask's
 * marks, before the classical blend) vs snapping the classical segment's marks too, or the blended marks, vs
 * constraining them to the angles whose RECIST extent has the box's aspect (orientWithinBox), vs no box orientation.
 *
 *   npx tsx scripts/pick-box-constraint.ts [--data tmp/synth-eval] [--model models/default] [--ratios 0.75,0]
 */
import { parseArgs } from 'node:util';
import { mean } from '../src/eval/metrics.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { boxOrientsMarks, marksAlong, orientByBox } from '../src/geometry/mask-readout.ts';
import { boxHeight, boxWidth } from '../src/geometry/box.ts';
import { axisLengthsPx } from '../src/geometry/recist.ts';
import type { Box, Recist } from '../src/geometry/types.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { finishReadout } from '../src/model/decode.ts';
import { cropInput, decodeBatch } from '../src/model/measurer.ts';
import { errorsOverPickProtocols } from './readout-errors.ts';

/** Width / height of the extent of RECIST marks whose long axis makes angle `a` (radians) with the x axis and whose
 *  short axis (short/long = `q`, perpendicular, through the same midpoint) crosses it: in [q, 1/q]. */
function extentAspect(a: number, q: number): number {
  const c = Math.abs(Math.cos(a)), s = Math.abs(Math.sin(a));
  return Math.max(c, q * s) / Math.max(s, q * c);
}

const ANGLE_STEPS = 360;

/**
 * The long-axis angles (radians, [0, π), half-degree grid) whose marks' extent has the box's aspect (within `tol` in
 * log), for short/long ratio `q` — lowered to what the box allows when the box is more elongated than marks of ratio
 * q can be (a box's aspect never exceeds 1/q). Empty only for a degenerate box.
 */
function anglesConsistentWithBox(box: Box, q: number, tol = 0.02): number[] {
  const w = boxWidth(box), h = boxHeight(box);
  if (!(w > 0 && h > 0)) return [];
  const rho = w / h;
  const qEff = Math.min(q, Math.min(rho, 1 / rho));
  const out: number[] = [];
  for (let i = 0; i < ANGLE_STEPS; i++) {
    const a = (i * Math.PI) / ANGLE_STEPS;
    if (Math.abs(Math.log(extentAspect(a, qEff) / rho)) <= tol) out.push(a);
  }
  return out;
}

/** Angle between two undirected axes (radians, in [0, π/2]). */
function axisAngleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % Math.PI;
  return Math.min(d, Math.PI - d);
}

/**
 * Orientation constrained by the rough box instead of snapped to it: when the box orients the marks at all
 * (`boxOrientsMarks`: a round enough measurement, a box that is not square), the marks are turned about the long
 * axis's midpoint to the angle nearest their own among those whose RECIST extent has the box's aspect
 * (`anglesConsistentWithBox`); lengths kept, the short axis perpendicular through the same midpoint.
 */
function orientWithinBox(r: Recist, box: Box, minRatio: number): Recist {
  if (!boxOrientsMarks(r, box, minRatio)) return r;
  const { long, short } = axisLengthsPx(r);
  const own = Math.atan2(r.long[1].y - r.long[0].y, r.long[1].x - r.long[0].x);
  const allowed = anglesConsistentWithBox(box, short / long);
  if (allowed.length === 0) return r;
  const a = allowed.reduce((best, x) => (axisAngleDiff(x, own) < axisAngleDiff(best, own) ? x : best));
  return marksAlong(r, { x: Math.cos(a), y: Math.sin(a) }, { x: -Math.sin(a), y: Math.cos(a) });
}

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' },
  ratios: { type: 'string', default: '0.75,0.6,0' }, readout: { type: 'string', default: 'mask+classical' },
} });
await initBackend('wasm');
const { cascade } = await loadCheckpoint(values.model!, { readout: values.readout as 'mask' | 'mask+classical' });
const config = cascade.config;
const ratio = config.boxOrientationRatio ?? 0.75;

const method = (name: string, after: boolean | 'both', orient: (r: Parameters<typeof orientByBox>[0], b: Parameters<typeof orientByBox>[1]) => Parameters<typeof orientByBox>[0]): Method => ({
  name, kind: 'model',
  predict: async (slice, box) => {
    const c = cropInput(slice, box, config);
    const [s] = await decodeBatch(cascade, c.input, [c.frame]);
    const d = s.decoded;
    if (after === 'both') {
      const cl = c.classical ? orient(c.classical, box) : c.classical;
      const oriented = d.readout === 'mask' ? orient(d.recist, box) : d.recist;
      return { recist: finishReadout(d.readout, oriented, c.box, cl, { ...config, boxOrientationRatio: null }).recist };
    }
    if (after) {
      const f = finishReadout(d.readout, d.recist, c.box, c.classical, { ...config, boxOrientationRatio: null }).recist;
      return { recist: d.readout === 'mask' ? orient(f, box) : f };
    }
    const oriented = d.readout === 'mask' ? orient(d.recist, box) : d.recist;
    return { recist: finishReadout(d.readout, oriented, c.box, c.classical, { ...config, boxOrientationRatio: null }).recist };
  },
});
const methods: Method[] = [
  method('none', false, (r) => r),
  method(`snap ${ratio}`, false, (r, b) => orientByBox(r, b, ratio)),
  method(`snap ${ratio} mask and classical`, 'both', (r, b) => orientByBox(r, b, ratio)),
  method(`snap ${ratio} after blend`, true, (r, b) => orientByBox(r, b, ratio)),
  ...values.ratios!.split(',').map(Number).map((q) => method(`constrain ${q}`, false, (r, b) => orientWithinBox(r, b, q))),
  ...values.ratios!.split(',').map(Number).map((q) => method(`constrain ${q} mask and classical`, 'both', (r, b) => orientWithinBox(r, b, q))),
];
const scores = [...await errorsOverPickProtocols(values.data!, methods)].map(([name, per]) => ({ name, score: mean(per.flatMap((e) => [e.longLoc, e.shortLoc, e.longLen, e.shortLen])) }));
for (const s of scores) console.log(`score ${s.name}: ${s.score.toFixed(3)}`);
process.exit(0);
