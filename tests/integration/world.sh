#!/usr/bin/env bash
# world.sh: `invar-data world` end to end with the tiny preset: byte-identical shards under
# mpirun -np 1 and 2 and different thread counts; every file's variables, attributes, labels,
# targets and groups as documented (only the group's own factor changes inside a group);
# the contact sheet; and the errors for bad options.
source "$(dirname "$0")/../lib.sh"
DATA=$BIN/invar-data
SETS="pretrain ident_train ident_test shape colour keypoints pose viewpoint illumination temperature exposure blur stereo"

ok "tiny preset, 1 rank, 1 thread" $MPIRUN -np 1 $DATA world --preset tiny --out "$T/a" --threads 1 --seed 3
ok "tiny preset, 2 ranks, 2 threads, with a contact sheet" \
    $MPIRUN -np 2 $DATA world --preset tiny --out "$T/b" --threads 2 --seed 3 --preview "$T/sheet.png"
ok "tiny preset, no mpirun, 3 threads" $DATA world --preset tiny --out "$T/c" --threads 3 --seed 3 -q
for s in $SETS; do
    ok "$s.nc written" test -s "$T/a/$s.nc"
    ok "$s.nc: -np 2 identical to -np 1" cmp "$T/a/$s.nc" "$T/b/$s.nc"
    ok "$s.nc: 3 threads identical to 1" cmp "$T/a/$s.nc" "$T/c/$s.nc"
done
ok "another seed gives other images" $DATA world --preset tiny --out "$T/d" --seed 4 --sets shape -q
ok "another seed differs" bash -c "! cmp -s '$T/a/shape.nc' '$T/d/shape.nc'"
ok "--sets writes only the sets named" bash -c "[ -s '$T/d/shape.nc' ] && [ ! -e '$T/d/pretrain.nc' ]"

cat > "$T/check.py" <<'PY'
import sys, numpy as np, netCDF4
d = sys.argv[1]
fail = []
def check(cond, what):
    if not cond:
        fail.append(what)
tiny = dict(pretrain=64, ident_train=48, ident_test=48, shape=32, colour=32, keypoints=32, pose=32,
            viewpoint=(2, 72), illumination=(3, 8), temperature=(2, 12), exposure=(3, 6),
            blur=(4, 2), stereo=(4, 2))
def hue(rgb):
    r, g, b = [rgb[..., k].astype(float) / 255 for k in range(3)]
    mx, mn = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    dl = np.where(mx - mn > 0, mx - mn, 1)
    h = np.where(mx == r, ((g - b) / dl) % 6, np.where(mx == g, (b - r) / dl + 2, (r - g) / dl + 4))
    return h / 6
def grad_energy(im):
    im = im.astype(float)
    return (np.diff(im, axis=0) ** 2).sum() + (np.diff(im, axis=1) ** 2).sum()
