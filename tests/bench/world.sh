#!/usr/bin/env bash
# world.sh: the embedded world's rendering rate (images per second, written to a shard) at 64
# and 224 pixels on 2 cores, and the default preset's full generation time on 2 cores (2 MPI
# ranks x 1 thread) against its 5-minute target (ratio < 1 meets it).
source "$(dirname "$0")/../lib.sh"
DATA=$BIN/invar-data

rate() { # rate SIZE N: images/s writing N pretrain images at SIZE px on 2 threads
    local t0 t1
    t0=$(date +%s.%N)
    $DATA world --preset default --sets pretrain --n-pretrain "$2" --size "$1" --threads 2 \
        --out "$T/r$1" -q >/dev/null || return 1
    t1=$(date +%s.%N)
    echo "$2 / ($t1 - $t0)" | bc -l
}
r64=$(rate 64 4000) || exit 1
r224=$(rate 224 600) || exit 1
printf 'world_64: invar %.0f img/s (64 px, 2 threads, shard written)\n' "$r64"
printf 'world_224: invar %.0f img/s (224 px, 2 threads, shard written)\n' "$r224"

t0=$(date +%s.%N)
$MPIRUN -np 2 $DATA world --preset default --threads 1 --out "$T/default" -q >/dev/null || exit 1
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc -l)
printf 'world_default: invar %.1f s, target 300 s, ratio %.3f\n' "$secs" "$(echo "$secs / 300" | bc -l)"
