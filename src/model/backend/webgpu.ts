/**
 * The `webgpu` backend in Node through the npm `webgpu` package (Dawn, Vulkan underneath).
 *
 * An adapter is requested first (with a timeout, so a broken driver cannot hang start-up); only when
 * one exists is `navigator.gpu` installed and @tensorflow/tfjs-backend-webgpu imported (it reads
 * `navigator.gpu` at import). Needs a Vulkan driver: on NVIDIA, Debian's libvulkan1 + the GL dispatch
 * libraries and `VK_DRIVER_FILES` pointing at nvidia_icd.json (see docs in shared engine notes).
 * Dawn itself may print a warning on stderr (e.g. "Couldn't load Vulkan") when there is no driver.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

const ADAPTER_TIMEOUT_MS = 15_000;

/** The parts of the `webgpu` package used here. */
interface WebgpuModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Put `gpu` where tfjs looks for it (`navigator.gpu`), on Node 20 (no navigator) and 21+ (one exists). */
function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if ((g.navigator as { gpu?: GPU }).gpu !== gpu) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

/** A readable adapter name, e.g. "NVIDIA H100 80GB HBM3 (nvidia, vulkan)". */
function describeAdapter(adapter: GPUAdapter): string {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  if (!info) return 'unknown adapter';
  const name = info.description || info.device || info.architecture || 'unknown adapter';
  const extra = [info.vendor, (info as GPUAdapterInfo & { backendType?: string }).backendType].filter(Boolean);
  return extra.length ? `${name} (${extra.join(', ')})` : name;
}

/** Activate `webgpu`; returns the detail line or throws saying why (package, adapter, backend start). */
/** Whether a Vulkan loader can be found (Dawn prints a native warning on every probe when it cannot). */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', ...(process.env.LD_LIBRARY_PATH ?? '').split(':')];
  return dirs.some((d) => d && existsSync(`${d}/libvulkan.so.1`));
}

export async function initWebgpu(): Promise<string> {
  if (!vulkanLoaderPresent()) throw new Error("backend 'webgpu' unavailable: no Vulkan loader (libvulkan.so.1; install Debian's libvulkan1 and the GPU's Vulkan driver)");
  let mod: WebgpuModule;
  try {
    mod = (await import('webgpu')) as unknown as WebgpuModule;
  } catch (e) {
    throw new Error(`backend 'webgpu' unavailable: npm package 'webgpu' (Dawn) failed to load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const gpu = mod.create([]);
  const adapter = await timeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), ADAPTER_TIMEOUT_MS, 'webgpu requestAdapter');
  if (!adapter) {
    throw new Error(
      "backend 'webgpu' unavailable: no GPU adapter found (Dawn found no usable Vulkan device; needs libvulkan1, " +
        'the GL dispatch libraries and VK_DRIVER_FILES pointing at the driver ICD)',
    );
  }
  const detail = describeAdapter(adapter);
  Object.assign(globalThis, mod.globals);
  installNavigatorGpu(gpu);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error(`backend 'webgpu' failed to start on ${detail}`);
  const check = await tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))).data();
  if (check[0] !== 4 || check[1] !== 6) throw new Error(`backend 'webgpu' self-check failed on ${detail}: got [${Array.from(check)}]`);
  return `webgpu (${detail})`;
}
