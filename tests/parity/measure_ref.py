"""measure_ref.py: the PyTorch/torchvision/PIL reference for invar-measure (tests/parity/
measure_sweep.sh). Written from ../shared/paper/NOTES.md and the paper (Appendix C.1), not from
invar's C code: the official test transforms at their grids as eval_synthetic_invariance.py applies
them (torchvision 0.14 functional ops on PIL images, then Resize(R) + CenterCrop(C)), a tiny
torchvision ResNet-18 (small stem, width 0.25), whitening and the two protocols.

  measure_ref.py make DIR
      DIR/model.safetensors (random weights and BN statistics, torchvision names, no fc) and
      DIR/perturbed.safetensors (the same with one conv weight scaled by 1.05: the negative check).
  measure_ref.py synthetic --model M --data SHARD --stats SHARD|FEATURES.nc --check INV.nc
        [--resize 36 --crop 32 --images N --grid full|K --protocol paper|official --transforms a,b]
      the sweep; compares mean_similarity (1e-3 absolute) and mean_distance (1e-3 relative) per
      transform, and the per-(param, image) values, with INV.nc; exit 1 on a difference.
  measure_ref.py realworld --model M --data GROUPS.nc --stats ... --check INV.nc [...]
      likewise for the all-pairs-within-groups measures, per group and overall.
  measure_ref.py views --check V.nc [--k 10]
      uniformity and ACR recomputed with numpy from the features V.nc holds.

Protocols (NOTES.md, "Synthetic invariance" and "Real-world invariance"):
  paper     mean, covariance (N-1), inverse and Cholesky factor G of the inverse in float64;
            z = (mu - f) G; similarity = cos(z, z_t); distance = |(f - f_t) G|; alignment =
            |f/|f| - f_t/|f_t||^2; two-image transforms average their transformed image only.
  official  mean in float32, np.cov and np.linalg.inv in float64, G = Cholesky of the float32
            inverse in float32, z in float32, torch cosine (eps 1e-8), distance as scipy's
            mahalanobis (float32 difference, float64 inverse; NaN when negative), per-param nanmean
            over images then the mean over the grid (two-image transforms include the untouched
            pair). Real world: mean of the full n x n cosine matrix (diagonal included),
            torch.pdist of the float32 whitened features.
"""
import argparse
import json
import math
import struct
import sys
import warnings
from itertools import product

import numpy as np
import torch
import torch.nn as nn
import torchvision
import torchvision.transforms.functional as FT
from PIL import Image

MEAN_STD = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
TWO_IMAGE = ("hflip", "vflip", "grayscale", "equalize", "invert")
# invar's names (paper/table2_synthetic.csv columns) in the order of src/common/image/transforms.h
NAMES = ("resized_crop", "hflip", "vflip", "scale", "shear", "rotation", "translation", "deform",
         "grayscale", "brightness", "contrast", "saturation", "hue", "blur", "sharpness",
         "equalize", "posterize", "invert")


# ----------------------------------------------------------------------------- model and weights
def tiny_resnet18(width=0.25):
    """torchvision's ResNet-18 with a small stem (3x3 stride-1 conv, no max-pool) and stage widths
    round(64 width) x (1, 2, 4, 8), built from torchvision's own blocks so the names match."""
    from torchvision.models.resnet import BasicBlock
    base = int(round(64 * width))
    m = torchvision.models.resnet18()
    m.inplanes = base
    m.conv1 = nn.Conv2d(3, base, 3, 1, 1, bias=False)
    m.bn1 = nn.BatchNorm2d(base)
    m.maxpool = nn.Identity()
    m.layer1 = m._make_layer(BasicBlock, base, 2)
    m.layer2 = m._make_layer(BasicBlock, base * 2, 2, stride=2)
    m.layer3 = m._make_layer(BasicBlock, base * 4, 2, stride=2)
    m.layer4 = m._make_layer(BasicBlock, base * 8, 2, stride=2)
    m.fc = nn.Identity()
    return m


def save_safetensors(path, sd):
    """safetensors by hand: u64 LE header length, JSON header (8-byte padded), raw LE data."""
    header, blobs, off = {}, [], 0
    for name, t in sd.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=np.dtype(dt).newbyteorder("<"))
        out[name] = torch.from_numpy(a.astype(dt).reshape(info["shape"]))
    return out


