"""aug_ops.py: reference side of the op-by-op parity test. Writes random PPM images of several
sizes, the op script for tests/parity/aug_driver (invar side), applies the same ops with
torchvision 0.14 functional ops on PIL images, and compares. Modes: `prepare DIR`, `compare DIR`."""
import json
import os
import sys

import numpy as np
from PIL import Image
import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode as IM

SIZES = [(1, 1), (2, 3), (5, 4), (37, 23), (64, 64), (257, 193), (333, 500)]
# (name, args, exact): exact ops must be within 1/255 max-abs; the others report mean/max.
OPS = [
    ("hflip", [], True), ("vflip", [], True), ("grayscale", [], True), ("equalize", [], True),
    ("posterize", [1], True), ("posterize", [3], True), ("posterize", [7], True), ("invert", [], True),
    ("brightness", [0.25], True), ("brightness", [0.6], True), ("brightness", [1.37], True),
    ("brightness", [5.0], True),
    ("contrast", [0.25], True), ("contrast", [0.77], True), ("contrast", [1.4], True),
    ("contrast", [5.0], True),
    ("saturation", [0.0], True), ("saturation", [0.6], True), ("saturation", [1.4], True),
    ("saturation", [5.0], True),
    ("hue", [-0.5], True), ("hue", [-0.1], True), ("hue", [-0.033], True), ("hue", [0.0], True),
    ("hue", [0.07], True), ("hue", [0.5], True),
    ("sharpness", [0.3], False), ("sharpness", [2.0], False), ("sharpness", [30.0], False),
    ("resize", [224, 224, "bilinear"], False), ("resize", [17, 300, "bilinear"], False),
    ("resize", [100, 80, "bicubic"], False),
    ("resized_crop", [3, 5, 40, 30, 224], False), ("resize_shorter", [256], False),
    ("center_crop", [224], False), ("center_crop", [3], False),
    ("affine", [0, 3, -7, 1, 1, 0, "nearest"], False), ("affine", [0, 0, 0, 0.43, 1, 0, "nearest"], False),
    ("affine", [0, 0, 0, 1, -140, 60, "nearest"], False), ("affine", [0, 0, 0, 1.7, 0, 0, "nearest"], False),
    ("affine", [25, 2, 1, 0.9, 10, -5, "bilinear"], False),
    ("rotate", [1.40625, "nearest"], False), ("rotate", [90, "nearest"], False),
    ("rotate", [180, "nearest"], False), ("rotate", [247.5, "nearest"], False),
    ("rotate", [33, "bilinear"], False),
    ("pil_blur", [0.1], False), ("pil_blur", [0.73], False), ("pil_blur", [2.0], False),
    ("pil_blur", [7.5], False), ("pil_blur", [30.0], False),
    ("tv_blur", [23, 1e-5], False), ("tv_blur", [23, 0.9], False), ("tv_blur", [23, 7.3], False),
    ("tv_blur", [23, 20.0], False),
]
# Test transforms (name, indices) compared end to end (after Resize + CenterCrop, and raw).
TRANSFORMS = [
    ("resized_crop", [0, 1, 27, 63, 64, 130, 255]), ("hflip", [0, 1]), ("vflip", [1]),
    ("scale", [0, 77, 128, 255]), ("shear", [0, 17, 136, 255]), ("rotation", [0, 1, 64, 128, 192, 201]),
    ("translation", [0, 8, 136, 255]), ("grayscale", [1]), ("brightness", [0, 100, 255]),
    ("contrast", [0, 128, 255]), ("saturation", [0, 200]), ("hue", [0, 60, 127, 128, 255]),
    ("blur", [0, 1, 90, 255]), ("sharpness", [0, 50, 255]), ("equalize", [1]),
    ("posterize", [0, 3, 6]), ("invert", [1]),
]
# (image index into SIZES, resize, crop)
TRANSFORM_IMAGES = [(6, 256, 224), (5, 256, 224), (4, 64, 56)]


def linspace(a, b, n):
    return torch.linspace(a, b, n).to(torch.float32).tolist()


