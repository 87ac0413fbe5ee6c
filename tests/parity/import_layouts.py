# import_layouts.py: tiny copies of every data set of the paper in its published layout
# (../shared/DATASETS.md), and the check of the shards invar-data import makes of them.
#   write ROOT               writes ROOT/<set>/... and ROOT/expect/<name>.json: for every shard
#                            row the expected image (by its colour id), label, group, target
#                            and latent, computed here from the layout's rules and numpy.
#   check NAME SHARD [SHARD2]  compares SHARD with ROOT/expect/NAME.json (and SHARD2 with SHARD:
#                            every variable identical, e.g. mpirun -np 1 against -np 2).
#   checkall ROOT LIST       every "NAME SHARD [SHARD2]" line of LIST, one "ok|FAIL: ..." line
#                            each (one Python start for all shards).
# Every image is one flat colour that names it (id -> a grid colour 40 apart, so JPEG's small
# errors still identify it), so rows can be identified after Resize/CenterCrop.
import json
import math
import os
import sys

import numpy as np
from PIL import Image

ROOT = None
EXPECT = {}


def colour(i):
    return (20 + 40 * (i % 6), 20 + 40 * ((i // 6) % 6), 20 + 40 * ((i // 36) % 6))


class Ids:
    def __init__(self):
        self.n = 0

    def image(self, path, w, h, fmt=None):
        i = self.n
        self.n += 1
        assert i < 216
        os.makedirs(os.path.dirname(path), exist_ok=True)
        a = np.zeros((h, w, 3), np.uint8)
        a[:, :] = colour(i)
        img = Image.fromarray(a)
        if fmt == "JPEG":
            img.save(path, "JPEG", quality=95)
        else:
            img.save(path, "PNG")
        return i


def expect(name, rows, **attrs):
    EXPECT[name] = dict(rows=rows, **attrs)


# ---- Causal3DIdent -----------------------------------------------------------------------------
def write_causal(root):
    out = {}
    for split, sizes in (("trainset", [12, 3, 3, 3, 3, 3, 3]), ("testset", [2] * 7)):
        ids = Ids()
        rows, raw_rows = [], []
        rng = np.random.default_rng(len(split))
        for c, n in enumerate(sizes):
            width = max(1, math.ceil(math.log10(n)))
            lat = rng.uniform(-3, 3, (n, 10)).astype(np.float32)
            raw = rng.uniform(-1, 1, (n, 10))  # float64: both dtypes are accepted
            for j in range(n):
                i = ids.image(f"{root}/causal/{split}/images_{c}/{str(j).zfill(width)}.png", 8, 8)
                rows.append(dict(id=i, label=c, latent=lat[j].tolist()))
                raw_rows.append(dict(id=i, label=c, latent=raw[j].astype(np.float32).tolist()))
            np.save(f"{root}/causal/{split}/latents_{c}.npy", lat)
            np.save(f"{root}/causal/{split}/raw_latents_{c}.npy", raw)
        out[split] = (rows, raw_rows)
    expect("causal_train", out["trainset"][0])
    expect("causal_train_raw", out["trainset"][1])
    expect("causal_test", out["testset"][0])
    # Bad copies: an int64 latent file, a (N, 9) latent file.
    for bad, arr in (("dtype", lambda n: np.zeros((n, 10), np.int64)),
                     ("shape", lambda n: np.zeros((n, 9), np.float32))):
        d = f"{root}/causal_bad_{bad}"
        os.makedirs(f"{d}/images_0", exist_ok=True)
        Ids().image(f"{d}/images_0/0.png", 8, 8)
        np.save(f"{d}/latents_0.npy", arr(1))


# ---- real-world groups -------------------------------------------------------------------------
def grouped(entries):
    """entries: (key, id, factor) in file order -> rows in group order (key ascending)."""
    keys = sorted(set(k for k, _, _ in entries))
    rows = []
    for g, k in enumerate(keys):
        rows += [dict(id=i, group=g, target=[f]) for kk, i, f in entries if kk == k]
    return rows


def write_coil(root):
    ids, ent = Ids(), []
    files = []
    for o in (1, 2, 10):
        for a in (0, 5, 10):
            files.append((f"obj{o}__{a}.png", o, a))
    for name, o, a in sorted(files):  # the code's sorted glob
        ent.append((o, ids.image(f"{root}/coil/coil-100/{name}", 8, 8), a))
    open(f"{root}/coil/coil-100/convertGroupppm2png.pl", "w").write("# the zip's script\n")
    expect("coil100", grouped(ent))
    os.makedirs(f"{root}/coil_single", exist_ok=True)
    Ids().image(f"{root}/coil_single/obj1__0.png", 8, 8)
    Ids().image(f"{root}/coil_single/obj1__5.png", 8, 8)
    Ids().image(f"{root}/coil_single/obj2__0.png", 8, 8)


def write_aloi(root):
    objs = (1, 2, 10)
    for mode, conds in (("viewpoint", [f"r{a}" for a in (0, 5, 10)]),
                        ("illumination", [f"l{L}c{C}" for L in (1, 2) for C in (1, 2, 3)]),
                        ("temperature", ["i110", "i120", "i190"])):
        ids, ent = Ids(), []
        for k, o in enumerate(objs):
            names = sorted(f"{o}_{c}.png" for c in conds)
            for name in names:
                i = ids.image(f"{root}/aloi/{mode}/{o}/{name}", 8, 6)
                cond = name[len(str(o)) + 1:-4]
                if mode == "illumination":
                    L, C = int(cond[1:cond.index("c")]), int(cond[-1])
                    ent.append(((C - 1) * len(objs) + k, i, L))
                else:
                    ent.append((k, i, int(cond[1:])))
        expect("aloi-" + {"viewpoint": "view", "illumination": "illum", "temperature": "temp"}[mode],
               grouped(ent))


def write_alot(root):
    lights = [1, 2, 3, 4, 5, 8]
    ids = Ids()
    info = {}  # id -> (t index, cam, light, aspect, colour)
    T = (1, 2)
    for k, t in enumerate(T):
        names = [f"{t}_c{c}l{L}{'' if r == 0 else 'r%d' % r}.png"
                 for c in range(1, 5) for L in lights for r in (0, 60, 120, 180)]
        names += [f"{t}_c{c}i.png" for c in range(1, 5)]
        for name in sorted(names):
            i = ids.image(f"{root}/alot/{t}/{name}", 4, 4)
            s = name[len(str(t)) + 2:-4]
            cam = int(s[0])
            if s[1] == "i":
                info[i] = (k, cam, 0, 0, 1)
            else:
                rest = s[2:]
                L, r = (int(rest.split("r")[0]), int(rest.split("r")[1])) if "r" in rest else (int(rest), 0)
                info[i] = (k, cam, L, r, 0)
    n = len(T)
    order = sorted(info)  # file order = id order here

    def rows_for(groups):
        rows = []
        for g, (members, fac) in enumerate(groups):
            rows += [dict(id=i, group=g, target=[fac(i)]) for i in members]
        return rows

    view_f = lambda i: (info[i][1] - 1) * 4 + info[i][3] // 60
    paper = []
    for k in range(n):
        for L in lights:
            paper.append(([i for i in order if info[i][0] == k and not info[i][4] and info[i][2] == L], view_f))
    official = []
    for g in range(6 * n):
        k, L = g % n, lights[(g % n) % 6]
        official.append(([i for i in order if info[i][0] == k and not info[i][4] and info[i][2] == L], view_f))
    illum = []
    for g in range(16 * n):
        cam, asp, k = (g % (4 * n)) // n + 1, (g // (4 * n)) * 60, g % n
        illum.append(([i for i in order if info[i][0] == k and not info[i][4] and info[i][1] == cam
                       and info[i][3] == asp], lambda i: info[i][2]))
    temp = []
    for g in range(4 * n):
        cam, k = g // n + 1, g % n
        temp.append(([i for i in order if info[i][0] == k and info[i][1] == cam and info[i][3] == 0
                      and (info[i][4] or info[i][2] == 8)], lambda i: info[i][4]))
    expect("alot-view", rows_for(paper))
    expect("alot-view-official", rows_for(official))
    expect("alot-illum", rows_for(illum))
    expect("alot-temp", rows_for(temp))


def write_flickr(root):
    ids, rows, g = Ids(), [], 0
    for split, n in (("Test", 1), ("Train", 2), ("Validation", 1)):  # sorted folder order
        for j in range(1, n + 1):
            w, h = 10 + 2 * g, 8 + g
            for side, f in (("L", 0), ("R", 1)):
                rows.append(dict(id=ids.image(f"{root}/flickr/Flickr1024/{split}/{j:04d}_{side}.png", w, h),
                                 group=g, target=[f]))
            g += 1
    expect("flickr1024", rows)
    os.makedirs(f"{root}/flickr_bad/Train", exist_ok=True)
    Ids().image(f"{root}/flickr_bad/Train/0001_L.png", 8, 8)


def write_exposure(root):
    ids, rows = Ids(), []
    evs = [("N1.5", -1.5), ("N1", -1.0), ("0", 0.0), ("P1", 1.0), ("P1.5", 1.5)]
    scenes = ["a0001-IMG_0001", "a0002-MB_2003-09_030"]
    d = f"{root}/exposure/ExposureErrors/training"
    for g, sc in enumerate(scenes):
        rows.append(dict(id=ids.image(f"{d}/GT_IMAGES/{sc}.jpg", 8, 8, "JPEG"), group=g, target=[0.0]))
        for tag, ev in sorted(evs, key=lambda e: f"{sc}_{e[0]}.JPG"):  # sorted file names
            rows.append(dict(id=ids.image(f"{d}/INPUT_IMAGES/{sc}_{tag}.JPG", 8, 8, "JPEG"), group=g,
                             target=[ev]))
    # rows inside a group: GT first, then inputs in sorted name order
    expect("exposure-errors", rows)


def write_realblur(root):
    for sub, name in (("J", "RealBlur-J_ECC_IMCORR_centroid_itensity_ref"),
                      ("R", "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref")):
        ids, rows, g = Ids(), [], 0
        for scene in ("scene001", "scene002"):
            for m in sorted(["1", "2", "10"]):  # sorted glob order: 1, 10, 2
                w, h = 12 + g, 10
                a = ids.image(f"{root}/realblur/RealBlur/{name}/{scene}/gt/gt_{m}.png", w, h)
                b = ids.image(f"{root}/realblur/RealBlur/{name}/{scene}/blur/blur_{m}.png", w, h)
                rows += [dict(id=a, group=g, target=[0.0]), dict(id=b, group=g, target=[1.0])]
                g += 1
        expect("realblur-" + sub, rows)
    open(f"{root}/realblur/RealBlur/RealBlur_J_train_list.txt", "w").write(
        "RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene001/gt/gt_1.png "
        "RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene001/blur/blur_1.png\n")


# ---- downstream --------------------------------------------------------------------------------
def write_caltech(root):
    ids = Ids()
    base = f"{root}/caltech/Caltech101"
    classes = sorted(["BACKGROUND_Google", "Faces", "accordion", "Leopards"])
    files = {}
    for c in classes:
        files[c] = []
        for j in range(1, 4):
            rel = f"{c}/image_{j:04d}.jpg"
            files[c].append((rel, ids.image(f"{base}/caltech101/101_ObjectCategories/{rel}", 8, 8, "JPEG")))
    # train: 2 per class drawn with replacement (duplicates kept), test: the rest
    np.random.seed(0)
    train, test = [], []
    for label, c in enumerate(classes):
        pick = np.sort(np.random.choice(np.arange(3), 2))
        train += [(files[c][p], label) for p in pick]
        test += [(files[c][p], label) for p in range(3) if p not in pick]
    for name, lst in (("train.txt", train), ("test.txt", test)):
        open(f"{base}/{name}", "w").write("".join(f"{rel} {lab}\n" for (rel, _), lab in lst))
    expect("caltech101-train", [dict(id=i, label=lab) for (_, i), lab in train], classes=classes)
    expect("caltech101-test", [dict(id=i, label=lab) for (_, i), lab in test], classes=classes)


def write_flowers(root):
    import scipy.io
    ids = Ids()
    d = f"{root}/flowers/Flowers"
    n = 12
    labels = np.array([[1, 2, 3, 1, 2, 3, 1, 2, 3, 3, 2, 1]], np.uint8)
    idmap = {}
    for k in range(1, n + 1):
        idmap[k] = ids.image(f"{d}/jpg/image_{k:05d}.jpg", 8, 8, "JPEG")
    trn, val, tst = [3, 1, 2], [4, 6, 5], [7, 8, 9, 10, 11, 12]
    scipy.io.savemat(f"{d}/imagelabels.mat", {"labels": labels})
    scipy.io.savemat(f"{d}/setid.mat", {"trnid": np.array([trn], np.uint16), "valid": np.array([val], np.uint16),
                                        "tstid": np.array([tst], np.uint16)})
    row = lambda k: dict(id=idmap[k], label=int(labels[0, k - 1]) - 1)
    expect("flowers102-trainval", [row(k) for k in trn + val])
    expect("flowers102-test", [row(k) for k in tst])
    os.makedirs(f"{root}/flowers_bad", exist_ok=True)
    for k in range(1, n + 1):
        Ids().image(f"{root}/flowers_bad/jpg/image_{k:05d}.jpg", 8, 8, "JPEG")
    scipy.io.savemat(f"{root}/flowers_bad/imagelabels.mat", {"labels": labels})
    scipy.io.savemat(f"{root}/flowers_bad/setid.mat", {"trnid": np.array([trn]), "valid": np.array([val])})


def pts_text(xy, crlf=False):
    nl = "\r\n" if crlf else "\n"
    return nl.join(["version: 1", "n_points:  %d" % len(xy), "{"] +
                   ["%.6f %.6f" % (x, y) for x, y in xy] + ["}"]) + nl


def write_300w(root, size):
    ids = Ids()
    rng = np.random.default_rng(3)
    items = []
    for sub, stem in (("01_Indoor", "indoor"), ("02_Outdoor", "outdoor")):
        for j in range(1, 4):
            w, h = 30 + 3 * j, 26 + 2 * j
            i = ids.image(f"{root}/300w/300W/{sub}/{stem}_{j:03d}.png", w, h)
            xy = np.stack([rng.uniform(4, w - 6, 68), rng.uniform(3, h - 5, 68)], 1).astype(np.float32)
            open(f"{root}/300w/300W/{sub}/{stem}_{j:03d}.pts", "w", newline="").write(pts_text(xy, crlf=j == 2))
            items.append((i, xy.astype(np.float64)))
    n = len(items)
    idx = np.arange(n)
    np.random.seed(0)
    np.random.shuffle(idx)
    ntr = n * 180 // 600
    trainval = idx[:2 * ntr]

    def targets(xy, official):
        x1, y1 = xy[:, 0].min(), xy[:, 1].min()
        L = max(math.ceil(xy[:, 0].max() - x1), math.ceil(xy[:, 1].max() - y1))
        if official:
            t = np.stack([(xy[:, 0] - x1) * size / L, (xy[:, 1] - y1) * size / L], 1)
        else:
            x0, y0 = round(x1), round(y1)  # PIL's rounded box; the box is L x L (+-1)
            bw, bh = round(x1 + L) - x0, round(y1 + L) - y0
            nw, nh = (size, int(size * bh / bw)) if bw <= bh else (int(size * bw / bh), size)
            cx, cy = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))
            t = np.stack([((xy[:, 0] - x0) * nw / bw - cx) / size, ((xy[:, 1] - y0) * nh / bh - cy) / size], 1)
        return t.reshape(-1).tolist()

    for official in (0, 1):
        expect("300w" + ("-official" if official else ""),
               [dict(id=items[k][0], target=targets(items[k][1], official)) for k in trainval],
               tol=1e-4)
    d = f"{root}/300w_bad/300W"
    for sub in ("01_Indoor", "02_Outdoor"):
        os.makedirs(f"{d}/{sub}", exist_ok=True)
    Ids().image(f"{d}/01_Indoor/indoor_001.png", 20, 20)
    open(f"{d}/01_Indoor/indoor_001.pts", "w").write(pts_text(np.ones((67, 2))))


def write_celeba(root, size):
    ids = Ids()
    d = f"{root}/celeba/CelebA/celeba"
    w, h = 18, 22
    rng = np.random.default_rng(4)
    parts = [0, 2, 1, 0, 2, 1, 0]
    lines, plines, items = [], [], []
    for k in range(1, len(parts) + 1):
        name = f"{k:06d}.jpg"
        i = ids.image(f"{d}/img_align_celeba/{name}", w, h, "JPEG")
        lm = rng.integers(2, 16, 10)
        lines.append(name + "".join(" " * int(rng.integers(1, 4)) + str(v) for v in lm))
        plines.append(f"{name} {parts[k - 1]}")
        items.append((i, lm.astype(np.float64), parts[k - 1]))
    open(f"{d}/list_landmarks_align_celeba.txt", "w").write(
        f"{len(parts)}\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y "
        "rightmouth_x rightmouth_y\n" + "\n".join(lines) + "\n")
    open(f"{d}/list_eval_partition.txt", "w", newline="").write("\r\n".join(plines) + "\r\n")
    nw, nh = size, int(size * h / w)
    cx, cy = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))

    def tgt(lm, official):
        x, y = lm[0::2], lm[1::2]
        if official:
            t = np.stack([np.trunc(x * size / 178), np.trunc((y - 20) * size / 178)], 1)
        else:
            t = np.stack([(x * nw / w - cx) / size, (y * nh / h - cy) / size], 1)
        return t.reshape(-1).tolist()

    for official in (0, 1):
        expect("celeba" + ("-official" if official else ""),
               [dict(id=i, target=tgt(lm, official)) for i, lm, p in items if p in (0, 1)], tol=1e-5)
    expect("celeba-test", [dict(id=i, target=tgt(lm, 0)) for i, lm, p in items if p == 2], tol=1e-5)
    os.makedirs(f"{root}/celeba_bad/img_align_celeba", exist_ok=True)
    open(f"{root}/celeba_bad/list_landmarks_align_celeba.txt", "w").write("0\nheader\n")


