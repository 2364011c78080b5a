/**
 * The STN's localization network (paper 2.1, Fig. 2): ResNet-50-style trunk → FPN top-down branch to
 * 32×32 → a 3×3 conv to 5 channels: channel 0 = LRP logits (pseudo-mask, apply sigmoid), channels 1–4 →
 * flatten → fully connected → θ = (tx, ty, α, s).
 *
 * The 5-channel 3×3 conv is built as two 3×3 convs (1 + 4 filters) on the same input — the same function and
 * parameter count — because tfjs layers has no built-in channel-slice layer and custom layers would break
 * plain `tf.loadLayersModel`.
 *
 * Between flatten and FC: a fixed 1/√4096 rescaling (see below).
 * The FC is initialised with a zero kernel and bias (0, 0, 0, 1), so the initial θ is exactly the identity.
 */
import * as tf from '@tensorflow/tfjs';
import type { StnConfig } from '../config.ts';
import { assertShape, call, conv, Namer } from './layers.ts';
import { resnetTrunk } from './resnet.ts';
import { fpnTopDown } from './fpn.ts';

export const THETA_IDENTITY: readonly [number, number, number, number] = [0, 0, 0, 1];

/** input [B, 128, 128, 1] → [mask logits [B, 32, 32, 1], θ [B, 4]]. */
export function buildStn(cfg: StnConfig, inputSize = 128, seed?: number): tf.LayersModel {
  const nm = new Namer('stn', seed);
  const input = tf.input({ shape: [inputSize, inputSize, 1], name: 'stn_input' }); // [B, 128, 128, 1]
  const feats = resnetTrunk(nm, input, cfg.blocks, cfg.baseWidth);
  const p2 = fpnTopDown(nm, feats, cfg.fpnWidth); // [B, 32, 32, F]
  const maskLogits = conv(nm, 'head_lrp', p2, 1, { kernel: 3, init: 'glorot' }); // [B, 32, 32, 1]
  const tppMap = conv(nm, 'head_tpp', p2, 4, { kernel: 3, init: 'glorot' }); // [B, 32, 32, 4]
  assertShape(maskLogits, [cfg.maskSize, cfg.maskSize, 1], 'stn mask head');
  const flat = call(tf.layers.flatten({ name: nm.name('tpp_flatten') }), tppMap); // [B, 4096]
  // Fixed 1/√fan-in scale in front of the FC: with 4096 inputs, an unscaled FC turns every optimiser step
  // into a θ jump of thousands × lr (Adam) or lr·‖f‖² (SGD), and θ diverges in the first steps.
  const fanIn = flat.shape[1] ?? 1;
  const scaled = call(tf.layers.rescaling({ name: nm.name('tpp_scale'), scale: 1 / Math.sqrt(fanIn), offset: 0 }), flat);
  const fcLayer = tf.layers.dense({ name: nm.name('tpp_fc'), units: 4, kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  const theta = call(fcLayer, scaled); // [B, 4]
  const model = tf.model({ inputs: input, outputs: [maskLogits, theta], name: 'stn' });
  // Bias (0, 0, 0, 1): θ = identity at initialisation (a constant initializer cannot express a vector).
  const bias = fcLayer.weights.find((w) => w.originalName.endsWith('bias'));
  if (!bias) throw new Error('stn tpp_fc: no bias weight');
  const identity = tf.tensor1d(THETA_IDENTITY as unknown as number[]);
  bias.write(identity);
  identity.dispose();
  return model;
}
