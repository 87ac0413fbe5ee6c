#!/usr/bin/env bash
# conv_direct.sh: the direct 3x3 stride-1 forward (src/common/nn/conv_direct.c) against oneDNN
# 2.6's AVX2 forward on the same nChw8c buffers, in one process, alternating, best of ROUNDS, on
# ResNet-18 small-stem stage shapes at batch 128 (32 px input: 16-256 channels at 32x32 down to
# 4x4), 1 and 2 threads. The cpu backend uses the direct kernel up to CONV_DIRECT_MAX_SIDE (4):
# this shows where that bound comes from. Needs AVX2 (nChw8c); skipped elsewhere.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-15}
[ -f /usr/include/oneapi/dnnl/dnnl.h ] || { echo "conv_direct: no oneDNN, skipped"; exit 0; }
grep -qw avx2 /proc/cpuinfo || { echo "conv_direct: no AVX2, skipped"; exit 0; }
mpicc -std=c11 -O2 -fopenmp -D_GNU_SOURCE -DINVAR_HAVE_DNNL -I"$SRC/src/common" \
    "$SRC/tests/bench/conv_direct_bench.c" "$O/libinvar.a" -o "$T/cdb" -ldnnl -lopenblas \
    -lnetcdf -lm || exit 1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
    for shape in "16 32" "32 16" "64 8" "128 4" "32 32" "64 16" "128 8" "256 4"; do
        set -- $shape
        out=$(INVAR_CONV_DIRECT=0 OMP_NUM_THREADS=$threads "$T/cdb" $1 $2 128 "$ROUNDS") || exit 1
        set -- $1 $2 $out
        ratio=$(awk -v a="$4" -v b="$6" 'BEGIN {printf "%.2f", a / b}')
        echo "conv3x3_fwd_c$1_${2}x$2_b128_t$threads: invar direct $6 ms, baseline oneDNN $4 ms, ratio $ratio (max |diff| $8)"
    done
done
