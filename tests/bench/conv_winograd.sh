#!/usr/bin/env bash
# conv_winograd.sh: the cpu backend's 3x3 stride-1 convolutions as they run by default (oneDNN's
# Winograd kernels where src/common/nn/conv_dnnl.c picks them: AVX-512 hosts, 32 channels and up
# for forward and backward data, 64 and up for backward weights, images of 4x4 and more) against
# oneDNN's direct kernels (INVAR_CONV_WINOGRAD=0, the baseline) on the same buffers, in one
# process, alternating, best of ROUNDS; ResNet-18 small-stem stage shapes at batch 128 (32 and
# 64 px input, widths 0.25-1), 1 and 2 threads. Ratio = direct / default; 1.00 where the default
# is direct. The largest difference between the two (over the largest value) is printed.
# Needs AVX-512 (oneDNN 2.6 has no Winograd kernels for AVX2); skipped elsewhere.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-8}
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || { echo "conv_winograd: no oneDNN, skipped"; exit 0; }
grep -qw avx512f /proc/cpuinfo || { echo "conv_winograd: no AVX-512, skipped"; exit 0; }
build_tool "$SRC/tests/bench/conv_winograd_bench.c" "$T/cwb" || exit 1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
    for shape in "16 32" "32 16" "64 8" "128 4" "32 32" "64 16" "128 8" "256 4" "32 64" "64 32" \
        "128 16" "256 8" "512 4"; do
        set -- $shape
        out=$(OMP_NUM_THREADS=$threads "$T/cwb" $1 $2 128 "$ROUNDS") || exit 1
        c=$1 side=$2
        set -- $out # fwd DIRECT DEFAULT DIFF bwd_data ... bwd_weights ...
        while [ $# -ge 4 ]; do
            ratio=$(awk -v a="$2" -v b="$3" 'BEGIN {printf "%.2f", a / b}')
            echo "conv3x3_$1_c${c}_${side}x${side}_b128_t$threads: invar $3 ms, baseline oneDNN direct $2 ms, ratio $ratio (max rel diff $4)"
            shift 4
        done
    done
done
