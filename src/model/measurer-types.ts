import type { Box, MapStack, Recist, Theta } from '../geometry/types.ts';
import type { CtSlice } from '../data/types.ts';

/** What the cascade proposes for one rough box. All coordinates in the original slice's pixels. */
export interface Proposal {
  readonly recist: Recist;
  /** Which output the marks come from: the SHN heatmaps, the STN's pseudo-mask (ModelConfig.readout), the pseudo-mask
   * averaged with the classical segmentation (`mask+classical`), or the classical method alone (the server's no-model fallback). */
  readonly readout: 'heatmaps' | 'mask' | 'mask+classical' | 'classical';
  /**
   * Uncertainty in [0, 1] (higher = less certain) of the output the marks come from: the mean normalized Shannon
   * entropy of the 4 heatmaps, or for the mask read-out the pseudo-mask's mean binary entropy. Active learning ranks by it.
   */
  readonly entropy: number;
  /** Per-keypoint heatmap entropy, order long-left, long-right, short-top, short-bottom; null when the marks were read
   * from the pseudo-mask (mask read-outs run the SHN only for samples whose pseudo-mask holds no lesion). */
  readonly entropies: readonly [number, number, number, number] | null;
  /** The last stack's 4 heatmaps (canonical space, HEATMAP_SIZE²), channel-major; absent when the SHN was not run. */
  readonly heatmaps?: MapStack;
  /** Mask read-out: the STN's pseudo-mask probabilities (1 channel, covering the 128² crop) the marks were measured on. */
  readonly mask?: MapStack;
  /** Predicted θ (normalized crop coordinates). */
  readonly theta: Theta;
  /** The 128x128 crop's placement: original = (x0, y0) + crop pixel · side / size. */
  readonly crop: { readonly x0: number; readonly y0: number; readonly side: number; readonly size: number };
  readonly modelVersion: string;
  readonly backend: string;
  /** Wall time of this proposal in ms. */
  readonly ms: number;
}

/** The cascade behind one interface: callers never pick a backend or touch tensors. */
export interface Measurer {
  readonly modelVersion: string;
  readonly backend: string;
  measure(slice: CtSlice, box: Box): Promise<Proposal>;
  /**
   * Proposals for many boxes. `jitter: false` reads each on its box alone (ModelConfig.boxJitter skipped): for scoring
   * uncertainty, which is the reader's box's either way, at a seventh of the cost.
   */
  measureBatch(items: readonly { slice: CtSlice; box: Box }[], opts?: { readonly jitter?: boolean }): Promise<Proposal[]>;
  dispose(): void;
}
