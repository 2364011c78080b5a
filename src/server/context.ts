/** What the parts of the labeling server share: its configuration, dependencies and the state they read. */
import type { Dataset } from './datasets.ts';
import type { ReaderInfo, Worklist } from './events.ts';
import type { FineTuneService } from './finetune/index.ts';
import type { LabelStore } from './store.ts';
import type { StoredLabel } from './schemas.ts';
import type { UiAsset } from './ui-bundle.ts';
import type { Measurer } from '../model/measurer-types.ts';
import type { ReaderCalibration } from '../active/reader-bias.ts';
import type { FairQueue, RateLimiter } from './inference/fair-queue.ts';

export interface AppConfig {
  /** Max JSON body (express) and socket message size in bytes (default 64 KiB). */
  readonly bodyLimitBytes?: number;
  /** UI files by URL path (from `bundleUi`); when absent only the API is served. */
  readonly ui?: Map<string, UiAsset>;
  /** Log line sink (default: console.error for errors only). */
  readonly log?: (line: string) => void;
  /**
   * Rank the worklist by an active-learning strategy (src/server/ranking.ts). Absent: dataset order (or whatever
   * `broadcast.worklistRanked` last set).
   */
  readonly activeLearning?: {
    /** entropy | tta | random | first */
    readonly strategy: string;
    /** Rotated top window (default 10). */
    readonly k?: number;
    /** Lesions per scoring batch (default 4). */
    readonly batchSize?: number;
    /** Persist scores here. */
    readonly cacheFile?: string | null;
    /** Start scoring at once (default true). */
    readonly scoreOnStart?: boolean;
    readonly publishEveryMs?: number;
  };
  /**
   * Apply the signed-in reader's calibration (src/active/reader-bias.ts, fitted on their corrections of the current
   * model version) to the proposals they are shown. The stored ORIGINAL stays the model's raw output.
   */
  readonly readerCalibration?: boolean;
  /**
   * Readers who are admins besides the label store's (`ReaderRecord.admin`: the first reader, and those added with
   * `recist readers add NAME --admin`): `serve --admins`.
   */
  readonly admins?: readonly string[];
  /** Proposal queueing and limits (src/server/inference/fair-queue.ts). */
  readonly proposals?: ProposalLimits;
}

export interface ProposalLimits {
  /** Queued proposals per reader (default 4); more are answered `busy`. */
  readonly perReader?: number;
  /** Queued proposals in all (default 64). */
  readonly maxQueued?: number;
  /** Proposals per second per reader, sustained (default 5; 0 = no limit) and at once (default 10). */
  readonly ratePerS?: number;
  readonly burst?: number;
}

export interface AppDeps {
  readonly dataset: Dataset;
  readonly measurer: Measurer;
  readonly store: LabelStore;
  readonly config?: AppConfig;
  // ---- fine-tune hook (src/server/finetune): /api/finetune routes, events, model swap ----
  readonly fineTune?: Pick<FineTuneService, 'router' | 'attach'> & Partial<Pick<FineTuneService, 'labelSaved' | 'readerCalibration'>>;
  // ---- PACS hook (src/pacs/sr-outbox.ts): each saved label's SR stored with STOW-RS ----
  readonly srOutbox?: { labelSaved(label: StoredLabel): Promise<{ readonly stored: boolean; readonly message: string } | null> };
}

/** Socket.io room every signed-in socket joins (broadcasts go to it). */
export const READERS_ROOM = 'readers';

export interface ServerContext {
  readonly dataset: Dataset;
  readonly store: LabelStore;
  readonly config: AppConfig;
  readonly fineTune: AppDeps['fineTune'];
  readonly srOutbox?: AppDeps['srOutbox'];
  /** Max JSON body and socket message size in bytes. */
  readonly limit: number;
  readonly log: (line: string) => void;
  /** The measurer proposals come from now (changes with model swaps). */
  measurer(): Measurer;
  /** The worklist for one request; `serve` hands the first unlabeled lesion to this caller. */
  worklist(serve?: boolean): Worklist;
  /** Model work, one lane per reader, served round-robin (proposals; worklist scoring in its own lane). */
  readonly queue: FairQueue;
  /** Per-reader proposal rate limit (null: none). */
  readonly rate: RateLimiter | null;
  /** May this reader start fine-tunes, roll back and manage readers? */
  isAdmin(reader: string): boolean;
  /** The reader as clients see it (name, admin). */
  readerInfo(reader: string): ReaderInfo;
  /** The reader's calibration for a model version. */
  calibrationFor(reader: string, modelVersion: string): ReaderCalibration;
}
