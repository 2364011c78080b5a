/**
 * The XMLHttpRequest subset dicomweb-client drives, over Node's fetch: one instance per request, handed to the client
 * as `request.instance` (nothing global is patched). Adds what XMLHttpRequest lacks for a server: a per-request
 * timeout (AbortController) and the network error's cause, kept for the error message.
 */
export class FetchXhr {
  readyState = 0;
  status = 0;
  responseType: '' | 'json' | 'arraybuffer' | 'text' = '';
  response: unknown = null;
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  onloadstart: (() => void) | null = null;
  onloadend: (() => void) | null = null;
  onprogress: ((e: unknown) => void) | null = null;
  /** Why no HTTP answer came: 'timeout' or the network error's text; null when one came. */
  failure: string | null = null;
  private method = 'GET';
  private url = '';
  private readonly requestHeaders = new Headers();
  private responseHeaders: Headers | null = null;

  constructor(private readonly timeoutMs: number) {}

  open(method: string, url: string): void {
    this.method = method.toUpperCase();
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.requestHeaders.set(name, value);
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders?.get(name) ?? null;
  }

  getAllResponseHeaders(): string {
    if (!this.responseHeaders) return '';
    return [...this.responseHeaders.entries()].map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }

  send(body?: ArrayBuffer | Uint8Array | string | null): void {
    void this.run(body ?? undefined);
  }

  private async run(body: ArrayBuffer | Uint8Array | string | undefined): Promise<void> {
    this.onloadstart?.();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      const res = await fetch(this.url, { method: this.method, headers: this.requestHeaders, body: body as BodyInit | undefined, signal: abort.signal, redirect: 'error' });
      this.status = res.status;
      this.responseHeaders = res.headers;
      const buf = await res.arrayBuffer();
      if (this.responseType === 'arraybuffer') this.response = buf;
      else {
        const text = new TextDecoder().decode(buf);
        if (this.responseType === 'json') {
          try { this.response = text ? JSON.parse(text) : null; } catch { this.response = null; }
        } else this.response = text;
      }
    } catch (err) {
      this.status = 0;
      this.failure = abort.signal.aborted ? 'timeout' : networkCause(err);
    } finally {
      clearTimeout(timer);
    }
    this.readyState = 4;
    this.onreadystatechange?.();
    this.onloadend?.();
  }
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
