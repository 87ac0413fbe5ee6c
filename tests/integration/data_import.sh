#!/usr/bin/env bash
# data_import.sh: invar-data import (cifar10, folder, manifest) and inspect, under mpirun -np 1
# and -np 2, on tiny inputs written here in each data set's published layout; corrupt inputs
# must fail with a message naming the file.
source "$(dirname "$0")/../lib.sh"

# CIFAR-10 binary layout: 1 label byte + 1024 R + 1024 G + 1024 B per record.
mkdir -p "$T/cifar"
$PYTHON - "$T/cifar" <<'PY'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(0)
for name, n in [("data_batch_%d.bin" % b, 7) for b in range(1, 6)] + [("test_batch.bin", 5)]:
    rec = np.zeros((n, 3073), np.uint8)
    rec[:, 0] = rng.integers(0, 10, n)
    rec[:, 1:] = rng.integers(0, 256, (n, 3072))
    rec.tofile(f"{d}/{name}")
open(f"{d}/batches.meta.txt", "w").write("\n".join(
    "airplane automobile bird cat deer dog frog horse ship truck".split()) + "\n\n")
PY
ok "import cifar10 (np 1)" $MPIRUN -np 1 $BIN/invar-data import cifar10 "$T/cifar" --out "$T/c1.nc"
ok "import cifar10 (no mpirun)" $BIN/invar-data import cifar10 "$T/cifar" --out "$T/c0.nc"
ok "import cifar10 (np 2)" $MPIRUN -np 2 $BIN/invar-data import cifar10 "$T/cifar" --out "$T/c2.nc" --block 3
ok "inspect cifar shard" $BIN/invar-data inspect "$T/c1.nc"
ok "inspect says 40 images" grep -q "40 images of 32x32x3" "$T/last.log"
ok "inspect under mpirun" $MPIRUN -np 2 $BIN/invar-data inspect "$T/c2.nc"
ok "np 1 and np 2 give the same shard" bash -c "cmp <(ncdump '$T/c1.nc' | tail -n +2) <(ncdump '$T/c2.nc' | tail -n +2)"
ok "cifar pixels and labels are the records' (HWC from planes)" $PYTHON - "$T/cifar" "$T/c1.nc" <<'PY'
import sys, numpy as np, netCDF4
d, path = sys.argv[1:]
recs = np.concatenate([np.fromfile(f"{d}/data_batch_{b}.bin", np.uint8).reshape(-1, 3073) for b in range(1, 6)]
                      + [np.fromfile(f"{d}/test_batch.bin", np.uint8).reshape(-1, 3073)])
