#!/usr/bin/env bash
# shard_mpi.sh: several MPI ranks open and read one shard at the same time (independent
# read-only opens), each checking its own range and the whole shard; bad files fail cleanly
# with a message naming the file. Uses the small test program tests/integration/shard_tool.c.
source "$(dirname "$0")/../lib.sh"

TOOL=$T/shard_tool
ok "build shard_tool" mpicc -std=c11 -D_GNU_SOURCE -fopenmp -Isrc/common \
    $(pkg-config --cflags netcdf) tests/integration/shard_tool.c "$O/libinvar.a" -o "$TOOL" \
    $(pkg-config --libs netcdf libcjson libpng) -ljpeg -fopenmp -lm

S=$T/world.nc
ok "write a shard" "$TOOL" write "$S" 23 8 6 3 2 10 1 1
ok "no temporary file left" test -z "$(ls "$T" | grep '\.tmp\.')"
ok "read without mpirun" "$TOOL" mpiread "$S"
ok "read with 1 rank" $MPIRUN -np 1 "$TOOL" mpiread "$S"
ok "read with 2 ranks" $MPIRUN -np 2 "$TOOL" mpiread "$S"
cp "$T/last.log" "$T/np2.log"
ok "2 ranks covered all examples" grep -q "2 ranks, 23 examples split, 0 mismatches: ok" "$T/np2.log"
ok "read with 3 ranks" $MPIRUN -np 3 "$TOOL" mpiread "$S"
ok "dump" "$TOOL" dump "$S"

expect_fail "missing shard, 2 ranks" "missing.nc: no such file" \
    $MPIRUN -np 2 "$TOOL" mpiread "$T/missing.nc"
head -c 5000 /dev/urandom >"$T/random.nc"
expect_fail "random bytes" "random.nc: not a NetCDF file" "$TOOL" dump "$T/random.nc"
ok "write a feature file" "$TOOL" features "$T/feat.nc" 4 3
expect_fail "features given as a shard" "feat.nc: is not an image shard" "$TOOL" dump "$T/feat.nc"
size=$(stat -c %s "$S")
for cut in 100 $((size / 2)) $((size - 10)); do
    cp "$S" "$T/cut.nc" && truncate -s $cut "$T/cut.nc"
    expect_fail "shard truncated at $cut bytes" "cut.nc" $MPIRUN -np 2 "$TOOL" mpiread "$T/cut.nc"
    if grep -q "HDF5-DIAG" "$T/last.log"; then
        FAILED=$((FAILED + 1)); echo "FAIL: $SUITE: HDF5 printed its error stack"
    fi
done
summary
