// Bundles bench/gpu-bench.ts and bench/gpu-loop-parity.ts (and the pipeline code they import)
// into .mjs files for the GPU machine, which has node, Dawn and onnxruntime-web but no build
// tools: bench/out/gpu/. The shim comes from $WEBGPU_DEVICE_DIR (default ../shared/tools/webgpu-device).
import { build } from 'vite';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const out = resolve(ROOT, 'bench/out/gpu');
await build({
  root: ROOT,
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  // the engine imports plain 'onnxruntime-web' (the page's build); the GPU machine has only its
  // WebGPU build, so the bundle imports that by package name (resolved there, not here)
  resolve: { alias: [{ find: /^onnxruntime-web$/, replacement: 'onnxruntime-web/webgpu' }] },
  // the GPU machine's node_modules holds only onnxruntime-web and webgpu: everything else is bundled
  ssr: { noExternal: ['comlink'] },
  build: {
    outDir: out,
    emptyOutDir: true,
    ssr: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: { 'gpu-bench': resolve(ROOT, 'bench/gpu-bench.ts'), 'gpu-loop-parity': resolve(ROOT, 'bench/gpu-loop-parity.ts') },
      external: [/^node:/, /^onnxruntime-web(\/webgpu)?$/, 'webgpu'],
      output: { entryFileNames: '[name].mjs', paths: { 'onnxruntime-web': 'onnxruntime-web/webgpu' } },
    },
  },
});
const deviceDir = resolve(process.env.WEBGPU_DEVICE_DIR ?? resolve(ROOT, '../shared/tools/webgpu-device'));
if (!existsSync(resolve(deviceDir, 'shim.mjs'))) throw new Error(`${deviceDir}/shim.mjs is missing: set WEBGPU_DEVICE_DIR to the webgpu-device tool folder`);
for (const f of ['shim.mjs', 'setup.sh']) copyFileSync(resolve(deviceDir, f), resolve(out, f));
// the GPU machine gets no .git: the results name the commit the bundle was built from
const git = (...a) => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
writeFileSync(resolve(out, 'build.json'), JSON.stringify({ commit: git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''), builtAt: new Date().toISOString() }) + '\n');
console.log(`built ${out}/gpu-bench.mjs, ${out}/gpu-loop-parity.mjs`);
