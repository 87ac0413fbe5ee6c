#!/usr/bin/env bash
# shard_python.sh: shards and feature files written by invar open in Python's netCDF4 with the
# same layout (dimensions, types, chunking, zlib), values and attributes; and a shard and a
# feature file written by Python's netCDF4 in that layout open and read the same in invar.
# Both sides print the same canonical text dump, which must be identical.
source "$(dirname "$0")/../lib.sh"

if ! $PYTHON -c 'import netCDF4, numpy' 2>/dev/null; then
    echo "SKIP: $SUITE: $PYTHON has no netCDF4/numpy"; summary; exit
fi
TOOL=$T/shard_tool
ok "build shard_tool" mpicc -std=c11 -D_GNU_SOURCE -fopenmp -Isrc/common \
    $(pkg-config --cflags netcdf) tests/integration/shard_tool.c "$O/libinvar.a" -o "$TOOL" \
    $(pkg-config --libs netcdf libcjson libpng) -ljpeg -fopenmp -lm

cat >"$T/nc.py" <<'PY'
import sys
import numpy as np
import netCDF4

def attrs(ds):
    return ["attr %s %s" % (a, ds.getncattr(a)) for a in
            ("invar_kind", "invar_version", "dataset", "source", "seed") if a in ds.ncattrs()]

def rows(name, x):
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    return ["%s %d %s" % (name, i, " ".join("%.9g" % float(v) for v in r)) for i, r in enumerate(x)]

def dump_shard(path):
    ds = netCDF4.Dataset(path)
    v = ds.variables
    n, h, w, c = v["image"].shape
    tk = v["target"].shape[1] if "target" in v else 0
    lk = v["latent"].shape[1] if "latent" in v else 0
    out = ["n %d h %d w %d c %d label %d target_k %d group %d latent_k %d" %
           (n, h, w, c, "label" in v, tk, "group" in v, lk)] + attrs(ds)
    img = v["image"][:]
    out += ["image %d %s" % (i, " ".join(str(int(b)) for b in img[i].ravel())) for i in range(n)]
    for name in ("label", "group"):
        if name in v:
            out += ["%s %d %d" % (name, i, int(x)) for i, x in enumerate(v[name][:])]
    for name in ("target", "latent"):
        if name in v:
            out += rows(name, v[name][:])
    print("\n".join(out))

def dump_features(path):
    ds = netCDF4.Dataset(path)
    f = ds.variables["feature"]
    src = ds.getncattr("source") if "source" in ds.ncattrs() else ""
    print("n %d d %d\nattr source %s" % (f.shape[0], f.shape[1], src))
    print("\n".join(rows("feature", f[:])))

def check_layout(path, kind):
    # The layout DESIGN.md and shard.h / features.h promise.
    ds = netCDF4.Dataset(path)
    assert ds.data_model == "NETCDF4", ds.data_model
    assert ds.getncattr("invar_kind") == kind
    assert ds.getncattr("invar_version")
    assert ds.dimensions["n"].isunlimited()
    v = ds.variables
    if kind == "shard":
        im = v["image"]
        assert im.dimensions == ("n", "h", "w", "c"), im.dimensions
        assert im.dtype == np.uint8
        assert im.chunking() == [1] + list(im.shape[1:]), im.chunking()
        f = im.filters()
        assert f["zlib"] and not f["shuffle"] and 1 <= f["complevel"] <= 4, f
        # No fill value on pixels, so that 255 is not masked as missing.
        assert not np.ma.is_masked(im[:]), "pixels masked as fill values"
        assert ds.getncattr("dataset") == "tool" and ds.getncattr("seed") == "42"
        assert v["label"].dtype == np.int32 and v["label"].dimensions == ("n",)
        assert v["group"].dtype == np.int32 and v["group"].dimensions == ("n",)
        assert v["target"].dtype == np.float32
        assert v["target"].dimensions == ("n", "target_dim"), v["target"].dimensions
        assert v["latent"].dtype == np.float32
        assert v["latent"].dimensions == ("n", "latent_dim"), v["latent"].dimensions
        assert v["latent"].shape[1] == 10
    else:
        f = v["feature"]
        assert f.dimensions == ("n", "d") and f.dtype == np.float32
        for a, want in (("source", "tool.nc"), ("model", "random"), ("arch", "resnet18"),
                        ("stem", "small")):
            assert ds.getncattr(a) == want, (a, ds.getncattr(a))
    print("layout ok")

