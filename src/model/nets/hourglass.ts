/**
 * Stacked-hourglass building blocks (Newell et al. 2016; princeton-vl/pytorch_stacked_hourglass):
 * the pre-activation residual module and the recursive hourglass.
 */
import { add, bn, channels, conv, maxPool, relu, up2, type Namer, type Sym } from './layers.ts';

/**
 * Residual module: BN-ReLU-1×1 (out/2) → BN-ReLU-3×3 (out/2) → BN-ReLU-1×1 (out), plus the input (through a
 * 1×1 conv when the channel count changes). [B, H, W, cin] → [B, H, W, out].
 */
export function residual(nm: Namer, x: Sym, out: number): Sym {
  const cin = channels(x);
  const mid = Math.max(1, out >> 1);
  let y = conv(nm, 'res_a', relu(nm, bn(nm, 'res_a_bn', x)), mid, { kernel: 1 }); // [B, H, W, out/2]
  y = conv(nm, 'res_b', relu(nm, bn(nm, 'res_b_bn', y)), mid, { kernel: 3 }); // [B, H, W, out/2]
  y = conv(nm, 'res_c', relu(nm, bn(nm, 'res_c_bn', y)), out, { kernel: 1 }); // [B, H, W, out]
  const skip = cin === out ? x : conv(nm, 'res_skip', x, out, { kernel: 1 });
  return add(nm, [y, skip]);
}

/**
 * Hourglass(n): the full-resolution residual branch plus the upsampled lower branch, whose middle is
 * Hourglass(n − 1) (a residual at n = 1). [B, H, W, f] → [B, H, W, f]; H must be divisible by 2^n.
 */
export function hourglass(nm: Namer, n: number, x: Sym, f: number): Sym {
  if (channels(x) !== f) throw new Error(`hourglass(${n}): input has ${channels(x)} channels, expected ${f}`);
  const side = x.shape[1] ?? 0;
  if (side % 2 !== 0 || side < 2) throw new Error(`hourglass(${n}): cannot halve a ${side}×${side} map`);
  const up1 = residual(nm, x, f); // [B, H, W, f]
  const low1 = residual(nm, maxPool(nm, x, 2, 2), f); // [B, H/2, W/2, f]
  const low2 = n > 1 ? hourglass(nm, n - 1, low1, f) : residual(nm, low1, f); // [B, H/2, W/2, f]
  const low3 = residual(nm, low2, f); // [B, H/2, W/2, f]
  return add(nm, [up1, up2(nm, low3)]); // [B, H, W, f]
}
