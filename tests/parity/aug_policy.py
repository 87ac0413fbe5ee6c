"""aug_policy.py: statistics of the three built-in policies' random draws, invar against
torchvision 0.14's own get_params functions, over 10,000 draws per policy and image size.
Reads invar's draws (CSV lines printed by `aug_driver draws`) from the files named on the command
line as POLICY:W:H=FILE, and compares: crop area fraction and log aspect ratio distributions
(mean, quantiles, two-sample Kolmogorov-Smirnov statistic), central-fallback rate, how often each
op fires, jitter factor ranges and means, jitter op orders, blur sigma."""
import math
import random
import sys

import numpy as np
import torch
import torchvision.transforms as T

N = 10000
failures = 0


def check(what, ok, detail):
    global failures
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")


def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / len(a) -
                                np.searchsorted(b, grid, side="right") / len(b))))


def torch_draws(policy, w, h):
    """The same decisions torchvision's transforms make, through their get_params."""
    torch.manual_seed(0)
    random.seed(0)
    img = torch.zeros(3, h, w)
    rows = []
    for _ in range(N):
        r = {}
        if policy in ("default", "spatial"):
            i, j, ch, cw = T.RandomResizedCrop.get_params(img, (0.2, 1.0), (3 / 4, 4 / 3))
            r["crop"] = (i, j, ch, cw)
        if policy in ("default", "appearance"):
            r["jitter"] = not (0.8 < torch.rand(1))  # RandomApply
            if r["jitter"]:
                cj = T.ColorJitter(0.4, 0.4, 0.4, 0.1)
                fn_idx, b, c, s, hh = cj.get_params(cj.brightness, cj.contrast, cj.saturation, cj.hue)
                r["order"] = "".join(str(int(x)) for x in fn_idx)
                r["factors"] = (b, c, s, hh)
            r["gray"] = bool(torch.rand(1) < 0.2)
            r["blur"] = not (0.5 < torch.rand(1))
            if r["blur"]:
                r["sigma"] = random.uniform(0.1, 2.0)
        if policy in ("default", "spatial"):
            r["flip"] = bool(torch.rand(1) < 0.5)
        rows.append(r)
    return rows


def invar_draws(path):
    rows = []
    for line in open(path):
        r = {}
        for field in line.strip().split(","):
            parts = field.split(":")
            name, fired = parts[0], parts[1] == "1"
            if name == "random_resized_crop":
                r["crop"] = tuple(int(x) for x in parts[2:6])
            elif name == "color_jitter":
                r["jitter"] = fired
                if fired:
                    r["order"] = parts[2]
                    r["factors"] = tuple(float(x) for x in parts[3:7])
            elif name == "grayscale":
                r["gray"] = fired
            elif name == "gaussian_blur":
                r["blur"] = fired
                if fired:
                    r["sigma"] = float(parts[2])
            elif name == "hflip":
                r["flip"] = fired
        rows.append(r)
    return rows


