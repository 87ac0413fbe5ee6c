#!/usr/bin/env bash
# measure.sh: invar-measure synthetic, realworld, views and compare end to end on a tiny world
# with a small random ResNet-18: -np 1, 2 and 3 give the same files; kill -9 and a re-run give
# the same file as an uninterrupted run (also after a torn journal record); compare marks a
# model built to be flip-invariant (the same network fed horizontally symmetrised images) and
# nothing between a model and itself; bad inputs are clear errors.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
M=$BIN/invar-measure
PYF="$PYTHON $HERE/measure_files.py"
NET="--model random --arch resnet18 --stem small --width 0.25 --resize 36 --crop 32"

ok "tiny world" $BIN/invar-data world --preset tiny --out $T/w --sets shape,exposure \
    --n-shape 160 --groups-exposure 4 -q
S=$T/w/shape.nc
ok "stats features" $M features $NET --data $S --out $T/f.nc -q
SY="synthetic $NET --data $S --stats $T/f.nc --images 6 --grid 3 --batch 8 -q"

# Ranks.
ok "synthetic -np 1" $M $SY --out $T/s1.nc
ok "synthetic -np 2" $MPIRUN -np 2 $M $SY --out $T/s2.nc
ok "synthetic -np 3" $MPIRUN -np 3 $M $SY --out $T/s3.nc
ok "-np 2 file = -np 1 file" $PYF same $T/s1.nc $T/s2.nc 1e-6
ok "-np 3 file = -np 1 file" $PYF same $T/s1.nc $T/s3.nc 1e-6
ok "no resume state left" test ! -e $T/s1.nc.resume
ok "official protocol" $MPIRUN -np 2 $M $SY --protocol official --sample official --out $T/so.nc
ok "official protocol file" $PYTHON -c "
import netCDF4, numpy as np
a, b = netCDF4.Dataset('$T/s1.nc'), netCDF4.Dataset('$T/so.nc')
assert b.protocol == 'official' and a.whitening == 'cholesky', (b.protocol, a.whitening)
names = list(a['transform_name'][:]); h = names.index('hflip')
s = np.asarray(a['similarity'][h]); 
assert abs(a['mean_similarity'][h] - np.nanmean(s[1])) < 1e-12   # paper: transformed image only
assert np.all(np.asarray(a['valid'][h]) == [1, 1, 0])
assert np.all(np.asarray(b['image_index'][:]) == np.random.RandomState(0).choice(160, 6))
"

# kill -9 in the middle, a torn record, then the same arguments again.
RS="synthetic $NET --data $S --stats $T/f.nc --images 4 --grid 6 --batch 4 --threads 1"
ok "uninterrupted run" $M $RS -q --out $T/full.nc
# start_and_kill OUT ARGS...: runs the sweep and kill -9s it once its journal holds some units.
start_and_kill() {
    local out=$1; shift
    $M "$@" --out $out >$T/kill.log 2>&1 &
    local pid=$! i
    for i in $(seq 1 600); do
        [ -s $out.resume/rank-0.bin ] && [ "$(stat -c %s $out.resume/rank-0.bin)" -gt 2000 ] && break
        sleep 0.05
    done
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
}
start_and_kill $T/k.nc $RS
ok "killed before the end" test ! -e $T/k.nc
ok "journal kept" test -s $T/k.nc.resume/rank-0.bin
printf 'RSWItorn' >>$T/k.nc.resume/rank-0.bin
ok "re-run continues" $M $RS --out $T/k.nc
ok "re-run skipped finished units" grep -Eq "units \([1-9][0-9]* done before\)" $T/last.log
ok "resumed file = uninterrupted file" $PYF same $T/full.nc $T/k.nc 0
ok "resume state removed" test ! -e $T/k.nc.resume
mkdir -p $T/x.nc.resume && cp $T/s1.nc $T/x.nc.resume/rank-0.bin
ok "a foreign file in the resume directory is ignored" $M $RS --images 3 -q --out $T/x.nc
start_and_kill $T/y.nc $RS --images 3
ok "second run killed" test ! -e $T/y.nc
expect_fail "resume state of other arguments" "y.nc.resume holds the resume state of a run with other arguments" \
    $M $RS --images 2 --out $T/y.nc

