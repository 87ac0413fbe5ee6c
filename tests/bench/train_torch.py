#!/usr/bin/env python3
"""train_torch.py: the PyTorch baseline of tests/bench/train.sh. MoCo-v2 (the step of
tests/parity/train_moco.py, written from MOCO.md: encoder_q/encoder_k ResNet with the small
stem and width W, MLP head, queue, shuffle, momentum update, SGD 0.9 / wd 1e-4) on torch CPU in
float32 with torch.set_num_threads(--threads).

  train_torch.py step [--views VIEWS.nc] ...   the training step alone on pre-made views: the first
      step of invar's views.nc (im_q, im_k; cropped/padded to --size if needed), or random
      tensors of shape (batch, 3, size, size) without --views; the same views every step.
  train_torch.py loop --data SHARD.nc [--workers N --policy default|spatial|appearance] ...
      the whole loop: a torch DataLoader (num_workers N, RandomSampler, drop_last) over the
      shard's images (read with netCDF4, as PIL images), two views per image by torchvision
      transforms with the policy of MOCO.md section 5 / the paper's Appendix A at --size, then
      the step.

Rate: --batch / median of the step times after the first (the first warms up; in loop mode a
step's time includes waiting for the loader), best of --rounds. Prints one line on stdout,
"PAIRS_PER_S PEAK_MB" (what train.sh parses), and a readable line on stderr. Peak memory: the
largest resident set of this process plus its DataLoader workers, sampled every 20 ms (and
ru_maxrss of this process).
"""
import argparse
import os
import random
import resource
import sys
import threading
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import train_moco as ref  # noqa: E402  (the model and step: tests/parity/train_moco.py)

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class RSSSampler(threading.Thread):
    """Peak of VmRSS over this process and its children (DataLoader workers), in MB."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stop = 0.0, False

    @staticmethod
    def rss_kb(pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def tree(self):
        pids, todo = [], [os.getpid()]
        while todo:
            p = todo.pop()
            pids.append(p)
            try:
                for t in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{t}/children") as f:
                        todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return pids

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, sum(self.rss_kb(p) for p in self.tree()) / 1024)
            time.sleep(0.02)


def moco_model(a):
    torch.manual_seed(a.seed)
    model = ref.MoCo("resnet18", a.width, True, a.dim, a.queue)
    model.train()
    opt = torch.optim.SGD(model.encoder_q.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    return model, opt


def fit(x, size):
    """views to size x size: centre crop or zero pad (views.nc made at another --size)."""
    h = x.shape[-1]
    if h > size:
        o = (h - size) // 2
        return x[..., o:o + size, o:o + size].contiguous()
    if h < size:
        p = size - h
        return F.pad(x, (p // 2, p - p // 2, p // 2, p - p // 2))
    return x


def premade_views(a):
    if a.views:
        import netCDF4
        v = netCDF4.Dataset(a.views)
        im_q = torch.from_numpy(np.array(v["im_q"][0], dtype=np.float32))
        im_k = torch.from_numpy(np.array(v["im_k"][0], dtype=np.float32))
        v.close()
        if im_q.shape[0] != a.batch:
            raise SystemExit(f"{a.views}: batch {im_q.shape[0]}, --batch {a.batch}")
        return fit(im_q, a.size), fit(im_k, a.size)
    g = torch.Generator().manual_seed(a.seed + 1)
    return (torch.randn(a.batch, 3, a.size, a.size, generator=g),
            torch.randn(a.batch, 3, a.size, a.size, generator=g))


def step(model, opt, im_q, im_k, a):
    idx = torch.randperm(im_q.shape[0])  # the official shuffle (one BN group: one process)
    return ref.moco_step(model, opt, im_q, im_k, idx, 1, a.m, a.T)


def timed_round_step(a):
    model, opt = moco_model(a)
    im_q, im_k = premade_views(a)
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step(model, opt, im_q, im_k, a)
        times.append(time.perf_counter() - t0)
    return times


# ---- the whole loop: DataLoader + torchvision transforms ---------------------------------------


class GaussianBlur:
    """moco.loader.GaussianBlur: sigma ~ U(0.1, 2.0), PIL ImageFilter.GaussianBlur(radius=sigma)."""

    def __init__(self, sigma=(0.1, 2.0)):
        self.sigma = sigma

    def __call__(self, x):
        from PIL import ImageFilter
        return x.filter(ImageFilter.GaussianBlur(radius=random.uniform(*self.sigma)))


def policy(name, size):
    import torchvision.transforms as Tr
    jitter = [Tr.RandomApply([Tr.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
              Tr.RandomGrayscale(p=0.2), Tr.RandomApply([GaussianBlur()], p=0.5)]
    crop = Tr.RandomResizedCrop(size, scale=(0.2, 1.0))
    ops = {"default": [crop] + jitter + [Tr.RandomHorizontalFlip()],
           "spatial": [crop, Tr.RandomHorizontalFlip()],
           "appearance": [Tr.Resize(size), Tr.CenterCrop(size)] + jitter}[name]
    return Tr.Compose(ops + [Tr.ToTensor(), Tr.Normalize(MEAN, STD)])


class ShardPairs(torch.utils.data.Dataset):
    """The shard's images as PIL images, two views each (moco.loader.TwoCropsTransform)."""

    def __init__(self, path, transform):
        import netCDF4
        d = netCDF4.Dataset(path)
        self.images = np.array(d["image"][:])  # (n, h, w, c) uint8
        d.close()
        self.transform = transform

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, i):
        from PIL import Image
        img = Image.fromarray(self.images[i])
        return self.transform(img), self.transform(img)