def write_lsp(root, size):
    import scipy.io
    ids = Ids()
    d = f"{root}/lsp/LeedsSportsPose"
    rng = np.random.default_rng(5)
    n = 5
    joints = np.zeros((3, 14, n))
    items = []
    for k in range(n):
        w, h = (20, 14) if k % 2 else (14, 21)
        i = ids.image(f"{d}/images/im{k + 1:04d}.jpg", w, h, "JPEG")
        joints[0, :, k] = rng.uniform(0, w, 14)
        joints[1, :, k] = rng.uniform(0, h, 14)
        joints[2, :, k] = rng.integers(0, 2, 14)
        items.append((i, w, h))
    scipy.io.savemat(f"{d}/joints.mat", {"joints": joints})
    idx = np.arange(n)
    np.random.seed(0)
    np.random.shuffle(idx)
    ntr = n * 1200 // 2000

    def tgt(k, official, vis):
        i, w, h = items[k]
        m = min(w, h)
        left, top = (w - m) // 2, (h - m) // 2
        x, y = joints[0, :, k] - left, joints[1, :, k] - top
        if official:
            t = np.stack([x * size / m, y * size / m], 1)
        else:
            t = np.stack([x / m, y / m], 1)  # m x m -> size x size, no crop offset
        out = t.reshape(-1).tolist()
        return out + (joints[2, :, k].tolist() if vis else [])

    expect("lsp", [dict(id=items[k][0], target=tgt(k, 0, 0)) for k in idx[:ntr]], tol=1e-5)
    expect("lsp-official", [dict(id=items[k][0], target=tgt(k, 1, 0)) for k in idx[:ntr]], tol=1e-4)
    expect("lsp-test-vis", [dict(id=items[k][0], target=tgt(k, 0, 1)) for k in idx[ntr:]], tol=1e-5)
    os.makedirs(f"{root}/lsp_bad/images", exist_ok=True)
    Ids().image(f"{root}/lsp_bad/images/im0001.jpg", 8, 8, "JPEG")
    scipy.io.savemat(f"{root}/lsp_bad/joints.mat", {"joint": np.zeros((3, 14, 1))})


