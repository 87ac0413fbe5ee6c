#!/usr/bin/env python3
"""train_curve_torch.py: the loss curve of a whole PyTorch MoCo-v2 run, to set beside
invar-train's log.nc of the same setting (not part of `make bench`: no ratio, minutes long).
The model and step are tests/parity/train_moco.py's (written from MOCO.md), the data loader and
policy tests/bench/train_torch.py's (a torch DataLoader over the shard, two views per image by
torchvision transforms); lr 0.03 with the per-epoch cosine, SGD 0.9 / wd 1e-4, temperature 0.2.

  train_curve_torch.py --data SHARD.nc [--policy default|spatial|appearance] [--width 0.125]
      [--size 32] [--epochs 8] [--batch 128] [--queue 4096] [--moco-m 0.99] [--dim 128]
      [--threads 2] [--workers 1] [--seed 0]

Prints per epoch: lr, mean loss and top-1 (%) over its steps, first and last step's loss. The
invar side: invar-train --data SHARD.nc --arch resnet18 --stem small with the same options,
then the per-epoch means of log.nc's loss and acc1 grouped by its epoch variable.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "parity"))
import train_moco as ref  # noqa: E402
import train_torch as tt  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--policy", default="default", choices=["default", "spatial", "appearance"])
    p.add_argument("--width", type=float, default=0.125)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--queue", type=int, default=4096)
    p.add_argument("--moco-m", type=float, default=0.99)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    a.lr, a.m, a.T = 0.03, a.moco_m, 0.2
    torch.set_num_threads(a.threads)
    model, opt = tt.moco_model(a)  # seeded; SGD lr 0.03, momentum 0.9, wd 1e-4
    data = tt.ShardPairs(a.data, tt.policy(a.policy, a.size))
    loader = torch.utils.data.DataLoader(data, batch_size=a.batch, shuffle=True,
                                         num_workers=a.workers, drop_last=True,
                                         persistent_workers=a.workers > 0)
    t0 = time.time()
    for epoch in range(a.epochs):
        lr = ref.lr_at(a, epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        losses, top1 = [], []
        for im_q, im_k in loader:
            loss, acc1, _ = tt.step(model, opt, im_q, im_k, a)  # one BN group, shuffled
            losses.append(float(loss))
            top1.append(float(acc1))
        print(f"epoch {epoch} lr {lr:.5f} loss {np.mean(losses):.4f} top1 {np.mean(top1):.2f} "
              f"first {losses[0]:.4f} last {losses[-1]:.4f} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