def ref_transform(img, name, k, R, C, raw):
    """The official ManualTransform.T for parameter k (eval_synthetic_invariance.py)."""
    if name == "resized_crop":
        a = (torch.linspace(0, 0.25, 4) * R).to(torch.float32).tolist()
        b = (torch.linspace(0.75, 0.25, 4) * R).to(torch.float32).tolist()
        top, left, h, w = a[k // 64], a[(k // 16) % 4], b[(k // 4) % 4], b[k % 4]
        return F.resized_crop(img, top, left, h, w, (C, C))
    if name in ("hflip", "vflip", "grayscale", "equalize", "invert"):
        fn = {"hflip": F.hflip, "vflip": F.vflip, "equalize": F.equalize, "invert": F.invert,
              "grayscale": lambda x: F.rgb_to_grayscale(x, num_output_channels=3)}[name]
        out = fn(img) if k else img
    elif name == "scale":
        out = F.affine(img, scale=linspace(0.25, 2, 256)[k], translate=[0.0, 0.0], angle=0.0, shear=1.0)
    elif name == "shear":
        a = linspace(-160, 160, 17)[:16]
        out = F.affine(img, shear=(a[k // 16], a[k % 16]), translate=[0.0, 0.0], angle=0.0, scale=1.0)
    elif name == "translation":
        space = (1 - (C / R)) / 2
        a = torch.linspace(-space, space, 17)[:16].to(torch.float32)
        out = F.affine(img, translate=(float(a[k // 16] * R), float(a[k % 16] * R)), angle=0.0,
                       scale=1.0, shear=1.0)
    elif name == "rotation":
        out = F.rotate(img, angle=linspace(0, 360, 257)[:256][k])
    elif name == "brightness": out = F.adjust_brightness(img, linspace(0.25, 5, 256)[k])
    elif name == "contrast": out = F.adjust_contrast(img, linspace(0.25, 5, 256)[k])
    elif name == "saturation": out = F.adjust_saturation(img, linspace(0.25, 5, 256)[k])
    elif name == "hue": out = F.adjust_hue(img, linspace(-0.5, 0.5, 256)[k])
    elif name == "blur": out = F.gaussian_blur(img, sigma=linspace(1e-5, 20.0, 256)[k], kernel_size=1 + C // 20 * 2)
    elif name == "sharpness": out = F.adjust_sharpness(img, linspace(1, 30.0, 256)[k])
    elif name == "posterize": out = F.posterize(img, k + 1)
    else: raise ValueError(name)
    if raw: return out
    return F.center_crop(F.resize(out, R), C)


NEED_SIZE = {"resized_crop": (45, 35), "tv_blur": (12, 12), "resize_shorter": (1, 1)}


def make_image(w, h, seed):
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    smooth = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)),
                       ((xx + yy) * 97) % 256], -1).astype(np.uint8)
    mix = np.where(rng.random((h, w, 1)) < 0.5, noise, smooth)
    return Image.fromarray(mix.astype(np.uint8), "RGB")


def reference(img, name, args):
    if name == "hflip": return F.hflip(img)
    if name == "vflip": return F.vflip(img)
    if name == "grayscale": return F.rgb_to_grayscale(img, num_output_channels=3)
    if name == "equalize": return F.equalize(img)
    if name == "posterize": return F.posterize(img, args[0])
    if name == "invert": return F.invert(img)
    if name == "brightness": return F.adjust_brightness(img, args[0])
    if name == "contrast": return F.adjust_contrast(img, args[0])
    if name == "saturation": return F.adjust_saturation(img, args[0])
    if name == "hue": return F.adjust_hue(img, args[0])
    if name == "sharpness": return F.adjust_sharpness(img, args[0])
    if name == "resize":
        mode = IM.BICUBIC if args[2] == "bicubic" else IM.BILINEAR
        return F.resize(img, [args[1], args[0]], mode)
    if name == "resized_crop":
        return F.resized_crop(img, args[0], args[1], args[2], args[3], [args[4], args[4]])
    if name == "resize_shorter": return F.resize(img, args[0])
    if name == "center_crop": return F.center_crop(img, args[0])
    if name == "affine":
        mode = IM.NEAREST if args[6] == "nearest" else IM.BILINEAR
        return F.affine(img, angle=args[0], translate=[args[1], args[2]], scale=args[3],
                        shear=[args[4], args[5]], interpolation=mode)
    if name == "rotate":
        mode = IM.NEAREST if args[1] == "nearest" else IM.BILINEAR
        return F.rotate(img, args[0], mode)
    if name == "pil_blur":
        from PIL import ImageFilter
        return img.filter(ImageFilter.GaussianBlur(radius=args[0]))
    if name == "tv_blur": return F.gaussian_blur(img, args[0], args[1])
    raise ValueError(name)


def prepare(d):
    cases = []
    script = []
    for si, (w, h) in enumerate(SIZES):
        path = os.path.join(d, f"in{si}.ppm")
        make_image(w, h, si).save(path)
        for oi, (name, args, exact) in enumerate(OPS):
            mw, mh = NEED_SIZE.get(name, (1, 1))
            if w < mw or h < mh: continue
            out = os.path.join(d, f"c{si}_{oi}.ppm")
            script.append(" ".join([name] + [str(a) for a in args] + [path, out]))
            cases.append((si, oi, path, out))
    for si, R, C in TRANSFORM_IMAGES:
        path = os.path.join(d, f"in{si}.ppm")
        for name, ks in TRANSFORMS:
            for k in ks:
                for raw in (0, 1):
                    if raw and name == "resized_crop": continue
                    out = os.path.join(d, f"t{si}_{name}_{k}_{raw}.ppm")
                    script.append(f"transform {name} {k} {R} {C} {raw} {path} {out}")
                    cases.append((si, ["transform", name, k, R, C, raw], path, out))
    with open(os.path.join(d, "ops.txt"), "w") as f:
        f.write("\n".join(script) + "\n")
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(cases, f)


def compare(d):
    cases = json.load(open(os.path.join(d, "cases.json")))
    stats = {}
    failures = 0
    for si, oi, path, out in cases:
        if isinstance(oi, list):
            name, args, exact = "transform:" + oi[1], oi[2:], oi[1] != "blur"
            if oi[1] in ("rotation", "shear", "scale", "translation", "resized_crop", "sharpness"):
                exact = False
            ref = np.asarray(ref_transform(Image.open(path).convert("RGB"), *oi[1:]), dtype=np.int32)
        else:
            name, args, exact = OPS[oi]
            ref = np.asarray(reference(Image.open(path).convert("RGB"), name, args), dtype=np.int32)
        got = np.asarray(Image.open(out).convert("RGB"), dtype=np.int32)
        key = f"{name}{args}"
        if ref.shape != got.shape:
            print(f"FAIL {key} size {SIZES[si]}: shape {got.shape} != torchvision {ref.shape}")
            failures += 1
            continue
        diff = np.abs(ref - got)
        mx, mean = int(diff.max()), float(diff.mean())
        s = stats.setdefault(key, [0, 0.0, 0, exact])
        s[0] = max(s[0], mx)
        s[1] = max(s[1], mean)
        s[2] += int((diff > 0).sum())
    for key, (mx, mean, ndiff, exact) in stats.items():
        tol = 1 if exact else TOL.get(key.split("[")[0].replace("transform:", ""), 1)
        ok = mx <= tol
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {key:45s} max {mx:3d}/255 mean {mean:.5f} "
              f"pixels differing {ndiff} (tolerance {tol})")
    return failures


# Tolerances reached for the resampling ops (max abs per pixel, 0..255).
TOL = {"sharpness": 0, "resize": 0, "resized_crop": 0, "resize_shorter": 0, "center_crop": 0,
       "affine": 0, "rotate": 0, "pil_blur": 0, "tv_blur": 1, "rotation": 0, "shear": 0,
       "scale": 0, "translation": 0, "blur": 1}

def official_grids(R, C):
    """Every transform's parameter list exactly as eval_synthetic_invariance.py builds it."""
    lin = lambda a, b, n: torch.linspace(a, b, n).to(torch.float32).tolist()
    g = {}
    a = (torch.linspace(0, 0.25, 4) * R).to(torch.float32).tolist()
    b = (torch.linspace(0.75, 0.25, 4) * R).to(torch.float32).tolist()
    g["resized_crop"] = [list(p) for p in __import__("itertools").product(a, a, b, b)]
    g["scale"] = [[s] for s in lin(1 / 4, 2, 256)]
    a = lin(-160, 160, 17)[:16]
    g["shear"] = [[x, y] for x in a for y in a]
    g["rotation"] = [[x] for x in lin(0, 360, 257)[:256]]
    space = (1 - (C / R)) / 2
    a = torch.linspace(-space, space, 17)[:16].to(torch.float32)
    g["translation"] = [[float(x * R), float(y * R)] for x in a for y in a]
    g["deform"] = [[s] for s in torch.linspace(10, 50, 8).to(int).repeat(32).tolist()]
    for nm in ("brightness", "contrast", "saturation"):
        g[nm] = [[x] for x in lin(0.25, 5, 256)]
    g["hue"] = [[x] for x in lin(-0.5, 0.5, 256)]
    g["blur"] = [[x, 1 + C // 20 * 2] for x in lin(1e-5, 20.0, 256)]
    g["sharpness"] = [[x] for x in lin(1, 30.0, 256)]
    g["posterize"] = [[x] for x in torch.arange(1, 8).tolist()]
    return g


def check_grids(path, R, C):
    """Compares the driver's `params` listing with the official grids, value by value."""
    import re
    g = official_grids(R, C)
    bad = 0
    seen = {}
    for line in open(path):
        name, k, text = line.split(" ", 2)
        k = int(k)
        seen[name] = seen.get(name, 0) + 1
        if name not in g:
            continue
        nums = [float(x) for x in re.findall(r"[-+]?[0-9.]+(?:e[-+]?[0-9]+)?", text)]
        want = g[name][k]
        got = nums[:len(want)]
        # Every grid value is a float32 (printed with 9 significant digits, which round-trips).
        if len(got) != len(want) or any(np.float32(a) != np.float32(b) for a, b in zip(got, want)):
            bad += 1
            if bad < 10:
                print(f"FAIL grid {name}[{k}]: invar {got} official {want}")
    sizes = {"hflip": 2, "vflip": 2, "grayscale": 2, "equalize": 2, "invert": 2, "posterize": 7}
    for name, n in seen.items():
        want_n = sizes.get(name, 256)
        if n != want_n:
            bad += 1
            print(f"FAIL grid {name}: {n} values, official {want_n}")
    print(f"grids (R={R}, C={C}): {sum(seen.values())} values, {bad} mismatches")
    return bad


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    elif sys.argv[1] == "grids":
        sys.exit(1 if check_grids(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])) else 0)
    else:
        sys.exit(1 if compare(sys.argv[2]) else 0)