# ---- synthetic-invariance sets -----------------------------------------------------------------
def write_imagenet(root):
    import scipy.io
    ids = Ids()
    # synsets: ILSVRC2012_ID order is not sorted-WNID order; one non-leaf synset.
    syn = [(1, "n02000000", 0), (2, "n01000000", 0), (3, "n03000000", 0), (4, "n00001740", 3)]
    arr = np.zeros((len(syn), 1), dtype=[("ILSVRC2012_ID", "O"), ("WNID", "O"), ("words", "O"),
                                           ("num_children", "O")])
    for k, (i, wn, ch) in enumerate(syn):
        arr[k, 0] = (np.array([[i]], np.uint16), wn, "w%d" % i, np.array([[ch]], np.uint8))
    dk = f"{root}/imagenet/ILSVRC2012_devkit_t12/data"
    os.makedirs(dk, exist_ok=True)
    scipy.io.savemat(f"{dk}/meta.mat", {"synsets": arr})
    gt = [1, 2, 3, 2, 1, 3, 3, 2, 1, 1, 2, 3]
    open(f"{dk}/ILSVRC2012_validation_ground_truth.txt", "w").write("".join(f"{v}\n" for v in gt))
    leaves = sorted(wn for _, wn, ch in syn if ch == 0)
    wnid_of = {i: wn for i, wn, _ in syn}
    items = []
    for k, v in enumerate(gt, 1):
        name = f"ILSVRC2012_val_{k:08d}.JPEG"
        i = ids.image(f"{root}/imagenet/flat/{name}", 8, 8, "JPEG")
        wn = wnid_of[v]
        os.makedirs(f"{root}/imagenet/val/{wn}", exist_ok=True)
        os.link(f"{root}/imagenet/flat/{name}", f"{root}/imagenet/val/{wn}/{name}")
        items.append((wn, name, i, leaves.index(wn)))
    items.sort()  # ImageFolder order: (wnid, file name)
    rows = [dict(id=i, label=lab) for _, _, i, lab in items]
    expect("imagenet", rows, classes=leaves)
    np.random.seed(0)
    pick = np.random.choice(np.arange(len(rows)), 1000)
    expect("imagenet-official", [rows[p] for p in pick], classes=leaves)
    np.random.seed(0)
    pick = np.random.choice(np.arange(len(rows)), 30)
    expect("imagenet-official30", [rows[p] for p in pick], classes=leaves)


