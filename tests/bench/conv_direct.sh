#!/usr/bin/env bash
# conv_direct.sh: the cpu backend's two ways of a 3x3 stride-1 training forward against oneDNN
# 2.6's AVX2 forward primitive (the baseline) on the same nChw8c buffers, in one process,
# alternating, best of ROUNDS: oneDNN's backward-data primitive on flipped, transposed weights
# (used above CONV_DIRECT_MAX_SIDE) and the direct kernel of src/common/nn/conv_direct.c (used up
# to it, 4), on ResNet-18 small-stem stage shapes at batch 128 (32 px input: 16-256 channels at
# 32x32 down to 4x4), 1 and 2 threads; the ratio is the way the backend uses for that shape.
# Needs AVX2 without AVX-512 (nChw8c); skipped elsewhere.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-15}
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || { echo "conv_direct: no oneDNN, skipped"; exit 0; }
grep -qw avx2 /proc/cpuinfo || { echo "conv_direct: no AVX2, skipped"; exit 0; }
# with AVX-512 the backend keeps nChw16c, where the direct kernel (nChw8c only) is never used
grep -qw avx512f /proc/cpuinfo &&
    { echo "conv_direct: AVX-512 host, activations in nChw16c, skipped"; exit 0; }
build_tool "$SRC/tests/bench/conv_direct_bench.c" "$T/cdb" || exit 1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
    for shape in "16 32" "32 16" "64 8" "128 4" "32 32" "64 16" "128 8" "256 4"; do
        set -- $shape
        out=$(INVAR_CONV_DIRECT=0 OMP_NUM_THREADS=$threads "$T/cdb" $1 $2 128 "$ROUNDS") || exit 1
        set -- $1 $2 $out # c side onednn_ms X asbwd_ms Y direct_ms Z maxdiff_asbwd A maxdiff_direct B
        if [ "$2" -le 4 ]; then used="direct" ms=$8 diff=${12}; else used="as backward data" ms=$6 diff=${10}; fi
        ratio=$(awk -v a="$4" -v b="$ms" 'BEGIN {printf "%.2f", a / b}')
        echo "conv3x3_fwd_c$1_${2}x$2_b128_t$threads: invar $ms ms ($used; as backward data $6, direct $8), baseline oneDNN forward $4 ms, ratio $ratio (max |diff| $diff)"
    done
done
