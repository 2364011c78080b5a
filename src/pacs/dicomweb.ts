/**
 * A DICOMweb client for a PACS (Orthanc, dcm4chee, a cloud DICOM store): QIDO-RS searches, WADO-RS instance
 * retrieval and STOW-RS stores through dicomweb-client (the client OHIF uses), each request with a timeout and
 * retries (network errors, timeouts, 5xx, 429; never other 4xx), and errors that say what failed in plain words.
 *
 * Credentials come from the environment only (`dicomwebAuthFromEnv`): RECIST_DICOMWEB_TOKEN (a bearer token) or
 * RECIST_DICOMWEB_USER + RECIST_DICOMWEB_PASSWORD (basic auth). They are sent as an Authorization header and never
 * appear in messages or logs; a URL with credentials in it is refused.
 */
import dicomweb from 'dicomweb-client';
import type { DicomJson } from './dcmjs.ts';
import { FetchXhr } from './xhr.ts';

export type DicomwebAuth = { readonly token: string } | { readonly user: string; readonly password: string };

export interface DicomwebOptions {
  /** Base URL of the DICOMweb service, e.g. http://pacs:8042/dicom-web. */
  readonly url: string;
  readonly auth?: DicomwebAuth | null;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
  /** Further tries after a failed one (default 2). */
  readonly retries?: number;
  /** Wait before the first retry, doubled for each next one (default 500 ms). */
  readonly retryDelayMs?: number;
  /** One line per retry. */
  readonly log?: (line: string) => void;
}

/** A failed DICOMweb request; `status` is the HTTP status (0: no answer). */
export class DicomwebError extends Error {
  constructor(message: string, readonly status: number, readonly retryable: boolean) {
    super(message);
    this.name = 'DicomwebError';
  }
}

/** RECIST_DICOMWEB_TOKEN, or RECIST_DICOMWEB_USER and RECIST_DICOMWEB_PASSWORD; null when none is set. */
export function dicomwebAuthFromEnv(env: NodeJS.ProcessEnv = process.env): DicomwebAuth | null {
  const token = env.RECIST_DICOMWEB_TOKEN?.trim();
  if (token) return { token };
  const user = env.RECIST_DICOMWEB_USER;
  if (user !== undefined && user !== '') {
    if (env.RECIST_DICOMWEB_PASSWORD === undefined) throw new Error('RECIST_DICOMWEB_USER is set but RECIST_DICOMWEB_PASSWORD is not');
    return { user, password: env.RECIST_DICOMWEB_PASSWORD };
  }
  return null;
}

/** Checks and normalizes a DICOMweb base URL (http/https, no credentials, no trailing slash). */
export function dicomwebUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--dicomweb ${JSON.stringify(text.slice(0, 200))}: not a URL (expected e.g. http://localhost:8042/dicom-web)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--dicomweb: protocol ${u.protocol} not supported (http or https)`);
  if (u.username || u.password) {
    throw new Error('--dicomweb: the URL carries credentials; set RECIST_DICOMWEB_USER and RECIST_DICOMWEB_PASSWORD (or RECIST_DICOMWEB_TOKEN) instead');
  }
  u.hash = '';
  return u.toString().replace(/\/+$/, '');
}

interface RawClient {
  searchForStudies(o: { queryParams?: Record<string, string>; request: object }): Promise<DicomJson[]>;
  searchForSeries(o: { studyInstanceUID: string; queryParams?: Record<string, string>; request: object }): Promise<DicomJson[]>;
  searchForInstances(o: { studyInstanceUID: string; seriesInstanceUID: string; queryParams?: Record<string, string>; request: object }): Promise<DicomJson[]>;
  retrieveInstance(o: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string; request: object }): Promise<ArrayBuffer>;
  storeInstances(o: { datasets: ArrayBuffer[]; studyInstanceUID?: string; request: object }): Promise<unknown>;
}