def timed_round_loop(a):
    model, opt = moco_model(a)
    data = ShardPairs(a.data, policy(a.policy, a.size))
    if len(data) < a.batch:
        raise SystemExit(f"{a.data}: {len(data)} images, fewer than --batch {a.batch}")
    loader = torch.utils.data.DataLoader(data, batch_size=a.batch, shuffle=True,
                                         num_workers=a.workers, drop_last=True,
                                         persistent_workers=a.workers > 0)
    times, it = [], iter(loader)
    t0 = time.perf_counter()
    while len(times) < a.steps:
        try:
            im_q, im_k = next(it)
        except StopIteration:  # next epoch
            it = iter(loader)
            continue
        step(model, opt, im_q, im_k, a)
        t1 = time.perf_counter()
        times.append(t1 - t0)
        t0 = t1
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["step", "loop"])
    p.add_argument("--views", help="step: invar's views.nc (its first step's im_q, im_k)")
    p.add_argument("--data", help="loop: the shard")
    p.add_argument("--policy", default="default", choices=["default", "spatial", "appearance"])
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--queue", type=int, default=4096)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--steps", type=int, default=4, help="steps per round (the first is warm-up)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    a.m, a.T = 0.999, 0.2
    if a.steps < 2:
        raise SystemExit("--steps must be >= 2 (the first step is not timed)")
    if a.queue % a.batch:
        raise SystemExit(f"--queue {a.queue} is not a multiple of --batch {a.batch}")
    if a.mode == "loop" and not a.data:
        raise SystemExit("loop needs --data SHARD.nc")
    torch.set_num_threads(a.threads)
    sampler = RSSSampler()
    sampler.start()
    rates = []
    for _ in range(a.rounds):
        times = (timed_round_step if a.mode == "step" else timed_round_loop)(a)
        rates.append(a.batch / float(np.median(times[1:])))
    sampler.stop = True
    sampler.join()
    peak = max(sampler.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    best = max(rates)
    extra = f", {a.workers} workers, policy {a.policy}" if a.mode == "loop" else ""
    print(f"train_torch {a.mode}: {best:.2f} pairs/s (resnet18 small stem width {a.width:g}, "
          f"{a.size} px, batch {a.batch}, K {a.queue}, {a.threads} threads{extra}; median of "
          f"{a.steps - 1} steps, best of {a.rounds}), peak RSS {peak:.0f} MB", file=sys.stderr)
    print(f"{best:.2f} {peak:.0f}")


if __name__ == "__main__":
    main()
