#!/usr/bin/env python3
"""campaign_same.py A_DIR B_DIR: the two campaign run folders hold the same results.

Every result file of A (NetCDF shards, features, measurements, probes; safetensors models and
checkpoints; the report's CSV, Markdown and figure data) must exist in B with the same content:
NetCDF numeric variables equal (NaN == NaN; timing variables of training logs excluded),
safetensors tensors byte-equal, text equal once each folder's own path is replaced by RUN.
Logs, state and plan files are not results and are not compared. Prints one line per
difference and exits 1 if there is any; prints the number of files compared otherwise.
"""
import json
import os
import struct
import sys

import netCDF4
import numpy as np

TIMING = {"pairs_per_s", "step_s", "wait_s"}  # log.nc: wall-clock figures, never reproducible
SKIP_DIRS = {"logs", "state"}


def nc_diff(a, b, root_a, root_b):
    da, db = netCDF4.Dataset(a), netCDF4.Dataset(b)
    for name, v in da.variables.items():
        if name in TIMING:
            continue
        if name not in db.variables:
            return f"variable {name} missing"
        x, y = v[:], db.variables[name][:]
        if v.dtype == str or getattr(v.dtype, "kind", "") in "SU":
            # strings (file names) compared with each run folder's own path replaced by RUN
            if getattr(v.dtype, "kind", "") == "S" and np.ndim(x) > 0:  # char arrays
                x, y = netCDF4.chartostring(np.asarray(x)), netCDF4.chartostring(np.asarray(y))
            sa = [str(t).replace(root_a, "RUN") for t in np.asarray(x).ravel()]
            sb = [str(t).replace(root_b, "RUN") for t in np.asarray(y).ravel()]
            if sa != sb:
                return f"variable {name} differs"
            continue
        x, y = np.ma.filled(x, np.nan), np.ma.filled(y, np.nan)
        if x.shape != y.shape:
            return f"variable {name}: shape {x.shape} vs {y.shape}"
        if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            d = np.nanmax(np.abs(x.astype(float) - y.astype(float)))
            return f"variable {name} differs (max |a - b| {d:g})"
    return None


def st_tensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + hlen])
    header.pop("__metadata__", None)
    data = raw[8 + hlen :]
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0] : v["data_offsets"][1]])
            for k, v in header.items()}


def st_diff(a, b):
    ta, tb = st_tensors(a), st_tensors(b)
    if set(ta) != set(tb):
        return f"tensor names differ ({len(set(ta) ^ set(tb))} not in both)"
    for k in ta:
        if ta[k] != tb[k]:
            return f"tensor {k} differs"
    return None


def text_diff(a, b, root_a, root_b):
    ta = open(a, encoding="utf-8", errors="replace").read().replace(root_a, "RUN")
    tb = open(b, encoding="utf-8", errors="replace").read().replace(root_b, "RUN")
    if ta != tb:
        la, lb = ta.splitlines(), tb.splitlines()
        for i, (x, y) in enumerate(zip(la, lb)):
            if x != y:
                return f"line {i + 1}: {x[:100]!r} vs {y[:100]!r}"
        return f"{len(la)} vs {len(lb)} lines"
    return None


def main():
    root_a, root_b = (os.path.abspath(p) for p in sys.argv[1:3])
    bad, n = 0, 0
    for dirpath, dirnames, filenames in os.walk(root_a):
        rel_dir = os.path.relpath(dirpath, root_a)
        dirnames[:] = [d for d in dirnames if not (rel_dir == "." and d in SKIP_DIRS)]
        for fn in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            a, b = os.path.join(root_a, rel), os.path.join(root_b, rel)
            ext = os.path.splitext(fn)[1]
            if rel == "plan.tsv" or ext in (".log", ".png", ".gp", ".tmp") or ".tmp" in fn:
                continue
            if not os.path.exists(b):
                print(f"{rel}: missing in {root_b}")
                bad += 1
                continue
            if ext == ".nc":
                d = nc_diff(a, b, root_a, root_b)
            elif ext == ".safetensors":
                d = st_diff(a, b)
            elif ext in (".csv", ".md", ".dat", ".policy", ".tsv", ".txt"):
                d = text_diff(a, b, root_a, root_b)
            else:
                d = None if open(a, "rb").read() == open(b, "rb").read() else "bytes differ"
            n += 1
            if d:
                print(f"{rel}: {d}")
                bad += 1
    print(f"{n} files compared, {bad} differ")
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
