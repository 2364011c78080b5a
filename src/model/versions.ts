/**
 * Model versions of one site: `<labels dir>/models/vNNNN/` (each a checkpoint folder with its card, written by
 * `saveCheckpoint`: temp folder + rename) and `active.json`, the pointer to the version that serves proposals,
 * replaced atomically (temp file + rename). A version folder is never modified after it is written; promotion and
 * rollback only rewrite the pointer, so a crash at any point leaves either the old or the new pointer.
 *
 *   models/
 *     active.json   { format, version: "v0003", history: ["v0001", "v0003"], events: [...] }
 *     v0001/        the starting model (a copy of models/default, see `ensureBaseVersion`)
 *     v0002/        a fine-tuned version that was promoted, then rolled back, ...
 */
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Cascade } from './cascade.ts';
import { readModelCard, saveCheckpoint, type ModelCard } from './checkpoint.ts';

export const ACTIVE_FILE = 'active.json';
const NAME = /^v(\d{4,})$/;

export interface VersionEvent {
  readonly time: string;
  readonly action: 'promote' | 'rollback';
  readonly version: string;
  readonly reason?: string;
}

export interface ActivePointer {
  readonly format: 'recist-active/1';
  /** The active version folder name (e.g. `v0003`). */
  readonly version: string;
  /** Promoted versions, oldest first; the last is `version`. Rollback pops it. */
  readonly history: readonly string[];
  readonly events: readonly VersionEvent[];
}

export interface VersionInfo {
  readonly name: string;
  readonly dir: string;
  readonly card: ModelCard;
  readonly active: boolean;
}

/** The versions folder of a label store folder. */
export const versionsRoot = (labelsDir: string): string => join(resolve(labelsDir), 'models');

/** Write a file atomically: temp file in the same folder, then rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** The active pointer, or null when none was written yet. Throws naming the file when it is malformed. */
export async function readActive(root: string): Promise<ActivePointer | null> {
  const path = join(root, ACTIVE_FILE);
  if (!existsSync(path)) return null;
  const raw = await readFile(path, 'utf8');
  let p: Partial<ActivePointer>;
  try {
    p = JSON.parse(raw) as Partial<ActivePointer>;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (p.format !== 'recist-active/1') throw new Error(`${path}: field format is ${JSON.stringify(p.format)}, expected "recist-active/1"`);
  if (typeof p.version !== 'string' || !NAME.test(p.version)) throw new Error(`${path}: field version is ${JSON.stringify(p.version)}, expected vNNNN`);
  if (!Array.isArray(p.history) || p.history[p.history.length - 1] !== p.version) throw new Error(`${path}: field history must end with the active version ${p.version}`);
  return { format: p.format, version: p.version, history: p.history, events: Array.isArray(p.events) ? p.events : [] };
}

async function writeActive(root: string, p: ActivePointer): Promise<void> {
  await mkdir(root, { recursive: true });
  await writeFileAtomic(join(root, ACTIVE_FILE), JSON.stringify(p, null, 2) + '\n');
}

/** Version folder names present (complete ones only: temp folders start with a dot), ascending. */
export function versionNames(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && NAME.test(d.name) && existsSync(join(root, d.name, 'card.json')))
    .map((d) => d.name)
    .sort((a, b) => Number(NAME.exec(a)![1]) - Number(NAME.exec(b)![1]));
}

export async function listVersions(root: string): Promise<VersionInfo[]> {
  const active = (await readActive(root))?.version ?? null;
  return Promise.all(versionNames(root).map(async (name) => ({ name, dir: join(root, name), card: await readModelCard(join(root, name)), active: name === active })));
}

/** The active version (null when there is no pointer yet). */
export async function activeVersion(root: string): Promise<VersionInfo | null> {
  const p = await readActive(root);
  if (!p) return null;
  const dir = join(root, p.version);
  if (!existsSync(join(dir, 'card.json'))) throw new Error(`${join(root, ACTIVE_FILE)}: active version ${p.version} has no model folder ${dir}`);
  return { name: p.version, dir, card: await readModelCard(dir), active: true };
}

