/** The rough-box flags `recist eval` and `recist boxes` share. */
import type { BoxProtocol } from '../geometry/box.ts';

/** `--box-area lo,hi` (the box's area as a multiple of the lesion extent's, 1 ≤ lo ≤ hi) and `--box-shape extent|square`. */
export function parseBoxProtocol(area: string | undefined, shape: string | undefined): BoxProtocol {
  const v = (area ?? '2,2.5').split(',').map((s) => Number(s.trim()));
  if (v.length !== 2 || !v.every(Number.isFinite) || !(v[0] >= 1 && v[1] >= v[0])) {
    throw new Error(`--box-area ${JSON.stringify(area)}: expected two numbers lo,hi with 1 ≤ lo ≤ hi, e.g. 2,2.5 (the paper) or 4,6.25 (sides 2–2.5×)`);
  }
  const s = shape ?? 'extent';
  if (s !== 'extent' && s !== 'square') throw new Error(`--box-shape ${JSON.stringify(shape)}: expected extent (the lesion extent's shape, default) or square`);
  return { areaRatio: [v[0], v[1]], shape: s };
}
