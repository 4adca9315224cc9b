// WebGPU in this Node test process: Dawn (the npm `webgpu` package, a devDependency) on
// SwiftShader, the CPU Vulkan driver that Debian's chromium package ships (CI installs chromium
// for the e2e tests). Correct, and far too slow to time anything. The GPU benchmarks do the same
// through ../shared/tools/webgpu-device/shim.mjs, which is outside this repository; the two
// workarounds below are the ones it documents. Missing pieces fail with the reason: a GPU test
// that skipped itself would prove nothing.
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';

const CHROMIUM_LIB = '/usr/lib/chromium';
const RTLD_NODELETE = 0x1000; // glibc; node:os names only the other dlopen flags

/** onnxruntime-web's WebGPU build on a SwiftShader adapter. Call `stop()` when done. */
export async function webgpuOnSwiftShader() {
  const icd = resolve(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) throw new Error(`${icd} is missing: install Debian's chromium package (it ships SwiftShader's Vulkan driver)`);
  // Dawn loads libvulkan.so.1 by name, and the only one is chromium's, outside the library path
  // (fixed once a process runs). Loaded first by its full path and kept loaded, Dawn's load finds
  // it. Node then throws, as the library is no Node addon.
  try {
    process.dlopen({ exports: {} }, resolve(CHROMIUM_LIB, 'libvulkan.so.1'), constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
  } catch (e) {
    if (!/self-register/i.test((e as Error).message)) throw e;
  }
  process.env.VK_ICD_FILENAMES = icd; // read when Dawn creates its Vulkan instance
  const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  // onnxruntime-web's first WebGPU run waits ~30 s for promises that are not delivered while
  // Node's event loop sleeps; a timer that keeps it turning avoids that (see the shim's README)
  const keepAlive = setInterval(() => undefined, 2);
  const g = globalThis as { navigator?: object };
  g.navigator ??= {}; // Node 20 has none
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  // Dawn's writeBuffer refuses views on SharedArrayBuffer, which the threaded wasm build passes
  const queueProto = (globals as { GPUQueue: { prototype: GPUQueue } }).GPUQueue.prototype;
  const writeBuffer = queueProto.writeBuffer;
  queueProto.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: ArrayBufferView | ArrayBufferLike, dataOffset = 0, size?: number) {
    // onnxruntime-web's JSEP build (the page's) passes the wasm heap itself (a SharedArrayBuffer)
    // with a byte offset and size; Dawn's binding takes views of unshared memory only
    if (!ArrayBuffer.isView(data)) {
      const bytes = new Uint8Array(new Uint8Array(data as ArrayBufferLike, dataOffset, size ?? (data as ArrayBufferLike).byteLength - dataOffset));
      return writeBuffer.call(this, buffer, offset, bytes, 0, bytes.byteLength);
    }
    if (data.buffer instanceof SharedArrayBuffer) {
      const per = (data as Float32Array).BYTES_PER_ELEMENT || 1;
      const length = size !== undefined ? size * per : data.byteLength - dataOffset * per;
      const copy = new Uint8Array(new Uint8Array(data.buffer, data.byteOffset + dataOffset * per, length));
      return writeBuffer.call(this, buffer, offset, copy, 0, length);
    }
    return writeBuffer.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('Dawn found no WebGPU adapter on SwiftShader');
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = 1;
  (ort.env.webgpu as { adapter: unknown }).adapter = adapter;
  return { ort, adapter: adapter.info.description || adapter.info.architecture, stop: () => clearInterval(keepAlive) };
}

/** The onnxruntime-web build the page imports ('onnxruntime-web' in a browser: ort.bundle.min.mjs,
 * WebGPU through JSEP), which Node's package exports would not give (they map it to the WASM-only
 * Node build). Needs webgpuOnSwiftShader() first: it finds WebGPU through navigator.gpu. */
export async function pageOrtOnWebGpu(): Promise<typeof import('onnxruntime-web')> {
  const ort = (await import(resolve(import.meta.dirname, '../node_modules/onnxruntime-web/dist/ort.bundle.min.mjs'))) as typeof import('onnxruntime-web');
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = 1;
  return ort;
}