def write_coco_inat(root):
    ids = Ids()
    names = sorted(["000000000139.jpg", "000000000285.jpg", "000000000632.jpg", "000000000724.jpg",
                    "000000000776.jpg"])
    rows = [dict(id=ids.image(f"{root}/coco/val2017/{n}", 8, 8, "JPEG")) for n in names]
    np.random.seed(0)
    expect("coco-official", [rows[p] for p in np.random.choice(np.arange(len(rows)), 100)])
    ids = Ids()
    rows = []
    for c, cat in enumerate(["00000_Animalia_Annelida", "00001_Animalia_Arthropoda"]):
        for j in range(3):
            rows.append(dict(id=ids.image(f"{root}/inat/val/{cat}/{j:02d}.jpg", 8, 8, "JPEG"), label=c))
    expect("inat-first3", rows[:3])


def write(root):
    write_causal(root)
    write_coil(root)
    write_aloi(root)
    write_alot(root)
    write_flickr(root)
    write_exposure(root)
    write_realblur(root)
    write_caltech(root)
    write_flowers(root)
    write_300w(root, 16)
    write_celeba(root, 16)
    write_lsp(root, 16)
    write_imagenet(root)
    write_coco_inat(root)
    os.makedirs(f"{root}/expect", exist_ok=True)
    for name, e in EXPECT.items():
        json.dump(e, open(f"{root}/expect/{name}.json", "w"))