ds = netCDF4.Dataset(path)
img = ds["image"][:]
assert img.shape == (40, 32, 32, 3), img.shape
want = recs[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
assert (np.asarray(img) == want).all()
assert (np.asarray(ds["label"][:]) == recs[:, 0]).all()
assert ds.getncattr("classes").split(",")[0] == "airplane"
PY
ok "import cifar10 test split" $BIN/invar-data import cifar10 "$T/cifar" --split test --out "$T/ct.nc"
ok "test split has 5 images" bash -c "$BIN/invar-data inspect '$T/ct.nc' | grep -q '5 images'"

# Corrupt CIFAR inputs.
head -c 5000 "$T/cifar/test_batch.bin" > "$T/trunc.bin"
expect_fail "truncated cifar batch" "trunc.bin.*not a whole number of CIFAR-10 records" \
    $BIN/invar-data import cifar10 "$T/trunc.bin" --out "$T/bad.nc"
$PYTHON -c "import numpy as np; r=np.zeros((2,3073),np.uint8); r[1,0]=11; r.tofile('$T/badlabel.bin')"
expect_fail "cifar label out of range" "badlabel.bin: record 1: label 11" \
    $BIN/invar-data import cifar10 "$T/badlabel.bin" --out "$T/bad.nc"
expect_fail "cifar label out of range (np 2)" "label 11" \
    $MPIRUN -np 2 $BIN/invar-data import cifar10 "$T/badlabel.bin" --out "$T/bad.nc" --block 1
ok "no output left behind by a failed import" bash -c "! ls '$T'/bad.nc* 2>/dev/null | grep -q ."
mkdir -p "$T/emptydir"
expect_fail "cifar folder without batches" "data_batch_1.bin" \
    $BIN/invar-data import cifar10 "$T/emptydir" --out "$T/bad.nc"

# Image folder (CLASS/*.png|jpg) and CSV manifests, written with PIL.
$PYTHON - "$T" <<'PY'
import sys, os, numpy as np
from PIL import Image
t = sys.argv[1]
rng = np.random.default_rng(1)
for cls in ["cat", "dog"]:
    os.makedirs(f"{t}/folder/{cls}", exist_ok=True)
    for i in range(3):
        a = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
        Image.fromarray(a).save(f"{t}/folder/{cls}/{i}.png")
        np.save(f"{t}/folder/{cls}/{i}.npy", a)
os.makedirs(f"{t}/man/img", exist_ok=True)
rows = []
for i in range(5):
    a = rng.integers(0, 256, (8, 8), dtype=np.uint8)   # grayscale: replicated to RGB
    Image.fromarray(a, "L").save(f"{t}/man/img/{i}.png")
    rows.append(f"img/{i}.png,{i * 0.5},{-i}")
open(f"{t}/man/targets.csv", "w").write("path,x,y\n" + "\n".join(rows) + "\n")
open(f"{t}/man/missing.csv", "w").write("img/0.png,1\nimg/nope.png,0\n")
open(f"{t}/man/badimg.csv", "w").write("img/0.png,1\nbroken.png,0\n")
open(f"{t}/man/broken.png", "wb").write(open(f"{t}/man/img/1.png", "rb").read()[:40])
PY
ok "import folder (np 2)" $MPIRUN -np 2 $BIN/invar-data import folder "$T/folder" --out "$T/f.nc" --block 1
ok "folder shard holds the images and class indices" $PYTHON - "$T" <<'PY'
import sys, numpy as np, netCDF4
t = sys.argv[1]
ds = netCDF4.Dataset(f"{t}/f.nc")
want = [np.load(f"{t}/folder/{c}/{i}.npy") for c in ["cat", "dog"] for i in range(3)]
assert (np.asarray(ds["image"][:]) == np.stack(want)).all()
assert list(ds["label"][:]) == [0, 0, 0, 1, 1, 1]
assert ds.getncattr("classes") == "cat,dog"
PY
# Images of different sizes: an error naming the file, or one size with --resize/--crop.
$PYTHON - "$T" <<'PY'
import sys, os, numpy as np
from PIL import Image
import torchvision.transforms as tr
t = sys.argv[1]
rng = np.random.default_rng(2)
os.makedirs(f"{t}/mixed/a", exist_ok=True)
imgs = [Image.fromarray(rng.integers(0, 256, s + (3,), dtype=np.uint8)) for s in [(40, 30), (25, 50), (33, 33)]]
for i, im in enumerate(imgs):
    im.save(f"{t}/mixed/a/{i}.png")
f = tr.Compose([tr.Resize(20), tr.CenterCrop(16)])
np.save(f"{t}/mixed.npy", np.stack([np.asarray(f(im)) for im in imgs]))
PY
expect_fail "images of different sizes" "1.png: image is 50x25 but the shard's images are 30x40.*--resize" \
    $BIN/invar-data import folder "$T/mixed" --out "$T/bad.nc"
ok "import with --resize --crop (np 2)" $MPIRUN -np 2 $BIN/invar-data import folder "$T/mixed" --resize 20 --crop 16 --out "$T/mixed.nc" --block 1
ok "resized images equal torchvision Resize + CenterCrop" $PYTHON - "$T" <<'PY'
import sys, numpy as np, netCDF4
t = sys.argv[1]
got = np.asarray(netCDF4.Dataset(f"{t}/mixed.nc")["image"][:])
want = np.load(f"{t}/mixed.npy")
assert got.shape == want.shape == (3, 16, 16, 3), (got.shape, want.shape)
assert (got == want).all(), np.abs(got.astype(int) - want).max()
PY
expect_fail "--resize on cifar10" "CIFAR-10 images are stored at 32x32" \
    $BIN/invar-data import cifar10 "$T/cifar" --resize 64 --out "$T/bad.nc"
ok "import manifest with targets" $BIN/invar-data import manifest "$T/man/targets.csv" --out "$T/m.nc"
ok "manifest shard holds targets" $PYTHON - "$T" <<'PY'
import sys, numpy as np, netCDF4
ds = netCDF4.Dataset(sys.argv[1] + "/m.nc")
tg = np.asarray(ds["target"][:])
assert tg.shape == (5, 2) and np.allclose(tg[:, 0], np.arange(5) * 0.5) and np.allclose(tg[:, 1], -np.arange(5))
img = np.asarray(ds["image"][:])
assert img.shape == (5, 8, 8, 3) and (img[..., 0] == img[..., 2]).all()
PY
expect_fail "manifest naming a missing image" "nope.png" \
    $BIN/invar-data import manifest "$T/man/missing.csv" --out "$T/bad.nc"
expect_fail "manifest naming a truncated PNG" "broken.png" \
    $MPIRUN -np 2 $BIN/invar-data import manifest "$T/man/badimg.csv" --out "$T/bad.nc" --block 1

# Inspect: invalid and foreign files.
head -c 3000 "$T/c1.nc" > "$T/trunc.nc"
expect_fail "inspect a truncated shard" "trunc.nc" $BIN/invar-data inspect "$T/trunc.nc"
echo "hello, world" > "$T/text.txt"
expect_fail "inspect a text file" "text.txt: not a NetCDF, safetensors, JPEG or PNG" $BIN/invar-data inspect "$T/text.txt"
expect_fail "inspect a missing file" "nofile.nc" $BIN/invar-data inspect "$T/nofile.nc"
ok "inspect a PNG" $BIN/invar-data inspect "$T/folder/cat/0.png"
ok "inspect names the size" grep -q "16 x 12 pixels" "$T/last.log"

# Inspect: a feature file, a result-like NetCDF file and a safetensors checkpoint made in Python.
$PYTHON - "$T" <<'PY'
import sys, json, struct, numpy as np, netCDF4
t = sys.argv[1]
ds = netCDF4.Dataset(f"{t}/feat.nc", "w", format="NETCDF4")
ds.createDimension("n", 4); ds.createDimension("d", 3)
ds.createVariable("feature", "f4", ("n", "d"))[:] = np.arange(12, dtype=np.float32).reshape(4, 3)
ds.invar_kind = "features"; ds.source = "shape.nc"; ds.close()
ds = netCDF4.Dataset(f"{t}/res.nc", "w", format="NETCDF4")
ds.createDimension("task", 2); ds.createDimension("l2", 3)
v = ds.createVariable("score", "f8", ("task", "l2")); v[:] = [[0.1, np.nan, 0.3], [1, 2, 3]]
ds.invar_kind = "linear_probe"; ds.close()
a = np.arange(6, dtype=np.float32).reshape(2, 3)
hdr = json.dumps({"__metadata__": {"arch": "resnet18"},
                  "fc.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
hdr += b" " * (-len(hdr) % 8)
open(f"{t}/ck.safetensors", "wb").write(struct.pack("<Q", len(hdr)) + hdr + a.tobytes())
open(f"{t}/bad.safetensors", "wb").write(struct.pack("<Q", len(hdr)) + hdr + a.tobytes()[:20])
PY
ok "inspect a feature file" $BIN/invar-data inspect "$T/feat.nc"
ok "inspect says features and source" grep -q "feature file, 4 rows x 3 features, source shape.nc" "$T/last.log"
ok "inspect a result file" $BIN/invar-data inspect "$T/res.nc"
ok "inspect lists the result variable and counts NaN" grep -q "1 NaN or infinite values" "$T/last.log"
ok "inspect a checkpoint" $BIN/invar-data inspect "$T/ck.safetensors"
ok "inspect lists tensors and metadata" bash -c "grep -q 'fc.weight.*F32.*(2, 3)' '$T/last.log' && grep -q 'metadata arch = resnet18' '$T/last.log'"
expect_fail "inspect a truncated checkpoint" "bad.safetensors" $BIN/invar-data inspect "$T/bad.safetensors"
expect_fail "inspect several files: one bad one fails the run" "trunc.nc" $BIN/invar-data inspect "$T/c1.nc" "$T/trunc.nc"

# Usage errors.
expect_fail "unknown source kind" "unknown data set 'mnist'" $BIN/invar-data import mnist x --out "$T/x.nc"
expect_fail "missing --out" "--out SHARD.nc is required" $BIN/invar-data import cifar10 "$T/cifar"
expect_fail "unknown option" "unknown option --bogus" $BIN/invar-data import --bogus
ok "--help" $BIN/invar-data import --help
ok "--help has an example" grep -q "Example" "$T/last.log"
ok "--version" $BIN/invar-data inspect --version
summary
