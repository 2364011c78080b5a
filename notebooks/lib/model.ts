/**
 * Which model a notebook shows: models/default (the shipped, trained cascade) when it exists, else an UNTRAINED
 * `tiny` cascade (buildCascade(resolveConfig({ preset: 'tiny' }), { seed: 1 })) so the notebook still runs end to end — its
 * outputs then show the plumbing, not the method's accuracy, and the notebook says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load, REPO } from './project';
import type { Cascade } from '../.types/model/cascade';
import type { ModelCard } from '../.types/model/checkpoint';

const backend = load<typeof import('../.types/model/backend/index')>('model/backend/index.ts');
const checkpoint = load<typeof import('../.types/model/checkpoint')>('model/checkpoint.ts');
const cascadeMod = load<typeof import('../.types/model/cascade')>('model/cascade.ts');
const config = load<typeof import('../.types/model/config')>('model/config.ts');

export interface NotebookModel {
  readonly cascade: Cascade;
  readonly card: ModelCard | null;
  readonly version: string;
  readonly trained: boolean;
  readonly dir: string | null;
  readonly backend: string;
}

/** Model folders (with a card.json) under models/ (and `$RECIST_MODELS_DIR`), oldest first. */
export function modelDirs(): string[] {
  const roots = [path.join(REPO, 'models'), process.env.RECIST_MODELS_DIR].filter((r): r is string => !!r && fs.existsSync(r));
  return roots.flatMap((root) => fs.readdirSync(root).map((d) => path.join(root, d)))
    .filter((d) => fs.existsSync(path.join(d, 'card.json')) && fs.existsSync(path.join(d, 'shn', 'model.json')))
    .sort((a, b) => fs.statSync(path.join(a, 'card.json')).mtimeMs - fs.statSync(path.join(b, 'card.json')).mtimeMs);
}

/** Loads a model folder, or (dir = null) builds the untrained tiny cascade. */
export async function openModel(dir: string | null): Promise<NotebookModel> {
  const b = await backend.initBackend((process.env.RECIST_BACKEND as never) ?? 'auto');
  if (dir) {
    const { cascade, card } = await checkpoint.loadCheckpoint(dir);
    return { cascade, card, version: card.version, trained: true, dir, backend: b.detail };
  }
  const cascade = cascadeMod.buildCascade(config.resolveConfig({ preset: 'tiny' }), { seed: 1 });
  return { cascade, card: null, version: 'tiny-untrained', trained: false, dir: null, backend: b.detail };
}

/** `$RECIST_MODEL` (as for createMeasurer) or models/default when present, else the untrained tiny cascade. */
export async function openNotebookModel(): Promise<NotebookModel> {
  const dir = path.resolve(REPO, process.env.RECIST_MODEL ?? path.join('models', 'default'));
  return openModel(fs.existsSync(path.join(dir, 'card.json')) ? dir : null);
}

/** Markdown that says which model this is. */
export function modelNote(m: NotebookModel): string {
  if (m.trained && m.card) {
    const v = (m.card.metrics as { validation?: Record<string, unknown> }).validation;
    const val = v && typeof v.longLocPx === 'number' ? `; validation long-axis location error ${(v.longLocPx as number).toFixed(2)} px` : '';
    return `**Model:** \`${m.version}\` from \`${path.relative(REPO, m.dir ?? '')}\` (preset ${m.card.preset}, ablation ${m.card.ablation}${val}); backend ${m.backend}.`;
  }
  return `**Model: UNTRAINED \`tiny\` cascade** (models/default does not exist yet): randomly initialised weights, so the pseudo-masks, θ, heatmaps and marks below show the plumbing, not the method's accuracy. Re-run the notebook once models/default exists. Backend ${m.backend}.`;
}
