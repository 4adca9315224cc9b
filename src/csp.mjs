// The Content-Security-Policy: our own origin only; 'wasm-unsafe-eval' is the one exception
// onnxruntime-web needs (compiling WebAssembly). blob:/data: images are the user's own pictures
// rendered locally. Used as a <meta> in the built page (vite.config.ts) and as a header by the
// preview and e2e servers, where it also covers the workers.
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self' blob:", // blob: the PNG download of a result
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
