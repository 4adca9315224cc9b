#!/usr/bin/env bash
# The project's single test command (`npm test`): unit + parity (vitest), Python tests, the
# static build, and Playwright e2e on the built site in real headless Chromium (WASM and WebGPU).
set -euo pipefail
cd "$(dirname "$0")/.."

# each step prints the wall time spent so far, so CI's time per step is visible
step() { printf '\n=== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "Chromium"
CHROMIUM="$(node -e 'import("./e2e/chromium.mjs").then(m => console.log(m.findChromium())).catch(e => { console.error(e.message); process.exit(1) })')" || {
  echo "No Chromium: install it with 'apt-get install -y chromium' or set CHROMIUM_PATH." >&2
  exit 1
}
echo "$CHROMIUM"

step "lint: React's hook rules (oxlint, .oxlintrc.json)"
npm run lint

step "vitest: unit + parity (onnxruntime-web vs PyTorch golden vectors)"
npx vitest run
if [ -f workers/mllm/vitest.config.ts ]; then
  npx vitest run --config workers/mllm/vitest.config.ts
fi

if [ -d training/tests ]; then
  step "python: training/tests"
  /usr/bin/python3 -m pytest -q training/tests
fi

step "build"
npm run build

step "e2e: Playwright, built site, WASM and WebGPU"
npx playwright test "$@"

step "done"
