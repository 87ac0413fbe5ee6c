#!/usr/bin/env bash
# train.sh: invar-train's MoCo-v2 step against a PyTorch MoCo-v2 loop (tests/bench/
# train_torch.py, torch CPU: the same model, batch, K, threads, in the same run), ResNet-18
# small stem, batch 128, K 4096, width 0.25 and 0.5, 32 and 64 px, 1 and 2 threads:
#   step: pairs/s of the training step alone, both sides on the same pre-made views (invar's
#         views.nc); invar runs with --workers 0, so each batch is built before its step and
#         nothing runs beside the step, as in the PyTorch step loop; invar's step_s in log.nc
#         excludes the batch building -- goal >= 1.5x;
#   loop: the whole loop with each side's loader and augmentation (invar: its loader thread;
#         PyTorch: a torchvision DataLoader with the same policy and workers) -- goal >= 2x.
# Sides alternate, best of ROUNDS; peak resident memory of both; the load average is printed.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-4}
MODES=${MODES:-step loop} WIDTHS=${WIDTHS:-0.25 0.5} SIZES=${SIZES:-32 64} THREADS=${THREADS:-1 2}
TORCH=$SRC/tests/bench/train_torch.py
[ -f "$TORCH" ] || { echo "train: $TORCH is missing (it comes from branch train-ref)"; exit 1; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
$BIN/invar-data world --preset tiny --size 64 --n-pretrain $((128 * (STEPS + 1))) --sets pretrain \
    --out "$T/w" -q || exit 1
SHARD=$T/w/pretrain.nc
best() { sort -g | tail -n 1; }
# pairs/s from an invar run's log.nc: median over the steps after the first of step_s (step) or
# step_s + wait_s (loop).
cat >"$T/rate.py" <<'PY'
import sys, numpy as np, netCDF4
f = netCDF4.Dataset(sys.argv[1]); mode = sys.argv[2]
t = np.array(f["step_s"][1:]) + (np.array(f["wait_s"][1:]) if mode == "loop" else 0)
print(f"{128 / np.median(t):.2f}")
PY
invar_run() { # mode width size threads -> "pairs_per_s peak_mb"
    local out=$T/run_$1_$2_$3_$4 extra=""
    rm -rf "$out"
    [ "$1" = step ] && extra="--save-views 1 --workers 0" || extra="--workers $4"
    $BIN/invar-train --data "$SHARD" --arch resnet18 --stem small --width $2 --size $3 --batch 128 \
        --queue 4096 --epochs 1 --max-steps $STEPS --threads $4 $extra --out "$out" \
        2>"$out.err" >/dev/null || { cat "$out.err"; return 1; }
    echo "$($PYTHON "$T/rate.py" "$out/log.nc" $1) $(sed -n 's/.*peak resident memory \([0-9.]*\) MB.*/\1/p' "$out.err")"
}
for mode in $MODES; do
    for width in $WIDTHS; do
        for size in $SIZES; do
            for threads in $THREADS; do
                : >"$T/inv"; : >"$T/pt"
                for r in $(seq "$ROUNDS"); do
                    invar_run $mode $width $size $threads >>"$T/inv" || exit 1
                    views=$T/run_step_${width}_${size}_${threads}/views.nc
                    [ -f "$views" ] || invar_run step $width $size $threads >/dev/null || exit 1
                    OMP_NUM_THREADS=$threads $PYTHON "$TORCH" $mode --views "$views" --data "$SHARD" \
                        --width $width --size $size --batch 128 --queue 4096 --threads $threads \
                        --workers $threads --steps $STEPS >>"$T/pt" || exit 1
                done
                inv=$(awk '{print $1}' "$T/inv" | best); pt=$(awk '{print $1}' "$T/pt" | best)
                inv_mb=$(awk '{print $2}' "$T/inv" | best); pt_mb=$(awk '{print $2}' "$T/pt" | best)
                ratio=$(awk -v a="$inv" -v b="$pt" 'BEGIN {printf "%.2f", a / b}')
                echo "train_${mode}_w${width}_${size}px_b128_t$threads: invar $inv pairs/s, baseline $pt pairs/s, ratio $ratio"
                echo "  peak memory: invar $inv_mb MB, pytorch $pt_mb MB"
            done
        done
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
