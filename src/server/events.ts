/**
 * Typed socket.io event maps shared by the server and the browser UI (the UI imports this file with `import type`
 * only). Every acknowledgement is `{ error }` or `{ data }`.
 */
import type { Affine, Box, Recist, Spacing } from '../geometry/types.ts';
import type { FineTuneDoneEvent, FineTuneProgressEvent } from './finetune/types.ts';

export type { FineTuneDoneEvent, FineTuneProgressEvent } from './finetune/types.ts';

/**
 * Why a request was not run, when the client can act on it: `busy` (the queue is full: retry after `retryAfterMs`),
 * `superseded` (a newer box of the same reader for the same lesion replaced it), `rate-limited` (too many proposals
 * per second from this reader), `forbidden` (an admin's action).
 */
export type AckErrorCode = 'busy' | 'superseded' | 'rate-limited' | 'forbidden';
export type Ack<T> = { error: string; code?: AckErrorCode; retryAfterMs?: number } | { data: T };
export type AckFn<T> = (response: Ack<T>) => void;

export type LabelStatus = 'accepted' | 'skipped';

/** A signed-in reader, as the client sees it. */
export interface ReaderInfo {
  readonly name: string;
  /** May start fine-tunes, roll models back and manage readers (the UI shows those controls only then). */
  readonly admin?: boolean;
}

/** One lesion of the worklist, in the order the server sends it. */
export interface WorklistItem {
  readonly lesionId: string;
  /** Key slice id (for `/api/slices/:id.png`). */
  readonly sliceId: string;
  /** Slice ids of the stack in order (neighbours and the key slice); just `[sliceId]` when none. */
  readonly stack: readonly string[];
  /** Index of the key slice in `stack`. */
  readonly keyIndex: number;
  readonly width: number;
  readonly height: number;
  readonly spacing: Spacing | null;
  /** The window the source recommends (the viewer's initial window). */
  readonly window: { readonly center: number; readonly width: number } | null;
  /** Short human-readable description (lesion type, source). */
  readonly title: string;
  /** The latest saved label's status, by any reader, or 'todo'. */
  readonly status: LabelStatus | 'todo';
  /** Who saved the latest label. */
  readonly labelledBy: string | null;
  /** The latest saved FINAL marks (so the viewer can show them). */
  readonly final: Recist | null;
  /** Active-learning score when ranked (higher = look first), else null. */
  readonly score: number | null;
  /**
   * Why the key slice's pixel data is lossy-compressed (DICOM `dicom.lossy`: the transfer syntax, the codestream or
   * (0028,2110) Lossy Image Compression), so its HU are approximate; null when lossless or not DICOM.
   */
  readonly lossy?: string | null;
}

export interface Worklist {
  readonly dataset: string;
  readonly modelVersion: string;
  /**
   * Ranked worklists (server started with an active-learning strategy): unlabeled lesions in the strategy's order,
   * the top-k rotated so that readers asking at the same time are handed different lesions (the first unlabeled
   * item is the one handed to this reader), then the labeled lesions. Without a strategy: dataset order.
   */
  readonly items: readonly WorklistItem[];
  /** The active-learning strategy that ordered `items` (absent: dataset order). */
  readonly strategy?: string;
  /** Lesions scored under the current model / lesions that can be scored (absent without a scoring strategy). */
  readonly scored?: { readonly done: number; readonly total: number };
}

/** Heatmaps packed for the wire: uint8 per value, each channel scaled by its own max (`scale[c]`). */
export interface PackedHeatmaps {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** base64 of width·height·channels bytes, channel-major. value ≈ byte / 255 · scale[c]. */
  readonly data: string;
  readonly scale: readonly number[];
  /** Heatmap pixel (pixel-centre coordinates) → slice pixel. */
  readonly toImage: Affine;
  /** What the maps are: the 4 keypoint heatmaps, or the 1-channel lesion pseudo-mask (mask read-out models). */
  readonly kind: 'heatmaps' | 'mask';
}

