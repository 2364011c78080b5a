/**
 * A real Orthanc (Debian's `orthanc` + `orthanc-dicomweb`) for tests: started on a free localhost port with a temp
 * storage folder and config, basic auth on, the DICOM listener off. `skipOrthanc` says why a test cannot run here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** false when Orthanc and its DICOMweb plugin are installed, else the reason (apt-get install orthanc orthanc-dicomweb). */
export const skipOrthanc: false | string = !existsSync(ORTHANC_BIN) ? `no Orthanc at ${ORTHANC_BIN} (apt-get install orthanc)`
  : !existsSync(DICOMWEB_PLUGIN) ? `no DICOMweb plugin at ${DICOMWEB_PLUGIN} (apt-get install orthanc-dicomweb)` : false;

export interface Orthanc {
  /** REST root, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** DICOMweb root (url + /dicom-web). */
  readonly dicomweb: string;
  readonly user: string;
  readonly password: string;
  /** REST API call with the credentials; JSON answer. */
  rest<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  /** Uploads a Part 10 file through POST /instances. */
  upload(bytes: Uint8Array): Promise<{ ID: string; ParentStudy: string; ParentPatient: string }>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startOrthanc(): Promise<Orthanc> {
  const dir = mkdtempSync(join(tmpdir(), 'recist-orthanc-'));
  const port = await freePort();
  const user = 'recist', password = `pw-${Math.random().toString(36).slice(2)}`;
  const config = {
    Name: 'recist-test', StorageDirectory: join(dir, 'db'), IndexDirectory: join(dir, 'db'), HttpPort: port, HttpServerEnabled: true,
    DicomServerEnabled: false, RemoteAccessAllowed: false, AuthenticationEnabled: true, RegisteredUsers: { [user]: password },
    Plugins: [DICOMWEB_PLUGIN], DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
    HttpCompressionEnabled: false, StorageCompression: false, ConcurrentJobs: 1, HttpThreadsCount: 8,
  };
  writeFileSync(join(dir, 'orthanc.json'), JSON.stringify(config));
  const child: ChildProcess = spawn(ORTHANC_BIN, [join(dir, 'orthanc.json')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const rest = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { Authorization: auth, ...(init.headers ?? {}) } });
    const text = await res.text();
    if (!res.ok) throw new Error(`Orthanc ${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}) at start: ${stderr}`);
    try {
      await rest('/system');
      break;
    } catch {
      if (Date.now() - t0 > 30_000) {
        child.kill('SIGKILL');
        throw new Error(`Orthanc did not answer on ${url} within 30 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return {
    url, dicomweb: `${url}/dicom-web`, user, password, rest,
    upload: (bytes) => rest('/instances', { method: 'POST', body: new Uint8Array(bytes) as unknown as BodyInit, headers: { 'Content-Type': 'application/dicom' } }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a file for upload. */
export const fileBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
