/**
 * Methods evaluated against readers: anything that turns (slice, rough box) into a RECIST mark.
 * Baselines: box-cross (the rough box's centred cross, `boxCross`) and the classical segmentation baseline;
 * `measurerMethod` adapts the model's Measurer interface (its proposals' entropy is the method's uncertainty).
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
  predict(slice: CtSlice, box: Box): Promise<MethodOutput>;
}

/** A method's marks and, for a model, the uncertainty it would be ranked by (the proposal's entropy). */
export interface MethodOutput {
  readonly recist: Recist;
  readonly uncertainty?: number;
}

export const boxCrossMethod: Method = {
  name: 'box-cross',
  kind: 'baseline',
  info: { description: 'axis-aligned cross through the rough-box centre, arms 2/3 of the box sides' },
  predict: async (_slice, box) => ({ recist: boxCross(box) }),
};

export function createClassicalMethod(opts: ClassicalOptions = {}, name = 'classical'): Method {
  return {
    name,
    kind: 'baseline',
    info: { description: 'smoothed HU, polarity + threshold search scored by contrast and box-protocol extent, nearest component, holes filled, recistFromMask; box-cross fallback' },
    predict: async (slice, box) => ({ recist: classicalRecist(slice, box, opts).recist }),
  };
}

export const classicalMethod: Method = createClassicalMethod();

/** Adapts a Measurer (the cascade) to a Method. `name` defaults to "model <version>". */
export function measurerMethod(measurer: Measurer, name?: string): Method {
  return {
    name: name ?? `model ${measurer.modelVersion}`,
    kind: 'model',
    info: { modelVersion: measurer.modelVersion, backend: measurer.backend },
    predict: async (slice, box) => {
      const p = await measurer.measure(slice, box);
      return { recist: p.recist, uncertainty: p.entropy };
    },
  };
}