def load_model(path, width=0.25):
    m = tiny_resnet18(width)
    sd = load_safetensors(path)
    m.load_state_dict({k: v for k, v in sd.items() if not k.startswith("fc.")}, strict=True)
    return m.eval()


def make(d):
    torch.manual_seed(11)
    m = tiny_resnet18()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(0.0, 0.3)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(5)
    sd = {k: v for k, v in m.state_dict().items()}
    save_safetensors(f"{d}/model.safetensors", sd)
    bad = dict(sd)
    bad["layer3.0.conv1.weight"] = sd["layer3.0.conv1.weight"] * 1.05
    save_safetensors(f"{d}/perturbed.safetensors", bad)


# ------------------------------------------------------------------------ the official transforms
def lin(a, b, n):
    return torch.linspace(a, b, n).to(torch.float32).tolist()


def official_grid(name, R, C):
    """The parameter dicts of ManualTransform(name, k).param_vals, in the official order."""
    if name == "rotation":
        return [{"angle": a} for a in lin(0, 360, 257)[:256]]
    if name == "translation":
        space = (1 - (C / R)) / 2
        a = torch.linspace(-space, space, 17)[:16].to(torch.float32)
        return [{"translate": (float(x * R), float(y * R)), "angle": 0.0, "scale": 1.0, "shear": 1.0}
                for x, y in product(a, a)]
    if name == "scale":
        return [{"scale": s, "translate": [0.0, 0.0], "angle": 0.0, "shear": 1.0}
                for s in lin(1 / 4, 2, 256)]
    if name == "shear":
        a = lin(-160, 160, 17)[:16]
        return [{"shear": (x, y), "translate": [0.0, 0.0], "angle": 0.0, "scale": 1.0}
                for x, y in product(a, a)]
    if name == "resized_crop":
        a = (torch.linspace(0, 0.25, 4) * R).to(torch.float32).tolist()
        b = (torch.linspace(0.75, 0.25, 4) * R).to(torch.float32).tolist()
        return [{"top": t, "left": l, "height": h, "width": w, "size": (C, C)}
                for t, l, h, w in product(a, a, b, b)]
    if name in TWO_IMAGE:
        return [{"aug": False}, {"aug": True}]
    if name in ("brightness", "contrast", "saturation"):
        return [{"factor": f} for f in lin(0.25, 5, 256)]
    if name == "hue":
        return [{"hue_factor": f} for f in lin(-0.5, 0.5, 256)]
    if name == "blur":
        return [{"sigma": s, "kernel_size": 1 + C // 20 * 2} for s in lin(1e-5, 20.0, 256)]
    if name == "sharpness":
        return [{"sharpness_factor": f} for f in lin(1, 30.0, 256)]
    if name == "posterize":
        return [{"bits": b} for b in torch.arange(1, 8).tolist()]
    raise ValueError(f"no reference for transform {name}")


def apply_official(name, p, img, R, C):
    """ManualTransform.T: the op on the original PIL image, then resize(R) + center_crop(C)
    (resized_crop outputs C x C itself), pixels / 255, ImageNet normalisation."""
    if name in TWO_IMAGE:
        if p["aug"]:
            img = {"hflip": FT.hflip, "vflip": FT.vflip, "equalize": FT.equalize,
                   "invert": FT.invert,
                   "grayscale": lambda x: FT.rgb_to_grayscale(x, num_output_channels=3)}[name](img)
    elif name == "rotation":
        img = FT.rotate(img, angle=p["angle"])
    elif name in ("translation", "scale", "shear"):  # translation acts before the resize (NOTES)
        img = FT.affine(img, angle=p["angle"], translate=list(p["translate"]), scale=p["scale"],
                        shear=p["shear"])
    elif name == "resized_crop":
        img = FT.resized_crop(img, p["top"], p["left"], p["height"], p["width"], list(p["size"]))
    elif name == "brightness":
        img = FT.adjust_brightness(img, p["factor"])
    elif name == "contrast":
        img = FT.adjust_contrast(img, p["factor"])
    elif name == "saturation":
        img = FT.adjust_saturation(img, p["factor"])
    elif name == "hue":
        img = FT.adjust_hue(img, p["hue_factor"])
    elif name == "blur":
        img = FT.gaussian_blur(img, kernel_size=p["kernel_size"], sigma=p["sigma"])
    elif name == "sharpness":
        img = FT.adjust_sharpness(img, p["sharpness_factor"])
    elif name == "posterize":
        img = FT.posterize(img, p["bits"])
    else:
        raise ValueError(name)
    if name != "resized_crop":
        img = FT.center_crop(FT.resize(img, R), C)
    return to_input(img)


def to_input(img):
    x = FT.pil_to_tensor(img).to(torch.float32)
    return FT.normalize(x / 255.0, *MEAN_STD)


def clean_input(img, R, C):
    """transforms.Compose([Resize(R), CenterCrop(C), ToTensor(), Normalize(...)])."""
    return to_input(FT.center_crop(FT.resize(img, R), C))


def grid_indices(G, K):
    """--grid K: K evenly spaced points of a grid of G values, round(i (G - 1) / (K - 1)) for
    i < K (the whole grid when K >= G); what the contract agrees with invar-measure."""
    if K is None or K >= G:
        return list(range(G))
    if K == 1:
        return [0]
    return sorted({int(math.floor(i * (G - 1) / (K - 1) + 0.5)) for i in range(K)})


# --------------------------------------------------------------------------------- data, features
def read_nc(path):
    import netCDF4
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_mask(False)
        return {k: np.array(v[:]) for k, v in ds.variables.items()}, \
            {k: ds.getncattr(k) for k in ds.ncattrs()}


def pil_images(images):
    out = []
    for im in images:
        im = im.squeeze(-1) if im.shape[-1] == 1 else im
        out.append(Image.fromarray(np.ascontiguousarray(im)).convert("RGB"))
    return out


def forward(model, xs, batch=64):
    outs = []
    with torch.no_grad():
        for i in range(0, len(xs), batch):
            outs.append(model(torch.stack(xs[i:i + batch])))
    return torch.cat(outs)


def stats_features(model, path, R, C):
    """feature(n, d) of a features file, or the clean features of a shard."""
    v, _ = read_nc(path)
    if "feature" in v:
        return torch.from_numpy(v["feature"].astype(np.float32))
    return forward(model, [clean_input(im, R, C) for im in pil_images(v["image"])])


class Whitening:
    def __init__(self, feats, protocol):
        self.protocol = protocol
        f64 = feats.double().numpy()
        n, d = f64.shape
        self.shrinkage = 0.0
        if n <= d or np.linalg.cond(np.cov(f64, rowvar=False)) > 1e12:
            # singular: scikit-learn's Ledoit-Wolf estimate (what invar does; the official code
            # has no such case but the random model's 1e-10 I)
            from sklearn.covariance import LedoitWolf
            lw = LedoitWolf().fit(f64)
            self.shrinkage = float(lw.shrinkage_)
            self.mu = f64.mean(0)
            cov = lw.covariance_
            self.inv = np.linalg.inv(cov)
            self.G = np.linalg.cholesky(self.inv)
            if protocol == "official":
                self.mu = feats.mean(dim=0)
                self.G = torch.linalg.cholesky(torch.from_numpy(self.inv).to(torch.float32))
        elif protocol == "paper":
            self.mu = f64.mean(0)
            cov = np.cov(f64, rowvar=False)
            self.inv = np.linalg.inv(cov)
            self.G = np.linalg.cholesky(self.inv)
        else:
            self.mu = feats.mean(dim=0)                       # float32
            cov = np.cov(feats.numpy(), rowvar=False)         # float64
            self.inv = np.linalg.inv(cov)
            self.G = torch.linalg.cholesky(torch.from_numpy(self.inv).to(torch.float32))
        self.cond = np.linalg.cond(cov)

    def z(self, f):
        if self.protocol == "paper":
            return (self.mu - f.double().numpy()) @ self.G
        return (self.mu - f) @ self.G

    def similarity(self, za, zb):
        """za: one clean z (d,); zb: (k, d) -> (k,)"""
        if self.protocol == "paper":
            return (zb @ za) / (np.linalg.norm(zb, axis=1) * np.linalg.norm(za))
        return torch.nn.functional.cosine_similarity(za.unsqueeze(0), zb, dim=-1).double().numpy()

    def distance(self, fa, fb):
        """fa: clean f (d,); fb: (k, d) -> (k,)"""
        if self.protocol == "paper":
            delta = fb.double().numpy() - fa.double().numpy()
            return np.linalg.norm(delta @ self.G, axis=1)
        out = []
        for j in range(fb.shape[0]):  # scipy.spatial.distance.mahalanobis(u, v, VI)
            delta = fa.numpy() - fb[j].numpy()                # float32
            m = np.dot(np.dot(delta, self.inv), delta)        # float64
            with np.errstate(invalid="ignore"):
                out.append(np.sqrt(m))
        return np.array(out)


def alignment(fa, fb):
    a = fa.double().numpy()
    b = fb.double().numpy()
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return ((a - b) ** 2).sum(-1)


# ------------------------------------------------------------------------------ the two measures
def synthetic(a):
    torch.set_num_threads(a.threads)
    model = load_model(a.model)
    v, _ = read_nc(a.data)
    n = len(v["image"])
    if a.sample == "official":  # np.random.seed(0); np.random.choice(np.arange(n), N)
        np.random.seed(0)
        rows = np.random.choice(np.arange(n), a.images or n)
    else:
        rows = np.arange(min(a.images, n) if a.images else n)
    a.rows = rows
    imgs = pil_images(v["image"][rows])
    W = Whitening(stats_features(model, a.stats, a.resize, a.crop), a.protocol)
    names = [n for n in NAMES if n != "deform"] if a.transforms == "all" else a.transforms.split(",")
    K = None if a.grid == "full" else int(a.grid)
    clean = forward(model, [clean_input(im, a.resize, a.crop) for im in imgs], batch=1)
    zc = [W.z(clean[i]) for i in range(len(imgs))]
    res = {}
    for name in names:
        grid = official_grid(name, a.resize, a.crop)
        idx = grid_indices(len(grid), K)
        S = np.zeros((len(idx), len(imgs)))
        L = np.zeros_like(S)
        A = np.zeros_like(S)
        for i, im in enumerate(imgs):
            # the clean image alone, its k transformed versions as one batch (NOTES, Batching)
            f = forward(model, [apply_official(name, grid[k], im, a.resize, a.crop) for k in idx],
                        batch=len(idx))
            S[:, i] = W.similarity(zc[i], W.z(f))
            L[:, i] = W.distance(clean[i], f)
            A[:, i] = alignment(clean[i], f)
        if a.protocol == "paper":
            keep = [j for j, k in enumerate(idx) if not (name in TWO_IMAGE and k == 0)]
            ms, md, ma = (float(X[keep].mean()) for X in (S, L, A))
        else:
            # np.nanmean over images per grid point, then the mean over the grid
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                ms, md, ma = (float(np.nanmean(X, axis=1).mean()) for X in (S, L, A))
        res[name] = dict(idx=idx, grid=grid, S=S, L=L, A=A, ms=ms, md=md, ma=ma)
    return res, W


def realworld(a):
    torch.set_num_threads(a.threads)
    model = load_model(a.model)
    v, _ = read_nc(a.data)
    W = Whitening(stats_features(model, a.stats, a.stats_resize or a.resize,
                                 a.stats_crop or a.crop), a.protocol)
    imgs = pil_images(v["image"])
    groups = v["group"].astype(np.int64)
    f = forward(model, [clean_input(im, a.resize, a.crop) for im in imgs])
    out, pairs = [], {}
    for g in np.unique(groups):
        rows = np.nonzero(groups == g)[0]
        fg = f[torch.from_numpy(groups == g)]
        n = fg.shape[0]
        z = W.z(fg)
        if a.protocol == "paper":
            zn = z / np.linalg.norm(z, axis=1, keepdims=True)
            C = zn @ zn.T
            D = np.linalg.norm(z[:, None, :] - z[None, :, :], axis=-1)
            off = ~np.eye(n, dtype=bool)
            s, d = C[off].mean(), D[off].mean()
        else:
            m = torch.zeros((n, n))
            for i in range(n):  # pw_cos_sim: D(x[i], x[j]) with the eps-1e-8 torch cosine
                for j in range(n):
                    m[i, j] = torch.nn.functional.cosine_similarity(z[i], z[j], dim=-1).mean()
            s, d = float(m.mean()), float(torch.pdist(z, p=2).mean())
        u = fg.double().numpy()
        u = u / np.linalg.norm(u, axis=1, keepdims=True)
        al = ((u[:, None, :] - u[None, :, :]) ** 2).sum(-1)
        # per pair i < j (shard rows): cosine and distance of the whitened pair, alignment
        zz = z if a.protocol == "paper" else z.double().numpy()
        zn = zz / np.linalg.norm(zz, axis=1, keepdims=True)
        for i in range(n):
            for j in range(i + 1, n):
                pairs[(int(rows[i]), int(rows[j]))] = (float(zn[i] @ zn[j]),
                                                       float(np.linalg.norm(zz[i] - zz[j])),
                                                       float(al[i, j]))
        al = al[~np.eye(n, dtype=bool)].mean()
        out.append((int(g), float(s), float(d), float(al)))
    a.pairs = pairs
    return out, W


# --------------------------------------------------------------------------------------- checks
class Checker:
    def __init__(self, label):
        self.label, self.bad, self.worst = label, 0, {}

    def close(self, what, got, want, atol=0.0, rtol=0.0, quiet=False):
        got, want = float(got), float(want)
        err = abs(got - want)
        rel = err / max(abs(want), 1e-300)
        key = what.split("[")[0]
        w = self.worst.setdefault(key, [0.0, 0.0])
        if np.isfinite(err):
            w[0], w[1] = max(w[0], err), max(w[1], rel)
        ok = (np.isnan(got) and np.isnan(want)) or err <= atol + rtol * abs(want)
        if not ok:
            self.bad += 1
            if self.bad <= 20 and not quiet:
                print(f"FAIL {self.label} {what}: invar {got:.9g} reference {want:.9g} "
                      f"(diff {err:.3g}, rel {rel:.3g})")
        return ok

    def report(self):
        for k, (e, r) in self.worst.items():
            print(f"{self.label} {k}: max abs diff {e:.3g}, max rel diff {r:.3g}")
        print(f"{self.label}: {self.bad} differences")
        return self.bad == 0


def names_of(v):
    t = v["transform_name"]
    if t.dtype.kind in "SU" and t.ndim == 2:  # char array (transform, strlen)
        return ["".join(x.decode() if isinstance(x, bytes) else x for x in row).strip("\0 ")
                for row in t]
    return [x.decode() if isinstance(x, bytes) else str(x) for x in t]


def check_synthetic(a):
    res, W = synthetic(a)
    v, attrs = read_nc(a.check)
    names = names_of(v)
    ck = Checker(f"synthetic {a.protocol}")
    print(f"whitening: cond(Sigma) {W.cond:.3g}, Ledoit-Wolf shrinkage {W.shrinkage:.6g}; "
          f"invar says '{attrs.get('whitening', '?')}'")
    if not check_shrinkage(ck, attrs, W):
        return False
    if attrs.get("protocol", a.protocol) != a.protocol:
        print(f"FAIL: {a.check} has protocol {attrs.get('protocol')}, wanted {a.protocol}")
        return False
    if "image_index" in v and list(v["image_index"]) != list(a.rows):
        print(f"FAIL image_index: invar {list(v['image_index'])}, reference {list(a.rows)}")
        return False
    missing = [n for n in res if n not in names]
    if missing:
        print(f"FAIL: {a.check} lacks transforms {missing}")
        return False
    for name, r in res.items():
        t = names.index(name)
        nvalid = int(v["valid"][t].sum())
        if nvalid != len(r["idx"]):
            print(f"FAIL {name}: invar has {nvalid} grid points, reference {len(r['idx'])} "
                  f"(indices {r['idx']})")
            ck.bad += 1
            continue
        ck.close(f"mean_similarity[{name}]", v["mean_similarity"][t], r["ms"], atol=1e-3)
        ck.close(f"mean_distance[{name}]", v["mean_distance"][t], r["md"], rtol=1e-3)
        if "mean_alignment" in v:
            ck.close(f"mean_alignment[{name}]", v["mean_alignment"][t], r["ma"], atol=1e-4,
                     rtol=1e-3)
        # per (param, image): the same points and close values (similarity 1e-3 absolute,
        # distance 1e-3 relative + 1e-2, alignment 1e-3 relative + 1e-6)
        n_img = r["S"].shape[1]
        for j in range(len(r["idx"])):
            for i in range(n_img):
                ck.close(f"similarity[{name},{j},{i}]", v["similarity"][t, j, i], r["S"][j, i],
                         atol=1e-3)
                ck.close(f"distance[{name},{j},{i}]", v["distance"][t, j, i], r["L"][j, i],
                         atol=1e-2, rtol=1e-3)
                if "alignment" in v:
                    ck.close(f"alignment[{name},{j},{i}]", v["alignment"][t, j, i], r["A"][j, i],
                             atol=1e-6, rtol=1e-3)
        if "param_index" in v and list(v["param_index"][t, :nvalid]) != r["idx"]:
            print(f"FAIL {name}: invar's grid indices {list(v['param_index'][t, :nvalid])}, "
                  f"reference {r['idx']}")
            ck.bad += 1
        if "param_value" in v:
            pv = v["param_value"][t, :len(r["idx"])]
            first = [first_value(r["grid"][k]) for k in r["idx"]]
            if not np.allclose(pv, first, rtol=1e-6, atol=1e-6):
                print(f"FAIL {name}: param_value {pv[:6]} vs the reference's {first[:6]}")
                ck.bad += 1
    return ck.report()


def check_shrinkage(ck, attrs, W):
    """The output's whitening attribute names Ledoit-Wolf exactly when the reference needs it,
    with scikit-learn's shrinkage coefficient (printed to at least 2 digits)."""
    import re
    text = str(attrs.get("whitening", ""))
    m = re.search(r"shrinkage ([0-9.eE+-]+)", text)
    if (m is None) != (W.shrinkage == 0.0):
        print(f"FAIL whitening: invar '{text}', reference shrinkage {W.shrinkage:.6g}")
        ck.bad += 1
        return False
    if m:
        got = float(m.group(1))
        digits = len(m.group(1).split(".")[-1]) if "." in m.group(1) else 0
        ck.close("shrinkage", got, W.shrinkage, atol=0.5 * 10 ** -digits + 1e-9)
    return True


def first_value(p):
    x = next(iter(p.values()))
    if isinstance(x, (tuple, list)):
        x = x[0]
    return float(x)


def check_realworld(a):
    out, W = realworld(a)
    v, attrs = read_nc(a.check)
    ck = Checker(f"realworld {a.protocol}")
    print(f"whitening: cond(Sigma) {W.cond:.3g}; {len(out)} groups")
    if not check_shrinkage(ck, attrs, W):
        return False
    s = np.mean([o[1] for o in out])
    d = np.mean([o[2] for o in out])
    al = np.mean([o[3] for o in out])
    ck.close("mean_similarity", v["mean_similarity"], s, atol=1e-3)
    ck.close("mean_distance", v["mean_distance"], d, rtol=1e-3)
    if "mean_alignment" in v:
        ck.close("mean_alignment", v["mean_alignment"], al, atol=1e-4, rtol=1e-3)
    ids = list(v["group_id"]) if "group_id" in v else [o[0] for o in out]
    if sorted(ids) != [o[0] for o in out]:
        print(f"FAIL group ids: invar {ids}, reference {[o[0] for o in out]}")
        return False
    if "pair_i" in v:
        got = {(int(i), int(j)): (s_, d_, al_) for i, j, s_, d_, al_ in
               zip(v["pair_i"], v["pair_j"], v["pair_similarity"], v["pair_distance"],
                   v["pair_alignment"])}
        if set(got) != set(a.pairs):
            print(f"FAIL pairs: invar {len(got)}, reference {len(a.pairs)} (different sets)")
            return False
        for key, (rs, rd, ra) in a.pairs.items():
            gs_, gd_, ga_ = got[key]
            ck.close(f"pair_similarity[{key}]", gs_, rs, atol=1e-3)
            ck.close(f"pair_distance[{key}]", gd_, rd, rtol=1e-3)
            ck.close(f"pair_alignment[{key}]", ga_, ra, atol=1e-7, rtol=1e-3)
    for g, sg, dg, ag in out:
        gi = ids.index(g)
        ck.close(f"group_similarity[{g}]", v["group_similarity"][gi], sg, atol=1e-3)
        ck.close(f"group_distance[{g}]", v["group_distance"][gi], dg, rtol=1e-3)
        if "group_alignment" in v:
            ck.close(f"group_alignment[{g}]", v["group_alignment"][gi], ag, atol=1e-4, rtol=1e-3)
    return ck.report()


def check_views(a):
    """uniformity and ACR with numpy from the views file's features (views, d) or (n, C, d)."""
    v, attrs = read_nc(a.check)
    key = next(k for k in ("feature", "features", "view_feature") if k in v)
    f = v[key].astype(np.float64)
    if f.ndim == 3:
        n, c, d = f.shape
        owner = np.repeat(np.arange(n), c)
        f = f.reshape(n * c, d)
    else:
        owner = v[next(k for k in ("image", "view_image", "owner") if k in v)].astype(np.int64)
    u = f / np.linalg.norm(f, axis=1, keepdims=True)
    sq = ((u[:, None, :] - u[None, :, :]) ** 2).sum(-1)
    other = owner[:, None] != owner[None, :]
    uniformity = -np.log(np.mean(np.exp(-2.0 * sq[other])))
    k = a.k
    acr = []
    for i in range(len(u)):
        dist = sq[i].copy()
        dist[i] = np.inf
        nn_ = np.argsort(dist, kind="stable")[:k]
        acr.append(np.mean(owner[nn_] != owner[i]))
    acr = float(np.mean(acr))
    ck = Checker("views")
    if a.model:
        # a policy without randomness (resize + centre crop): every view is the clean image, so
        # the file's features are torchvision's clean features of the model
        model = load_model(a.model)
        im, _ = read_nc(a.data)
        ref = forward(model, [clean_input(x, a.resize, a.crop) for x in pil_images(im["image"])])
        ref = np.repeat(ref.double().numpy(), len(f) // ref.shape[0], axis=0)
        err = np.abs(f - ref).max() / np.abs(ref).max()
        print(f"views: features vs torchvision's clean features: max rel err {err:.3g}")
        if f.shape != ref.shape or not err < 1e-4:
            ck.bad += 1
            print("FAIL views: features differ from the reference")
    ck.close("uniformity", v["uniformity"], uniformity, atol=1e-6, rtol=1e-6)
    ck.close("acr", v["acr"], acr, atol=1e-9)
    print(f"views: {len(u)} features of {len(set(owner))} images; uniformity {uniformity:.6g}, "
          f"acr(k={k}) {acr:.6g}")
    return ck.report()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["make", "synthetic", "realworld", "views"])
    p.add_argument("dir", nargs="?")
    p.add_argument("--model")
    p.add_argument("--data")
    p.add_argument("--stats")
    p.add_argument("--check")
    p.add_argument("--resize", type=int, default=36)
    p.add_argument("--crop", type=int, default=32)
    p.add_argument("--stats-resize", type=int, default=0)
    p.add_argument("--stats-crop", type=int, default=0)
    p.add_argument("--images", type=int, default=0)
    p.add_argument("--grid", default="full")
    p.add_argument("--sample", default="first", choices=["first", "official"])
    p.add_argument("--transforms", default="all")
    p.add_argument("--protocol", default="paper", choices=["paper", "official"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--dump", help="synthetic: print the reference means (no check)",
                   action="store_true")
    a = p.parse_args()
    if a.cmd == "make":
        make(a.dir)
        return 0
    if a.dump and a.cmd == "realworld":
        out, W = realworld(a)
        print(f"cond(Sigma) {W.cond:.3g}")
        for g, s, d, al in out:
            print(f"group {g}: similarity {s:.6f} distance {d:.6f} alignment {al:.6g}")
        return 0
    if a.dump:
        res, W = synthetic(a)
        print(f"cond(Sigma) {W.cond:.3g}")
        for n, r in res.items():
            print(f"{n:13s} idx {r['idx'][:4]}.. sim {r['ms']:.6f} dist {r['md']:.6f} "
                  f"align {r['ma']:.6f} nan {int(np.isnan(r['L']).sum())}")
        return 0
    ok = {"synthetic": check_synthetic, "realworld": check_realworld, "views": check_views}[a.cmd](a)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
