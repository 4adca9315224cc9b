#!/usr/bin/env bash
# Room for an MLLM training call (v10_long.sh with the carried data): a call carries the working tree plus its carried
# paths, 64 MiB in all, and the tree with public/models, the golden vectors, the evaluations and the teachers is over
# 100 MB. `out` moves what such a call does not read under $ROOM (nothing is deleted), `back` restores it and checks
# that git sees the tree as before; `size` prints what the call would carry with the data. Never commit while out.
#   bash training/gpu/room.sh out; <run with carry training/data/emoji64.u8.xz training/data/report.json training/carry>
#   bash training/gpu/room.sh back
# Kept: training/eval/judge.pt and natural_prompts.json (the evaluation's), the CONTROL evaluations named in KEEP
# (default run21/ctl and run25/xs), public/models but the int8 decoders (WASM's), and training/reader unless
# READER=shipped (v10_long.sh then reads the committed reader.onnx: 3.9 MB of room).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ROOM=${ROOM:-/tmp/puma-room}
KEEP=${KEEP:-"run21/ctl run25/xs"}
paths() {
  echo docs/screenshots golden workers/mllm/fixtures e2e/fixtures training/teachers training/logs bench/results tests
  for s in 0 1 2 3 4; do echo "public/models/decoder_f$s.int8.onnx"; done
  [ "${READER:-}" = shipped ] && echo training/reader
  for p in training/eval/*; do
    case "$p" in training/eval/judge.pt|training/eval/natural_prompts.json) continue ;; esac
    local keep=
    for k in $KEEP; do [ "${k%%/*}" = "${p#training/eval/}" ] && keep=1; done
    if [ -z "$keep" ]; then echo "$p"; continue; fi
    for q in "$p"/*; do   # a kept run's other arms go
      local mine=
      for k in $KEEP; do [ "training/eval/$k" = "$q" ] && mine=1; done
      [ -n "$mine" ] || echo "$q"
    done
  done
}
case "${1:-}" in
  out)
    [ -e "$ROOM" ] && { echo "$ROOM exists: run back first"; exit 1; }
    git status --porcelain > /tmp/puma-room.status
    for p in $(paths); do [ -e "$p" ] && { mkdir -p "$ROOM/$(dirname "$p")"; mv "$p" "$ROOM/$p"; }; done
    "$0" size ;;
  back)
    [ -d "$ROOM" ] || { echo "nothing under $ROOM"; exit 1; }
    (cd "$ROOM" && find . -mindepth 1 \( -type f -o -type l \) -print0) | while IFS= read -r -d '' f; do
      mkdir -p "$(dirname "$f")"; mv "$ROOM/$f" "$f"; done
    rm -rf "$ROOM"
    git status --porcelain | diff - /tmp/puma-room.status && echo "tree restored" ;;
  size)
    # (tracked files moved out are listed but not there: stat skips them, and its status is not the total's)
    git ls-files -co --exclude-standard -z | { xargs -0 stat -c %s 2>/dev/null || true; } | awk -v c="$(cat training/data/emoji64.u8.xz \
      training/data/report.json training/carry/* 2>/dev/null | wc -c)" '{s += $1} END {printf "tree %.1f MB + carry %.1f MB = %.1f MB (limit 67.1)\n", s/1e6, c/1e6, (s+c)/1e6}' ;;
  *) echo "usage: [READER=shipped] [KEEP='run21/ctl ...'] $0 out|back|size"; exit 2 ;;
esac