def write_shard(path):
    rng = np.random.default_rng(7)
    n, h, w, c = 7, 6, 5, 1
    ds = netCDF4.Dataset(path, "w", format="NETCDF4")
    ds.createDimension("n", None)
    for name, size in (("h", h), ("w", w), ("c", c), ("target_dim", 3), ("latent_dim", 10)):
        ds.createDimension(name, size)
    im = ds.createVariable("image", "u1", ("n", "h", "w", "c"), zlib=True, complevel=1,
                           shuffle=False, chunksizes=(1, h, w, c), fill_value=False)
    lab = ds.createVariable("label", "i4", ("n",))
    tg = ds.createVariable("target", "f4", ("n", "target_dim"))
    gr = ds.createVariable("group", "i4", ("n",))
    lt = ds.createVariable("latent", "f4", ("n", "latent_dim"))
    ds.setncattr("invar_kind", "shard")
    ds.setncattr("invar_version", "python")
    ds.setncattr("dataset", "python-made")
    # Appended in two steps along the unlimited dimension, as invar does.
    for lo, hi in ((0, 4), (4, n)):
        m = hi - lo
        im[lo:hi] = rng.integers(0, 256, size=(m, h, w, c), dtype=np.uint8)
        lab[lo:hi] = rng.integers(0, 10, size=m)
        tg[lo:hi] = rng.standard_normal((m, 3)).astype(np.float32)
        gr[lo:hi] = np.arange(lo, hi) // 2
        lt[lo:hi] = rng.uniform(-1, 1, (m, 10)).astype(np.float32)
    ds.close()

def write_features(path):
    rng = np.random.default_rng(8)
    ds = netCDF4.Dataset(path, "w", format="NETCDF4")
    ds.createDimension("n", None)
    ds.createDimension("d", 6)
    f = ds.createVariable("feature", "f4", ("n", "d"))
    f[0:5] = rng.standard_normal((5, 6)).astype(np.float32)
    ds.setncattr("invar_kind", "features")
    ds.setncattr("source", "python.nc")
    ds.close()

cmd, path = sys.argv[1], sys.argv[2]
{"dump": dump_shard, "dumpfeat": dump_features, "write": write_shard,
 "writefeat": write_features, "layout_shard": lambda p: check_layout(p, "shard"),
 "layout_features": lambda p: check_layout(p, "features")}[cmd](path)
PY

# invar -> Python
ok "invar writes a shard" "$TOOL" write "$T/c.nc" 9 5 4 3 2 10 1 1
ok "invar writes a feature file" "$TOOL" features "$T/cf.nc" 6 4
ok "shard layout in Python" $PYTHON "$T/nc.py" layout_shard "$T/c.nc"
ok "feature layout in Python" $PYTHON "$T/nc.py" layout_features "$T/cf.nc"
"$TOOL" dump "$T/c.nc" >"$T/c.invar.txt" 2>&1
$PYTHON "$T/nc.py" dump "$T/c.nc" >"$T/c.py.txt" 2>&1
ok "invar shard: same values and attributes in Python" diff "$T/c.invar.txt" "$T/c.py.txt"
"$TOOL" dumpfeat "$T/cf.nc" >"$T/cf.invar.txt" 2>&1
$PYTHON "$T/nc.py" dumpfeat "$T/cf.nc" >"$T/cf.py.txt" 2>&1
ok "invar features: same values in Python" diff "$T/cf.invar.txt" "$T/cf.py.txt"

# Python -> invar
ok "Python writes a shard" $PYTHON "$T/nc.py" write "$T/p.nc"
ok "Python writes a feature file" $PYTHON "$T/nc.py" writefeat "$T/pf.nc"
"$TOOL" dump "$T/p.nc" >"$T/p.invar.txt" 2>&1
$PYTHON "$T/nc.py" dump "$T/p.nc" >"$T/p.py.txt" 2>&1
ok "Python shard reads the same in invar" diff "$T/p.invar.txt" "$T/p.py.txt"
ok "Python shard has 7 examples" grep -q "^n 7 h 6 w 5 c 1 label 1 target_k 3 group 1 latent_k 10" "$T/p.invar.txt"
"$TOOL" dumpfeat "$T/pf.nc" >"$T/pf.invar.txt" 2>&1
$PYTHON "$T/nc.py" dumpfeat "$T/pf.nc" >"$T/pf.py.txt" 2>&1
ok "Python features read the same in invar" diff "$T/pf.invar.txt" "$T/pf.py.txt"
ok "Python shard, 2 ranks at once" $MPIRUN -np 2 "$TOOL" dump "$T/p.nc"
summary