for name, size in tiny.items():
    f = netCDF4.Dataset(f"{d}/{name}.nc")
    a = {k: f.getncattr(k) for k in f.ncattrs()}
    for k in ("dataset", "description", "seed", "size", "latent_mapping", "latent_names",
              "generator", "classes"):
        check(k in a, f"{name}: attribute {k}")
    check(a.get("dataset") == name and a.get("seed") == "3" and a.get("size") == "32",
          f"{name}: dataset/seed/size attributes {a.get('dataset')} {a.get('seed')} {a.get('size')}")
    check(not any("rank" in str(v).lower() for v in a.values()), f"{name}: rank count in attributes")
    img = f["image"][:]
    lat = f["latent"][:]
    n = size if isinstance(size, int) else size[0] * size[1]
    check(img.shape == (n, 32, 32, 3) and img.dtype == np.uint8, f"{name}: image {img.shape} {img.dtype}")
    check(lat.shape == (n, 10) and np.all(lat >= -1) and np.all(lat <= 1), f"{name}: latent {lat.shape}")
    check(img.std() > 10, f"{name}: images are not flat")
    # The backdrop's hue is the background latent's hue at the corners (most images).
    corners = img[:, [0, 0, -1, -1], [0, -1, 0, -1], :]
    want = ((lat[:, 9] + 1) / 2) % 1
    dh = np.abs(hue(corners) - want[:, None])
    dh = np.minimum(dh, 1 - dh)
    if name != "temperature":  # there the light's colour tints the backdrop
        check(np.mean(dh < 0.03) > 0.9, f"{name}: corner hue matches the background latent ({np.mean(dh < 0.03)})")
    var = f.variables
    if name == "pretrain":
        check("target" not in var and "group" not in var, "pretrain: no target or group")
    if name in ("pretrain", "ident_train", "ident_test", "shape", "pose"):
        lab = var["label"][:]
        check(lab.min() >= 0 and lab.max() < 7, f"{name}: class labels")
    if name == "shape":
        check(len(set(var["label"][:].tolist())) >= 5, "shape: several classes")
    if name == "colour":
        lab = var["label"][:]
        want = np.minimum(np.floor((((lat[:, 7] + 1) / 2) % 1) * 8), 7)
        check(np.array_equal(lab, want.astype(lab.dtype)), "colour: label = hue bin")
    if name == "pose":
        t = var["target"][:]
        check(t.shape == (n, 6), "pose: target (n, 6)")
        for k in range(3):
            ang = np.arctan2(t[:, 2 * k], t[:, 2 * k + 1])
            dd = np.abs((ang - np.pi * lat[:, 3 + k] + np.pi) % (2 * np.pi) - np.pi)
            check(dd.max() < 1e-3, f"pose: angle {k} from sin/cos")
    if name == "keypoints":
        t = var["target"][:]
        check(t.shape == (n, 16), "keypoints: target (n, 16)")
        check(np.mean((t > 0) & (t < 1)) > 0.9, "keypoints: mostly inside the image")
        check(len(set(var["label"][:].tolist())) == 1, "keypoints: one object class")
    if isinstance(size, tuple):
        G, K = size
        g = var["group"][:]
        t = var["target"][:, 0]
        lab = var["label"][:]
        check(np.array_equal(g, np.repeat(np.arange(G), K)), f"{name}: group ids")
        check(a.get("group_size") == str(K), f"{name}: group_size attribute")
        own = {"viewpoint": 5, "illumination": 6}.get(name)
        for gi in range(G):
            rows = np.where(g == gi)[0]
            check(len(rows) == K, f"{name}: group {gi} size")
            L = lat[rows]
            for j in range(10):
                same = np.all(L[:, j] == L[0, j])
                check(same if j != own else len(set(L[:, j].tolist())) == K,
                      f"{name}: group {gi} latent {j} {'changes' if same else 'constant'}")
            check(np.all(lab[rows] == lab[rows[0]]), f"{name}: group {gi} one class")
            check(len(set(t[rows].tolist())) == K, f"{name}: group {gi} factor values distinct")
            ims = img[rows]
            check(all(not np.array_equal(ims[0], ims[k]) for k in range(1, K)),
                  f"{name}: group {gi} images change")
            if name == "viewpoint":
                check(np.allclose(t[rows], 5 * np.arange(72)), "viewpoint: 5 degree steps")
                step = (L[1:, 5] - L[:-1, 5]) % 2
                check(np.allclose(step, 2 / 72, atol=1e-5), "viewpoint: gamma steps of 2/72")
            if name == "exposure":
                order = np.argsort(t[rows])
                m = ims.reshape(K, -1).mean(1)[order]
                check(np.all(np.diff(m) > 0), f"exposure: group {gi} brighter with exposure")
            if name == "temperature":
                c = ims[:, 0, 0, :].astype(float) + 1
                check(c[0, 0] / c[0, 2] > 1.3 * c[-1, 0] / c[-1, 2], f"temperature: group {gi} warm to cold")
            if name == "blur":
                check(t[rows[0]] == 0 and t[rows[1]] > 0, "blur: sharp then blurred")
                check(grad_energy(ims[1]) < grad_energy(ims[0]), f"blur: group {gi} blurred is smoother")
            if name == "stereo":
                check(t[rows[0]] < 0 < t[rows[1]], "stereo: left then right")
    f.close()
a = netCDF4.Dataset(f"{d}/ident_train.nc")["latent"][:]
b = netCDF4.Dataset(f"{d}/ident_test.nc")["latent"][:]
check(not np.array_equal(a, b[: len(a)]), "ident train and test differ")
if fail:
    print("\n".join(fail[:40]))
    sys.exit(1)
PY
ok "files hold what they claim (variables, attributes, labels, targets, groups)" $PYTHON "$T/check.py" "$T/a"

cat > "$T/sheet.py" <<'PY'
import sys, numpy as np
from PIL import Image
im = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
assert im.shape[0] > 13 * 64 and im.shape[1] > 12 * 64, im.shape
assert (im > 200).all(axis=2).sum() > 1000, "labels drawn"
assert im.std() > 30
PY
ok "contact sheet is a PNG with 13 rows of 12 samples and labels" $PYTHON "$T/sheet.py" "$T/sheet.png"
ok "preview alone (no --out)" $DATA world --preset tiny --preview "$T/sheet2.png" --size 48 -q
ok "preview alone written" test -s "$T/sheet2.png"

expect_fail "unknown preset" "unknown preset 'huge'" $DATA world --preset huge --out "$T/e"
expect_fail "size below 32" "size" $DATA world --preset tiny --size 16 --out "$T/e"
expect_fail "size above 224" "size" $DATA world --preset tiny --size 256 --out "$T/e"
expect_fail "unknown set" "unknown data set 'nope'" $DATA world --preset tiny --sets shape,nope --out "$T/e"
expect_fail "nothing to do" "nothing to do" $DATA world --preset tiny
expect_fail "output directory cannot be made" "$T/file/x" bash -c "touch '$T/file' && $DATA world --preset tiny --out '$T/file/x'"
expect_fail "under mpirun too" "unknown preset" $MPIRUN -np 2 $DATA world --preset huge --out "$T/e"
summary
