/**
 * Where notebook output goes: tslab's `display` (PNG bytes, HTML, Markdown). Found without the caller's help: the
 * kernel's own copy of tslab (resolved from the running `tslab` executable, so the output reaches the running cell),
 * else the `tslab` this package resolves. Outside a tslab kernel, or for tests, {@link setDisplay} installs another sink.
 */
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';

/** The part of tslab's `Display` the helpers use. */
export interface DisplaySink {
  png(bytes: Uint8Array): void;
  html(html: string): void;
  markdown(markdown: string): void;
}

let sink: DisplaySink | null = null;

/** Sends every later `show`, `plot`, `table` and `markdown` output to `d` (null: find tslab again). */
export function setDisplay(d: DisplaySink | null): void {
  sink = d;
}

/** What this package reads of the tslab module. */
export interface TslabModule {
  readonly display?: DisplaySink;
  readonly versions?: { readonly tslab: string; readonly typescript: string; readonly node: string };
}

function tslabFrom(from: string): TslabModule | null {
  try {
    return createRequire(from)('tslab') as TslabModule;
  } catch {
    return null;
  }
}

/** The running kernel's tslab module (or the one this package resolves), null when there is none. */
export function tslabModule(): TslabModule | null {
  let kernel: string | null = null;
  try {
    kernel = process.argv[1] ? realpathSync(process.argv[1]) : null;
  } catch {
    kernel = null;
  }
  return (kernel ? tslabFrom(kernel) : null) ?? tslabFrom(import.meta.url);
}

/** The current sink; throws when none was set and tslab cannot be loaded. */
export function display(): DisplaySink {
  if (sink) return sink;
  const found = tslabModule()?.display ?? null;
  if (!found) throw new Error('recist-cascade/notebook: no display: run inside a tslab kernel (npm i -D tslab) or call setDisplay({ png, html, markdown })');
  sink = found;
  return found;
}

/** Displays Markdown. */
export function markdown(text: string): void {
  display().markdown(text);
}
