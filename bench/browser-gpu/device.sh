#!/usr/bin/env bash
# The GPU machine's side of bench/browser-gpu (README.md there): the pack arrives in parts, one per
# device call, each stored under /tmp/bgpu; the last call unpacks everything, checks the browser can
# start and see the GPU, then runs bench/run.mjs in the real Chromium on WebGPU.
#   bash bench/browser-gpu/device.sh part K   # calls 1..N-1, carrying .browser-gpu/pK: store part K
#   bash bench/browser-gpu/device.sh run      # the last call, carrying .browser-gpu/pN: store it,
#                                             # unpack, diagnose, probe, bench (about 8 minutes at most)
#   bash bench/browser-gpu/device.sh diag     # as run, without the bench
# A machine stays warm 30 s after a call: each call checks that the parts of the calls before it are
# here and says plainly when they are not (a fresh machine: /tmp is empty).
# Environment: BGPU_RUNS (bench --runs, default 2), BGPU_STEPS (--steps, default the manifest's),
# BGPU_BENCH_TIMEOUT (s, default 420), BGPU_ALLOW_FALLBACK=1 (bench even on a CPU/fallback adapter, as
# in the local simulation on SwiftShader), BGPU_DIR (default /tmp/bgpu); VK_ICD_FILENAMES or
# VK_DRIVER_FILES, if set, name the Vulkan driver instead of the NVIDIA one found on the machine.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
B=${BGPU_DIR:-/tmp/bgpu}
R=$B/root
OUT=${OUT:-$B/out}
mkdir -p "$B/chunks" "$B/logs" "$OUT"
say() { echo "[bgpu] $*"; }
die() { echo "[bgpu] $1" >&2; exit "${2:-1}"; }
sha() { sha256sum < "$1" | cut -d' ' -f1; }
field() { awk -v a="$1" -v b="${2:-}" '$1 == a && (b == "" || $2 == b) {print $0}' "$B/SUMS"; }

# ---- parts
store() { # part k from .browser-gpu/pk (carried with this call) into $B/chunks
  local k=$1 src=$ROOT/.browser-gpu/p$1 want got
  [ -f "$src/SUMS" ] && [ -f "$src/payload.$k" ] || die "part $k is not in this call: carry .browser-gpu/p$k"
  if [ -f "$B/SUMS" ] && ! cmp -s "$src/SUMS" "$B/SUMS"; then
    say "the parts stored here are from another pack: dropping them"; rm -rf "$B/chunks" "$R"; mkdir -p "$B/chunks"
  fi
  cp "$src/SUMS" "$B/SUMS"
  want=$(field part "$k" | cut -d' ' -f3)
  if [ -f "$B/chunks/payload.$k" ] && [ "$(sha "$B/chunks/payload.$k")" = "$want" ]; then say "part $k: already stored"; return 0; fi
  got=$(sha "$src/payload.$k")
  [ "$got" = "$want" ] || die "part $k: the carried copy is damaged (sha256 $got, SUMS says $want)"
  cp "$src/payload.$k" "$B/chunks/payload.$k.tmp" && mv "$B/chunks/payload.$k.tmp" "$B/chunks/payload.$k"
  say "part $k: stored, $(stat -c %s "$B/chunks/payload.$k") bytes, sha256 ok"
}
missing() { # the parts (1..$1) not stored here (intact)
  local k n=$1
  for k in $(seq 1 "$n"); do
    [ -f "$B/chunks/payload.$k" ] && [ "$(sha "$B/chunks/payload.$k")" = "$(field part "$k" | cut -d' ' -f3)" ] || echo -n "$k "
  done
}
not_warm() {
  die "NOT THE WARM MACHINE (or a call was skipped): part(s) $1 are not stored on this machine ($(hostname), boot $(cat /proc/sys/kernel/random/boot_id 2>/dev/null | cut -c1-8)). A machine stays warm 30 s after a call; this one is fresh or another. Send the missing parts again, one call each with no pause between the calls (\`bash bench/browser-gpu/device.sh part K\`, carrying .browser-gpu/pK), then the last call again." 3
}

