/**
 * Small building blocks for the functional (tf.model) graphs of the STN and the SHN. Only built-in tfjs
 * layers are used so both nets save and load in tfjs layers format without custom-layer registration.
 */
import * as tf from '@tensorflow/tfjs';

export type Sym = tf.SymbolicTensor;

/** Apply a layer to one symbolic tensor. */
export function call(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  const y = layer.apply(x);
  if (Array.isArray(y) || !(y instanceof tf.SymbolicTensor)) throw new Error(`layer ${layer.name}: expected one symbolic output`);
  return y;
}

/** Throw unless x has shape [B, ...dims] (null = any). Used where a block expects a given channel count. */
export function assertShape(x: Sym, dims: readonly (number | null)[], where: string): void {
  const got = x.shape.slice(1);
  const ok = got.length === dims.length && dims.every((d, i) => d === null || got[i] === d);
  if (!ok) throw new Error(`${where}: input shape [B, ${got.join(', ')}], expected [B, ${dims.map((d) => d ?? '?').join(', ')}]`);
}

export function channels(x: Sym): number {
  const c = x.shape[3];
  if (c == null) throw new Error('channel dimension unknown');
  return c;
}

/** Unique layer names within one model. */
export class Namer {
  private readonly used = new Map<string, number>();
  private seeds = 0;
  /** `seed` (optional) makes every random initializer of the model deterministic. */
  constructor(private readonly prefix: string, private readonly seed?: number) {}
  /** A distinct seed per random initializer, or undefined (Math.random) when the model is unseeded. */
  nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed * 100003 + this.seeds++;
  }
  name(base: string): string {
    const n = this.used.get(base) ?? 0;
    this.used.set(base, n + 1);
    return `${this.prefix}_${base}${n === 0 ? '' : `_${n}`}`;
  }
}

export interface ConvOpts {
  readonly kernel: number;
  readonly stride?: number;
  readonly bias?: boolean;
  readonly init?: 'he' | 'glorot' | 'zeros';
}

export function conv(nm: Namer, base: string, x: Sym, filters: number, o: ConvOpts): Sym {
  return call(
    tf.layers.conv2d({
      name: nm.name(base),
      filters,
      kernelSize: o.kernel,
      strides: o.stride ?? 1,
      padding: 'same',
      useBias: o.bias ?? true,
      kernelInitializer:
        o.init === 'zeros'
          ? 'zeros'
          : o.init === 'glorot'
            ? tf.initializers.glorotUniform({ seed: nm.nextSeed() })
            : tf.initializers.heNormal({ seed: nm.nextSeed() }),
    }),
    x,
  );
}

export function bn(nm: Namer, base: string, x: Sym): Sym {
  return call(tf.layers.batchNormalization({ name: nm.name(base), axis: -1, momentum: 0.9, epsilon: 1e-5 }), x);
}

export function relu(nm: Namer, x: Sym): Sym {
  return call(tf.layers.reLU({ name: nm.name('relu') }), x);
}

export function add(nm: Namer, xs: Sym[]): Sym {
  return call(tf.layers.add({ name: nm.name('add') }), xs);
}

export function maxPool(nm: Namer, x: Sym, size: number, stride: number): Sym {
  return call(tf.layers.maxPooling2d({ name: nm.name('pool'), poolSize: size, strides: stride, padding: 'same' }), x);
}

/** 2× nearest-neighbour upsampling. */
export function up2(nm: Namer, x: Sym): Sym {
  return call(tf.layers.upSampling2d({ name: nm.name('up'), size: [2, 2] }), x);
}

/** conv → batchnorm → ReLU (no conv bias: the batchnorm's β replaces it). */
export function convBnRelu(nm: Namer, base: string, x: Sym, filters: number, kernel: number, stride = 1): Sym {
  return relu(nm, bn(nm, `${base}_bn`, conv(nm, base, x, filters, { kernel, stride, bias: false })));
}
