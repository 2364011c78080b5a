/**
 * Inference graphs with batchnorm folded into the convolutions before it and ReLUs fused into them: a conv → batchnorm
 * → ReLU chain of the layers model (3 kernels, more with the layers' own reshapes) becomes one `tf.fused.conv2d`.
 * Same function up to float rounding (test/model/folded.test.ts); only for inference (batchnorm with its moving
 * statistics). Per-kernel host overhead dominates the forward pass on WebGPU (bench/results/webgpu-h200.json), and on
 * wasm the folded elementwise passes are saved too.
 *
 * `foldedModel(model)` compiles once per set of weight values: training and fine-tuning assign new tensors to the
 * variables, which the cache notices (a variable's data id changes on every assignment) and recompiles.
 */
import * as tf from '@tensorflow/tfjs';

type Fn = (inputs: tf.Tensor[]) => tf.Tensor;

interface Compiled {
  readonly dataIds: readonly unknown[];
  readonly run: (x: tf.Tensor) => tf.Tensor[];
  readonly owned: tf.Tensor[];
}

const cache = new WeakMap<tf.LayersModel, Compiled>();

function weightDataIds(model: tf.LayersModel): unknown[] {
  return model.weights.map((w) => (w.read() as unknown as { dataId: unknown }).dataId);
}

/**
 * The folded inference function of `model` (single input, outputs in the model's order); throws, naming the layer, for
 * layer types or settings it does not handle (none in this project's nets). Tensors it returns are new; dispose them.
 */
export function foldedModel(model: tf.LayersModel): (x: tf.Tensor) => tf.Tensor[] {
  const ids = weightDataIds(model);
  const hit = cache.get(model);
  if (hit && hit.dataIds.length === ids.length && hit.dataIds.every((d, i) => d === ids[i])) return hit.run;
  if (hit) tf.dispose(hit.owned);
  const compiled = compile(model, ids);
  cache.set(model, compiled);
  return compiled.run;
}

/** Releases the folded weights of `model` (they are also released when its weights change and it is compiled again). */
export function disposeFolded(model: tf.LayersModel): void {
  const hit = cache.get(model);
  if (hit) tf.dispose(hit.owned);
  cache.delete(model);
}

interface Node {
  readonly layer: tf.layers.Layer;
  readonly inputs: readonly string[];
}

function graph(model: tf.LayersModel): { nodes: Map<string, Node>; consumers: Map<string, string[]> } {
  const nodes = new Map<string, Node>();
  const consumers = new Map<string, string[]>();
  for (const layer of model.layers) {
    // A layer of a functional model built once has one inbound node (the input layer's has no inbound layers).
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    if (inbound.length !== 1) throw new Error(`foldedModel: layer ${layer.name} is used ${inbound.length} times`);
    const inputs = inbound[0].inboundLayers.map((l) => l.name);
    nodes.set(layer.name, { layer, inputs });
    for (const i of inputs) consumers.set(i, [...(consumers.get(i) ?? []), layer.name]);
  }
  return { nodes, consumers };
}

