/** `recist models combine --stn A --shn B --out C`, `recist models list|rollback [--labels DIR]`: the site's model versions (`<labels>/models`, src/model/versions.ts). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { listVersions, readActive, rollback, versionsRoot } from '../../model/versions.ts';

const labelsDir = (o: { labels?: string }): string => resolve(o.labels ?? process.env.RECIST_LABELS ?? './labels');

const fmt = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '—');

export function register(program: Command): void {
  const models = program.command('models').description('list the site\'s fine-tuned model versions, or roll back to the previous one');
  models.command('combine')
    .description("one model folder from the STN of one and the SHN of another (same architecture; the card keeps both lineages' training runs)")
    .requiredOption('--stn <dir>', 'model folder whose STN (and card) is taken')
    .requiredOption('--shn <dir>', 'model folder whose SHN is taken')
    .requiredOption('--out <dir>', 'model folder to write (replaced)')
    .action(async (o: { stn: string; shn: string; out: string }) => {
      const { combineModels } = await import('../../model/combine.ts');
      const card = await combineModels(o.stn, o.shn, o.out);
      console.log(`${o.out}: ${card.version} (${(card.training as { totalHours: number }).totalHours.toFixed(2)} h of training in its lineage)`);
    });
  models.command('list')
    .description('versions under <labels>/models with parent, date and held-out long-axis error; * = active')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .action(async (o: { labels?: string }) => {
      const root = versionsRoot(labelsDir(o));
      const versions = await listVersions(root);
      if (versions.length === 0) {
        console.log(`no model versions in ${root} (the first fine-tune job copies the base model in as v0001)`);
        return;
      }
      console.log('   version  created              long-axis loc. px (before → after)  model version  (parent)');
      for (const v of versions) {
        const m = v.card.metrics as { validation?: { longLocPx?: number; n?: number }; validationBefore?: { longLocPx?: number } };
        const err = m.validationBefore ? `${fmt(m.validationBefore.longLocPx)} → ${fmt(m.validation?.longLocPx)} (n=${m.validation?.n ?? 0})` : '';
        console.log(`${v.active ? '*' : ' '}  ${v.name.padEnd(7)}  ${v.card.createdAt.slice(0, 19)}  ${err.padEnd(36)}  ${v.card.version}${v.card.parent ? `  (${v.card.parent})` : ''}`);
      }
      const pointer = await readActive(root);
      const lastEvent = pointer?.events[pointer.events.length - 1];
      if (lastEvent) console.log(`\nlast change: ${lastEvent.action} ${lastEvent.version} at ${lastEvent.time}${lastEvent.reason ? ` — ${lastEvent.reason}` : ''}`);
    });
  models.command('rollback')
    .description('make the previously promoted version active again (a running server picks it up on its next model reload)')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('-r, --reason <text>', 'recorded in active.json')
    .action(async (o: { labels?: string; reason?: string }) => {
      const root = versionsRoot(labelsDir(o));
      const before = (await readActive(root))?.version;
      try {
        const p = await rollback(root, o.reason);
        console.log(`active model: ${before} → ${p.version} (a running server loads it with its next model reload, or use POST /api/finetune/rollback)`);
      } catch (err) {
        console.error(`recist models rollback: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
      }
    });
}
