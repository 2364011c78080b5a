/** Helpers for the load and fault tests: fork the server child, ask its RSS, connect socket.io readers. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/server/events.ts';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
export const SERVER_CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ChildServer {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly pid: number;
  rss(): Promise<number>;
  /** Graceful close (flushes the store). */
  close(): Promise<void>;
  /** kill -9; resolves when the process is gone. */
  kill9(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export async function startChildServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildServer> {
  const proc = fork(SERVER_CHILD, [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  proc.setMaxListeners(200); // one short-lived listener per rss() request; the sampler may have several in flight
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-20_000); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.once('exit', (code, signal) => res({ code, signal })));
  const ready = await new Promise<{ url: string; pid: number }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server child did not start within ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    proc.on('message', (m: { type?: string; url?: string; pid?: number }) => {
      if (m?.type === 'ready') { clearTimeout(timer); res({ url: m.url!, pid: m.pid! }); }
    });
    void exited.then((e) => { clearTimeout(timer); rej(new Error(`server child exited (${e.code ?? e.signal}) before it was ready: ${err.slice(-2000)}`)); });
  });
  return {
    proc, url: ready.url, pid: ready.pid, exited, stderr: () => err,
    rss: () => new Promise<number>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no rss answer')), 10_000);
      const on = (m: { type?: string; rss?: number }) => {
        if (m?.type !== 'rss') return;
        clearTimeout(timer);
        proc.off('message', on);
        res(m.rss!);
      };
      proc.on('message', on);
      proc.send({ type: 'rss' });
    }),
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'close' });
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function reader(url: string, name: string, token: string): Client {
  return connect(url, { transports: ['websocket'], auth: { name, token }, reconnection: false, forceNew: true, timeout: 20_000 });
}

export const connected = (c: Client): Promise<void> =>
  new Promise((res, rej) => { c.once('connect', () => res()); c.once('connect_error', rej); });

/** emitWithAck with a timeout; resolves the ack ({ data } | { error }). */
export function ask<T = any>(c: Client, timeoutMs: number, event: string, ...args: unknown[]): Promise<T> {
  return (c as any).timeout(timeoutMs).emitWithAck(event, ...args);
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}
