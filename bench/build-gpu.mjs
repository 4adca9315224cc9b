// Bundles bench/gpu-bench.ts (and the pipeline code it imports) into one .mjs for the GPU
// machine, which has node, Dawn and onnxruntime-web but no build tools: bench/out/gpu/.
import { build } from 'vite';
import { copyFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const out = resolve(ROOT, 'bench/out/gpu');
await build({
  root: ROOT,
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: out,
    emptyOutDir: true,
    ssr: resolve(ROOT, 'bench/gpu-bench.ts'),
    target: 'node20',
    minify: false,
    rollupOptions: { external: [/^node:/, 'onnxruntime-web/webgpu', 'webgpu'], output: { entryFileNames: 'gpu-bench.mjs' } },
  },
});
for (const f of ['shim.mjs', 'setup.sh']) copyFileSync(resolve(ROOT, '../shared/tools/webgpu-device', f), resolve(out, f));
console.log(`built ${out}/gpu-bench.mjs`);