# Real-world groups.
E=$T/w/exposure.nc
RW="realworld --model random --arch resnet18 --stem small --width 0.25 --resize 32 --crop 32 --data $E --stats $S -q"
ok "realworld -np 1" $M $RW --out $T/r1.nc
ok "realworld -np 3" $MPIRUN -np 3 $M $RW --out $T/r3.nc
ok "realworld -np 3 = -np 1" $PYF same $T/r1.nc $T/r3.nc 1e-6
ok "realworld official (stats as the paper run's)" $M $RW --protocol official --stats-resize 32 --stats-crop 32 --out $T/ro.nc
ok "realworld means" $PYTHON -c "
import netCDF4, numpy as np
p, o = netCDF4.Dataset('$T/r1.nc'), netCDF4.Dataset('$T/ro.nc')
g = np.asarray(p['pair_group'][:]); s = np.asarray(p['pair_similarity'][:]); n = np.asarray(p['group_size'][:])
per = np.array([s[g == k].mean() for k in range(len(n))])
assert np.allclose(per, p['group_similarity'][:], atol=1e-12) and abs(per.mean() - p['mean_similarity'][:]) < 1e-12
full = (2 * per * n * (n - 1) / 2 + n) / n**2   # diagonal included, cosine 1
assert np.allclose(full, o['group_similarity'][:], atol=1e-5), (full, o['group_similarity'][:])
"

# Views.
cat >$T/small.policy <<'P'
random_resized_crop size=32 scale=0.2,1 ratio=0.75,1.3333333 interpolation=bilinear
color_jitter brightness=0.4 contrast=0.4 saturation=0.4 hue=0.1 p=0.8
hflip p=0.5
P
VW="views --model random --arch resnet18 --stem small --width 0.25 --data $S --images 6 --views 3 --k 4 --policy $T/small.policy -q"
ok "views -np 1" $M $VW --out $T/v1.nc
ok "views -np 2" $MPIRUN -np 2 $M $VW --out $T/v2.nc
ok "views -np 2 = -np 1" $PYF same $T/v1.nc $T/v2.nc 1e-6

# compare: a model and itself; the same network fed horizontally symmetrised images, so built
# to be invariant to flips (its hflip similarity is 1).
ok "symmetric copy" $PYF symmetric $S $T/sym.nc
CS="synthetic $NET --transforms hflip,rotation --grid 4 --images 60 --batch 32 -q"
ok "sweep A" $M $CS --data $S --stats $S --out $T/a.nc
ok "sweep B (symmetrised)" $M $CS --data $T/sym.nc --stats $T/sym.nc --out $T/b.nc
ok "compare A A" $M compare $T/a.nc $T/a.nc --out $T/aa.nc
ok "no mark between a model and itself" bash -c "[ \"\$($PYF marks $T/aa.nc hflip)\" = '0 0 0' ]"
ok "compare A B" $M compare $T/a.nc $T/b.nc --out $T/ab.nc
ok "B marked on hflip" bash -c "$PYF marks $T/ab.nc hflip | grep -q '^[12] 0 1$'"
expect_fail "compare of different files" "do not measure the same thing" $M compare $T/a.nc $T/r1.nc --out $T/bad.nc
head -c 600 $T/a.nc >$T/trunc.nc
expect_fail "truncated invariance file" "trunc.nc" $M compare $T/a.nc $T/trunc.nc --out $T/bad.nc
expect_fail "compare of one file" "positional|argument" $M compare $T/a.nc --out $T/bad.nc

# Bad input.
ok "one-image group shard" $PYF single-groups $E $T/single.nc
expect_fail "one-image groups" "single.nc: 1 of 5 groups have a single image \(e.g. group 99999\)" \
    $M realworld $NET --data $T/single.nc --stats $S --out $T/bad.nc
ok "features of another width" $M features --model random --arch resnet18 --stem small --width 0.5 \
    --data $S --resize 36 --crop 32 --out $T/f256.nc -q
expect_fail "stats of another dimension" "f256.nc holds 256-dimensional features but the network gives 128" \
    $M $SY --stats $T/f256.nc --out $T/bad.nc
