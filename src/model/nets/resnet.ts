/**
 * ResNet trunk = the first five blocks of ResNet-50 (He et al. 2016): conv1 (7×7/2 + 3×3/2 max-pool) and
 * conv2_x..conv5_x bottleneck stages with batchnorm (stride on the 3×3 conv, "v1.5"). For the 128×128 crop:
 *   C2 [B, 32, 32, 4w], C3 [B, 16, 16, 8w], C4 [B, 8, 8, 16w], C5 [B, 4, 4, 32w]   (w = baseWidth)
 */
import { add, assertShape, bn, channels, conv, convBnRelu, maxPool, relu, type Namer, type Sym } from './layers.ts';

export const BOTTLENECK_EXPANSION = 4;

/** One bottleneck block: 1×1 (w) → 3×3 (w, stride) → 1×1 (4w), plus identity or projection shortcut. */
export function bottleneck(nm: Namer, name: string, x: Sym, width: number, stride: number): Sym {
  const cin = channels(x);
  const cout = width * BOTTLENECK_EXPANSION;
  let y = convBnRelu(nm, `${name}_a`, x, width, 1); // [B, H, W, w]
  y = convBnRelu(nm, `${name}_b`, y, width, 3, stride); // [B, H/s, W/s, w]
  y = bn(nm, `${name}_c_bn`, conv(nm, `${name}_c`, y, cout, { kernel: 1, bias: false })); // [B, H/s, W/s, 4w]
  const shortcut = stride !== 1 || cin !== cout ? bn(nm, `${name}_proj_bn`, conv(nm, `${name}_proj`, x, cout, { kernel: 1, stride, bias: false })) : x;
  return relu(nm, add(nm, [y, shortcut]));
}

/** Returns [C2, C3, C4, C5] for an input [B, 128, 128, 1]. */
export function resnetTrunk(nm: Namer, input: Sym, blocks: readonly [number, number, number, number], baseWidth: number): [Sym, Sym, Sym, Sym] {
  assertShape(input, [128, 128, 1], 'resnetTrunk');
  let x = convBnRelu(nm, 'conv1', input, baseWidth, 7, 2); // [B, 64, 64, w]
  x = maxPool(nm, x, 3, 2); // [B, 32, 32, w]
  const outs: Sym[] = [];
  for (let stage = 0; stage < 4; stage++) {
    const width = baseWidth * 2 ** stage;
    for (let b = 0; b < blocks[stage]; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = bottleneck(nm, `conv${stage + 2}_${b + 1}`, x, width, stride);
    }
    const side = 32 >> stage;
    assertShape(x, [side, side, width * BOTTLENECK_EXPANSION], `resnet conv${stage + 2}_x`);
    outs.push(x);
  }
  return [outs[0], outs[1], outs[2], outs[3]];
}
