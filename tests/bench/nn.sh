#!/usr/bin/env bash
# nn.sh: images/s of invar's ResNet engine against PyTorch 1.13 on the same cores and thread
# count, in the same run: (a) ResNet-18 small stem, 32x32, batch 64, forward + backward + SGD;
# (b) ResNet-50, 224x224, batch 16, forward in eval mode; each with 1 and 2 threads. Runs
# alternate invar / PyTorch (best of ROUNDS) to even out load from other processes; peak resident
# memory of each process is printed too.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-2}
DNNL=""
[ -f /usr/include/oneapi/dnnl/dnnl.h ] && DNNL="-DINVAR_HAVE_DNNL -ldnnl"
mpicc -std=c11 -O2 -fopenmp -D_GNU_SOURCE -I"$SRC/src/common" "$SRC/tests/bench/nn_bench.c" \
    "$O/libinvar.a" -o "$T/nn_bench" $DNNL -lopenblas -lnetcdf -lm || exit 1
best() { sort -g | tail -n 1; }
for case in a b; do
    if [ $case = a ]; then batch=64 iters=${ITERS_A:-4} name=resnet18_small32_train_b64
    else batch=16 iters=${ITERS_B:-3} name=resnet50_224_eval_b16; fi
    for threads in 1 2; do
        export OMP_NUM_THREADS=$threads
        : >"$T/inv" ; : >"$T/pt"
        for r in $(seq "$ROUNDS"); do
            "$T/nn_bench" $case $batch $iters >>"$T/inv" || exit 1
            $PYTHON "$SRC/tests/bench/nn_torch.py" $case $batch $iters >>"$T/pt" || exit 1
        done
        inv=$(awk '{print $2}' "$T/inv" | best); pt=$(awk '{print $2}' "$T/pt" | best)
        inv_mb=$(awk '{print $4}' "$T/inv" | best); pt_mb=$(awk '{print $4}' "$T/pt" | best)
        ratio=$(awk -v a="$inv" -v b="$pt" 'BEGIN {printf "%.2f", a / b}')
        echo "nn_${name}_t$threads: invar $inv images/s, baseline $pt images/s, ratio $ratio"
        echo "  peak memory: invar $inv_mb MB, pytorch $pt_mb MB"
    done
done
