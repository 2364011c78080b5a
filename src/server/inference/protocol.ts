/** Messages between the inference pool (src/server/inference/pool.ts) and its worker threads (worker.ts). */
import type { CtSlice } from '../../data/types.ts';
import type { Box } from '../../geometry/types.ts';
import type { Proposal } from '../../model/measurer-types.ts';

/** A model as the pool names it: `key` numbers the loads (a version folder may be loaded twice, e.g. after a rollback). */
export interface ModelRef {
  readonly key: number;
  /** Model folder, or null for the classical fallback (no trained model). */
  readonly modelDir: string | null;
  readonly backend?: string;
}

export type ToWorker =
  | { readonly type: 'load'; readonly id: number; readonly model: ModelRef }
  | { readonly type: 'measure'; readonly id: number; readonly key: number; readonly items: readonly { readonly slice: CtSlice; readonly box: Box }[]; readonly jitter?: boolean }
  /** Dispose the model once no request uses it. */
  | { readonly type: 'drop'; readonly key: number };

export type FromWorker =
  | { readonly type: 'ready'; readonly threadId: number; readonly nice: number | null }
  | { readonly type: 'loaded'; readonly id: number; readonly key: number; readonly modelVersion: string; readonly backend: string }
  | { readonly type: 'result'; readonly id: number; readonly proposals: Proposal[] }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