case "${1:-}" in
  part)
    k=${2:?usage: device.sh part K}
    store "$k" || exit $?
    n=$(field parts | cut -d' ' -f2)
    m=$(missing "$((k - 1))")
    [ -z "$m" ] || not_warm "$m"
    say "parts stored here: 1..$k of $n$([ "$k" -lt "$n" ] && echo "; next: part $((k + 1)) within 30 s")"
    exit 0 ;;
  run|diag) mode=$1 ;;
  *) die "usage: device.sh part K | run | diag" 2 ;;
esac

# ---- run/diag: the carried part(s), then everything must be here
# (a warm machine's copy of the tree may still hold the parts of earlier calls: only those of the
# same pack as the highest-numbered one count)
ref=$(ls -d "$ROOT"/.browser-gpu/p*/ 2>/dev/null | sort -V | tail -1)
for d in "$ROOT"/.browser-gpu/p*/; do
  [ -d "$d" ] || continue
  cmp -s "$d/SUMS" "$ref/SUMS" || { say "skipping $(basename "$d"): another pack's"; continue; }
  k=$(basename "$d"); store "${k#p}" || exit $?
done
[ -f "$B/SUMS" ] || not_warm "all"
n=$(field parts | cut -d' ' -f2)
m=$(missing "$n")
[ -z "$m" ] || not_warm "$m"
say "all $n parts here"

# ---- unpack once (a marker holds the payload's sha256)
psha=$(field payload | cut -d' ' -f2)
if [ "$(cat "$R/.payload" 2>/dev/null)" != "$psha" ]; then
  rm -rf "$R" "$B/stage"; mkdir -p "$R" "$B/stage"
  for k in $(seq 1 "$n"); do cat "$B/chunks/payload.$k"; done > "$B/payload.tar"
  [ "$(sha "$B/payload.tar")" = "$psha" ] || die "the joined payload's sha256 is wrong"
  tar -xf "$B/payload.tar" -C "$B/stage" || die "tar failed"
  rm -f "$B/payload.tar"
  for t in runtime site; do
    if command -v xz >/dev/null; then xz -dc "$B/stage/$t.tar.xz" | tar -x -C "$R"
    else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$B/stage/$t.tar.xz" "$R"; fi || die "unpacking $t failed"
  done
  rm -rf "$B/stage"
  echo "$psha" > "$R/.payload"
  say "unpacked into $R ($(du -sm "$R" | cut -f1) MB)"
fi
[ -x "$R/chrome/chromium-headless-shell" ] && [ -f "$R/node" ] || die "the unpacked tree in $R is incomplete: rm -rf $R and run again"
chmod +x "$R/node"
export PATH="$R:$PATH"

# ---- glibc: the bundle leaves it out; a bundled library that asks for more than this machine's
# glibc has gives way to the machine's own copy of it, where there is one
glibc=$(python3 -c 'import os; print(os.confstr("CS_GNU_LIBC_VERSION").split()[1])' 2>/dev/null || ldd --version | head -1 | awk '{print $NF}')
while read -r v f; do
  [ "$(printf '%s\n%s\n' "$v" "$glibc" | sort -V | tail -1)" = "$glibc" ] && continue
  so=$(basename "$f")
  if [ "${f#lib/}" != "$f" ] && ldconfig -p | grep -q " $so "; then
    mkdir -p "$R/lib.off"; mv "$R/$f" "$R/lib.off/"; say "glibc $glibc < $v asked by $f: using the machine's own $so"
  else say "WARNING: $f asks for glibc $v, this machine has $glibc: it will not load"; fi
done < <(cat "$R/GLIBC_NEEDS" 2>/dev/null)

# ---- the Vulkan driver: given (VK_ICD_FILENAMES / VK_DRIVER_FILES), or the NVIDIA ICD where the
# machine has it (as ../shared/tools/webgpu-device/setup.sh: the driver's folder /usr/local/nvidia)
icd=${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-}}
if [ -z "$icd" ]; then
  for c in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
           /usr/local/share/vulkan/icd.d/nvidia_icd.json $(find /usr/local/nvidia /usr/share/vulkan /etc/vulkan /usr/local/share/vulkan -maxdepth 5 -name '*nvidia*.json' 2>/dev/null); do
    [ -f "$c" ] && { icd=$c; break; }
  done
