/**
 * One model from two: the STN of one model folder and the SHN of another (both trained from the same parent, e.g. the
 * STN and SHN phases run side by side on one core each). The card is the STN model's, with the SHN model's training
 * runs added to its history, both as parents, and a new version.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readModelCard, type ModelCard } from './checkpoint.ts';
import { trainingHistory } from './train-run.ts';

export async function combineModels(stnDir: string, shnDir: string, outDir: string): Promise<ModelCard> {
  const a = await readModelCard(stnDir), b = await readModelCard(shnDir);
  if (JSON.stringify(a.config.shn) !== JSON.stringify(b.config.shn) || JSON.stringify(a.config.stn) !== JSON.stringify(b.config.stn)) {
    throw new Error(`${shnDir}: its architecture (config.stn / config.shn) differs from ${stnDir}'s: cannot combine`);
  }
  const seen = new Set(trainingHistory(a).map((r) => `${r.command}|${r.startedAt}`));
  const history = [...trainingHistory(a), ...trainingHistory(b).filter((r) => !seen.has(`${r.command}|${r.startedAt}`))];
  const createdAt = new Date().toISOString();
  const card: ModelCard = {
    ...a,
    version: `${a.preset}-${a.ablation}-${createdAt.replace(/[:.]/g, '-').slice(0, 19)}`,
    createdAt,
    parent: `${a.version} (stn) + ${b.version} (shn)`,
    training: {
      ...a.training,
      totalHours: history.reduce((s, r) => s + r.seconds, 0) / 3600,
      totalSamplesSeen: history.reduce((s, r) => s + r.samplesSeen, 0),
      history,
      combined: { stn: { dir: stnDir, version: a.version }, shn: { dir: shnDir, version: b.version } },
    },
    command: `recist models combine --stn ${stnDir} --shn ${shnDir} --out ${outDir}`,
  };
  const target = resolve(outDir);
  const tmp = join(dirname(target), `.${Date.now()}-combine`);
  mkdirSync(tmp, { recursive: true });
  cpSync(join(stnDir, 'stn'), join(tmp, 'stn'), { recursive: true });
  cpSync(join(shnDir, 'shn'), join(tmp, 'shn'), { recursive: true });
  writeFileSync(join(tmp, 'card.json'), JSON.stringify(card, null, 2) + '\n');
  if (existsSync(target)) rmSync(target, { recursive: true });
  renameSync(tmp, target);
  return card;
}
