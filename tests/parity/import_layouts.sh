#!/usr/bin/env bash
# import_layouts.sh: invar-data import of every data set of the paper from tiny copies of its
# published layout, written here by Python (PIL images, .npy by numpy, .mat by scipy.io, .pts
# and label text files); every shard is checked from Python (netCDF4) against what the layout's
# rules and numpy's seed-0 draws give (import_layouts.py), -np 2 must give the same file as
# -np 1, and bad layouts must fail with a message naming the file.
source "$(dirname "$0")/../lib.sh"

if ! $PYTHON -c 'import netCDF4, numpy, scipy.io, PIL' 2>/dev/null; then
    echo "SKIP: $SUITE: $PYTHON lacks netCDF4, numpy, scipy or PIL"; summary; exit
fi
PY="$PYTHON $(dirname "$0")/import_layouts.py"
D=$T/data
ok "write the fixtures" $PY write "$D"
IMPORT="$BIN/invar-data import"

# imp NAME EXPECT ARGS...: import with -np 1 and -np 2 (--block 2); the shards are checked
# from Python at the end (one Python for all: "EXPECT SHARD [SHARD2]" lines in $CHECKS).
CHECKS=$T/checks.txt
: >"$CHECKS"
imp() {
    local name=$1 want=$2; shift 2
    ok "$name: import -np 1" $MPIRUN -np 1 $IMPORT "$@" --out "$T/$name.1.nc"
    ok "$name: import -np 2" $MPIRUN -np 2 $IMPORT "$@" --out "$T/$name.2.nc" --block 2
    echo "$want $T/$name.1.nc $T/$name.2.nc" >>"$CHECKS"
}
# imp1 NAME EXPECT ARGS...: one plain run (no mpirun) and its check.
imp1() {
    local name=$1 want=$2; shift 2
    ok "$name: import" $IMPORT "$@" --out "$T/$name.nc"
    echo "$want $T/$name.nc" >>"$CHECKS"
}

# Causal3DIdent: latents in ImageFolder order, class = c, raw latents, --sample.
imp causal causal_train causal3dident "$D/causal"
imp1 causal-raw causal_train_raw causal3dident "$D/causal" --latents raw
imp1 causal-test causal_test causal3dident "$D/causal/testset"
ok "causal3dident --sample 5" $IMPORT causal3dident "$D/causal" --sample 5 --seed 3 --out "$T/cs.nc"
ok "the sample is 5 distinct training rows in order" $PYTHON - "$T/cs.nc" "$T/causal.1.nc" <<'PY'
import sys, numpy as np, netCDF4
a, b = (np.asarray(netCDF4.Dataset(p)["latent"][:]) for p in sys.argv[1:])
rows = [int(np.where((b == r).all(1))[0][0]) for r in a]
assert len(a) == 5 and rows == sorted(set(rows)), rows
PY
expect_fail "causal3dident: int64 latents" "causal_bad_dtype/latents_0.npy.*dtype '<i8'" \
    $IMPORT causal3dident "$D/causal_bad_dtype" --out "$T/bad.nc"
expect_fail "causal3dident: (N, 9) latents" "causal_bad_shape/latents_0.npy.*shape \(N, 10\)" \
    $IMPORT causal3dident "$D/causal_bad_shape" --out "$T/bad.nc"
rm "$D/causal_bad_shape/latents_0.npy"
expect_fail "causal3dident: latent file missing" "causal_bad_shape/latents_0.npy: latent file missing" \
    $IMPORT causal3dident "$D/causal_bad_shape" --out "$T/bad.nc"

