#!/usr/bin/env bash
# nn_features.sh: invar-measure features against torchvision: a ResNet-50 state dict written as
# safetensors from Python (plain and MoCo-style prefixes) gives torchvision's features on a
# shard imported from PNGs, with resize + centre crop, on 1 and 2 ranks; broken checkpoints fail
# naming the missing, unexpected or mis-shaped tensor; a random init runs and is seeded.
source "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
SRC=${INVAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PY="$PYTHON $SRC/tests/parity/nn_features.py"
M=$BIN/invar-measure
ok "fixtures" $PY make "$T"
ok "import" $BIN/invar-data import folder "$T/images" --out "$T/shard.nc" -q
ok "features plain" $M features --model "$T/plain.safetensors" --arch resnet50 --data "$T/shard.nc" \
    --resize 36 --crop 32 --batch 4 --out "$T/f1.nc"
ok "compare plain" $PY check "$T" "$T/shard.nc" "$T/f1.nc" 36 32
grep -o 'max rel err.*' "$T/last.log" | sed 's/^/  plain: /'
ok "features moco, 2 ranks" $MPIRUN -np 2 $M features --model "$T/moco.safetensors" --arch resnet50 \
    --data "$T/shard.nc" --resize 36 --crop 32 --batch 2 --out "$T/f2.nc"
ok "compare moco" $PY check "$T" "$T/shard.nc" "$T/f2.nc" 36 32
ok "no resizing" $M features --model "$T/plain.safetensors" --arch resnet50 --data "$T/shard.nc" \
    --out "$T/f3.nc"
ok "compare no resizing" $PY check "$T" "$T/shard.nc" "$T/f3.nc" 0 0
expect_fail "missing tensor" "missing: layer1.0.conv1.weight" $M features --model \
    "$T/missing.safetensors" --arch resnet50 --data "$T/shard.nc" --out "$T/x.nc"
expect_fail "unexpected tensor" "unexpected: layer1.0.conv9.weight" $M features --model \
    "$T/extra.safetensors" --arch resnet50 --data "$T/shard.nc" --out "$T/x.nc"
expect_fail "mis-shaped tensor" "wrong shape or type: layer2.0.bn1.running_var" $M features \
    --model "$T/shaped.safetensors" --arch resnet50 --data "$T/shard.nc" --out "$T/x.nc"
expect_fail "wrong architecture" "unexpected: layer1.0.conv3.weight.*wrong shape or type: layer1.0.conv1.weight \(F32 \(64, 64, 1, 1\); want F32 \(64, 64, 3, 3\)\)" $M features --model \
    "$T/plain.safetensors" --arch resnet18 --data "$T/shard.nc" --out "$T/x.nc"
ok "no file left by failures" test ! -e "$T/x.nc"
expect_fail "crop too large" "larger than" $M features --model random --arch resnet18 \
    --data "$T/shard.nc" --crop 64 --out "$T/x.nc"
ok "random small stem" $M features --model random --arch resnet18 --stem small --seed 3 \
    --data "$T/shard.nc" --out "$T/r1.nc"
ok "random, 2 ranks" $MPIRUN -np 2 $M features --model random --arch resnet18 --stem small \
    --seed 3 --data "$T/shard.nc" --batch 2 --out "$T/r2.nc"
ok "same features on 1 and 2 ranks" $PYTHON -c "
import netCDF4, numpy as np, sys
a = np.array(netCDF4.Dataset('$T/r1.nc')['feature'][:]); b = np.array(netCDF4.Dataset('$T/r2.nc')['feature'][:])
sys.exit(0 if a.shape == (6, 512) and np.abs(a - b).max() <= 1e-5 * np.abs(a).max() else 1)"
summary
