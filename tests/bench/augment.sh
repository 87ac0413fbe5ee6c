#!/usr/bin/env bash
# augment.sh: two augmented 224x224 views (MoCo's TwoCropsTransform, Default policy) per CPU
# second from ~256x256 RGB images, ToTensor + Normalize included: invar (libinvar through the
# parity driver) against torchvision 0.14 / PIL, one thread each, pinned to the same core, in one
# run. Three alternating rounds; the best round of each counts (the machine may be shared).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../parity/aug_driver_build.bash"
SECONDS_EACH=${BENCH_SECONDS:-2}
aug_build_driver || { echo "augment: cannot build the driver"; exit 1; }
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
export OMP_NUM_THREADS=1
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
ours=0 base=0
for round in 1 2 3; do
    r=$($pin "$T/aug_driver" bench default 16 "$SECONDS_EACH") || exit 1
    ours=$(best "$ours" "$r")
    r=$($pin $PYTHON tests/bench/augment.py "$SECONDS_EACH") || exit 1
    base=$(best "$base" "$r")
done
ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
echo "augment: invar $ours pairs/s, baseline $base pairs/s, ratio $ratio"
