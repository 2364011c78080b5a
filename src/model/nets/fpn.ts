/**
 * Feature-pyramid top-down branch (Lin et al. 2017, paper Fig. 2 green): each coarser map is upsampled 2×,
 * summed with a 1×1 lateral (fpnWidth) of the finer trunk map, and smoothed by a 3×3 conv (fpnWidth), down
 * to the 32×32 level. The smoothed map of each level feeds the next (so every smoothing conv contributes to
 * the single 32×32 output the heads read).
 */
import { add, assertShape, conv, up2, type Namer, type Sym } from './layers.ts';

/** [C2 32², C3 16², C4 8², C5 4²] → P2 [B, 32, 32, fpnWidth]. */
export function fpnTopDown(nm: Namer, feats: readonly [Sym, Sym, Sym, Sym], fpnWidth: number): Sym {
  const [c2, c3, c4, c5] = feats;
  assertShape(c5, [4, 4, null], 'fpn C5');
  let p = conv(nm, 'fpn_lat5', c5, fpnWidth, { kernel: 1, init: 'glorot' }); // [B, 4, 4, F]
  const finer: [Sym, number][] = [
    [c4, 4],
    [c3, 3],
    [c2, 2],
  ];
  for (const [c, level] of finer) {
    const lateral = conv(nm, `fpn_lat${level}`, c, fpnWidth, { kernel: 1, init: 'glorot' }); // [B, s, s, F]
    p = add(nm, [up2(nm, p), lateral]);
    p = conv(nm, `fpn_smooth${level}`, p, fpnWidth, { kernel: 3, init: 'glorot' }); // [B, s, s, F]
  }
  assertShape(p, [32, 32, fpnWidth], 'fpn P2');
  return p;
}
