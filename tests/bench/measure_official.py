"""measure_official.py: the baseline of tests/bench/measure.sh: the official synthetic-invariance
loop as eval_synthetic_invariance.py runs it (written from ../shared/paper/NOTES.md): per image,
the clean image forwarded alone, its k transformed versions (PIL transforms + torchvision
functional ops, Resize + CenterCrop, ToTensor, Normalize) stacked and forwarded as one batch,
then per transformed version the whitened cosine (z = (mu - f) @ G, float32) and scipy's
Mahalanobis distance with the float64 inverse, and the per-parameter nanmean at the end.

  measure_official.py --arch resnet18 --width 0.5 --stem small --data SHARD.nc | --size 64
      [--images N] [--transforms all|a,b,...] [--grid full|K] [--resize R --crop C]
      [--threads T] [--rounds 3]

Images: the first N of a shard (image(n,h,w,c) uint8), cycled, or --size S random RGB images
(smooth + noise). Weights: torchvision's random initialisation (the rate does not depend on
them). Whitening: the official code loads a precomputed mean and covariance; here they are those
of 2 d + 1 normal draws (well conditioned; a fixed cost outside the loop, as the cached files).
deform needs albumentations, which Debian lacks: it is left out ("all" = the other 17) and
refused by name. --grid K takes K evenly spaced points of each official grid, as invar-measure.
Differences from the script, none of which changes the work per image: the images come decoded
from memory (the script decodes each JPEG twice through two ImageFolders; invar reads a shard),
and the clean feature is passed to scipy's mahalanobis as a vector (scipy 1.10 refuses the
script's (1, d) row; the 2021 scipy squeezed it).

Prints one line per round and then, for measure.sh to read:
  RESULT images_per_s=X transformed=N seconds=S peak_rss_mb=M threads=T cpu_seconds=U
         images_per_cpu_s=Y
X = transformed images per second of the best round (the transformed images of the sweep, i.e.
N images x the grid points; the clean forwards and the metrics are inside the timed loop); Y the
same per second of the process's CPU time (all threads) in its least-CPU round, the figure that
a loaded machine disturbs least.
"""
import argparse
import math
import resource
import sys
import time
import warnings
from itertools import product

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms.functional as FT
from PIL import Image
from scipy.spatial.distance import mahalanobis

MEAN_STD = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
TWO_IMAGE = {"hflip": "hflip", "vflip": "vflip", "equalize": "equalize", "invert": "invert",
             "grayscale": "rgb_to_grayscale"}
NAMES = ("resized_crop", "hflip", "vflip", "scale", "shear", "rotation", "translation",
         "grayscale", "brightness", "contrast", "saturation", "hue", "blur", "sharpness",
         "equalize", "posterize", "invert")


def lin(a, b, n):
    return torch.linspace(a, b, n).to(torch.float32).tolist()