export interface DicomwebClient {
  /** The base URL (no credentials). */
  readonly url: string;
  searchStudies(query?: Record<string, string>): Promise<DicomJson[]>;
  searchSeries(study: string, query?: Record<string, string>): Promise<DicomJson[]>;
  searchInstances(study: string, series: string, query?: Record<string, string>): Promise<DicomJson[]>;
  /** The instance's Part 10 bytes. */
  retrieveInstance(study: string, series: string, sop: string): Promise<Uint8Array>;
  /** Stores Part 10 instances in `study` (STOW-RS); throws when the server reports any of them failed. */
  store(study: string, instances: readonly Uint8Array[]): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createDicomwebClient(opts: DicomwebOptions): DicomwebClient {
  const url = dicomwebUrl(opts.url);
  const timeoutMs = opts.timeoutMs ?? 30_000, retries = opts.retries ?? 2, delay = opts.retryDelayMs ?? 500;
  const headers: Record<string, string> = {};
  if (opts.auth && 'token' in opts.auth) headers.Authorization = `Bearer ${opts.auth.token}`;
  else if (opts.auth) headers.Authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`, 'utf8').toString('base64')}`;
  // verbose off: dicomweb-client would print failed requests (with their headers) to the console
  const raw = new dicomweb.api.DICOMwebClient({ url, headers, verbose: false } as never) as unknown as RawClient;

  const describe = (what: string, xhr: FetchXhr, tries: number): DicomwebError => {
    const after = tries > 1 ? ` (${tries} tries)` : '';
    if (xhr.status === 0) {
      if (xhr.failure === 'timeout') return new DicomwebError(`DICOMweb server ${url}: no answer to ${what} within ${timeoutMs / 1000} s${after}`, 0, true);
      return new DicomwebError(`DICOMweb server ${url} unreachable for ${what}: ${xhr.failure ?? 'network error'}${after}`, 0, true);
    }
    if (xhr.status === 401 || xhr.status === 403) {
      return new DicomwebError(`DICOMweb server ${url} refused ${what} (HTTP ${xhr.status}): ${opts.auth ? 'the credentials from RECIST_DICOMWEB_TOKEN / RECIST_DICOMWEB_USER are not accepted' : 'it needs credentials; set RECIST_DICOMWEB_TOKEN or RECIST_DICOMWEB_USER and RECIST_DICOMWEB_PASSWORD'}`, xhr.status, false);
    }
    const retryable = xhr.status >= 500 || xhr.status === 429;
    return new DicomwebError(`DICOMweb server ${url}: ${what} failed with HTTP ${xhr.status}${after}`, xhr.status, retryable);
  };

  async function call<T>(what: string, fn: (request: { instance: FetchXhr; responseType?: string }) => Promise<T>, responseType?: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const xhr = new FetchXhr(timeoutMs);
      try {
        return await fn({ instance: xhr, ...(responseType ? { responseType } : {}) });
      } catch (err) {
        if (xhr.readyState !== 4) throw err; // not an HTTP failure (a bug or a decoding error): no retry
        const e = describe(what, xhr, attempt + 1);
        if (!e.retryable || attempt >= retries) throw e;
        opts.log?.(`${e.message}; retrying in ${delay * 2 ** attempt} ms`);
        await sleep(delay * 2 ** attempt);
      }
    }
  }
  const list = (v: unknown): DicomJson[] => (Array.isArray(v) ? (v as DicomJson[]) : []);

  return {
    url,
    async searchStudies(query) {
      return list(await call('the study search (QIDO-RS)', (request) => raw.searchForStudies({ queryParams: query, request })));
    },
    async searchSeries(study, query) {
      return list(await call(`the series search of study ${study} (QIDO-RS)`, (request) => raw.searchForSeries({ studyInstanceUID: study, queryParams: query, request })));
    },
    async searchInstances(study, series, query) {
      return list(await call(`the instance search of series ${series} (QIDO-RS)`, (request) => raw.searchForInstances({ studyInstanceUID: study, seriesInstanceUID: series, queryParams: query, request })));
    },
    async retrieveInstance(study, series, sop) {
      const part = await call(`instance ${sop} (WADO-RS)`, (request) => raw.retrieveInstance({ studyInstanceUID: study, seriesInstanceUID: series, sopInstanceUID: sop, request }));
      if (!(part instanceof ArrayBuffer) || part.byteLength === 0) throw new DicomwebError(`DICOMweb server ${url}: instance ${sop} (WADO-RS) came back empty`, 200, false);
      return new Uint8Array(part);
    },
    async store(study, instances) {
      const datasets = instances.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      const answer = await call(`storing ${instances.length} instance(s) in study ${study} (STOW-RS)`,
        (request) => raw.storeInstances({ datasets, studyInstanceUID: study, request }), 'json') as DicomJson | null;
      const failed = answer?.['00081198']?.Value ?? [];
      if (failed.length > 0) {
        const reasons = (failed as DicomJson[]).map((f) => `${String(f['00081155']?.Value?.[0] ?? '?')}: reason ${String(f['00081197']?.Value?.[0] ?? '?')}`);
        throw new DicomwebError(`DICOMweb server ${url}: STOW-RS refused ${failed.length} instance(s) (${reasons.join('; ')})`, 200, false);
      }
    },
  };
}
