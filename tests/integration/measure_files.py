# measure_files.py: helpers of tests/integration/measure.sh: shard copies (pre-blurred images,
# horizontally symmetric images, one-image groups), a torchvision checkpoint of another architecture, and file comparison.
import json
import struct
import sys

import netCDF4
import numpy as np


def copy_shard(src, dst, images=None, group=None):
    with netCDF4.Dataset(src) as a, netCDF4.Dataset(dst, "w", format="NETCDF4") as b:
        n, h, w, c = a["image"].shape
        b.createDimension("n", None)
        for dim, size in (("h", h), ("w", w), ("c", c)):
            b.createDimension(dim, size)
        img = b.createVariable("image", "u1", ("n", "h", "w", "c"), chunksizes=(1, h, w, c),
                               zlib=True, complevel=1, fill_value=False)
        img[:] = a["image"][:] if images is None else images
        if "group" in a.variables or group is not None:
            b.createVariable("group", "i4", ("n",))[:] = a["group"][:] if group is None else group
        b.invar_kind = "shard"
        b.invar_version = "0.1.0"
        b.dataset = "copy of " + src


def gaussian_blur(x, sigma):
    r = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    y = x.astype(np.float64)
    for axis in (1, 2):
        pad = [(0, 0)] * 4
        pad[axis] = (r, r)
        p = np.pad(y, pad, mode="reflect")
        y = sum(k[i] * np.take(p, range(i, i + x.shape[axis]), axis=axis) for i in range(2 * r + 1))
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def torch_checkpoint(path, seed=0, epoch=None):
    """torchvision's resnet18 (standard stem, width 1, random init `seed`) as safetensors."""
    import torch
    import torchvision
    torch.manual_seed(seed)
    sd = torchvision.models.resnet18().state_dict()
    header, blobs, off = {}, [], 0
    for name, t in sd.items():
        a = t.numpy()
        dt = "I64" if a.dtype == np.int64 else "F32"
        a = a.astype(np.int64 if dt == "I64" else np.float32)
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if epoch is not None:
        header["__metadata__"] = {"epoch": str(epoch)}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def same(a, b, tol):
    """Every numeric variable of two NetCDF files equal within tol (NaN where NaN)."""
    with netCDF4.Dataset(a) as x, netCDF4.Dataset(b) as y:
        if set(x.variables) != set(y.variables):
            sys.exit(f"{a} and {b} have different variables")
        for v in x.variables:
            p, q = x[v][:], y[v][:]
            if x[v].dtype == str:
                if list(np.ravel(p)) != list(np.ravel(q)):
                    sys.exit(f"{v} differs")
                continue
            p = np.ma.filled(np.asarray(p, np.float64), np.nan) if np.ma.isMA(p) else np.asarray(p, np.float64)
            q = np.ma.filled(np.asarray(q, np.float64), np.nan) if np.ma.isMA(q) else np.asarray(q, np.float64)
            if p.shape != q.shape or not np.array_equal(np.isnan(p), np.isnan(q)):
                sys.exit(f"{v}: shapes or NaN patterns differ")
            d = np.nanmax(np.abs(p - q)) if p.size and not np.all(np.isnan(p)) else 0
            if d > tol:
                sys.exit(f"{v} differs by {d} between {a} and {b}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "blurred":
        with netCDF4.Dataset(sys.argv[2]) as a:
            x = a["image"][:]
        copy_shard(sys.argv[2], sys.argv[3], images=gaussian_blur(np.asarray(x), float(sys.argv[4])))
    elif cmd == "symmetric":  # (x + hflip(x)) / 2: images no horizontal flip changes
        with netCDF4.Dataset(sys.argv[2]) as a:
            x = np.asarray(a["image"][:]).astype(np.uint16)
        copy_shard(sys.argv[2], sys.argv[3], images=((x + x[:, :, ::-1] + 1) // 2).astype(np.uint8))
    elif cmd == "single-groups":
        with netCDF4.Dataset(sys.argv[2]) as a:
            g = np.asarray(a["group"][:]).copy()
        g[0] = 99999
        copy_shard(sys.argv[2], sys.argv[3], group=g)
    elif cmd == "checkpoint":  # PATH [SEED [EPOCH]]
        torch_checkpoint(sys.argv[2], *[int(v) for v in sys.argv[3:]])
    elif cmd == "same":
        same(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "marks":  # compare file: the mark of (model, column name)
        with netCDF4.Dataset(sys.argv[2]) as c:
            cols = list(c["column_name"][:])
            m = np.asarray(c["mark"][:])
            print(int(m.sum()), *[int(m[i, cols.index(sys.argv[3])]) for i in range(m.shape[0])])
