/**
 * Methods evaluated against readers: anything that turns (slice, rough box) into a RECIST mark.
 * Baselines: box-cross (the rough box's centred cross, `boxCross`) and the classical segmentation baseline;
 * `measurerMethod` adapts the model's Measurer interface.
 */
import { boxCross } from '../../geometry/box.ts';
import type { Box, Recist } from '../../geometry/types.ts';
import type { CtSlice } from '../../data/types.ts';
import type { Measurer } from '../../model/measurer-types.ts';
import { type ClassicalOptions, classicalRecist } from '../../segment/classical.ts';

export interface Method {
  readonly name: string;
  /** 'baseline' or 'model' (for report headers). */
  readonly kind: 'baseline' | 'model';
  /** Extra provenance for the report header (model version, backend, options). */
  readonly info?: Readonly<Record<string, string>>;
  predict(slice: CtSlice, box: Box): Promise<Recist>;
}

export const boxCrossMethod: Method = {
  name: 'box-cross',
  kind: 'baseline',
  info: { description: 'axis-aligned cross through the rough-box centre, arms 2/3 of the box sides' },
  predict: async (_slice, box) => boxCross(box),
};

export function createClassicalMethod(opts: ClassicalOptions = {}, name = 'classical'): Method {
  return {
    name,
    kind: 'baseline',
    info: { description: 'smoothed HU, polarity + threshold search scored by contrast and box-protocol extent, nearest component, holes filled, recistFromMask; box-cross fallback' },
    predict: async (slice, box) => classicalRecist(slice, box, opts).recist,
  };
}

export const classicalMethod: Method = createClassicalMethod();

/** Adapts a Measurer (the cascade) to a Method. `name` defaults to "model <version>". */
export function measurerMethod(measurer: Measurer, name?: string): Method {
  return {
    name: name ?? `model ${measurer.modelVersion}`,
    kind: 'model',
    info: { modelVersion: measurer.modelVersion, backend: measurer.backend },
    predict: async (slice, box) => (await measurer.measure(slice, box)).recist,
  };
}
