#!/usr/bin/env bash
# measure.sh: the synthetic invariance sweep, transformed images per second, invar-measure
# synthetic against the official code's loop (tests/bench/measure_official.py: PIL transforms +
# torchvision + torch forward per image, as eval_synthetic_invariance.py does it) on the same
# images, transforms (the 17 without deform, which needs albumentations), grid points, model
# shape and threads, alternating sides, best of ROUNDS: (a) ResNet-18 width 0.5, small stem, on
# 64 px images (Resize 72 + CenterCrop 64); (b) ResNet-50 on 224 px images (Resize 256 +
# CenterCrop 224). invar's time is the whole command (model set-up, clean features, whitening
# and the output file included). Then the time a Table 2 sweep of one ResNet-50 (1000 images x
# 18 transforms x the full grids = 3,089,000 transformed images) would take on this machine,
# scaled from a slice of every transform at 4 grid points. SKIP_A=1 skips case (a).
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
    : >"$T/inv"; : >"$T/base"
    for r in $(seq "$ROUNDS"); do
        rm -f "$T/o-$name.nc"
        local t0 t1
        t0=$(date +%s.%N)
        $M synthetic $net --data "$data" --stats "$T/stats-$name.nc" --images $images --grid $grid \
            --transforms $NODEFORM --resize $resize --crop $crop --batch 64 --threads $THREADS \
            --out "$T/o-$name.nc" -q >/dev/null || exit 1
        t1=$(date +%s.%N)
        local count
        count=$($PYTHON -c "import netCDF4, numpy as np; print(int(np.asarray(netCDF4.Dataset('$T/o-$name.nc')['valid'][:]).sum()) * $images)")
        awk -v c=$count -v a=$t0 -v b=$t1 'BEGIN {printf "%.3f\n", c / (b - a)}' >>"$T/inv"
        $BASE --arch $arch --width $width --stem $stem --data "$data" --images $images --grid $grid \
            --transforms $NODEFORM --resize $resize --crop $crop --threads $THREADS --rounds 1 \
            >"$T/base.log" 2>&1 || { cat "$T/base.log"; exit 1; }
        sed -n 's/^RESULT images_per_s=\([0-9.]*\).*/\1/p' "$T/base.log" >>"$T/base"
    done
    local inv base
    inv=$(best <"$T/inv"); base=$(best <"$T/base")
    echo "measure_synthetic_$name: invar $inv images/s, baseline $base images/s, ratio $(awk -v a=$inv -v b=$base 'BEGIN {printf "%.2f", a / b}')"
    echo "  ($images images x $(($count / $images)) transformed each, $THREADS threads; rounds: invar $(tr '\n' ' ' <"$T/inv")baseline $(tr '\n' ' ' <"$T/base"))"
}

[ -z "${SKIP_A:-}" ] && bench_case resnet18w05_64px resnet18 0.5 small "$T/w64/shape.nc" 72 64 4 16
bench_case resnet50_224px resnet50 1 standard "$T/w224/shape.nc" 256 224 1 3

# Table 2: one image, all 18 transforms at 4 points each, ResNet-50 at 224; scaled to 1000 images
# x the full grids (12 x 256 + 5 x 2 + 7 = 3089 transformed images per image).
net="--model random --arch resnet50"
rm -f "$T/t2.nc"
t0=$(date +%s.%N)
$M synthetic $net --data "$T/w224/shape.nc" --stats "$T/stats-resnet50_224px.nc" --images 1 --grid 4 \
    --batch 64 --threads $THREADS --out "$T/t2.nc" -q >/dev/null || exit 1
t1=$(date +%s.%N)
n=$($PYTHON -c "import netCDF4, numpy as np; print(int(np.asarray(netCDF4.Dataset('$T/t2.nc')['valid'][:]).sum()))")
awk -v a=$t0 -v b=$t1 -v n=$n -v t=$THREADS 'BEGIN {r = n / (b - a); s = 3089000 / r;
    printf "measure_table2_resnet50: invar %.2f images/s on the slice (%d transformed images), a full Table 2 sweep of one model: %.1f hours on %d threads here\n", r, n, s / 3600, t }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