export interface ProposeRequest {
  readonly lesionId: string;
  readonly box: Box;
}

/** The model's proposal for a box, in slice pixels. */
export interface ProposalDto {
  readonly lesionId: string;
  readonly box: Box;
  readonly recist: Recist;
  readonly entropy: number;
  /** Per-keypoint heatmap entropies; null for marks read from the pseudo-mask (no heatmaps computed). */
  readonly entropies: readonly [number, number, number, number] | null;
  readonly heatmaps: PackedHeatmaps;
  readonly modelVersion: string;
  readonly backend: string;
  /** Model time. */
  readonly ms: number;
  /** Server time (model + packing). */
  readonly serverMs: number;
  /** The measured slice was lossy-compressed (why, as in `WorklistItem.lossy`); null when lossless. */
  readonly lossy?: string | null;
  /**
   * Present when the server applied this reader's calibration (src/active/reader-bias.ts) to the proposal: `recist`
   * is then the calibrated marks and `raw` the model's own output (which is what the label store keeps as ORIGINAL).
   */
  readonly calibration?: { readonly longScale: number; readonly shortScale: number; readonly rotationDeg: number; readonly n: number; readonly raw: Recist };
}

/** What the client sends with a save: the proposal it corrected is optional (the server remembers its own). */
export interface LabelSaveRequest {
  readonly lesionId: string;
  readonly recist?: Recist | null;
  readonly proposal?: { readonly recist: Recist; readonly entropy?: number; readonly modelVersion?: string } | null;
  readonly box?: Box | null;
  readonly status: LabelStatus;
}

/** A stored label as sent to clients. */
export interface LabelDto {
  readonly id: string;
  readonly lesionId: string;
  readonly dataset: string;
  readonly reader: string;
  readonly time: string;
  readonly modelVersion: string | null;
  /** ORIGINAL: the model's raw proposal; `calibrated` says whether the reader was shown a reader-calibrated version of it. */
  readonly original: { readonly recist: Recist; readonly entropy: number | null; readonly modelVersion: string | null; readonly calibrated?: boolean } | null;
  readonly final: Recist | null;
  readonly box: Box | null;
  readonly status: LabelStatus;
  readonly spacing: Spacing | null;
  /** With a DICOMweb datastore: whether this label's SR is in the PACS, and what to tell the reader when not. */
  readonly pacs?: { readonly stored: boolean; readonly message: string };
}

export interface ModelChanged {
  readonly modelVersion: string;
  /** Site version folder (vNNNN) when the change came from a fine-tune promotion or a rollback. */
  readonly version?: string;
  readonly reason?: string;
}

export interface WorklistRanked {
  /** Unlabeled lesion ids, most informative first (no per-reader rotation). */
  readonly order: readonly string[];
  readonly scores?: Readonly<Record<string, number>>;
  readonly modelVersion?: string;
  readonly strategy?: string;
  readonly scored?: { readonly done: number; readonly total: number };
}

export interface ClientToServerEvents {
  auth: (payload: { name: string; token: string }, ack: AckFn<ReaderInfo>) => void;
  'worklist:get': (ack: AckFn<Worklist>) => void;
  propose: (payload: ProposeRequest, ack: AckFn<ProposalDto>) => void;
  'label:save': (payload: LabelSaveRequest, ack: AckFn<LabelDto>) => void;
}

export interface ServerToClientEvents {
  'label:saved': (label: LabelDto) => void;
  'model:changed': (info: ModelChanged) => void;
  'worklist:ranked': (info: WorklistRanked) => void;
  /** A fine-tune job's progress (throttled by the worker). */
  'finetune:progress': (info: FineTuneProgressEvent) => void;
  /** A fine-tune job ended: promoted, not promoted (reason), or failed (ok=false; the active model is unchanged). */
  'finetune:done': (info: FineTuneDoneEvent) => void;
}

export interface SocketData {
  reader: ReaderInfo | null;
}
