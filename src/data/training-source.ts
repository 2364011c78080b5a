/**
 * Where training samples come from: synthetic lesions generated on the fly on real CT backgrounds, and/or
 * lesions of DeepLesion-layout folders (real or synthetic), each augmented and cropped with a freshly
 * simulated rough box (paper protocol, or a mixture of `boxProtocols`) every time it is drawn.
 */
import type { Rng } from '../geometry/random.ts';
import type { Recist } from '../geometry/types.ts';
import type { BoxProtocol } from '../geometry/box.ts';
import { openDeepLesionFolder } from './deeplesion.ts';
import { isMaskFolder, openMaskFolder } from './mask-lesions.ts';
import { readPatientSplit, type SplitPart } from './patient-split.ts';
import { sharedDataDir } from './paths.ts';
import { buildSample, type Sample } from './samples.ts';
import { generateCase } from './synth/generate.ts';
import { listBackgrounds } from './synth/placement.ts';
import type { CtSlice } from './types.ts';

export interface TrainingSource {
  /** n fresh, augmented samples. */
  sample(n: number, rng: Rng): Sample[];
  describe(): string;
  stats(): Record<string, unknown>;
}

export interface TrainingSourceOptions {
  readonly synthetic: boolean;
  readonly dataDirs: readonly string[];
  /** Share of samples drawn from dataDirs when synthetic is on too. */
  readonly realFraction: number;
  /** Patient indices never to draw from dataDirs (lesions kept for evaluation). */
  readonly excludePatients: readonly number[];
  /** Where backgrounds for synthetic lesions come from (default: the shared data folder, else npm-shipped CT). */
  readonly sharedDir?: string | null;
  /** Rough-box protocols, one drawn per sample (default: the paper's only). */
  readonly boxProtocols?: readonly BoxProtocol[];
  /** Patient split of the mask folders among dataDirs: only patients of `part` are drawn (default part: train). */
  readonly split?: { readonly path: string; readonly part: SplitPart } | null;
}

interface LabeledLesion {
  readonly slice: () => CtSlice;
  readonly recist: Recist;
  /** The real segmentation on the key slice (mask folders): the LRP target. */
  readonly mask?: () => Uint8Array;
  readonly patient: string;
}

/** Mask-folder lesions (`image/` + masks, or `imagesTr/` + `labelsTr/`) of the split's part (all patients without a split). */
function maskFolderLesions(dir: string, split: TrainingSourceOptions['split']): LabeledLesion[] {
  const allowed = split ? new Set(readPatientSplit(split.path).parts[split.part]) : null;
  const folder = openMaskFolder(dir, { cases: (c) => !allowed || allowed.has(c.patientId) });
  return folder.lesions.map((l) => ({
    slice: () => folder.lesionSlice(l).slice,
    mask: () => folder.lesionSlice(l).mask,
    recist: l.recist,
    patient: l.patientId,
  }));
}

function folderLesions(dirs: readonly string[], exclude: ReadonlySet<number>, split: TrainingSourceOptions['split']): LabeledLesion[] {
  return dirs.flatMap((dir) => {
    if (isMaskFolder(dir)) return maskFolderLesions(dir, split);
    const folder = openDeepLesionFolder(dir, { cacheSize: 64 });
    return folder.records
      .filter((r) => !exclude.has(r.patientIndex) && folder.hasImage(r))
      .map((r) => ({ slice: () => folder.slice(r), recist: r.recist, patient: String(r.patientIndex) }));
  });
}

export async function createTrainingSource(o: TrainingSourceOptions): Promise<TrainingSource> {
  const lesions = folderLesions(o.dataDirs, new Set(o.excludePatients), o.split);
  if (!o.synthetic && lesions.length === 0) throw new Error('no training data: synthetic generation is off and the --data folders hold no usable lesions');
  const backgrounds = o.synthetic ? listBackgrounds({ sharedDir: o.sharedDir === undefined ? sharedDataDir() : o.sharedDir }) : [];
  if (o.synthetic && backgrounds.length === 0) throw new Error('no CT backgrounds found for synthetic lesions');
  const realShare = !o.synthetic ? 1 : lesions.length === 0 ? 0 : Math.min(1, Math.max(0, o.realFraction));
  const counts = { synthetic: 0, folder: 0 };
  const drawOne = (rng: Rng): Sample => {
    if (rng.next() < realShare) {
      const l = lesions[rng.int(lesions.length)];
      counts.folder++;
      return buildSample(l.slice(), l.recist, rng, { augment: true, boxProtocols: o.boxProtocols, mask: l.mask?.() });
    }
    const bg = backgrounds[rng.int(backgrounds.length)];
    const c = generateCase(bg, rng);
    counts.synthetic++;
    return buildSample(c.slice, c.recist, rng, { augment: true, boxProtocols: o.boxProtocols });
  };
  return {
    sample: (n, rng) => Array.from({ length: n }, () => drawOne(rng)),
    describe: () =>
      [o.synthetic ? `synthetic lesions on ${backgrounds.length} real CT backgrounds` : null,
        lesions.length ? `${lesions.length} lesions from ${o.dataDirs.join(', ')} (${Math.round(realShare * 100)}% of samples)` : null]
        .filter(Boolean).join(' + '),
    stats: () => ({
      syntheticSamples: counts.synthetic,
      folderSamples: counts.folder,
      folderLesions: lesions.length,
      folderMaskLesions: lesions.filter((l) => l.mask).length,
      folderPatients: [...new Set(lesions.map((l) => l.patient))].sort(),
      folders: o.dataDirs,
      split: o.split ?? null,
      excludedPatients: o.excludePatients,
      backgrounds: backgrounds.length,
    }),
  };
}
