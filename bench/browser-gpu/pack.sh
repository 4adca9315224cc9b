#!/usr/bin/env bash
# Packs a real Chromium (Debian's chromium-headless-shell), every shared library it needs that is not
# glibc, node, playwright-core, the built site (dist/ without dist/models) and the shipped models
# (public/models) for bench/run.mjs on the GPU machine, which has none of these and
# reaches no registry. The payload is split into parts, one per device call, each small enough to
# travel with the working tree as bench/browser-gpu/aside.sh leaves it (64 MiB a call in all).
#   npm run build && bash bench/browser-gpu/pack.sh       (then see bench/browser-gpu/README.md)
# Writes .browser-gpu/p1 .. pN (git-ignored; call k carries .browser-gpu/pk) and prints the plan.
# Work files (debs, the staged tree, the compressed runtime) go to $BGPU_CACHE (/tmp/bgpu-pack); the
# runtime part (Chromium, libraries, node, playwright-core: ~97 MB compressed, ~12 min of xz -9e on
# one core) is reused while its versions do not change; the site and models are packed every time.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ROOT=$PWD
CACHE=${BGPU_CACHE:-/tmp/bgpu-pack}
OUTDIR=.browser-gpu
LIMIT=67108864         # what one device call carries: the working tree and the carried folders
SLACK=$((768 * 1024))  # left free in every call: the tree may grow a little between pack and calls
XZ=${BGPU_XZ:-nice -n 10 xz -T1 -9e}  # one core: this machine has two and shares them (BGPU_XZ="xz -1": quick trials)
log() { echo "[pack] $*"; }
die() { echo "[pack] $*" >&2; exit 1; }

[ -f dist/index.html ] || die "no dist/: run npm run build first"
# dist/ must be the build of the code in the tree (models are packed from public/models, not dist)
stale=$(find src workers index.html vite.config.ts package.json public -path public/models -prune -o -type f -newer dist/index.html -print | head -3)
[ -z "$stale" ] || [ "${BGPU_ALLOW_STALE:-}" = 1 ] || die "dist/ is older than: $stale ... run npm run build (or BGPU_ALLOW_STALE=1)"

# ---- Debian packages. The headless shell must be the version of the installed chromium (the one the
# test suite drives): the system's apt lists know it; fresh lists may only offer a newer one (Debian's
# security archive keeps the latest), so those are the fallback (a private lists dir, the system's apt
# untouched), and BGPU_ANY_VERSION=1 takes whatever version they have.
want=$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || true)
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64"
known() { apt-cache $o madison chromium-headless-shell 2>/dev/null | awk -v v="$1" '$3 == v {f = 1} END {exit !f}'; }
if [ -z "$want" ] || ! known "$want"; then
  mkdir -p "$CACHE/lists/partial"
  o="$o -oDir::State::Lists=$CACHE/lists"
  if [ -z "$(find "$CACHE/lists" -maxdepth 1 -name '*Packages*' -mmin -720 2>/dev/null | head -1)" ]; then
    log "apt-get update (private lists in $CACHE/lists)"
    apt-get $o update -qq >/dev/null
  fi
fi
if [ -n "$want" ] && known "$want"; then have=$want
elif [ "${BGPU_ANY_VERSION:-}" = 1 ] || [ -z "$want" ]; then have=$(apt-cache $o policy chromium-headless-shell | awk '/Candidate:/ {print $2}')
else die "apt offers no chromium-headless-shell $want (the installed chromium); BGPU_ANY_VERSION=1 takes $(apt-cache $o policy chromium-headless-shell | awk '/Candidate:/ {print $2}')"
fi
[ -n "$have" ] && [ "$have" != "(none)" ] || die "apt knows no chromium-headless-shell"
log "chromium-headless-shell $have (installed chromium: ${want:-none})"
mkdir -p "$CACHE/debs"
debver() { case $1 in chromium-headless-shell|chromium-common) echo "$have" ;; *) apt-cache $o policy "$1" | awk '/Candidate:/ {print $2}' ;; esac; }
getdeb() { # package -> path of its .deb in $CACHE/debs (downloaded once)
  local v f; v=$(debver "$1"); [ -n "$v" ] && [ "$v" != "(none)" ] || die "apt knows no package $1"
  f=$(ls "$CACHE/debs/$1_${v/:/%3a}_"*.deb 2>/dev/null | head -1)
  if [ -z "$f" ]; then (cd "$CACHE/debs" && apt-get $o download "$1=$v" 2>&1 | grep -v -e unsandboxed -e '^Get:' -e '^Fetched' >&2 || true); fi
  f=$(ls "$CACHE/debs/$1_${v/:/%3a}_"*.deb 2>/dev/null | head -1); [ -n "$f" ] || die "download of $1=$v failed"
  echo "$f"
}

