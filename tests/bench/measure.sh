#!/usr/bin/env bash
# measure.sh: the synthetic invariance sweep, transformed images per second, invar-measure
# synthetic against the official code's loop (tests/bench/measure_official.py: PIL transforms +
# torchvision + torch forward per image, as eval_synthetic_invariance.py does it) on the same
# images, transforms (the 17 without deform, which needs albumentations), grid points, model
# shape and threads, alternating sides, best of ROUNDS: (a) ResNet-18 width 0.5, small stem, on
# 64 px images (Resize 72 + CenterCrop 64); (b) ResNet-50 on 224 px images (Resize 256 +
# CenterCrop 224). invar's time is the whole command (model set-up, clean features, whitening
# and the output file included). Besides the wall-clock rates, each side's rate per CPU second
# (user + system, all threads; invar: the whole command, the baseline: its timed loop) is
# printed, which a machine loaded by other work disturbs less. Then the time a Table 2 sweep of
# one ResNet-50 (1000 images x 18 transforms x the full grids = 3,089,000 transformed images)
# would take on this machine, from the marginal rate between two slices of every transform (4
# and 12 grid points). SKIP_A=1 skips case (a); INVAR_ARGS adds options to invar's side (e.g.
# --transform-threads 0).
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
M=$BIN/invar-measure
BASE="$PYTHON $SRC/tests/bench/measure_official.py"
NODEFORM=resized_crop,hflip,vflip,scale,shear,rotation,translation,grayscale,brightness,contrast,saturation,hue,blur,sharpness,equalize,posterize,invert
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$SRC/tests/bench/measure_official.py" ] || { echo "measure.sh: the baseline tests/bench/measure_official.py is missing"; exit 1; }
$BIN/invar-data world --preset default --sets shape --n-shape 16 --out "$T/w64" -q || exit 1
$BIN/invar-data world --preset default --size 224 --sets shape --n-shape 4 --out "$T/w224" -q || exit 1
best() { sort -g | tail -n 1; }

bench_case() { # name arch width stem shard resize crop images grid
    local name=$1 arch=$2 width=$3 stem=$4 data=$5 resize=$6 crop=$7 images=$8 grid=$9
    local net="--model random --arch $arch --width $width --stem $stem"
    $M features $net --data "$data" --resize $resize --crop $crop --out "$T/stats-$name.nc" -q \
        --threads $THREADS || exit 1
    : >"$T/inv"; : >"$T/base"; : >"$T/inv_cpu"; : >"$T/base_cpu"
    for r in $(seq "$ROUNDS"); do
        rm -f "$T/o-$name.nc"
        local t0 t1
        t0=$(date +%s.%N)
        /usr/bin/time -f "%U %S" -o "$T/time" \
            $M synthetic $net --data "$data" --stats "$T/stats-$name.nc" --images $images --grid $grid \
            --transforms $NODEFORM --resize $resize --crop $crop --batch 64 --threads $THREADS \
            ${INVAR_ARGS:-} --out "$T/o-$name.nc" -q >/dev/null || exit 1
        t1=$(date +%s.%N)
        local count
        count=$($PYTHON -c "import netCDF4, numpy as np; print(int(np.asarray(netCDF4.Dataset('$T/o-$name.nc')['valid'][:]).sum()) * $images)")
        awk -v c=$count -v a=$t0 -v b=$t1 'BEGIN {printf "%.3f\n", c / (b - a)}' >>"$T/inv"
        awk -v c=$count '{printf "%.3f\n", c / ($1 + $2)}' "$T/time" >>"$T/inv_cpu"
        $BASE --arch $arch --width $width --stem $stem --data "$data" --images $images --grid $grid \
            --transforms $NODEFORM --resize $resize --crop $crop --threads $THREADS --rounds 1 \
            >"$T/base.log" 2>&1 || { cat "$T/base.log"; exit 1; }
        sed -n 's/^RESULT images_per_s=\([0-9.]*\).*/\1/p' "$T/base.log" >>"$T/base"
        sed -n 's/^RESULT .*images_per_cpu_s=\([0-9.]*\).*/\1/p' "$T/base.log" >>"$T/base_cpu"
    done
    local inv base ic bc
    inv=$(best <"$T/inv"); base=$(best <"$T/base"); ic=$(best <"$T/inv_cpu"); bc=$(best <"$T/base_cpu")
    echo "measure_synthetic_$name: invar $inv images/s, baseline $base images/s, ratio $(awk -v a=$inv -v b=$base 'BEGIN {printf "%.2f", a / b}')"
    echo "  per CPU second: invar $ic, baseline $bc, ratio $(awk -v a=$ic -v b=$bc 'BEGIN {printf "%.2f", a / b}')"
    echo "  ($images images x $(($count / $images)) transformed each, $THREADS threads; rounds: invar $(tr '\n' ' ' <"$T/inv")baseline $(tr '\n' ' ' <"$T/base"); load $(cut -d' ' -f1-3 /proc/loadavg))"
}

[ -z "${SKIP_A:-}" ] && bench_case resnet18w05_64px resnet18 0.5 small "$T/w64/shape.nc" 72 64 4 16
bench_case resnet50_224px resnet50 1 standard "$T/w224/shape.nc" 256 224 1 3

# Table 2: one image, all 18 transforms at 4 and at 12 points each, ResNet-50 at 224; the rate is
# the marginal one between the two slices (the fixed cost of model set-up, whitening and clean
# features cancels), scaled to 1000 images x the full grids (12 x 256 + 5 x 2 + 7 = 3089
# transformed images per image), plus the fixed cost once.
net="--model random --arch resnet50"
slice() { # grid -> "count seconds"
    rm -f "$T/t2.nc"
    local t0 t1 n
    t0=$(date +%s.%N)
    $M synthetic $net --data "$T/w224/shape.nc" --stats "$T/stats-resnet50_224px.nc" --images 1 \
        --grid $1 --batch 64 --threads $THREADS ${INVAR_ARGS:-} --out "$T/t2.nc" -q >/dev/null || exit 1
    t1=$(date +%s.%N)
    n=$($PYTHON -c "import netCDF4, numpy as np; print(int(np.asarray(netCDF4.Dataset('$T/t2.nc')['valid'][:]).sum()))")
    awk -v a=$t0 -v b=$t1 -v n=$n 'BEGIN {printf "%d %.3f\n", n, b - a}'
}
read -r n1 s1 < <(slice 4)
read -r n2 s2 < <(slice 12)
awk -v n1=$n1 -v s1=$s1 -v n2=$n2 -v s2=$s2 -v t=$THREADS 'BEGIN {r = (n2 - n1) / (s2 - s1);
    fixed = s1 - n1 / r; if (fixed < 0) fixed = 0; s = 3089000 / r + fixed;
    printf "measure_table2_resnet50: invar %.2f images/s between the slices (%d and %d transformed images in %.1f and %.1f s), a full Table 2 sweep of one model: %.1f hours on %d threads here\n", r, n1, n2, s1, s2, s / 3600, t }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
