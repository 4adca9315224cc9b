import { defineConfig, defaultClientConditions, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CSP } from './src/csp.mjs';
import { sourceUrl } from './src/source-url.mjs';

// onnxruntime-web's runtime files, served from our own origin under ort/ (no CDN). The worker
// imports one build (workers/engine/ort.ts webOrtFor): on WebGPU the JSEP build (WebGPU + WASM in
// one 28 MB binary), on WASM alone the WASM-only build (14 MB, its kernels ~3x faster).
const ORT_DIR = resolve(import.meta.dirname, 'node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

// Cross-origin isolation gives SharedArrayBuffer, hence multi-threaded WASM.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function ortRuntimeFiles(): Plugin {
  return {
    name: 'puma-ort-runtime-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = req.url?.match(/\/ort\/([^?]+)/);
        if (!m || !ORT_FILES.includes(m[1])) return next();
        res.setHeader('Content-Type', m[1].endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v); // COEP blocks it otherwise
        createReadStream(resolve(ORT_DIR, m[1])).pipe(res);
      });
    },
    generateBundle() {
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(resolve(ORT_DIR, f)) });
    },
  };
}

// Only added to the build: the dev server injects inline scripts for hot reload.
function cspMeta(): Plugin {
  return {
    name: 'puma-csp-meta',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}">`),
  };
}

export default defineConfig({
  base: './',
  // the page's Source link (empty: no link), from the build's environment
  define: { __PUMA_SOURCE_URL__: JSON.stringify(sourceUrl(process.env)) },
  plugins: [react(), ortRuntimeFiles(), cspMeta()],
  // ort.min.mjs / ort.wasm.min.mjs (not the bundles) load their .mjs/.wasm from env.wasm.wasmPaths =
  // our ort/ folder, so each binary is shipped once, under a stable name
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es' },
  server: {
    headers: isolationHeaders,
    // test and benchmark output must not reload the page under development
    watch: { ignored: ['**/playwright-report/**', '**/test-results/**', '**/bench/out/**', '**/bench/results/**', '**/training/**', '**/.device/**'] },
  },
  // the dev server injects inline scripts for hot reload, so the CSP header is preview-only
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': CSP } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