expect_fail "unknown transform" "unknown transform 'warp'" $M $SY --transforms rotation,warp --out $T/bad.nc
ok "torchvision resnet18 checkpoint" $PYF checkpoint $T/r18.safetensors
expect_fail "checkpoint of another arch" "r18.safetensors is not a resnet18 \(small stem, width 0.25\) checkpoint" \
    $M synthetic --model $T/r18.safetensors --arch resnet18 --stem small --width 0.25 --data $S --stats $S \
    --resize 36 --crop 32 --out $T/bad.nc
# A checkpoint series: a leading model dimension, epochs from the metadata or the file name.
ok "second checkpoint (epoch 5 in its metadata)" $PYF checkpoint $T/second.safetensors 1 5
SER="--arch resnet18 --data $S --stats $E --images 2 --transforms hflip,rotation --grid 2 --resize 36 --crop 32 -q"
ok "series" $MPIRUN -np 2 $M synthetic --model $T/r18.safetensors,$T/second.safetensors $SER --out $T/series.nc
ok "one of the series alone" $M synthetic --model $T/second.safetensors $SER --out $T/second.nc
ok "series file" $PYTHON -c "
import netCDF4, numpy as np
s, o = netCDF4.Dataset('$T/series.nc'), netCDF4.Dataset('$T/second.nc')
assert list(s['epoch'][:]) == [18, 5], s['epoch'][:]
assert s['similarity'].dimensions == ('model', 'transform', 'param', 'image')
for v in ('similarity', 'distance', 'mean_similarity', 'image_distance'):
    assert np.nanmax(np.abs(np.asarray(s[v][1]) - np.asarray(o[v][:]))) < 1e-6, v
"
ok "no series resume state left" bash -c "! ls -d $T/series.nc.model-* 2>/dev/null"
# compare takes one entry of a series: the last (the final checkpoint) or that of --epoch.
ok "compare series (last entry) vs its checkpoint alone" $M compare $T/series.nc $T/second.nc --out $T/cs.nc
ok "compare names the entry used" grep -q "series.nc: checkpoint series, entry 2 of 2 (epoch 5): the last" $T/last.log
ok "compare --epoch 18" $M compare $T/series.nc $T/second.nc --epoch 18 --out $T/cs18.nc
ok "compare --epoch names the entry" grep -q "series.nc: checkpoint series, entry 1 of 2 (epoch 18)" $T/last.log
ok "compare series files" $PYTHON -c "
import netCDF4, numpy as np
s, a, b = netCDF4.Dataset('$T/series.nc'), netCDF4.Dataset('$T/cs.nc'), netCDF4.Dataset('$T/cs18.nc')
assert list(a['model_entry'][:]) == [1, -1] and list(a['model_epoch'][:]) == [5, -1]
assert list(b['model_entry'][:]) == [0, -1] and list(b['model_epoch'][:]) == [18, -1]
assert np.all(np.asarray(a['mark'][:]) == 0), a['mark'][:]   # the same model twice
m = np.asarray(s['image_similarity'][0]).mean(axis=1)
assert np.allclose(np.asarray(b['mean_similarity'][0]), m, atol=1e-12)
assert np.allclose(np.asarray(a['mean_similarity'][0]), np.asarray(a['mean_similarity'][1]), atol=1e-12)
"
expect_fail "compare --epoch not in the series" "series.nc: no checkpoint of epoch 7 in the checkpoint series \\(its epochs: 18, 5\\)" \
    $M compare $T/series.nc $T/second.nc --epoch 7 --out $T/bad.nc
expect_fail "compare --epoch without a series" "--epoch 5: none of the files is a checkpoint series" \
    $M compare $T/second.nc $T/second.nc --epoch 5 --out $T/bad.nc
expect_fail "compare series of other transforms" "do not measure the same thing" \
    $M compare $T/series.nc $T/a.nc --out $T/bad.nc
expect_fail "series with a features file as stats" "checkpoint series needs a shard" \
    $M synthetic --model $T/r18.safetensors,$T/second.safetensors $SER --stats $T/f.nc --out $T/bad.nc
expect_fail "groups shard without groups" "shape.nc has no group\(n\) variable" $M realworld $NET --data $S --stats $S --out $T/bad.nc
expect_fail "bad protocol" "--protocol must be paper or official" $M $SY --protocol code --out $T/bad.nc
expect_fail "bad grid" "--grid must be 'full' or a number" $M $SY --grid 1 --out $T/bad.nc
ok "no output left by failures" test ! -e $T/bad.nc
summary
