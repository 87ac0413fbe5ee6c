#!/usr/bin/env bash
# shard_io.sh: writing and reading an image shard (N 32x32x3 images with labels, the NetCDF-4
# layout of shard.h: one zlib-1 chunk per image) with libinvar against Python's netCDF4 doing
# the same (same layout, same batch sizes). Prints images per second and the ratio.
source "$(dirname "$0")/../lib.sh"
N=${N:-20000}
TOOL=$T/shard_tool
mpicc -O2 -std=c11 -D_GNU_SOURCE -fopenmp -Isrc/common $(pkg-config --cflags netcdf) \
    tests/integration/shard_tool.c "$O/libinvar.a" -o "$TOOL" \
    $(pkg-config --libs netcdf libcjson libpng) -ljpeg -fopenmp -lm || exit 1
read -r _ inv_w _ inv_r < <("$TOOL" bench "$T/invar.nc" "$N") || exit 1
read -r _ py_w _ py_r < <($PYTHON - "$T/py.nc" "$N" <<'PY'
import sys, time
import numpy as np, netCDF4
path, n = sys.argv[1], int(sys.argv[2])
per = 32 * 32 * 3
p = np.arange(per)
t0 = time.time()
ds = netCDF4.Dataset(path, "w", format="NETCDF4")
ds.createDimension("n", None)
for d in ("h", "w"): ds.createDimension(d, 32)
ds.createDimension("c", 3)
im = ds.createVariable("image", "u1", ("n", "h", "w", "c"), zlib=True, complevel=1, shuffle=False,
                       chunksizes=(1, 32, 32, 3), fill_value=False)
lab = ds.createVariable("label", "i4", ("n",), chunksizes=(4096,))
for first in range(0, n, 500):
    i = np.arange(first, min(n, first + 500))[:, None]
    im[first:first + len(i)] = ((i * 37 + p * 11 + (p >> 3)) & 255).astype(np.uint8).reshape(-1, 32, 32, 3)
    lab[first:first + len(i)] = (i[:, 0] % 10).astype(np.int32)
ds.close()
t1 = time.time()
ds = netCDF4.Dataset(path)
ds.set_auto_mask(False)
for first in range(0, n, 256):
    x = ds["image"][first:first + 256]
    y = ds["label"][first:first + 256]
ds.close()
t2 = time.time()
print("write %.1f read %.1f" % (n / (t1 - t0), n / (t2 - t1)))
PY
) || exit 1
ok "same images and labels in both files" $PYTHON -c '
import sys, numpy as np, netCDF4
a, b = (netCDF4.Dataset(p) for p in sys.argv[1:3])
for v in ("image", "label"):
    assert np.array_equal(a[v][:], b[v][:]), v' "$T/invar.nc" "$T/py.nc"
awk -v a="$inv_w" -v b="$py_w" 'BEGIN{printf "shard_write: invar %.0f images/s, baseline (Python netCDF4) %.0f images/s, ratio %.2f\n", a, b, a/b}'
awk -v a="$inv_r" -v b="$py_r" 'BEGIN{printf "shard_read: invar %.0f images/s, baseline (Python netCDF4) %.0f images/s, ratio %.2f\n", a, b, a/b}'
summary