function compile(model: tf.LayersModel, dataIds: unknown[]): Compiled {
  if (model.inputs.length !== 1) throw new Error(`foldedModel: ${model.name} has ${model.inputs.length} inputs, expected 1`);
  const { nodes, consumers } = graph(model);
  const soleConsumer = (name: string, cls: string): Node | null => {
    const c = consumers.get(name) ?? [];
    const n = c.length === 1 ? nodes.get(c[0])! : null;
    return n && n.layer.getClassName() === cls ? n : null;
  };
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (owned.push(tf.keep(t)), t);
  /** Each layer's value comes from `source` (itself, or the last layer of the chain folded into it). */
  const alias = new Map<string, string>();
  const ops = new Map<string, { fn: Fn; inputs: readonly string[] }>();
  const skipped = new Set<string>();

  try {
    tf.tidy(() => compileLayers());
  } catch (e) {
    tf.dispose(owned);
    throw e;
  }

  function compileLayers(): void {
    for (const [name, node] of nodes) {
      if (skipped.has(name)) continue;
      const layer = node.layer;
      const cls = layer.getClassName();
      const cfg = layer.getConfig() as Record<string, unknown>;
      const w = layer.getWeights();
      switch (cls) {
        case 'InputLayer':
          break;
        case 'Conv2D': {
          if ((cfg.dilationRate as number[] | number | undefined) && [cfg.dilationRate].flat().some((d) => d !== 1)) throw new Error(`foldedModel: ${name} is dilated`);
          if (cfg.activation !== 'linear' || cfg.dataFormat !== 'channelsLast') throw new Error(`foldedModel: ${name} has activation ${String(cfg.activation)} / ${String(cfg.dataFormat)}`);
          let filter = w[0] as tf.Tensor4D;
          let bias: tf.Tensor1D = cfg.useBias ? (w[1] as tf.Tensor1D) : tf.zeros([filter.shape[3]]);
          let last = name;
          const bn = soleConsumer(last, 'BatchNormalization');
          if (bn) {
            const { scale, shift } = batchNormAffine(bn.layer);
            filter = tf.mul(filter, scale) as tf.Tensor4D;
            bias = tf.add(tf.mul(bias, scale), shift) as tf.Tensor1D;
            skipped.add(bn.layer.name);
            last = bn.layer.name;
          }
          const relu = soleConsumer(last, 'ReLU');
          if (relu && (relu.layer.getConfig() as { maxValue?: number | null }).maxValue == null) {
            skipped.add(relu.layer.name);
            last = relu.layer.name;
          }
          const f = keep(filter.clone()), b = keep(bias.clone());
          const strides = cfg.strides as [number, number], pad = cfg.padding as 'same' | 'valid';
          const activation = last !== name && nodes.get(last)!.layer.getClassName() === 'ReLU' ? 'relu' : 'linear';
          ops.set(last, { fn: ([x]) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f, strides, pad, bias: b, activation }), inputs: node.inputs });
          for (const n of [name, last]) alias.set(n, last);
          break;
        }
        case 'BatchNormalization': {
          const { scale, shift } = batchNormAffine(layer);
          const s = keep(scale.clone()), t = keep(shift.clone());
          ops.set(name, { fn: ([x]) => tf.add(tf.mul(x, s), t), inputs: node.inputs });
          break;
        }
        case 'ReLU':
          if ((cfg.maxValue as number | null | undefined) != null) throw new Error(`foldedModel: ${name} has maxValue`);
          ops.set(name, { fn: ([x]) => tf.relu(x), inputs: node.inputs });
          break;
        case 'Add':
          ops.set(name, { fn: (xs) => (xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs)), inputs: node.inputs });
          break;
        case 'MaxPooling2D': {
          const pool = cfg.poolSize as [number, number], strides = cfg.strides as [number, number], pad = cfg.padding as 'same' | 'valid';
          ops.set(name, { fn: ([x]) => tf.maxPool(x as tf.Tensor4D, pool, strides, pad), inputs: node.inputs });
          break;
        }
        case 'UpSampling2D': {
          const [sy, sx] = cfg.size as [number, number];
          if (cfg.interpolation !== undefined && cfg.interpolation !== 'nearest') throw new Error(`foldedModel: ${name} interpolation ${String(cfg.interpolation)}`);
          ops.set(name, { fn: ([x]) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * sy, x.shape[2]! * sx]), inputs: node.inputs });
          break;
        }
        case 'Flatten':
          ops.set(name, { fn: ([x]) => tf.reshape(x, [x.shape[0], -1]), inputs: node.inputs });
          break;
        case 'Rescaling': {
          const scale = cfg.scale as number, offset = cfg.offset as number;
          ops.set(name, { fn: ([x]) => (offset === 0 ? tf.mul(x, scale) : tf.add(tf.mul(x, scale), offset)), inputs: node.inputs });
          break;
        }
        case 'Dense': {
          if (cfg.activation !== 'linear') throw new Error(`foldedModel: ${name} has activation ${String(cfg.activation)}`);
          const k = keep((w[0] as tf.Tensor2D).clone());
          const b = cfg.useBias ? keep((w[1] as tf.Tensor1D).clone()) : undefined;
          ops.set(name, { fn: ([x]) => tf.fused.matMul({ a: x as tf.Tensor2D, b: k, bias: b }), inputs: node.inputs });
          break;
        }
        default:
          throw new Error(`foldedModel: layer ${name} of class ${cls} is not supported`);
      }
    }
  }

  const inputName = model.inputLayers[0].name;
  const outputNames = model.outputLayers.map((l) => l.name);
  const source = (n: string): string => alias.get(n) ?? n;
  const order = [...ops.keys()];
  const run = (x: tf.Tensor): tf.Tensor[] =>
    tf.tidy(() => {
      const values = new Map<string, tf.Tensor>([[inputName, x]]);
      for (const name of order) {
        const op = ops.get(name)!;
        values.set(name, op.fn(op.inputs.map((i) => values.get(source(i))!)));
      }
      return outputNames.map((n) => values.get(source(n))!);
    });
  return { dataIds, run, owned };
}

/** Inference batchnorm as y = x·scale + shift, per channel (γ, β, moving mean and variance; ε from the layer). */
function batchNormAffine(layer: tf.layers.Layer): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const cfg = layer.getConfig() as { axis?: number | number[]; epsilon: number; center: boolean; scale: boolean };
  if (![cfg.axis].flat().every((a) => a === -1 || a === 3)) throw new Error(`foldedModel: ${layer.name} normalizes axis ${String(cfg.axis)}`);
  const byName = new Map(layer.weights.map((w, i) => [w.originalName.split('/').pop()!, layer.getWeights()[i]]));
  const mean = byName.get('moving_mean') as tf.Tensor1D, variance = byName.get('moving_variance') as tf.Tensor1D;
  if (!mean || !variance) throw new Error(`foldedModel: ${layer.name} has no moving statistics (${[...byName.keys()].join(', ')})`);
  const gamma = cfg.scale ? (byName.get('gamma') as tf.Tensor1D) : tf.onesLike(mean);
  const beta = cfg.center ? (byName.get('beta') as tf.Tensor1D) : tf.zerosLike(mean);
  const scale = tf.div(gamma, tf.sqrt(tf.add(variance, cfg.epsilon))) as tf.Tensor1D;
  return { scale, shift: tf.sub(beta, tf.mul(mean, scale)) as tf.Tensor1D };
}