class ManualTransform:
    """ManualTransform of the official script: fn name, param dicts, T() per grid point."""

    def __init__(self, name, resize, crop, points):
        self.name, self.resize, self.crop = name, resize, crop
        R, C = resize, crop
        if name == "rotation":
            self.fn, grid = "rotate", [{"angle": a} for a in lin(0, 360, 257)[:256]]
        elif name == "translation":
            space = (1 - (C / R)) / 2
            a = torch.linspace(-space, space, 17)[:16].to(torch.float32)
            self.fn = "affine"
            grid = [{"translate": (float(x * R), float(y * R)), "angle": 0.0, "scale": 1.0,
                     "shear": 1.0} for x, y in product(a, a)]
        elif name == "scale":
            self.fn = "affine"
            grid = [{"scale": s, "translate": [0.0, 0.0], "angle": 0.0, "shear": 1.0}
                    for s in lin(1 / 4, 2, 256)]
        elif name == "shear":
            a = lin(-160, 160, 17)[:16]
            self.fn = "affine"
            grid = [{"shear": (x, y), "translate": [0.0, 0.0], "angle": 0.0, "scale": 1.0}
                    for x, y in product(a, a)]
        elif name == "resized_crop":
            a = (torch.linspace(0, 0.25, 4) * R).to(torch.float32).tolist()
            b = (torch.linspace(0.75, 0.25, 4) * R).to(torch.float32).tolist()
            self.fn = "resized_crop"
            grid = [{"top": t, "left": l, "height": h, "width": w, "size": (C, C)}
                    for t, l, h, w in product(a, a, b, b)]
        elif name in TWO_IMAGE:
            self.fn = TWO_IMAGE[name]
            grid = [{"aug": False}, {"aug": True}]
            if name == "grayscale":
                grid = [{"aug": False, "num_output_channels": 3},
                        {"aug": True, "num_output_channels": 3}]
        elif name in ("brightness", "contrast", "saturation"):
            self.fn = "adjust_" + name
            grid = [{name + "_factor": f} for f in lin(0.25, 5, 256)]
        elif name == "hue":
            self.fn, grid = "adjust_hue", [{"hue_factor": f} for f in lin(-0.5, 0.5, 256)]
        elif name == "blur":
            self.fn = "gaussian_blur"
            grid = [{"sigma": s, "kernel_size": 1 + C // 20 * 2} for s in lin(1e-5, 20.0, 256)]
        elif name == "sharpness":
            self.fn = "adjust_sharpness"
            grid = [{"sharpness_factor": f} for f in lin(1, 30.0, 256)]
        elif name == "posterize":
            self.fn, grid = "posterize", [{"bits": b} for b in range(1, 8)]
        elif name == "deform":
            sys.exit("measure_official.py: deform needs albumentations (not a Debian package)")
        else:
            sys.exit(f"measure_official.py: unknown transform '{name}'")
        self.params = [grid[i] for i in grid_indices(len(grid), points)]
        self.op = getattr(FT, self.fn)

    def T(self, image, params):
        params = dict(params)
        if "aug" in params:
            if params.pop("aug"):
                image = self.op(image, **params)
        else:
            image = self.op(image, **params)
        if self.fn != "resized_crop":
            image = FT.center_crop(FT.resize(image, self.resize), self.crop)
        image = FT.pil_to_tensor(image).to(torch.float32)
        return FT.normalize(image / 255.0, *MEAN_STD)

    def __call__(self, x):
        return tuple(self.T(x, p) for p in self.params)


def grid_indices(G, K):
    if K is None or K >= G:
        return list(range(G))
    if K == 1:
        return [0]
    return sorted({int(math.floor(i * (G - 1) / (K - 1) + 0.5)) for i in range(K)})


def build_model(arch, width, stem):
    from torchvision.models.resnet import BasicBlock, Bottleneck
    if arch == "resnet50" and width == 1 and stem == "standard":
        m = torchvision.models.resnet50()
    elif arch == "resnet18" and width == 1 and stem == "standard":
        m = torchvision.models.resnet18()
    else:
        block, layers = (BasicBlock, [2, 2, 2, 2]) if arch == "resnet18" else \
            (Bottleneck, [3, 4, 6, 3])
        base = int(round(64 * width))
        m = torchvision.models.resnet18() if arch == "resnet18" else torchvision.models.resnet50()
        m.inplanes = base
        if stem == "small":
            m.conv1 = nn.Conv2d(3, base, 3, 1, 1, bias=False)
            m.maxpool = nn.Identity()
        else:
            m.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
        m.bn1 = nn.BatchNorm2d(base)
        m.layer1 = m._make_layer(block, base, layers[0])
        m.layer2 = m._make_layer(block, base * 2, layers[1], stride=2)
        m.layer3 = m._make_layer(block, base * 4, layers[2], stride=2)
        m.layer4 = m._make_layer(block, base * 8, layers[3], stride=2)
    m.fc = nn.Identity()
    return m.eval()


def load_images(a):
    if a.data:
        import netCDF4
        with netCDF4.Dataset(a.data) as ds:
            n = ds["image"].shape[0]
            arr = np.array(ds["image"][:min(n, a.images)])
        imgs = [Image.fromarray(im.squeeze(-1) if im.shape[-1] == 1 else im).convert("RGB")
                for im in arr]
    else:
        rng = np.random.default_rng(0)
        s = a.size
        yy, xx = np.mgrid[0:s, 0:s]
        imgs = []
        for i in range(min(a.images, 16)):
            smooth = np.stack([xx * 255 // (s - 1), yy * 255 // (s - 1), (xx + yy + 7 * i) % 256],
                              -1)
            noise = rng.integers(0, 256, (s, s, 3))
            im = np.where(rng.random((s, s, 1)) < 0.3, noise, smooth).astype(np.uint8)
            imgs.append(Image.fromarray(im, "RGB"))
    return [imgs[i % len(imgs)] for i in range(a.images)]


def D(a, b):  # cosine similarity, as the official script
    return F.cosine_similarity(a, b, dim=-1).mean()


def sweep(model, imgs, transforms, clean_transform, mean_feature, cholesky, inv_cov):
    """One pass of the official loop over every transform; returns (transformed images, means)."""
    count, out = 0, {}
    for tf in transforms:
        k = len(tf.params)
        L = torch.zeros((len(imgs), k))
        S = torch.zeros((len(imgs), k))
        with torch.no_grad():
            for i, img in enumerate(imgs):
                data = torch.stack(tf(img))
                clean_data = clean_transform(img).unsqueeze(0)
                clean_feature = model(clean_data).detach()
                features = model(data).detach()
                a = (mean_feature - clean_feature) @ cholesky
                for j in range(features.shape[0]):
                    b = (mean_feature - features[j]) @ cholesky
                    S[i, j] = D(a, b)
                    with np.errstate(invalid="ignore"):
                        L[i, j] = mahalanobis(clean_feature[0].numpy(), features[j].numpy(),
                                              inv_cov)
                count += k
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[tf.name] = (float(np.nanmean(S.numpy(), axis=0).mean()),
                            float(np.nanmean(L.numpy(), axis=0).mean()))
    return count, out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", default="resnet18", choices=["resnet18", "resnet50"])
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--stem", default="standard", choices=["standard", "small"])
    p.add_argument("--data")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--images", type=int, default=4)
    p.add_argument("--transforms", default="all")
    p.add_argument("--grid", default="full")
    p.add_argument("--resize", type=int, default=0)
    p.add_argument("--crop", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    imgs = load_images(a)
    side = min(imgs[0].size)
    R = a.resize or (256 if side >= 224 else int(round(side * 256 / 224)))
    C = a.crop or min(224, side)
    names = list(NAMES) if a.transforms == "all" else a.transforms.split(",")
    K = None if a.grid == "full" else int(a.grid)
    transforms = [ManualTransform(n, R, C, K) for n in names]
    clean_transform = torchvision.transforms.Compose([
        torchvision.transforms.Resize(R), torchvision.transforms.CenterCrop(C),
        torchvision.transforms.ToTensor(), torchvision.transforms.Normalize(*MEAN_STD)])
    model = build_model(a.arch, a.width, a.stem)
    with torch.no_grad():
        d = model(torch.zeros(1, 3, C, C)).shape[1]
    rng = np.random.default_rng(1)
    stats = rng.standard_normal((2 * d + 1, d)).astype(np.float32)
    mean_feature = torch.from_numpy(stats.mean(0))
    inv_cov = np.linalg.inv(np.cov(stats, rowvar=False))
    cholesky = torch.linalg.cholesky(torch.from_numpy(inv_cov).to(torch.float32))
    print(f"official loop: {a.arch} width {a.width} stem {a.stem} (d {d}), {len(imgs)} images "
          f"{imgs[0].size[0]}x{imgs[0].size[1]}, resize {R} crop {C}, {len(transforms)} transforms "
          f"({sum(len(t.params) for t in transforms)} grid points), {a.threads} threads",
          flush=True)
    with torch.no_grad():  # one untimed forward (the official loop amortises the first call)
        model(torch.stack(transforms[0](imgs[0])))
    best = best_cpu = None
    for r in range(a.rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        count, means = sweep(model, imgs, transforms, clean_transform, mean_feature, cholesky,
                             inv_cov)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"round {r + 1}: {count} transformed images in {dt:.2f} s = {count / dt:.1f} /s "
              f"({cpu:.2f} s CPU)", flush=True)
        if best is None or dt < best:
            best = dt
        if best_cpu is None or cpu < best_cpu:
            best_cpu = cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT images_per_s={count / best:.2f} transformed={count} seconds={best:.3f} "
          f"peak_rss_mb={rss:.0f} threads={a.threads} cpu_seconds={best_cpu:.3f} "
          f"images_per_cpu_s={count / best_cpu:.3f}")


if __name__ == "__main__":
    main()