# ---- the runtime: chromium, its libraries, fonts, node, playwright-core
node_bin=$(readlink -f "$(command -v node)")
pw_ver=$(node -p "require('./node_modules/playwright-core/package.json').version")
FORMAT=2  # raise when what goes into the runtime changes: the cached runtime.tar.xz is then rebuilt
key="chromium-headless-shell $have; node $(node --version) $(sha256sum "$node_bin" | cut -c1-16); playwright-core $pw_ver; format $FORMAT; $XZ"
RT=$CACHE/runtime
if [ -f "$CACHE/runtime.tar.xz" ] && [ "$(cat "$CACHE/runtime.key" 2>/dev/null)" = "$key" ] && [ "${BGPU_REBUILD_RUNTIME:-}" != 1 ]; then
  log "runtime unchanged ($key): reusing $CACHE/runtime.tar.xz"
else
  rm -rf "$RT" "$CACHE/x" "$CACHE/runtime.tar.xz" "$CACHE/runtime.key"
  mkdir -p "$RT/chrome" "$RT/lib" "$RT/fonts" "$CACHE/x/pkg"
  for p in chromium-headless-shell chromium-common; do dpkg -x "$(getdeb $p)" "$CACHE/x/chromium"; done
  C=$CACHE/x/chromium/usr/lib/chromium
  # what the headless shell reads beside itself: its paks, ICU data, V8 snapshots, ANGLE (libEGL.so,
  # libGLESv2.so, for --use-angle=vulkan) and Chromium's own Vulkan loader (libvulkan.so.1: Chromium
  # dlopens the one beside its binary, not the system's). Not: the full browser's paks, the Vulkan
  # validation layer (22 MB), the mock ICD, SwiftShader (on the GPU machine the NVIDIA driver is the ICD).
  cp "$C"/chromium-headless-shell "$C"/headless_*.pak "$C"/icudtl.dat "$C"/v8_context_snapshot.bin "$C"/snapshot_blob.bin \
     "$C"/libEGL.so "$C"/libGLESv2.so "$C"/libvulkan.so.1 "$RT/chrome/"
  # glibc stays the GPU machine's: every soname of Debian's libc6 is left out
  dpkg -x "$(getdeb libc6)" "$CACHE/x/libc6"
  find "$CACHE/x/libc6" -name '*.so*' -printf '%f\n' | sort -u > "$CACHE/glibc.sonames"
  isglibc() { grep -qxF "$1" "$CACHE/glibc.sonames"; }
  owner() { # the installed package that owns library $1 (dpkg knows it as /lib/... or /usr/lib/...: usrmerge)
    local r; r=$(readlink -f "$1")
    for q in "$1" "$r" "${r#/usr}" "/usr$r"; do dpkg -S "$q" 2>/dev/null | head -1 | cut -d: -f1 | grep . && return 0; done
    echo "[pack] no installed package owns $1" >&2; return 1
  }
  declare -A done_pkg=()
  addpkg() { # copies every shared library of Debian package $1 into lib/, named by its soname
    local p=$1 d f so
    [ -n "${done_pkg[$p]:-}" ] && return 0; done_pkg[$p]=1
    d=$CACHE/x/pkg/$p; rm -rf "$d"; dpkg -x "$(getdeb "$p")" "$d"
    echo "$p $(debver "$p")" >> "$RT/PACKAGES"
    while IFS= read -r f; do
      file -bL "$f" | grep -q '^ELF 64-bit LSB shared object' || continue
      so=$(objdump -p "$f" 2>/dev/null | awk '/SONAME/ {print $2}'); so=${so:-$(basename "$f")}
      [ -e "$RT/lib/$so" ] || cp -L "$f" "$RT/lib/$so"
    done < <(find "$d" \( -type f -o -type l \) -name '*.so*' \( -path '*/lib/x86_64-linux-gnu/*' -o -path '*/usr/lib/x86_64-linux-gnu/*' \))
  }
  # Not linked, but needed at run time: the GL dispatch libraries (glvnd) that the NVIDIA driver's
  # Vulkan ICD (libGLX_nvidia.so.0) links against, libpci (dlopened for the GPU's ids), what Chromium's
  # processes were seen to dlopen in the simulation (VA-API, wayland-client, xcb-shm) and one font
  for p in libglvnd0 libglx0 libgl1 libegl1 libgles2 libopengl0 libpci3 libva2 libva-drm2 libwayland-client0 libxcb-shm0; do addpkg $p; done
  dpkg -x "$(getdeb fonts-dejavu-core)" "$CACHE/x/fonts"
  cp "$CACHE/x/fonts/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" "$RT/fonts/"
  # every other library: ldd on every ELF in the bundle, each dependency resolved outside it (on this
  # machine, which has Debian's chromium and so all of them) mapped to its package, until none is left
  for round in 1 2 3 4 5 6 7 8; do
    need=$(for f in "$RT"/chrome/chromium-headless-shell "$RT"/chrome/*.so* "$RT"/lib/*; do
             LD_LIBRARY_PATH="$RT/lib:$RT/chrome" ldd "$f" 2>/dev/null || true; done |
           awk '$2 == "=>" {print $1, $3}' | sort -u |
           while read -r so path; do
             isglibc "$so" && continue
             case $path in "$RT"/*) continue ;; not) echo "MISSING $so" ;; *) echo "$so $path" ;; esac
           done)
    [ -z "$need" ] && break
    ! grep -q '^MISSING' <<<"$need" || die "libraries found nowhere: $(grep '^MISSING' <<<"$need" | tr '\n' ' ')"
    pkgs=$(while read -r so path; do owner "$path"; done <<<"$need" | sort -u)
    [ -n "$pkgs" ] || die "no package owns: $need"
    log "round $round: $(wc -l <<<"$need") libraries from: $(echo $pkgs)"
    for p in $pkgs; do addpkg "$p"; done
  done
  [ -z "$need" ] || die "library closure did not settle"
  printf '%s\n' '<?xml version="1.0"?>' '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">' \
    '<fontconfig><dir prefix="relative">.</dir><cachedir>/tmp/bgpu-fontcache</cachedir></fontconfig>' > "$RT/fonts/fonts.conf"
  # node, stripped of its debug symbols (98.9 -> ~86 MB before compression)
  strip -o "$RT/node" "$node_bin"
  mkdir -p "$RT/node_modules"
  tar -C node_modules -cf - --exclude=playwright-core/types playwright-core | tar -C "$RT/node_modules" -xf -
  "$RT/chrome/chromium-headless-shell" --version > "$RT/VERSION"
  echo "$key" >> "$RT/VERSION"
  # the highest glibc symbol version anything in the bundle asks for (the GPU machine's glibc must have it)
  # and per file (GLIBC_NEEDS: "2.36 lib/libstdc++.so.6"): device.sh falls back to the machine's own copy
  # of a library that asks for more than the machine's glibc has
  for f in "$RT"/chrome/chromium-headless-shell "$RT"/chrome/*.so* "$RT"/lib/* "$RT/node"; do
    v=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1 || true)
    [ -z "$v" ] || echo "$v ${f#"$RT"/}"
  done | sort -V > "$RT/GLIBC_NEEDS"
  tail -1 "$RT/GLIBC_NEEDS" | awk '{print "needs glibc symbols up to GLIBC_" $1 " (" $2 ")"}' >> "$RT/VERSION"
  cat "$RT/VERSION"
  log "compressing the runtime ($(du -sm "$RT" | cut -f1) MB; $XZ: with -9e on one core ~10 minutes)"
  tar -C "$RT" -cf - . | $XZ > "$CACHE/runtime.tar.xz.tmp"
  mv "$CACHE/runtime.tar.xz.tmp" "$CACHE/runtime.tar.xz"
  echo "$key" > "$CACHE/runtime.key"
fi

# ---- check the bundle: every library anything in it links resolves inside it, or is glibc
RT_CHECK=$CACHE/x/rt-check
if [ ! -d "$RT" ]; then rm -rf "$RT_CHECK"; mkdir -p "$RT_CHECK"; xz -dc "$CACHE/runtime.tar.xz" | tar -C "$RT_CHECK" -xf -; else RT_CHECK=$RT; fi
[ -s "$CACHE/glibc.sonames" ] || { dpkg -x "$(getdeb libc6)" "$CACHE/x/libc6"; find "$CACHE/x/libc6" -name '*.so*' -printf '%f\n' | sort -u > "$CACHE/glibc.sonames"; }
outside=$(for f in "$RT_CHECK"/chrome/chromium-headless-shell "$RT_CHECK"/chrome/*.so* "$RT_CHECK"/lib/*; do
  { LD_LIBRARY_PATH="$RT_CHECK/lib:$RT_CHECK/chrome" ldd "$f" 2>/dev/null || true; } | awk -v f="$(basename "$f")" '$2 == "=>" {print f": "$1" "$3}'; done |
  while read -r f so path; do grep -qxF "$so" "$CACHE/glibc.sonames" || case $path in "$RT_CHECK"/*) ;; *) echo "$f $so $path" ;; esac; done)
[ -z "$outside" ] || die "resolved outside the bundle: $outside"
log "ldd: every non-glibc library of the headless shell, ANGLE and the $(ls "$RT_CHECK/lib" | wc -l) bundled libraries resolves inside the bundle"
sed 's/^/[pack] /' "$RT_CHECK/VERSION"

# ---- the site: dist/ without its models, and the models: public/models as a device call would send it
# (tracked files present and untracked ones git does not ignore);
# every file the manifest names must be there
rm -rf "$CACHE/site"; mkdir -p "$CACHE/site/dist" "$CACHE/site/models"
tar -C dist -cf - --exclude=./models . | tar -C "$CACHE/site/dist" -xf -
{ git ls-files -z public/models; git ls-files -z --others --exclude-standard public/models; } |
  while IFS= read -r -d '' f; do
    [ -f "$f" ] || continue
    mkdir -p "$CACHE/site/models/$(dirname "${f#public/models/}")"; cp "$f" "$CACHE/site/models/${f#public/models/}"
  done
python3 - "$CACHE/site/models" <<'EOF' || die "the manifest names files public/models lacks"
import json, os, sys
d = sys.argv[1]
names = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == 'file' and isinstance(v, str): names.append(v)
            walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(json.load(open(os.path.join(d, 'manifest.json'))))
missing = [n for n in names if not os.path.isfile(os.path.join(d, n))]
print('[pack] models:', len(names), 'files named by the manifest, missing:', missing or 'none')
sys.exit(1 if missing else 0)
EOF
{ echo "dist built $(date -u -r dist/index.html +%FT%TZ) from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src workers index.html || echo ' + uncommitted changes')"
  echo "models: public/models manifest.json sha256 $(sha256sum public/models/manifest.json | cut -c1-16)$( { git diff --quiet HEAD -- public/models && [ -z "$(git ls-files --others --exclude-standard public/models)" ]; } || echo ' (uncommitted changes in public/models)')"; } > "$CACHE/site/SITE"
cat "$CACHE/site/SITE" | sed 's/^/[pack] /'
log "compressing the site ($(du -sm "$CACHE/site" | cut -f1) MB)"
tar -C "$CACHE/site" -cf - . | $XZ > "$CACHE/site.tar.xz"

# ---- one payload (a plain tar of the two .xz), split into as few parts as the calls allow
rm -f "$CACHE/payload.tar"
tar -C "$CACHE" -cf "$CACHE/payload.tar" runtime.tar.xz site.tar.xz
payload=$(stat -c %s "$CACHE/payload.tar")
# what travels in every call besides the part: the tree as `aside.sh out` leaves it
tree=$(bash bench/browser-gpu/aside.sh kept-bytes)
chunk_max=$((LIMIT - tree - SLACK))
n=$(( (payload + chunk_max - 1) / chunk_max ))
chunk=$(( (payload + n - 1) / n ))
rm -rf "$OUTDIR"; mkdir -p "$OUTDIR"
split -a 1 --numeric-suffixes=1 -b "$chunk" "$CACHE/payload.tar" "$OUTDIR/payload."
{ echo "parts $n"; echo "payload $(sha256sum "$CACHE/payload.tar" | cut -d' ' -f1) $payload"
  for k in $(seq 1 "$n"); do echo "part $k $(sha256sum "$OUTDIR/payload.$k" | cut -d' ' -f1) $(stat -c %s "$OUTDIR/payload.$k")"; done
  sed 's/^/runtime /' "$RT_CHECK/VERSION"; sed 's/^/site /' "$CACHE/site/SITE"; } > "$OUTDIR/SUMS"
for k in $(seq 1 "$n"); do mkdir -p "$OUTDIR/p$k"; mv "$OUTDIR/payload.$k" "$OUTDIR/p$k/"; cp "$OUTDIR/SUMS" "$OUTDIR/p$k/SUMS"; done
rm "$OUTDIR/SUMS"

kb() { echo "$(($1 / 1000)) kB"; }
echo
echo "payload $(kb "$payload") (runtime $(kb "$(stat -c %s "$CACHE/runtime.tar.xz")"), site+models $(kb "$(stat -c %s "$CACHE/site.tar.xz")")) in $n parts;"
echo "each call also carries the tree left by aside.sh out: $(kb "$tree") (every call the same tree: nothing to change between calls)"
for k in $(seq 1 "$n"); do
  b=$(find "$OUTDIR/p$k" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
  cmd="bash bench/browser-gpu/device.sh part $k"; [ "$k" = "$n" ] && cmd="bash bench/browser-gpu/device.sh run"
  echo "call $k: carry [\"$OUTDIR/p$k\"], command: $cmd   -> $(kb $((b + tree))) of $(kb $LIMIT) ($(kb $((LIMIT - b - tree))) free)"
done
