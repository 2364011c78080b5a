/**
 * The measurer behind the public API: `createMeasurer(options)` → `measure(slice, box)`, `measureBatch`, `dispose`.
 *
 * One options object, defaults in {@link DEFAULT_MEASURER_OPTIONS}, validation that names the bad value (the layout
 * of tfjs-models' `createDetector(model, config)`). How a proposal is computed lives in `src/model/measurer.ts`; this
 * file only resolves the options, checks the inputs and hands them on.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CtSlice } from '../data/types.ts';
import type { Box } from '../geometry/types.ts';
import { BACKEND_NAMES, type BackendName } from '../model/backend/index.ts';
import type { ModelCard } from '../model/checkpoint.ts';
import { READOUTS, type Readout } from '../model/config.ts';
import { createMeasurer as loadMeasurer, DEFAULT_MODEL_DIR } from '../model/measurer.ts';
import type { Measurer, Proposal } from '../model/measurer-types.ts';

export type { Measurer, Proposal } from '../model/measurer-types.ts';

/** Options of {@link createMeasurer}. Every field is optional; {@link DEFAULT_MEASURER_OPTIONS} fills the gaps. */
export interface MeasurerOptions {
  /**
   * Model folder (a `card.json` plus `stn/` and `shn/` written by `recist train`). Default: `$RECIST_MODEL`, else the
   * shipped `models/default` of this package.
   */
  readonly model?: string;
  /**
   * tfjs backend: `tensorflow` (tfjs-node, when installed), `webgpu`, `wasm`, `cpu`, or `auto` (the first of those that
   * starts, in that order). Default: `$RECIST_BACKEND`, else `auto`.
   */
  readonly backend?: BackendName | 'auto';
  /**
   * Which output the marks are read from: `heatmaps` (the paper: the hourglass' keypoints), `mask` (the STN's
   * pseudo-mask) or `mask+classical` (the pseudo-mask blended with the classical segmentation). Default: the
   * model card's own read-out.
   */
  readonly readout?: Readout;
}

/** The defaults of {@link MeasurerOptions}, in one place. `model` and `backend` read the environment at call time. */
export const DEFAULT_MEASURER_OPTIONS: {
  readonly model: () => string;
  readonly backend: () => BackendName | 'auto';
  readonly readout: null;
} = {
  model: () => process.env.RECIST_MODEL ?? DEFAULT_MODEL_DIR,
  backend: () => (process.env.RECIST_BACKEND as BackendName | 'auto' | undefined) ?? 'auto',
  readout: null,
};

/** {@link MeasurerOptions} after validation, every field filled (readout null = the model card's). */
export interface ResolvedMeasurerOptions {
  readonly model: string;
  readonly backend: BackendName | 'auto';
  readonly readout: Readout | null;
}

const OPTION_KEYS = ['model', 'backend', 'readout'] as const;

function bad(field: string, value: unknown, expected: string): never {
  throw new Error(`createMeasurer: option ${field} is ${JSON.stringify(value) ?? String(value)}, expected ${expected}`);
}

/**
 * Copies `options`, fills the defaults and checks every field; throws an Error naming the field and its value
 * (unknown fields too, so a misspelt `modelDir` does not silently load the default model).
 */
export function resolveMeasurerOptions(options: MeasurerOptions = {}): ResolvedMeasurerOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) bad('object', options, 'an options object');
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new Error(`createMeasurer: option ${key} is ${JSON.stringify((options as Record<string, unknown>)[key])}, no such option (known: ${OPTION_KEYS.join(', ')})`);
    }
  }
  const model = options.model ?? DEFAULT_MEASURER_OPTIONS.model();
  if (typeof model !== 'string' || model.length === 0) bad('model', model, 'a model folder path');
  const dir = resolve(model);
  if (!existsSync(join(dir, 'card.json'))) bad('model', model, `a model folder with a card.json (${join(dir, 'card.json')} does not exist; train one with \`recist train\`)`);
  const backend = options.backend ?? DEFAULT_MEASURER_OPTIONS.backend();
  if (backend !== 'auto' && !BACKEND_NAMES.includes(backend)) bad('backend', backend, `one of auto, ${BACKEND_NAMES.join(', ')}`);
  const readout = options.readout ?? DEFAULT_MEASURER_OPTIONS.readout;
  if (readout !== null && !READOUTS.includes(readout)) bad('readout', readout, `one of ${READOUTS.join(', ')}`);
  return { model: dir, backend, readout };
}

/** Throws an Error naming the field and value when `slice` is not a {@link CtSlice} (HU array of width × height). */
export function validateSlice(slice: CtSlice, what = 'slice'): void {
  if (slice === null || typeof slice !== 'object') throw new Error(`${what}: expected a CtSlice, got ${String(slice)}`);
  const { width, height, hu } = slice;
  if (!Number.isInteger(width) || width <= 0) throw new Error(`${what} ${slice.source ?? ''}: field width is ${String(width)}, expected a positive integer`);
  if (!Number.isInteger(height) || height <= 0) throw new Error(`${what} ${slice.source ?? ''}: field height is ${String(height)}, expected a positive integer`);
  if (!(hu instanceof Float32Array)) throw new Error(`${what} ${slice.source ?? ''}: field hu is ${Object.prototype.toString.call(hu)}, expected a Float32Array of HU`);
  if (hu.length !== width * height) throw new Error(`${what} ${slice.source ?? ''}: field hu has ${hu.length} values, expected width × height = ${width * height}`);
}

/** A loaded model: {@link Measurer} plus the model card it was loaded from. */
export type LoadedMeasurer = Measurer & { readonly card: ModelCard };

/**
 * Loads a model and returns its measurer. `measure(slice, box)` proposes RECIST marks (slice pixels) for one rough
 * box around a lesion; `measureBatch(items)` for many; `dispose()` frees the model's tensors. A call leaves no
 * tensors behind (`tf.memory().numTensors` is the same before and after).
 *
 * @example
 * const measurer = await createMeasurer({ backend: 'wasm' });
 * const { recist } = await measurer.measure(readDicom('slice.dcm'), { x1: 200, y1: 180, x2: 260, y2: 230 });
 * measurer.dispose();
 */
export async function createMeasurer(options: MeasurerOptions = {}): Promise<LoadedMeasurer> {
  const o = resolveMeasurerOptions(options);
  const inner = await loadMeasurer({ modelDir: o.model, backend: o.backend, readout: o.readout ?? undefined });
  let disposed = false;
  const live = (call: string): void => {
    if (disposed) throw new Error(`measurer ${inner.modelVersion}: ${call} after dispose()`);
  };
  return {
    modelVersion: inner.modelVersion,
    backend: inner.backend,
    card: inner.card,
    async measure(slice: CtSlice, box: Box): Promise<Proposal> {
      live('measure');
      validateSlice(slice);
      return inner.measure(slice, box);
    },
    async measureBatch(items, opts) {
      live('measureBatch');
      if (!Array.isArray(items)) throw new Error(`measureBatch: items is ${String(items)}, expected an array of { slice, box }`);
      items.forEach((it, i) => validateSlice(it?.slice, `measureBatch item ${i}: slice`));
      return inner.measureBatch(items, opts);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      inner.dispose();
    },
  };
}
