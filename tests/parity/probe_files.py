# probe_files.py: writes the small feature files and shards the probe tests use, in the on-disk
# layout of src/common/data/features.h and shard.h (NetCDF-4 via Python netCDF4). Imported by
# tests/parity/probe_*.sh, tests/integration/probe_*.sh and tests/bench/probe.sh.
import netCDF4
import numpy as np


def write_features(path, x, source=None):
    x = np.asarray(x, dtype=np.float32)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("n", None)
        ds.createDimension("d", x.shape[1])
        v = ds.createVariable("feature", "f4", ("n", "d"), chunksizes=(min(len(x), 256), x.shape[1]))
        v[:] = x
        ds.invar_kind = "features"
        ds.invar_version = "0.1.0"
        if source is not None:
            ds.source = source
        ds.model = "test"


def write_shard(path, n, label=None, target=None, latent=None, extra=None):
    """extra: {name: array (n,) or (n, k)} written as more per-example float variables."""
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("n", None)
        for dim in ("h", "w", "c"):
            ds.createDimension(dim, 1)
        img = ds.createVariable("image", "u1", ("n", "h", "w", "c"), chunksizes=(1, 1, 1, 1),
                                zlib=True, complevel=1, fill_value=False)
        img[:] = np.zeros((n, 1, 1, 1), np.uint8)
        if label is not None:
            ds.createVariable("label", "i4", ("n",))[:] = np.asarray(label, np.int32)
        if target is not None:
            t = np.asarray(target, np.float32).reshape(n, -1)
            ds.createDimension("target_dim", t.shape[1])
            ds.createVariable("target", "f4", ("n", "target_dim"))[:] = t
        if latent is not None:
            t = np.asarray(latent, np.float32).reshape(n, -1)
            ds.createDimension("latent_dim", t.shape[1])
            ds.createVariable("latent", "f4", ("n", "latent_dim"))[:] = t
        for name, val in (extra or {}).items():
            val = np.asarray(val, np.float32)
            dims = ("n",)
            if val.ndim == 2:
                ds.createDimension(name + "_dim", val.shape[1])
                dims = ("n", name + "_dim")
            ds.createVariable(name, "f4", dims)[:] = val
        ds.invar_kind = "shard"
        ds.invar_version = "0.1.0"


def regression_data(n, d, k, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.2, 3.0, size=d) + rng.normal(size=d)
    w = rng.normal(size=(d, k)) / np.sqrt(d)
    y = x @ w + noise * rng.normal(size=(n, k)) + rng.normal(size=k)
    return x.astype(np.float32), y.astype(np.float32)


def classification_data(n, d, c, seed=0, sep=1.0):
    rng = np.random.default_rng(seed)
    label = np.arange(n) % c
    rng.shuffle(label)
    centers = rng.normal(size=(c, d)) * sep
    x = centers[label] + rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d)
    return x.astype(np.float32), (label * 3 + 1).astype(np.int32)  # labels need not be 0..c-1
