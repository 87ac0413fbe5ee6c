#!/usr/bin/env bash
# measure_sweep.sh: invar-measure synthetic, realworld and views against the PyTorch/torchvision/
# PIL reference tests/parity/measure_ref.py (written from NOTES.md): a tiny ResNet-18 (small stem,
# width 0.25) whose random weights the reference writes as safetensors, images of the tiny
# world, --resize 36 --crop 32. Synthetic: every transform but deform (its random fields differ by
# design), both protocols, per-transform mean similarity within 1e-3 and mean distance within
# 1e-3 relative (and every per-(param, image) value); once on the full grids (2 images), once on
# 8 grid points of 8 images. Realworld: the illumination and viewpoint groups, both protocols.
# Views: uniformity and ACR recomputed with numpy from the features the views file holds.
# Negative check: a weight file with one conv scaled by 1.05 must fail the comparison.
source "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
SRC=${INVAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
REF="$PYTHON $SRC/tests/parity/measure_ref.py"
M=$BIN/invar-measure
NET="--arch resnet18 --stem small --width 0.25"
SZ="--resize 36 --crop 32"

ok "world" $BIN/invar-data world --preset tiny --sets shape,illumination,viewpoint --out "$T/w" -q
ok "stats world (300 images)" $BIN/invar-data world --preset tiny --sets pretrain --n-pretrain 300 \
    --out "$T/s" -q
ok "model" $REF make "$T"
W="$T/model.safetensors"

# synthetic, paper protocol, the full grids of 1 image; stats from a shard (both sides compute
# its clean features)
ok "synthetic paper full grids" $M synthetic --model "$W" $NET --data "$T/w/shape.nc" \
    --stats "$T/s/pretrain.nc" --images 1 --sample first --grid full $SZ --protocol paper \
    --out "$T/full.nc" -q
ok "compare paper full grids" $REF synthetic --model "$W" --data "$T/w/shape.nc" \
    --stats "$T/s/pretrain.nc" --images 1 --grid full $SZ --protocol paper --check "$T/full.nc"
grep -E 'mean_|differences' "$T/last.log" | sed 's/^/  /'

# both protocols, 8 points of each grid, 8 images (the official draw of them); stats from a
# features file (the stats shard's, at 36/32)
ok "stats features" $M features --model "$W" $NET --data "$T/s/pretrain.nc" $SZ \
    --out "$T/stats.nc" -q
for P in paper official; do
    ok "synthetic $P grid 8" $M synthetic --model "$W" $NET --data "$T/w/shape.nc" \
        --stats "$T/stats.nc" --images 8 --sample official --grid 8 $SZ --protocol $P \
        --batch 16 --out "$T/syn-$P.nc" -q
    ok "compare $P grid 8" $REF synthetic --model "$W" --data "$T/w/shape.nc" \
        --stats "$T/stats.nc" --images 8 --sample official --grid 8 $SZ --protocol $P \
        --check "$T/syn-$P.nc"
    grep -E 'mean_|differences' "$T/last.log" | sed 's/^/  /'
done

# negative: another weight file must not pass for this model
ok "synthetic perturbed weights" $M synthetic --model "$T/perturbed.safetensors" $NET \
    --data "$T/w/shape.nc" --stats "$T/stats.nc" --images 8 --sample official --grid 8 $SZ \
    --protocol paper --out "$T/bad.nc" -q
expect_fail "perturbed weights differ from the reference" "FAIL synthetic paper mean_(similarity|distance)" \
    $REF synthetic --model "$W" --data "$T/w/shape.nc" --stats "$T/stats.nc" --images 8 \
    --sample official --grid 8 $SZ --protocol paper --check "$T/bad.nc"

# realworld: whitening from a features file (the stats shard's clean features at 36/32), the
# views at Resize(32) + CenterCrop(32) as the official script's Resize(224) + CenterCrop(224)
for G in illumination viewpoint; do
    for P in paper official; do
        ok "realworld $G $P" $M realworld --model "$W" $NET --data "$T/w/$G.nc" \
            --stats "$T/stats.nc" --resize 32 --crop 32 --protocol $P --out "$T/rw-$G-$P.nc" -q
        ok "compare realworld $G $P" $REF realworld --model "$W" --data "$T/w/$G.nc" \
            --stats "$T/stats.nc" --resize 32 --crop 32 --protocol $P --check "$T/rw-$G-$P.nc"
        grep -E 'mean_|differences' "$T/last.log" | sed 's/^/  /'
    done
done

# views: uniformity and ACR against numpy on the file's own features (MoCo-v2's policy at 32 px)
cat >"$T/tiny.policy" <<'POLICY'
random_resized_crop size=32 scale=0.2,1 ratio=0.75,1.3333333 interpolation=bilinear
color_jitter brightness=0.4 contrast=0.4 saturation=0.4 hue=0.1 p=0.8
grayscale p=0.2
gaussian_blur sigma=0.1,2 p=0.5
hflip p=0.5
normalize mean=0.485,0.456,0.406 std=0.229,0.224,0.225
POLICY
ok "views" $M views --model "$W" $NET --data "$T/w/shape.nc" --policy "$T/tiny.policy" --views 10 \
    --k 10 --out "$T/views.nc" -q
ok "compare views" $REF views --check "$T/views.nc" --k 10
grep -E 'views' "$T/last.log" | sed 's/^/  /'
# a constructed case: a policy without randomness makes every view the clean image; the file's
# features are then torchvision's clean features and ACR (k = 10, 10 views) is 1/10 (ties first)
printf 'resize size=36\ncenter_crop size=32\nnormalize mean=0.485,0.456,0.406 std=0.229,0.224,0.225\n' \
    >"$T/fixed.policy"
ok "views fixed policy" $M views --model "$W" $NET --data "$T/w/shape.nc" --policy "$T/fixed.policy" \
    --views 10 --k 10 --out "$T/views-fixed.nc" -q
ok "compare views fixed policy" $REF views --check "$T/views-fixed.nc" --k 10 --model "$W" \
    --data "$T/w/shape.nc" $SZ
grep -E 'views' "$T/last.log" | sed 's/^/  /'
ok "ACR of identical views is 0.1" $PYTHON -c "
import netCDF4, sys
sys.exit(0 if abs(float(netCDF4.Dataset('$T/views-fixed.nc')['acr'][...]) - 0.1) < 1e-12 else 1)"

# Ledoit-Wolf: stats of 32 images for 128-d features (singular): scikit-learn's shrinkage
ok "synthetic Ledoit-Wolf stats" $M synthetic --model "$W" $NET --data "$T/w/shape.nc" \
    --stats "$T/w/shape.nc" --images 4 --sample first --grid 4 $SZ --transforms rotation,hflip,blur \
    --out "$T/lw.nc" -q
ok "compare Ledoit-Wolf" $REF synthetic --model "$W" --data "$T/w/shape.nc" --stats "$T/w/shape.nc" \
    --images 4 --grid 4 $SZ --transforms rotation,hflip,blur --check "$T/lw.nc"
grep -E 'shrinkage|differences' "$T/last.log" | sed 's/^/  /'
summary