fi
[ -n "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
icdlib=$( [ -f "$icd" ] && python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ICD"]["library_path"])' "$icd" 2>/dev/null)
# the driver's libraries after the bundle's: /usr/local/nvidia/lib* where they exist (in case the
# loader cache does not list them). An ICD named by a path is loaded by that path.
drv=""
case $icdlib in */*) [ "${icdlib#/}" = "$icdlib" ] && icdlib=$(cd "$(dirname "$icd")" && realpath -m "$icdlib") ;; esac  # relative to the json
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && drv=${drv:+$drv:}$d; done
LIBS="$R/lib:$R/chrome${drv:+:$drv}"
cat > "$B/chrome.sh" <<EOF
#!/bin/sh
# Chromium with the bundle's libraries first (bench/browser-gpu/device.sh writes this)
export LD_LIBRARY_PATH="$LIBS"
export FONTCONFIG_FILE="$R/fonts/fonts.conf"
exec "$R/chrome/chromium-headless-shell" "\$@"
EOF
chmod +x "$B/chrome.sh"
# bench/run.mjs imports playwright-core and reads dist/: the packed ones, unless the tree has its own
if [ ! -d node_modules/playwright-core ]; then
  if [ -L node_modules ] || [ ! -e node_modules ]; then rm -f node_modules; ln -s "$R/node_modules" node_modules
  else ln -sfn "$R/node_modules/playwright-core" node_modules/playwright-core; fi
fi
if [ -L dist ] || [ ! -e dist ]; then rm -f dist; ln -s "$R/dist" dist; else say "WARNING: using the tree's own dist/, not the packed one"; fi
export PUMA_CHROMIUM_GPU=1 CHROMIUM_PATH=$B/chrome.sh PUMA_MODELS_DIR=$R/models

# ---- diagnosis, into $OUT/diag.txt as well
{
  echo "== machine: $(hostname), kernel $(uname -r), glibc $glibc, $(nproc) cores"
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/GPU: /'; else echo "GPU: no nvidia-smi"; fi
  echo "== bundle"; cat "$R/VERSION" "$R/SITE"
  echo "== node $(node --version), playwright-core $(node -p "require('$R/node_modules/playwright-core/package.json').version")"
  echo "== ldd, LD_LIBRARY_PATH=$LIBS: what resolves outside the bundle (glibc is expected here)"
  for f in "$R/chrome/chromium-headless-shell" "$R/chrome/libGLESv2.so" "$R/chrome/libEGL.so"; do
    LD_LIBRARY_PATH=$LIBS ldd "$f" 2>&1 | grep -v -e "=> $R/" -e 'linux-vdso' | sed "s|^|$(basename "$f"): |"
  done
  echo "== Vulkan driver (ICD): ${icd:-NONE FOUND: Chromium will find no GPU}"
  [ -f "$icd" ] && cat "$icd"
  if [ -n "$icdlib" ]; then
    p=$icdlib
    if [ "${p#/}" = "$p" ]; then # a bare name: the loader cache, else the driver folders
      p=$(ldconfig -p | awk -v n="$icdlib" '$1 == n {print $NF; exit}')
      for d in ${drv//:/ }; do [ -z "$p" ] && [ -f "$d/$icdlib" ] && p=$d/$icdlib; done
    fi
    echo "ICD library $icdlib -> ${p:-NOT FOUND (neither in the loader cache nor in $drv)}"
    [ -f "$p" ] && LD_LIBRARY_PATH=$LIBS ldd "$p" 2>&1 | grep -e 'not found' -e GLdispatch | sed 's/^/  /'
  fi
  echo "== Vulkan through Chromium's loader (vk-probe.py)"
  LD_LIBRARY_PATH=$LIBS VK_LOADER_DEBUG=error python3 bench/browser-gpu/vk-probe.py "$R/chrome/libvulkan.so.1" 2>&1 | head -20
  echo "== chromium: $("$B/chrome.sh" --version 2>&1)"
  flags=$(node -e "import('./e2e/chromium.mjs').then((m) => console.log(m.chromiumArgs('webgpu').join(' ')))")
  echo "flags (e2e/chromium.mjs, PUMA_CHROMIUM_GPU=1): $flags"
  timeout 90 "$B/chrome.sh" $flags --headless --dump-dom about:blank > "$B/logs/launch.out" 2> "$B/logs/launch.err"
  echo "launch with about:blank: rc $?, $(grep -c . "$B/logs/launch.out") line(s) of DOM printed (none: it did not start)"
  grep -v -e dbus -e Floss "$B/logs/launch.err" | tail -12 | sed 's/^/  /'
} 2>&1 | tee "$OUT/diag.txt"

# every shared library Chromium's processes map (sampled every 2 s): shows what came from outside the bundle
sample_maps() {
  while :; do
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/exe" 2>/dev/null)" = "$R/chrome/chromium-headless-shell" ] && awk '$6 ~ /\.so/ {print $6}' "$p/maps" 2>/dev/null
    done | sort -u > "$B/logs/maps.new"
    sort -u -o "$B/logs/maps.txt" "$B/logs/maps.new" "$B/logs/maps.txt" 2>/dev/null || cp "$B/logs/maps.new" "$B/logs/maps.txt"
    sleep 2
  done
}
: > "$B/logs/maps.txt"
sample_maps & sampler=$!

say "probe (probe.mjs): the adapter a page gets"
timeout 180 node bench/browser-gpu/probe.mjs "$OUT/probe.json" > /dev/null 2> "$B/logs/probe.err"
prc=$?
summary=$(python3 - "$OUT/probe.json" <<'EOF' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"no probe.json ({e})"); sys.exit(2)
a = d.get('adapter')
print('browser', d.get('browserVersion'), '| webgl', (d.get('webgl') or {}).get('renderer'))
if not a:
    print('WebGPU adapter: NONE', d.get('adapterError', '')); sys.exit(1)
print('WebGPU adapter:', json.dumps(a['info']), '| fallback:', a.get('isFallbackAdapter'), '| shader-f16:', 'shader-f16' in a['features'])
sys.exit(3 if a.get('isFallbackAdapter') else 0)
EOF
)
arc=$?
echo "$summary" | sed 's/^/[bgpu] /' | tee -a "$OUT/diag.txt"
[ $prc = 0 ] || { say "probe failed (rc $prc):"; tail -15 "$B/logs/probe.err"; } | tee -a "$OUT/diag.txt"

brc=skipped
if [ "$mode" = run ]; then
  if [ $arc = 0 ] || { [ $arc = 3 ] && [ "${BGPU_ALLOW_FALLBACK:-}" = 1 ]; }; then
    # BGPU_PARAMS_SEQ: several benches in turn, each page address with its own extra parameters ("-":
    # none), e.g. "- threads=4 - threads=4" for an A/B of the WASM threads on one machine; each bench's
    # files in $OUT/seq<i>/ (packed into $OUT/seq.tar.gz). Default: one bench, the page's own defaults.
    n=0; brc=0
    for params in ${BGPU_PARAMS_SEQ:--}; do
      n=$((n + 1)); o=$OUT; [ -n "${BGPU_PARAMS_SEQ:-}" ] && { o=$OUT/seq$n; mkdir -p "$o"; }
      pp=; [ "$params" = - ] || pp=$params
      say "bench $n: node bench/run.mjs --providers webgpu --no-node --runs ${BGPU_RUNS:-2} ${BGPU_STEPS:+--steps $BGPU_STEPS} ${pp:+--page-params $pp} (at most ${BGPU_BENCH_TIMEOUT:-420} s)"
      PUMA_BENCH_CONSOLE=1 DEBUG=pw:browser timeout "${BGPU_BENCH_TIMEOUT:-420}" node bench/run.mjs --providers webgpu --no-node --runs "${BGPU_RUNS:-2}" ${BGPU_STEPS:+--steps "$BGPU_STEPS"} ${pp:+--page-params "$pp"} --out "$o" \
        2> "$B/logs/bench$n.err" | tee "$o/bench.log"
      r=${PIPESTATUS[0]}; [ "$r" = 0 ] || brc=$r
      say "bench $n rc $r$([ "$r" = 124 ] && echo ' (timed out)')"
    done
    [ -n "${BGPU_PARAMS_SEQ:-}" ] && tar -czf "$OUT/seq.tar.gz" -C "$OUT" $(cd "$OUT" && ls -d seq[0-9]*)
    # the numbers, and a record's error (run.mjs keeps going and exits 0 after one) as a failure
    python3 - "$OUT" <<'EOF' 2>&1 | tee -a "$OUT/diag.txt" || { [ "$brc" = 0 ] && brc=1; }
import glob, json, sys
fs = [f for f in sorted(glob.glob(sys.argv[1] + '/*.json') + glob.glob(sys.argv[1] + '/seq*/*.json')) if not f.endswith('/probe.json')]
if not fs:
    print('[bgpu] no bench JSON'); sys.exit(1)
ms = lambda x: '-' if x is None else f'{x:.0f} ms'
bad = 0
for r in [r for f in (fs if '/seq' in fs[-1] else fs[-1:]) for r in json.load(open(f))['records']]:
    if 'error' in r:
        print(f"[bgpu] {r['where']}: ERROR {r['error'][:400]}"); bad = 1; continue
    run, t, c, rt = (r.get('runs') or [{}])[-1], r.get('t2i') or {}, r.get('cond') or {}, r.get('runtime') or {}
    print(f"[bgpu] {r['where']}, {r.get('browser')}: adapter {r.get('adapter')}; engine on {rt.get('provider')}, MLLM on {rt.get('mllmProvider')} {rt.get('mllmReason') or ''}; {rt.get('threads')} WASM thread(s){' (' + r['pageParams'] + ')' if r.get('pageParams') else ''}")
    for k in ('runtimeStartCold', 'runtimeStartWarm'):
        t = r.get(k) or {}
        print(f"[bgpu]   runtime start, {'first visit' if k.endswith('Cold') else 'reload'}: at {ms(t.get('at'))}, adapter {ms(t.get('adapterMs'))}, import {ms(t.get('importMs'))}, WASM module + threads {ms(t.get('wasmMs'))}, WebGPU backend {ms(t.get('backendMs'))}")
    print(f"[bgpu]   first visit: page ready {ms(r.get('pageToReadyColdMs'))} (worker load {ms(r.get('loadColdMs'))}); reload (models cached: {r.get('warmFromCache')}): page ready {ms(r.get('pageToReadyWarmMs'))} (worker load {ms(r.get('loadWarmMs'))})")
    print(f"[bgpu]   reconstruction after the reload, last run: first image {ms(run.get('firstImageMs'))}, all five {ms(run.get('allFiveMs'))}; text to image: first {ms(t.get('firstImageMs'))}, all five {ms(t.get('allFiveMs'))}, done {ms(t.get('doneMs'))}; edit: first {ms(c.get('firstImageMs'))}, all five {ms(c.get('allFiveMs'))}")
    # the first run of each page load, not the last (which has its shaders compiled): bench/run.mjs's sums
    print(f"[bgpu]   navigation to the first image (page ready + that load's first run's first image): returning user "
          f"(models cached) {ms(r.get('coldToFirstImageMs'))}, first visit {ms(r.get('firstVisitToFirstImageMs'))}")
sys.exit(bad)
EOF
    [ "$brc" = 0 ] || cat "$B"/logs/bench[0-9]*.err | grep -v '^\s*$' | grep -v -e 'pw:browser.*\[err\].*dbus' | tail -25
  else
    say "no bench: the browser has no GPU adapter$([ $arc = 3 ] && echo ' (only a CPU/fallback one; BGPU_ALLOW_FALLBACK=1 benches it anyway)'). See diag.txt."
  fi
fi
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
{
  echo "== shared libraries Chromium's processes mapped from outside the bundle ($(grep -c . "$B/logs/maps.txt") mapped in all)"
  grep -v "^$R/" "$B/logs/maps.txt" | sed 's/^/  /'
} | tee -a "$OUT/diag.txt"
tar -czf "$OUT/logs.tar.gz" -C "$B" logs 2>/dev/null
# only names of letters, digits, '.', '_' and '-' come back from $OUT (the bench's carry the host name)
for f in "$OUT"/*; do n=$(basename "$f" | tr -c 'A-Za-z0-9._\n-' '_'); [ "$n" = "$(basename "$f")" ] || mv "$f" "$OUT/$n"; done
say "done: mode $mode, bench $brc; \$OUT has: $(ls "$OUT" | tr '\n' ' ')"
# 0: what was asked for ran (the bench passed; for diag: an adapter was found)
if [ "$mode" = run ]; then [ "$brc" = 0 ]; else [ $arc = 0 ] || [ $arc = 3 ]; fi
