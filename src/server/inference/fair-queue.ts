/**
 * Fair scheduling of model work: one queue per reader (a lane), served round-robin, so a reader who sends many boxes
 * never makes another wait behind all of them. A newer request for the same key in a lane (a reader's newer box for a
 * lesion) takes the older queued one's place, and the older one is answered `superseded`. Queues are bounded: a full
 * lane or a full queue answers `busy` at once, with a retry hint, instead of letting the request time out.
 * Plus a token bucket per lane for rate limits. Pure scheduling: no workers, no sockets (src/server/sockets.ts uses it).
 */

export type RefusalCode = 'busy' | 'superseded' | 'rate-limited';

/** A request the server did not run, and why; `retryAfterMs` when asking again later may work. */
export class RequestRefused extends Error {
  constructor(readonly code: RefusalCode, message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

export interface FairQueueOptions {
  /** How many requests may run at once (read at every dispatch: the measurer may change). */
  readonly concurrency: () => number;
  /** Queued (not yet running) requests per lane (default 4). */
  readonly perLane?: number;
  /** Queued requests in all (default 64). */
  readonly maxQueued?: number;
}

export interface QueueStats {
  readonly queued: number;
  readonly running: number;
  readonly lanes: number;
  /** Requests answered superseded / busy since the start. */
  readonly superseded: number;
  readonly busy: number;
  /** Moving average of a request's run time (ms), null before the first. */
  readonly avgRunMs: number | null;
}

interface Entry {
  readonly lane: string;
  readonly key: string | null;
  readonly run: () => Promise<unknown>;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

export class FairQueue {
  private readonly lanes = new Map<string, Entry[]>();
  /** Lanes with queued requests, in serving order: the head is served next, then goes to the back. */
  private readonly ring: string[] = [];
  private running = 0;
  private queued = 0;
  private supersededCount = 0;
  private busyCount = 0;
  private avgMs: number | null = null;
  private readonly perLane: number;
  private readonly maxQueued: number;

  constructor(private readonly o: FairQueueOptions) {
    this.perLane = Math.max(1, o.perLane ?? 4);
    this.maxQueued = Math.max(1, o.maxQueued ?? 64);
  }

  /**
   * Runs `run` when its turn comes. `key` (e.g. the lesion id) makes a newer request of the same lane and key replace
   * a queued older one. Rejects with `RequestRefused` (busy, superseded) without running it.
   */
  submit<T>(lane: string, key: string | null, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { lane, key, run, resolve: resolve as (v: unknown) => void, reject };
      let q = this.lanes.get(lane);
      const older = key === null || !q ? -1 : q.findIndex((e) => e.key === key);
      if (q && older >= 0) {
        const old = q[older];
        q[older] = entry;
        this.supersededCount++;
        old.reject(new RequestRefused('superseded', `superseded by a newer request for ${key} from ${lane}`));
        return;
      }
      if ((q?.length ?? 0) >= this.perLane || this.queued >= this.maxQueued) {
        this.busyCount++;
        const which = (q?.length ?? 0) >= this.perLane ? `${q!.length} requests from ${lane} are already waiting` : `${this.queued} requests are waiting`;
        reject(new RequestRefused('busy', `server busy (${which}); retry shortly`, this.retryAfterMs()));
        return;
      }
      if (!q) {
        q = [];
        this.lanes.set(lane, q);
      }
      if (q.length === 0) this.ring.push(lane);
      q.push(entry);
      this.queued++;
      this.pump();
    });
  }

  /** A guess of how long until a new request would run (ms). */
  retryAfterMs(): number {
    const per = this.avgMs ?? 250;
    return Math.max(50, Math.round((per * (this.queued + 1)) / Math.max(1, this.o.concurrency())));
  }

  stats(): QueueStats {
    return { queued: this.queued, running: this.running, lanes: this.ring.length, superseded: this.supersededCount, busy: this.busyCount, avgRunMs: this.avgMs };
  }

  private next(): Entry | null {
    while (this.ring.length > 0) {
      const lane = this.ring.shift()!;
      const q = this.lanes.get(lane);
      const e = q?.shift();
      if (!q || !e) { this.lanes.delete(lane); continue; }
      if (q.length > 0) this.ring.push(lane);
      else this.lanes.delete(lane);
      this.queued--;
      return e;
    }
    return null;
  }

  private pump(): void {
    while (this.running < Math.max(1, this.o.concurrency())) {
      const e = this.next();
      if (!e) return;
      this.running++;
      const t0 = performance.now();
      let p: Promise<unknown>;
      try { p = e.run(); } catch (err) { p = Promise.reject(err); }
      p.then(e.resolve, e.reject).finally(() => {
        const ms = performance.now() - t0;
        this.avgMs = this.avgMs === null ? ms : 0.8 * this.avgMs + 0.2 * ms;
        this.running--;
        this.pump();
      });
    }
  }
}

/** Token buckets per lane: `ratePerS` sustained, `burst` at once. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; t: number }>();
  constructor(readonly ratePerS: number, readonly burst: number, private readonly now: () => number = () => performance.now()) {
    if (!(ratePerS > 0) || !(burst >= 1)) throw new Error(`rate limit ${ratePerS}/s, burst ${burst}: expected a rate > 0 and a burst ≥ 1`);
  }

  /** 0 when allowed (a token is taken), else the ms until one is available. */
  take(lane: string): number {
    const t = this.now();
    const b = this.buckets.get(lane) ?? { tokens: this.burst, t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.t) / 1000) * this.ratePerS);
    b.t = t;
    this.buckets.set(lane, b);
    if (b.tokens >= 1) { b.tokens -= 1; return 0; }
    return Math.ceil(((1 - b.tokens) / this.ratePerS) * 1000);
  }
}
