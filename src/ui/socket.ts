/**
 * The socket.io client: one connection per signed-in reader (the HttpOnly cookie set at sign-in authenticates the
 * handshake), requests as promises of their `{error} | {data}` ack, and the server's broadcasts handed to the caller.
 */
import { io } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../server/events.ts';
import { state, type ClientSocket } from './state.ts';

/** Sends a request and resolves with the ack's data; rejects with the ack's error or after 15 s without an answer. */
export function emit<T>(event: keyof ClientToServerEvents, ...args: unknown[]): Promise<T> {
  const s = state.socket;
  if (!s) return Promise.reject(new Error('not connected'));
  return new Promise((resolve, reject) => {
    (s.timeout(15000) as unknown as { emit: (e: string, ...a: unknown[]) => void }).emit(event, ...args, (err: Error | null, res: Ack<T>) => {
      if (err) reject(new Error(`${event}: no answer from the server`));
      else if ('error' in res) reject(new Error(res.error));
      else resolve(res.data);
    });
  });
}

/** What the UI does on the connection's events and the server's broadcasts. */
export interface SocketHandlers {
  readonly connected: () => void;
  readonly connectError: (err: Error) => void;
  readonly broadcasts: { readonly [E in keyof ServerToClientEvents]: ServerToClientEvents[E] };
}

/** Opens the connection (same origin, websocket only) and keeps it in `state.socket`. */
export function connect(handlers: SocketHandlers): ClientSocket {
  const socket: ClientSocket = io({ transports: ['websocket'], withCredentials: true });
  state.socket = socket;
  socket.on('connect', handlers.connected);
  socket.on('connect_error', handlers.connectError);
  for (const event of Object.keys(handlers.broadcasts) as (keyof ServerToClientEvents)[]) {
    (socket.on as (e: string, f: (...a: never[]) => void) => void)(event, handlers.broadcasts[event] as (...a: never[]) => void);
  }
  return socket;
}
