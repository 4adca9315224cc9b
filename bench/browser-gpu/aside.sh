#!/usr/bin/env bash
# For the bench/browser-gpu device calls: moves every file that would travel with the working tree
# (tracked and present, or untracked and not ignored) out of it, except the few the device side reads,
# and back afterwards. Then every call carries the same small tree (~0.1 MB) plus one part of the
# pack, and nothing changes in the tree between the calls (a machine stays warm only 30 s).
# Files are moved, never deleted, so uncommitted changes survive; `back` puts each where it was.
#   bash bench/browser-gpu/aside.sh out          # before the first call
#   bash bench/browser-gpu/aside.sh back         # after the last
#   bash bench/browser-gpu/aside.sh kept-bytes   # bytes of what stays (pack.sh sizes the parts with it)
#   bash bench/browser-gpu/aside.sh list         # what stays, with sizes (kept-list: the names, NUL-separated)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ASIDE=${ASIDE:-/tmp/puma-browser-gpu-aside}
# what the device side reads from the tree: these scripts, bench/run.mjs and what it imports for a
# browser-only run (--no-node), and every .gitignore (without them the ignored folders, node_modules
# and the pack included, would count as untracked files that travel)
keep() {
  case $1 in
    bench/browser-gpu/*|bench/run.mjs|bench/cli.mjs|e2e/chromium.mjs|e2e/static-server.mjs|src/csp.mjs) return 0 ;;
    .gitignore|*/.gitignore) return 0 ;;
  esac
  return 1
}
# what travels: tracked files present in the tree and untracked files git does not ignore
travelling() { { git ls-files -z; git ls-files -z --others --exclude-standard; } | while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done; }
bytes() { xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
kept() { travelling | while IFS= read -r -d '' f; do if keep "$f"; then printf '%s\0' "$f"; fi; done; }
case "${1:-}" in
  kept-bytes) kept | bytes ;;
  kept-list) kept ;;  # NUL-separated (simulate.sh builds the trees the calls send from it)
  list) kept | xargs -0 -r stat -c '%s %n'; echo "$(kept | bytes) in all; everything else travelling: $(travelling | bytes) bytes now" ;;
  out)
    [ -e "$ASIDE" ] && { echo "aside: $ASIDE exists (moved out already? run: $0 back)" >&2; exit 1; }
    mkdir -p "$ASIDE"
    travelling | while IFS= read -r -d '' f; do if ! keep "$f"; then printf '%s\0' "$f"; fi; done > "$ASIDE/.moved"
    while IFS= read -r -d '' f; do mkdir -p "$ASIDE/$(dirname "$f")"; mv "$f" "$ASIDE/$f"; done < "$ASIDE/.moved"
    echo "moved $(tr -cd '\0' < "$ASIDE/.moved" | wc -c) files to $ASIDE; the tree now carries $(travelling | bytes) bytes (limit 67108864 with the carried part)" ;;
  back)
    [ -f "$ASIDE/.moved" ] || { echo "aside: nothing recorded under $ASIDE" >&2; exit 1; }
    clash=0
    while IFS= read -r -d '' f; do
      if [ -e "$f" ] || [ -L "$f" ]; then echo "aside: $f exists again in the tree; its moved copy stays in $ASIDE/$f" >&2; clash=1; continue; fi
      mkdir -p "$(dirname "$f")"; mv "$ASIDE/$f" "$f"
    done < "$ASIDE/.moved"
    if [ "$clash" = 0 ]; then rm -rf "$ASIDE"; fi
    if git ls-files --deleted | grep -q .; then echo "aside: still missing:" >&2; git ls-files --deleted >&2; exit 1; fi
    [ "$clash" = 0 ] || exit 1
    echo "restored; git ls-files --deleted is empty" ;;
  *) echo "usage: $0 out|back|kept-bytes|list" >&2; exit 2 ;;
esac