# Real-world groups.
imp coil coil100 coil100 "$D/coil"
imp aloi-view aloi-view aloi-view "$D/aloi"
imp aloi-illum aloi-illum aloi-illum "$D/aloi/illumination"
imp1 aloi-temp aloi-temp aloi-temp "$D/aloi"
mkdir -p "$D/aloi_tar" && ln -s ../aloi/viewpoint "$D/aloi_tar/png4"
imp1 aloi-view-tar aloi-view aloi-view "$D/aloi_tar"
imp alot-view alot-view alot-view "$D/alot"
imp1 alot-view-official alot-view-official alot-view "$D/alot" --protocol official
imp1 alot-illum alot-illum alot-illum "$D/alot"
imp1 alot-temp alot-temp alot-temp "$D/alot"
imp flickr flickr1024 flickr1024 "$D/flickr/Flickr1024" --resize 8 --crop 8
imp exposure exposure-errors exposure-errors "$D/exposure/ExposureErrors" --split training
imp1 exposure-official exposure-errors exposure-errors "$D/exposure/ExposureErrors/training" --protocol official
imp realblur realblur-J realblur "$D/realblur/RealBlur" --resize 8 --crop 8
imp1 realblur-official realblur-J realblur "$D/realblur/RealBlur" --resize 8 --crop 8 --protocol official
imp1 realblur-R realblur-R realblur "$D/realblur/RealBlur" --subset R --resize 8 --crop 8
expect_fail "mixed sizes without --resize/--crop" "Train/0001_L.png: image is 12x9 .*use --resize R --crop C" \
    $IMPORT flickr1024 "$D/flickr/Flickr1024" --out "$T/bad.nc"
expect_fail "a group with one image" "coil_single/obj2__0.png: the only image of its object" \
    $IMPORT coil100 "$D/coil_single" --out "$T/bad.nc"
expect_fail "flickr1024: right image missing" "flickr_bad/Train/0001_R.png: right image" \
    $IMPORT flickr1024 "$D/flickr_bad" --out "$T/bad.nc"

# Downstream tasks.
imp caltech caltech101-train caltech101 "$D/caltech/Caltech101"
imp1 caltech-test caltech101-test caltech101 "$D/caltech/Caltech101" --split test
ok "caltech101 notes the mean per-class metric" bash -c \
    "ncdump -h '$T/caltech.1.nc' | grep -q 'metric = \"mean_class\"'"
imp flowers flowers102-trainval flowers102 "$D/flowers/Flowers"
imp1 flowers-test flowers102-test flowers102 "$D/flowers/Flowers" --split test
imp1 flowers-official flowers102-trainval flowers102 "$D/flowers/Flowers" --protocol official
ok "flowers102: mean per-class metric, plain accuracy with --protocol official" bash -c \
    "ncdump -h '$T/flowers.1.nc' | grep -q 'metric = \"mean_class\"' &&
     ncdump -h '$T/flowers-official.nc' | grep -q 'metric = \"accuracy\"'"
imp 300w 300w 300w "$D/300w/300W" --resize 16 --crop 16
imp1 300w-official 300w-official 300w "$D/300w/300W" --resize 16 --crop 16 --targets official
imp celeba celeba celeba "$D/celeba/CelebA" --resize 16 --crop 16
imp1 celeba-official celeba-official celeba "$D/celeba/CelebA" --resize 16 --crop 16 --targets official
imp1 celeba-test celeba-test celeba "$D/celeba/CelebA" --resize 16 --crop 16 --split test
imp lsp lsp lsp "$D/lsp/LeedsSportsPose" --resize 16 --crop 16
imp1 lsp-official lsp-official lsp "$D/lsp/LeedsSportsPose" --resize 16 --crop 16 --targets official
imp1 lsp-test-vis lsp-test-vis lsp "$D/lsp/LeedsSportsPose" --resize 16 --crop 16 --split test --visibility

mkdir -p "$D/caltech_nosplit/101_ObjectCategories/a" && cp "$D/caltech/Caltech101/caltech101/101_ObjectCategories/Faces/image_0001.jpg" "$D/caltech_nosplit/101_ObjectCategories/a/"
expect_fail "caltech101: missing label file" "caltech_nosplit/train.txt: label file missing" \
    $IMPORT caltech101 "$D/caltech_nosplit" --out "$T/bad.nc"
