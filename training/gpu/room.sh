#!/usr/bin/env bash
# Room for an MLLM training call (v10_long.sh with the carried data): a call carries the working tree plus its carried
# paths, 64 MiB in all. `out` runs bench/device-aside.sh's SET=training (the golden vectors, fixtures, screenshots,
# teachers and int8 decoders) and moves under $ROOM what else such a call does not read; `back` restores both (and
# device-aside checks that no tracked file is missing); `size` prints what the call would carry with the data. Nothing
# is deleted. Never commit while out.
#   bash training/gpu/room.sh out; <run with carry training/data/emoji64.u8.xz training/data/report.json training/carry>
#   bash training/gpu/room.sh back
# Kept: training/eval/judge.pt and natural_prompts.json (the evaluation's), the CONTROL evaluations named in KEEP
# (default run25/xs and run26/c13), and training/reader unless READER=shipped (v10_long.sh then reads the committed
# reader.onnx: 3.9 MB of room). MORE="src e2e ..." moves those paths out too (an evaluation-only call reads none of the
# page), under the same $ROOM, so `back` restores them where they were.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ROOM=${ROOM:-/tmp/puma-room}
KEEP=${KEEP:-"run25/xs run26/c13"}
named() { local k; for k in $KEEP; do [ "training/eval/$k" = "$1" ] && return 0; done; return 1; }   # kept whole
holds() { local k; for k in $KEEP; do [ "training/eval/${k%%/*}" = "$1" ] && return 0; done; return 1; }  # a kept arm's run
paths() {   # beyond device-aside's: MORE first (whole folders before any of their parts), the logs, the bench results,
  # the browser tests' data and the evaluations not read
  echo ${MORE:-} training/logs bench/results tests
  [ "${READER:-}" = shipped ] && echo training/reader
  local p q
  for p in training/eval/*; do
    case "$p" in training/eval/judge.pt|training/eval/natural_prompts.json) continue ;; esac
    if named "$p"; then continue; fi
    if holds "$p"; then for q in "$p"/*; do named "$q" || echo "$q"; done; else echo "$p"; fi
  done
}
case "${1:-}" in
  out)
    [ -e "$ROOM" ] && { echo "$ROOM exists: run back first"; exit 1; }
    SET=training bash bench/device-aside.sh out
    for p in $(paths); do [ -e "$p" ] && { mkdir -p "$ROOM/$(dirname "$p")"; mv "$p" "$ROOM/$p"; }; done
    "$0" size ;;
  back)
    if [ -d "$ROOM" ]; then
      (cd "$ROOM" && find . -mindepth 1 \( -type f -o -type l \) -print0) | while IFS= read -r -d '' f; do
        mkdir -p "$(dirname "$f")"; mv "$ROOM/$f" "$f"; done
      rm -rf "$ROOM"
    fi
    SET=training bash bench/device-aside.sh back ;;
  size)
    # (tracked files moved out are listed but not there: stat skips them, and its status is not the total's)
    git ls-files -co --exclude-standard -z | { xargs -0 stat -c %s 2>/dev/null || true; } | awk -v c="$(cat training/data/emoji64.u8.xz \
      training/data/report.json training/carry/* 2>/dev/null | wc -c)" '{s += $1} END {printf "tree %.1f MB + carry %.1f MB = %.1f MB (limit 67.1)\n", s/1e6, c/1e6, (s+c)/1e6}' ;;
  *) echo "usage: [READER=shipped] [KEEP='run21/ctl ...'] [MORE='src docs ...'] $0 out|back|size"; exit 2 ;;
esac
