/**
 * `recist readers add NAME [--admin] | list | token NAME | admin NAME [--revoke]`: manage label-store readers (tokens
 * are printed once, stored hashed). The first reader of a store is its admin; admins may start fine-tunes, roll back
 * and manage readers from the UI and the API.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { LabelStore } from '../../server/store.ts';

const labelsDir = (o: { labels?: string }): string => resolve(o.labels ?? process.env.RECIST_LABELS ?? './labels');

export function register(program: Command): void {
  const readers = program.command('readers').description('manage readers of the label store');
  readers.command('add <name>')
    .description('create a reader and print its token (once; only a hash is stored); the first reader of a store is an admin')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('--admin', 'may start fine-tunes, roll back and manage readers')
    .action(async (name: string, o: { labels?: string; admin?: boolean }) => {
      const store = await LabelStore.open(labelsDir(o));
      const { token, reader } = await store.addReader(name, { admin: o.admin === true });
      console.log(`reader ${name} added to ${store.file}${reader.admin ? ' (admin)' : ''}`);
      console.log(`token: ${token}`);
    });
  readers.command('token <name>')
    .description('replace a reader\'s token (e.g. a lost one) and print the new one')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .action(async (name: string, o: { labels?: string }) => {
      const store = await LabelStore.open(labelsDir(o));
      console.log(`token: ${await store.rotateToken(name)}`);
    });
  readers.command('admin <name>')
    .description('make a reader an admin (or, with --revoke, no longer one; the last admin stays)')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .option('--revoke', 'take the admin rights back')
    .action(async (name: string, o: { labels?: string; revoke?: boolean }) => {
      const store = await LabelStore.open(labelsDir(o));
      await store.setAdmin(name, o.revoke !== true);
      console.log(`reader ${name} is ${o.revoke ? 'no longer an' : 'an'} admin`);
    });
  readers.command('list')
    .description('list readers and their label counts')
    .option('-l, --labels <dir>', 'label store folder (env RECIST_LABELS, default ./labels)')
    .action(async (o: { labels?: string }) => {
      const store = await LabelStore.open(labelsDir(o));
      const counts = new Map<string, number>();
      for (const l of store.labels()) counts.set(l.reader, (counts.get(l.reader) ?? 0) + 1);
      for (const r of store.readers()) console.log(`${r.name}\tcreated ${r.created}\t${counts.get(r.name) ?? 0} labels${store.isAdmin(r.name) ? '\tadmin' : ''}`);
      if (store.readers().length === 0) console.log('(no readers)');
    });
}
