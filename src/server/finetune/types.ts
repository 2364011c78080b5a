/** Messages and event payloads of the fine-tune job runner (also what the UI receives over socket.io). */
import type { FineTuneJobOptions, FineTuneJobResult } from '../../model/finetune-job.ts';
import type { FineTuneMetrics } from '../../model/finetune.ts';
import type { ReadoutFit } from '../../model/readout-fit.ts';

/** What the worker is told to do: the job's options (minus the in-process progress callback) plus how it runs. */
export interface WorkerJob extends Omit<FineTuneJobOptions, 'onProgress'> {
  readonly backend?: string;
  readonly progressEveryMs?: number;
}

export type WorkerMessage =
  | { readonly type: 'progress'; readonly stage: string; readonly step: number; readonly maxSteps: number; readonly loss: number | null; readonly elapsedS: number; readonly note?: string }
  | { readonly type: 'done'; readonly result: FineTuneJobResult }
  | { readonly type: 'error'; readonly message: string };

/** `finetune:progress` */
export interface FineTuneProgressEvent {
  readonly jobId: string;
  readonly stage: string;
  readonly step: number;
  readonly maxSteps: number;
  readonly loss: number | null;
  readonly elapsedS: number;
  readonly note?: string;
  /** The version folder this job will save when it is promoted (vNNNN), when known. */
  readonly nextVersion?: string;
}

/** `finetune:done` — ok=false when the worker failed or was killed (the active model is then unchanged). */
export interface FineTuneDoneEvent {
  readonly jobId: string;
  readonly ok: boolean;
  readonly promoted: boolean;
  readonly reason: string;
  /** Active version folder after the job (vNNNN) and its model version string. */
  readonly activeVersion: string | null;
  readonly modelVersion: string | null;
  readonly metricsBefore: FineTuneMetrics | null;
  readonly metricsAfter: FineTuneMetrics | null;
  /** On the corrections it was trained on (up to TAUGHT_SAMPLE of them): did it learn what it was shown? Absent: not trained. */
  readonly taughtBefore?: FineTuneMetrics | null;
  readonly taughtAfter?: FineTuneMetrics | null;
  /** The read-out's classical weight re-picked on the corrections (absent: not fitted). */
  readonly readoutFit?: ReadoutFit | null;
  readonly corrections: number;
  readonly seconds: number;
  readonly error?: string;
}

/** `model:changed` (as the service reports it; the app turns modelDir into a Measurer). */
export interface ModelChangedEvent {
  readonly modelVersion: string;
  readonly version: string;
  readonly modelDir: string;
  readonly reason: string;
}

export interface FineTuneEvents {
  'finetune:progress': FineTuneProgressEvent;
  'finetune:done': FineTuneDoneEvent;
  'model:changed': ModelChangedEvent;
}

export type FineTuneBroadcast = <E extends keyof FineTuneEvents>(event: E, payload: FineTuneEvents[E]) => void;
