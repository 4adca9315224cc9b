#!/usr/bin/env bash
# The device calls, played here after pack.sh, with SwiftShader as the Vulkan driver: each call gets a
# fresh copy of the tree as `aside.sh out` would leave it (nothing in this checkout moves) plus that
# call's part, and runs device.sh's command with a clean environment (PATH without the project's
# node_modules, HOME in the scratch dir). The shared "device /tmp" is $SIM/device. Proves the pack is
# complete: the headless shell runs on the bundled libraries alone (device.sh lists every library its
# processes mapped from outside the bundle: here only glibc and SwiftShader should show).
#   bash bench/browser-gpu/simulate.sh            # BGPU_RUNS=1 unless set, the manifest's steps (~25 min on 2 cores at 4 steps)
#   BGPU_SIM_LAST=diag bash bench/browser-gpu/simulate.sh   # the parts, unpack, diag and probe only
#   SIM=/tmp/bgpu-sim (default); each call's $OUT is $SIM/out-K
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
SIM=${SIM:-/tmp/bgpu-sim}
n=$(awk '$1 == "parts" {print $2}' .browser-gpu/p1/SUMS)
rm -rf "$SIM"; mkdir -p "$SIM/device" "$SIM/home"
for k in $(seq 1 "$n"); do
  tree=$SIM/call-$k; mkdir -p "$tree/.browser-gpu" "$SIM/out-$k"
  bash bench/browser-gpu/aside.sh kept-list | tar --null -T - -cf - | tar -C "$tree" -xf -
  cp -r ".browser-gpu/p$k" "$tree/.browser-gpu/"
  cmd="part $k"; [ "$k" = "$n" ] && cmd=${BGPU_SIM_LAST:-run}  # BGPU_SIM_LAST=diag: no bench (a minute)
  echo "== call $k: $(du -sb "$tree" | cut -f1) bytes sent; device.sh $cmd"
  (cd "$tree" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$SIM/home" OUT="$SIM/out-$k" BGPU_DIR="$SIM/device" \
     VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json} BGPU_ALLOW_FALLBACK=1 \
     BGPU_STEPS=${BGPU_STEPS:-} BGPU_RUNS=${BGPU_RUNS:-1} BGPU_BENCH_TIMEOUT=${BGPU_BENCH_TIMEOUT:-1800} \
     nice -n 10 bash bench/browser-gpu/device.sh $cmd)
done
echo "== the last call's \$OUT ($SIM/out-$n):"; ls -la "$SIM/out-$n"