# ---- checks ------------------------------------------------------------------------------------
def identify(img):
    """The colour id of a flat image (nearest grid colour; JPEG moves colours by a few units)."""
    h, w, _ = img.shape
    px = img[h // 2, w // 2].astype(int)
    q = [int(round((v - 20) / 40.0)) for v in px]
    i = q[0] + 6 * q[1] + 36 * q[2]
    assert all(0 <= v < 6 for v in q) and np.abs(px - colour(i)).max() <= 8, ("not a fixture colour", px)
    return i


def check(name, path, other=None):
    import netCDF4
    e = json.load(open(f"{ROOT}/expect/{name}.json"))
    rows = e["rows"]
    ds = netCDF4.Dataset(path)
    v = ds.variables
    n = v["image"].shape[0]
    assert n == len(rows), f"{path}: {n} images, expected {len(rows)}"
    img = np.asarray(v["image"][:])
    got = [identify(img[k]) for k in range(n)]
    want = [r["id"] for r in rows]
    assert got == want, f"{path}: images {got} expected {want}"
    for key, var in (("label", "label"), ("group", "group")):
        if key in rows[0]:
            a = np.asarray(v[var][:]).tolist()
            assert a == [r[key] for r in rows], f"{path}: {var} {a} expected {[r[key] for r in rows]}"
        else:
            assert var not in v, f"{path}: unexpected variable {var}"
    for key, var in (("target", "target"), ("latent", "latent")):
        if key in rows[0]:
            a = np.asarray(v[var][:], np.float64)
            b = np.array([r[key] for r in rows], np.float64)
            assert a.shape == b.shape, f"{path}: {var} shape {a.shape} expected {b.shape}"
            tol = e.get("tol", 0) if key == "target" else 0
            err = np.abs(a - b).max() if a.size else 0
            assert err <= tol, f"{path}: {var} off by {err} (tolerance {tol})\n{a}\n{b}"
        else:
            assert var not in v, f"{path}: unexpected variable {var}"
    if "classes" in e:
        assert ds.getncattr("classes").split(",") == e["classes"], ds.getncattr("classes")
    if other:
        o = netCDF4.Dataset(other)
        assert set(o.variables) == set(v), (set(o.variables), set(v))
        for var in v:
            assert np.array_equal(np.asarray(o.variables[var][:]), np.asarray(v[var][:])), f"{other}: {var} differs"
        assert {a: ds.getncattr(a) for a in ds.ncattrs()} == {a: o.getncattr(a) for a in o.ncattrs()}
    print(f"{name}: {n} rows as expected")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "checkall":
        ROOT = sys.argv[2]
        for line in open(sys.argv[3]):
            args = line.split()
            try:
                check(*args)
                print("ok", args[1])
            except Exception as ex:
                print("FAIL:", args[1], repr(ex)[:2000].replace("\n", " "))
    else:
        ROOT = sys.argv[2]
        check(sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