/** The next free version name. */
export function nextVersionName(root: string): string {
  const used = existsSync(root) ? readdirSync(root).map((n) => NAME.exec(n.replace(/^\.|\.tmp-.*$/g, ''))?.[1]).filter(Boolean).map(Number) : [];
  const n = used.length ? Math.max(...used) + 1 : 1;
  return `v${String(n).padStart(4, '0')}`;
}

/** Save a cascade as a new (not yet active) version; returns its name. Atomic (see saveCheckpoint). */
export async function saveVersion(root: string, cascade: Cascade, card: ModelCard, name = nextVersionName(root)): Promise<string> {
  if (!NAME.test(name)) throw new Error(`saveVersion: name ${JSON.stringify(name)} is not vNNNN`);
  if (existsSync(join(root, name))) throw new Error(`saveVersion: ${join(root, name)} already exists`);
  await mkdir(root, { recursive: true });
  await saveCheckpoint(cascade, card, join(root, name));
  return name;
}

/** Make `name` the active version (pointer rewritten atomically). */
export async function promote(root: string, name: string, reason?: string): Promise<ActivePointer> {
  if (!versionNames(root).includes(name)) throw new Error(`promote: no version ${name} in ${root}`);
  const prev = await readActive(root);
  if (prev?.version === name) return prev;
  const next: ActivePointer = {
    format: 'recist-active/1', version: name,
    history: [...(prev?.history ?? []).filter((v) => v !== name), name],
    events: [...(prev?.events ?? []), { time: new Date().toISOString(), action: 'promote', version: name, ...(reason ? { reason } : {}) }],
  };
  await writeActive(root, next);
  return next;
}

/** Back to the previously promoted version; the version folder rolled back from stays on disk. */
export async function rollback(root: string, reason?: string): Promise<ActivePointer> {
  const prev = await readActive(root);
  if (!prev) throw new Error(`rollback: ${join(root, ACTIVE_FILE)} does not exist (no versions yet)`);
  if (prev.history.length < 2) throw new Error(`rollback: ${prev.version} is the first promoted version; nothing to roll back to`);
  const history = prev.history.slice(0, -1);
  const target = history[history.length - 1];
  if (!versionNames(root).includes(target)) throw new Error(`rollback: previous version ${target} has no folder in ${root}`);
  const next: ActivePointer = {
    format: 'recist-active/1', version: target, history,
    events: [...prev.events, { time: new Date().toISOString(), action: 'rollback', version: target, reason: reason ?? `rolled back from ${prev.version}` }],
  };
  await writeActive(root, next);
  return next;
}

/**
 * With no versions yet, copy `baseModelDir` (e.g. models/default) in as v0001 and make it active, so every site
 * model is a version one can roll back to. Returns the active version.
 */
export async function ensureBaseVersion(root: string, baseModelDir: string): Promise<VersionInfo> {
  const current = await activeVersion(root);
  if (current) return current;
  await readModelCard(baseModelDir); // throws naming the folder when it is not a model
  await mkdir(root, { recursive: true });
  const name = versionNames(root)[0] ?? nextVersionName(root);
  if (!existsSync(join(root, name))) {
    const tmp = join(root, `.${name}.tmp-${process.pid}-${Date.now()}`);
    await cp(baseModelDir, tmp, { recursive: true });
    await rename(tmp, join(root, name));
  }
  await promote(root, name, `base model copied from ${resolve(baseModelDir)}`);
  return (await activeVersion(root))!;
}

/** Remove temp folders/files left by a killed writer (names starting with `.v` or containing `.tmp-`). */
export function cleanStale(root: string): string[] {
  if (!existsSync(root)) return [];
  const stale = readdirSync(root).filter((n) => /^\.v\d+\.tmp-/.test(n) || /\.tmp-\d+/.test(n) || /\.old-\d+/.test(n));
  for (const n of stale) {
    const trash = join(root, `.trash-${n}`);
    try { renameSync(join(root, n), trash); } catch { continue; }
    void rm(trash, { recursive: true, force: true });
  }
  return stale;
}