mkdir -p "$D/caltech_nosplit/101_ObjectCategories/empty"
expect_fail "a class folder with no images" "101_ObjectCategories/empty: class folder holds no images" \
    $IMPORT caltech101 "$D/caltech_nosplit" --out "$T/bad.nc"
expect_fail "flowers102: .mat without the variable" "flowers_bad/setid.mat: no variable 'tstid'" \
    $IMPORT flowers102 "$D/flowers_bad" --split test --out "$T/bad.nc"
expect_fail "lsp: joints.mat without joints" "lsp_bad/joints.mat: no variable 'joints'" \
    $IMPORT lsp "$D/lsp_bad" --out "$T/bad.nc"
expect_fail "300w: a .pts with 67 points" "indoor_001.pts: 67 points, expected 68" \
    $IMPORT 300w "$D/300w_bad/300W" --out "$T/bad.nc"
expect_fail "celeba: missing partition file" "list_eval_partition.txt: label file missing" \
    $IMPORT celeba "$D/celeba_bad" --out "$T/bad.nc"
ok "no output left behind by the failed imports" bash -c "! ls '$T'/bad.nc* 2>/dev/null | grep -q ."

# Synthetic-invariance sets: the flat val folder + devkit equals the ImageFolder layout;
# --sample official = numpy's seed-0 choice with replacement.
imp imagenet-flat imagenet imagenet-val "$D/imagenet/flat" --devkit "$D/imagenet/ILSVRC2012_devkit_t12"
imp1 imagenet-folder imagenet imagenet-val "$D/imagenet/val"
imp1 imagenet-official imagenet-official imagenet-val "$D/imagenet/val" --sample official
imp1 imagenet-official30 imagenet-official30 imagenet-val "$D/imagenet/flat" --sample official:30 \
    --devkit "$D/imagenet/ILSVRC2012_devkit_t12"
ok "write ILSVRC2012_img_val.tar" tar -C "$D/imagenet/flat" -cf "$D/imagenet/ILSVRC2012_img_val.tar" .
imp imagenet-tar imagenet imagenet-val "$D/imagenet/ILSVRC2012_img_val.tar" --devkit "$D/imagenet/ILSVRC2012_devkit_t12"
head -c 3000 "$D/imagenet/ILSVRC2012_img_val.tar" > "$D/imagenet/cut.tar"
expect_fail "imagenet-val: truncated tar" "cut.tar: (tar member at offset [0-9]+: size runs past|truncated tar)" \
    $IMPORT imagenet-val "$D/imagenet/cut.tar" --devkit "$D/imagenet/ILSVRC2012_devkit_t12" --out "$T/bad.nc"
imp1 coco coco-official coco "$D/coco/val2017" --sample official
imp1 inat inat-first3 inat "$D/inat/val" --sample first:3
mv "$D/imagenet/ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt" "$D/gt.txt"
expect_fail "imagenet-val: missing devkit labels" "ILSVRC2012_validation_ground_truth.txt: label file missing" \
    $IMPORT imagenet-val "$D/imagenet/flat" --devkit "$D/imagenet/ILSVRC2012_devkit_t12" --out "$T/bad.nc"

# Every shard against what the layout says (and -np 2 against -np 1).
$PY checkall "$D" "$CHECKS" >"$T/checked.txt" 2>&1
while read -r want shard rest; do
    ok "$(basename "$shard" .nc): shard as the layout says${rest:+, -np 2 = -np 1}" \
        grep -qxF "ok $shard" "$T/checked.txt"
    grep -F " $shard " "$T/checked.txt" | head -c 3000 || true
done <"$CHECKS"
ok "every check ran" bash -c "[ \$(grep -c -e '^ok ' -e '^FAIL:' '$T/checked.txt') = \$(wc -l <'$CHECKS') ]"

summary