def compare(policy, w, h, ours, ref):
    tag = f"{policy} {w}x{h}"
    check(f"{tag} draws", len(ours) == N, f"{len(ours)} invar draws")
    if "crop" in ref[0]:
        def crop_stats(rows):
            c = np.array([r["crop"] for r in rows], dtype=np.float64)
            area = c[:, 2] * c[:, 3] / (w * h)
            logar = np.log(c[:, 3] / c[:, 2])
            inside = np.all((c[:, 0] >= 0) & (c[:, 1] >= 0) & (c[:, 0] + c[:, 2] <= h) &
                            (c[:, 1] + c[:, 3] <= w))
            return area, logar, inside, c
        a1, l1, in1, c1 = crop_stats(ours)
        a0, l0, _, c0 = crop_stats(ref)
        q = [0.1, 0.25, 0.5, 0.75, 0.9]
        check(f"{tag} crop inside image", in1, "all crops within the image")
        check(f"{tag} crop area", abs(a1.mean() - a0.mean()) < 0.01 and
              np.max(np.abs(np.quantile(a1, q) - np.quantile(a0, q))) < 0.02 and ks(a1, a0) < 0.03,
              f"mean {a1.mean():.4f} vs {a0.mean():.4f}, quantiles {np.round(np.quantile(a1, q), 3)} "
              f"vs {np.round(np.quantile(a0, q), 3)}, KS {ks(a1, a0):.4f}")
        # Rounding to whole pixels can push the aspect slightly past 3/4 .. 4/3.
        check(f"{tag} crop log-aspect", abs(l1.mean() - l0.mean()) < 0.01 and ks(l1, l0) < 0.03 and
              l1.min() >= math.log(3 / 4) - 0.05 and l1.max() <= math.log(4 / 3) + 0.05,
              f"mean {l1.mean():.4f} vs {l0.mean():.4f}, range [{l1.min():.3f}, {l1.max():.3f}], "
              f"KS {ks(l1, l0):.4f}")
        cy1 = (c1[:, 0] + c1[:, 2] / 2) / h
        cy0 = (c0[:, 0] + c0[:, 2] / 2) / h
        check(f"{tag} crop position", ks(cy1, cy0) < 0.03, f"KS of centre y {ks(cy1, cy0):.4f}")
        full1 = np.mean(a1 >= 0.999)
        full0 = np.mean(a0 >= 0.999)
        check(f"{tag} whole-image crops", abs(full1 - full0) < 0.01, f"{full1:.4f} vs {full0:.4f}")
    for key, what in (("jitter", "color_jitter"), ("gray", "grayscale"), ("blur", "gaussian_blur"),
                      ("flip", "hflip")):
        if key not in ref[0]:
            continue
        f1 = np.mean([r[key] for r in ours])
        f0 = np.mean([r[key] for r in ref])
        check(f"{tag} {what} fires", abs(f1 - f0) < 0.02, f"{f1:.4f} vs {f0:.4f}")
    if "jitter" in ref[0]:
        fa1 = np.array([r["factors"] for r in ours if r["jitter"]])
        fa0 = np.array([r["factors"] for r in ref if r["jitter"]])
        lo, hi = [0.6, 0.6, 0.6, -0.1], [1.4, 1.4, 1.4, 0.1]
        for j, nm in enumerate(("brightness", "contrast", "saturation", "hue")):
            okr = fa1[:, j].min() >= lo[j] - 1e-6 and fa1[:, j].max() <= hi[j] + 1e-6
            check(f"{tag} {nm} factor", okr and abs(fa1[:, j].mean() - fa0[:, j].mean()) < 0.01 and
                  ks(fa1[:, j], fa0[:, j]) < 0.04,
                  f"range [{fa1[:, j].min():.4f}, {fa1[:, j].max():.4f}] vs torchvision "
                  f"[{fa0[:, j].min():.4f}, {fa0[:, j].max():.4f}], mean {fa1[:, j].mean():.4f} vs "
                  f"{fa0[:, j].mean():.4f}")
        o1 = [r["order"] for r in ours if r["jitter"]]
        counts = np.array([o1.count(p) for p in sorted(set(o1))])
        check(f"{tag} jitter orders", len(counts) == 24 and
              abs(counts / len(o1) - 1 / 24).max() < 0.012,
              f"{len(counts)} orders, frequencies {counts.min() / len(o1):.4f}..{counts.max() / len(o1):.4f}")
        s1 = np.array([r["sigma"] for r in ours if r["blur"]])
        s0 = np.array([r["sigma"] for r in ref if r["blur"]])
        check(f"{tag} blur sigma", s1.min() >= 0.1 and s1.max() <= 2.0 and
              abs(s1.mean() - s0.mean()) < 0.02 and ks(s1, s0) < 0.04,
              f"range [{s1.min():.4f}, {s1.max():.4f}], mean {s1.mean():.4f} vs {s0.mean():.4f}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    for arg in sys.argv[1:]:
        spec, path = arg.split("=")
        policy, w, h = spec.split(":")
        compare(policy, int(w), int(h), invar_draws(path), torch_draws(policy, int(w), int(h)))
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)
