#!/usr/bin/env python3
"""train_moco.py: the PyTorch side of tests/parity/train_moco.sh. An independent MoCo-v2 (and
supervised) training step written from ../shared/paper/MOCO.md sections 1-3, not from invar's C
code, run from invar-train's states (checkpoint_init.safetensors and its later checkpoints) on
the views it saved (views.nc), and compared with invar's checkpoints and log.nc.

Model: torchvision ResNet semantics and names (BasicBlock/Bottleneck from torchvision itself),
the small stem (conv1 3x3 stride 1 pad 1, no max-pool) and a width multiplier W (stem and stages
round(64 W) x 1, 2, 4, 8). MoCo: encoder_q/encoder_k with fc = Sequential(Linear(d, d), ReLU,
Linear(d, dim)), queue (dim, K), queue_ptr; supervised: fc = Linear(d, classes). The state dicts
load with strict=True, so invar's tensor names are checked to be exactly the official ones.

BN groups (G): the global batch b is split into G groups of b/G rows; each group runs its own BN
forward (batch statistics of its rows), as G DDP processes do. Queries: group g = rows
[g b/G, (g+1) b/G) of im_q; keys: the same rows of the *shuffled* key batch im_k[idx_shuffle],
unshuffled afterwards with argsort(idx_shuffle) (_batch_shuffle_ddp/_batch_unshuffle_ddp). The
BN running statistics and num_batches_tracked kept are group 0's (DDP's broadcast_buffers copies
rank 0's at every forward). Loss = mean over all b rows (the DDP average of per-rank means).

Precision: invar computes in float32; the reference in float64 from invar's float32 state and
views (the exact result up to float64 rounding). The same code runs in float32 for the float32
floor (`steps --floor`, `check`). The momentum update is the official expression
`k * m + q * (1 - m)`: two products then a sum (separate tensor ops, no FMA), in the run's dtype.

Error of a tensor: max |invar - ref| / max |ref| (its scale), ref = torch float64; bar TOL = 1e-4.
Integer tensors (queue_ptr, num_batches_tracked) and acc1/acc5 must be equal; lr within 1e-6.
encoder_k moves by ~(1-m) lr grad per step, far below 1e-4 of its scale, so its *update*
(theta_k - theta_k at the start) is also checked, element by element, against TOL_UPDATE of the
update's own scale plus ULPS float32 ulps of the element (update_err).

Commands (the model options: --objective --arch --stem --width --dim --queue --batch --groups
--m --T --lr --wd --epochs --shard; wrong settings such as --m 0.99, --no-shuffle,
--roll-labels make the failing cases):
  steps RUNDIR --checkpoints C1,C2,C3 : step s from invar's state after s - 1 steps against its
        state after s (C_s); prints "STEP s PASS" or "STEP s FAIL" per step; exit 0 if all pass.
  check RUNDIR : all steps from checkpoint_init against checkpoint_last; on a failure, tells
        whether flipping the instance's ReLU ties (inputs within FLIP x rms of 0) moves the
        tensors as far (exit 3, TIE-DECIDED) or not (exit 1).
  fixture RUNDIR : checkpoint_init.safetensors and views.nc of a random init and views (random,
        or of --shard's images) in invar's layout, for self-checks without invar-train.
  fake-invar RUNDIR : runs the float32 reference and writes checkpoint_last.safetensors and
        log.nc as invar-train would (so `check` can be exercised on its own).
  ddp-check RUNDIR : the official-style MoCo under torch.distributed (gloo, 2 CPU processes,
        DistributedDataParallel with broadcast_buffers, _batch_shuffle_ddp with the views'
        idx_shuffle) in float64 against the single-process group simulation (G = 2), 1e-10.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import netCDF4
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock, Bottleneck

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors as st  # noqa: E402  (tests/parity/safetensors.py: the hand-written reader)

TOL = 1e-4
TOL_UPDATE = 1e-3
FLIP = 2e-5
ULPS = 8


# ----------------------------------------------------------------------------------------------
# Model: a torchvision ResNet with the small stem and a width multiplier


class ResNet(nn.Module):
    """torchvision.models.ResNet's layout and names (conv1, bn1, relu, maxpool, layer1-4, avgpool,
    fc) with widths round(64 W) x (1, 2, 4, 8) and an optional small stem."""

    def __init__(self, block, layers, width=1.0, small_stem=True, num_classes=1000):
        super().__init__()
        base = [int(math.floor(64 * width * f + 0.5)) for f in (1, 2, 4, 8)]
        self.inplanes = base[0]
        if small_stem:
            self.conv1 = nn.Conv2d(3, base[0], 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(3, base[0], 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(base[0])
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, base[0], layers[0], 1)
        self.layer2 = self._make_layer(block, base[1], layers[1], 2)
        self.layer3 = self._make_layer(block, base[2], layers[2], 2)
        self.layer4 = self._make_layer(block, base[3], layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.feature_dim = base[3] * block.expansion
        self.fc = nn.Linear(self.feature_dim, num_classes)
        for mod in self.modules():  # torchvision's init (MOCO.md section 1)
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(mod, nn.BatchNorm2d):
                nn.init.constant_(mod.weight, 1)
                nn.init.constant_(mod.bias, 0)

    def _make_layer(self, block, planes, blocks, stride):
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride,
                                           bias=False), nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, down)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class TieReLU(nn.Module):
    """ReLU that can take the other branch at ties: with `flip` set, every input within
    FLIP x rms (of that call's input) of 0 is masked the other way round. Counts such inputs."""

    def __init__(self):
        super().__init__()
        self.flip, self.ties = False, 0

    def forward(self, x):
        with torch.no_grad():
            mask = x > 0
            tie = x.abs() <= FLIP * x.pow(2).mean().sqrt()
            self.ties += int(tie.sum())
            if self.flip:
                mask = mask ^ tie
        return x * mask.to(x.dtype)


def use_tie_relu(model):
    """Every ReLU of model (torchvision's shared block.relu, the stem's, the head's) -> one
    shared TieReLU; returns it."""
    t = TieReLU()
    for mod in list(model.modules()):
        for n, child in list(mod.named_children()):
            if isinstance(child, nn.ReLU):
                setattr(mod, n, t)
    return t


ARCHS = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet50": (Bottleneck, [3, 4, 6, 3])}


def backbone(arch, width, small_stem, num_classes):
    block, layers = ARCHS[arch]
    return ResNet(block, layers, width, small_stem, num_classes)


class MoCo(nn.Module):
    """MoCo-v2's modules and buffers (MOCO.md section 1): state_dict names queue, queue_ptr,
    encoder_q.*, encoder_k.*; the step itself is in moco_step (groups simulate the GPUs)."""

    def __init__(self, arch, width, small_stem, dim, K):
        super().__init__()
        self.encoder_q = backbone(arch, width, small_stem, dim)
        self.encoder_k = backbone(arch, width, small_stem, dim)
        for enc in (self.encoder_q, self.encoder_k):
            d = enc.fc.weight.shape[1]
            enc.fc = nn.Sequential(nn.Linear(d, d), nn.ReLU(), enc.fc)
        for pq, pk in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            pk.data.copy_(pq.data)
            pk.requires_grad = False
        self.register_buffer("queue", F.normalize(torch.randn(dim, K), dim=0))
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))


# ----------------------------------------------------------------------------------------------
# The step, with BN groups simulated in one process


BN_BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def grouped_forward(enc, x, G):
    """enc over G groups of x's rows, each with its own BN batch statistics (one DDP process per
    group); the BN buffers kept are those group 0's forward left (broadcast_buffers). Buffers are
    swapped by reassignment, not copied in place: autograd holds the ones each forward used."""
    if G == 1:
        return enc(x)
    bg = x.shape[0] // G
    bns = [mod for mod in enc.modules() if isinstance(mod, nn.BatchNorm2d)]
    start = [[getattr(mod, n).detach().clone() for n in BN_BUFFERS] for mod in bns]
    outs, kept = [], None
    for g in range(G):
        for mod, s in zip(bns, start):
            for n, t in zip(BN_BUFFERS, s):
                setattr(mod, n, t.clone())
        outs.append(enc(x[g * bg:(g + 1) * bg]))
        if g == 0:
            kept = [[getattr(mod, n) for n in BN_BUFFERS] for mod in bns]
    for mod, s in zip(bns, kept):
        for n, t in zip(BN_BUFFERS, s):
            setattr(mod, n, t)
    return torch.cat(outs)


def accuracy(logits, target, topk=(1, 5)):
    """main_moco.accuracy: 100 * share of rows whose target is among the top-k logits."""
    maxk = min(max(topk), logits.shape[1])
    _, pred = logits.topk(maxk, 1, True, True)
    correct = pred.t().eq(target.view(1, -1).expand_as(pred.t()))
    return [float(correct[:min(k, maxk)].reshape(-1).float().sum()) * 100.0 / logits.shape[0]
            for k in topk]


def moco_step(model, opt, im_q, im_k, idx_shuffle, G, m, T):
    """One MoCo-v2 step (MOCO.md section 2) on the global batch; returns loss, acc1, acc5."""
    q = F.normalize(grouped_forward(model.encoder_q, im_q, G), dim=1)
    with torch.no_grad():
        for pq, pk in zip(model.encoder_q.parameters(), model.encoder_k.parameters()):
            pk.data = pk.data * m + pq.data * (1.0 - m)  # official: two products, one sum
        idx_unshuffle = torch.argsort(idx_shuffle)
        k = grouped_forward(model.encoder_k, im_k[idx_shuffle], G)
        k = F.normalize(k, dim=1)[idx_unshuffle]
    l_pos = torch.einsum("nc,nc->n", [q, k]).unsqueeze(-1)
    l_neg = torch.einsum("nc,ck->nk", [q, model.queue.clone().detach()])
    logits = torch.cat([l_pos, l_neg], dim=1)
    logits /= T
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    with torch.no_grad():  # _dequeue_and_enqueue, before backward
        b, K = k.shape[0], model.queue.shape[1]
        assert K % b == 0
        ptr = int(model.queue_ptr)
        model.queue[:, ptr:ptr + b] = k.T
        model.queue_ptr[0] = (ptr + b) % K
    loss = F.cross_entropy(logits, labels)
    acc1, acc5 = accuracy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss), acc1, acc5


def supervised_step(model, opt, im, labels, G):
    logits = grouped_forward(model, im, G)
    loss = F.cross_entropy(logits, labels)
    acc1, acc5 = accuracy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss), acc1, acc5


def lr_at(a, epoch):
    """lr of a 0-based epoch: cosine, computed in double (MOCO.md section 3)."""
    return a.lr * 0.5 * (1.0 + math.cos(math.pi * epoch / a.epochs))


# ----------------------------------------------------------------------------------------------
# Files: invar's checkpoint and views layout (tests/parity/safetensors.py reads them by hand)


def load_st(path):
    header, meta, data, _, _ = st.read(path)
    tensors = {n: torch.from_numpy(st.array(info, data).copy()) for n, info in header.items()}
    return tensors, meta


def save_st(path, tensors, meta):
    dt = {torch.float32: "F32", torch.int64: "I64"}
    st.write(path, [(n, dt[t.dtype], list(t.shape), t.contiguous().numpy().astype(
        t.numpy().dtype.newbyteorder("<")).tobytes()) for n, t in tensors.items()], meta)


def read_views(rundir, steps):
    v = netCDF4.Dataset(os.path.join(rundir, "views.nc"))
    out = {k: np.array(v[k][:steps]) for k in ("im_q", "im_k", "idx_shuffle", "index")
           if k in v.variables}
    v.close()
    if out["im_q"].shape[0] < steps:
        raise SystemExit(f"views.nc holds {out['im_q'].shape[0]} steps, {steps} wanted")
    return out


def build(a):
    small = a.stem == "small"
    if a.objective == "moco":
        return MoCo(a.arch, a.width, small, a.dim, a.queue)
    return backbone(a.arch, a.width, small, a.classes)


def trainable(model, a):
    """(name, parameter) of what SGD updates, with the checkpoint's names."""
    if a.objective == "moco":
        return [("encoder_q." + n, p) for n, p in model.encoder_q.named_parameters()]
    return list(model.named_parameters())


def run_reference(a, dtype, init=None, flip_ties=False, first=0):
    """The reference: a.steps steps from a state (default RUNDIR's checkpoint_init; a later
    checkpoint of invar's also carries the SGD momentum buffers) on views.nc's steps first,
    first + 1, ...: the final state dict (+ momentum buffers), per step (loss, acc1, acc5, lr),
    and the start state. flip_ties: the query network's ReLUs take the other branch at every
    tie (TieReLU)."""
    torch.set_num_threads(max(1, a.threads))
    if init is None:
        init, _ = load_st(os.path.join(a.rundir, "checkpoint_init.safetensors"))
    if a.objective == "supervised":
        a.classes = init["fc.weight"].shape[0]
    model = build(a)
    bufs = {n[len("optimizer.momentum_buffer."):]: t for n, t in init.items()
            if n.startswith("optimizer.momentum_buffer.")}
    model.load_state_dict({n: t for n, t in init.items()
                           if not n.startswith("optimizer.")}, strict=True)  # official names
    model = model.to(dtype)
    model.train()
    if flip_ties:
        tie = use_tie_relu(model.encoder_q if a.objective == "moco" else model)
        tie.flip = True
    named = trainable(model, a)
    opt = torch.optim.SGD([p for _, p in named], lr=a.lr, momentum=0.9, weight_decay=a.wd)
    if bufs:
        if set(bufs) != {n for n, _ in named}:
            raise SystemExit("start checkpoint: momentum buffers do not match the parameters")
        for n, p in named:
            opt.state[p]["momentum_buffer"] = bufs[n].to(dtype).clone()
    v = read_views(a.rundir, first + a.steps)
    labels_all = None
    if a.objective == "supervised":
        labels_all = np.array(netCDF4.Dataset(a.shard)["label"][:]).astype(np.int64)
    log = []
    for s in range(first, first + a.steps):
        epoch = s // a.steps_per_epoch
        for grp in opt.param_groups:
            grp["lr"] = lr_at(a, epoch)
        im_q = torch.from_numpy(v["im_q"][s]).to(dtype)
        if a.objective == "moco":
            idx = torch.from_numpy(v["idx_shuffle"][s]).long()
            if a.no_shuffle:
                idx = torch.arange(idx.shape[0])
            im_k = torch.from_numpy(v["im_k"][s]).to(dtype)
            r = moco_step(model, opt, im_q, im_k, idx, a.groups, a.m, a.T)
        else:
            lab = torch.from_numpy(labels_all[v["index"][s]])
            if a.roll_labels:
                lab = torch.roll(lab, 1)
            r = supervised_step(model, opt, im_q, lab, a.groups)
        log.append(r + (lr_at(a, epoch),))
    state = {n: t.detach().clone() for n, t in model.state_dict().items()}
    for n, p in named:
        state["optimizer.momentum_buffer." + n] = opt.state[p]["momentum_buffer"].detach().clone()
    if flip_ties:
        a.ties = tie.ties
    return state, log, init


# ----------------------------------------------------------------------------------------------
# Comparison


def rel(got, ref):
    got, ref = got.double(), ref.double()
    scale = float(ref.abs().max()) if ref.numel() else 0.0
    err = float((got - ref).abs().max()) if ref.numel() else 0.0
    return err / scale if scale > 0 else err


def update_err(got, ref, start):
    """encoder_k's momentum update: |invar - ref| per element against the allowance
    TOL_UPDATE * max |ref - start| + ULPS float32 ulps of the element (theta_k is stored in float32
    and each of the steps' float32 updates rounds it); <= 1 passes. A wrong m (0.99 instead of
    0.999) moves theta_k by ~9x its whole update, far beyond the allowance."""
    got, ref, start = got.double(), ref.double(), start.double()
    scale = float((ref - start).abs().max())
    ulp = torch.from_numpy(np.spacing(np.abs(ref.float().numpy()))).double()
    return float(((got - ref).abs() / (TOL_UPDATE * scale + ULPS * ulp)).max())


class Report:
    def __init__(self):
        self.failures = []
        self.worst = {}
        self.errors, self.bars = {}, {}
        self.hard = []  # failures no tie explains: names, shapes, counters, accuracy, lr

    def fail(self, msg):
        self.failures.append(msg)
        self.hard.append(msg)

    def tensor(self, group, name, err, tol):
        self.errors[name], self.bars[name] = err, tol
        w = self.worst.get(group)
        if w is None or err > w[0]:
            self.worst[group] = (err, name, tol)
        if not err <= tol:
            self.failures.append(f"{name}: error {err:.3g} > {tol:g}")

    def exact(self, name, got, want):
        if not torch.equal(got.long(), want.long()):
            self.fail(f"{name}: invar {got.tolist()} != reference {want.tolist()}")


def compare(a, inv, ref, init, inv_log, ref_log, rep, label="", quiet=False, first=0):
    """inv: invar's final state (float32), ref: the reference's (float64)."""
    names_ref = set(ref)
    names_inv = {n for n in inv}
    if names_inv != names_ref:
        rep.fail(f"tensor names: invar has {sorted(names_inv - names_ref)} extra, "
                            f"lacks {sorted(names_ref - names_inv)}")
    for n in sorted(names_ref & names_inv):
        r, g = ref[n], inv[n]
        if tuple(g.shape) != tuple(r.shape):
            rep.fail(f"{n}: shape {tuple(g.shape)} != {tuple(r.shape)}")
            continue
        if n.endswith("num_batches_tracked") or n == "queue_ptr":
            rep.exact(n, g, r)
            continue
        if n.startswith("optimizer."):
            grp = "momentum buffers"
        elif n.startswith("encoder_k."):
            grp = "encoder_k"
        elif n == "queue":
            grp = "queue"
        elif "running_" in n:
            grp = "BN running stats (q)" if a.objective == "moco" else "BN running stats"
        else:
            grp = "encoder_q params" if a.objective == "moco" else "params"
        if "running_" in n and n.startswith("encoder_k."):
            grp = "BN running stats (k)"
        rep.tensor(grp, n, rel(g, r), TOL)
        if n.startswith("encoder_k.") and "running_" not in n:
            rep.tensor("encoder_k update", n + " - init", update_err(g, r, init[n]), 1.0)
    for s, (rl, il) in enumerate(zip(ref_log, inv_log), first):
        lerr = abs(il[0] - rl[0]) / abs(rl[0])
        rep.tensor("loss", f"loss step {s + 1}", lerr, TOL)
        if not quiet:
            print(f"{label}step {s + 1}: loss invar {il[0]:.7f} torch {rl[0]:.7f} "
                  f"(rel {lerr:.2e}), acc1 {il[1]:g}/{rl[1]:g}, acc5 {il[2]:g}/{rl[2]:g}, "
                  f"lr {il[3]:.6g}/{rl[3]:.6g}")
        if il[1] != rl[1] or il[2] != rl[2]:
            rep.fail(f"step {s + 1}: acc1/acc5 invar {il[1]:g}/{il[2]:g} != "
                                f"reference {rl[1]:g}/{rl[2]:g}")
        if abs(il[3] - rl[3]) > 1e-6 * abs(rl[3]):
            rep.fail(f"step {s + 1}: lr invar {il[3]:.9g} != reference {rl[3]:.9g}")
    if len(inv_log) < len(ref_log):
        rep.fail(f"log.nc holds {len(inv_log)} steps, {len(ref_log)} wanted")


def read_log(rundir):
    d = netCDF4.Dataset(os.path.join(rundir, "log.nc"))
    cols = [np.array(d[k][:], dtype=np.float64) for k in ("loss", "acc1", "acc5", "lr")]
    d.close()
    return list(zip(*[c.tolist() for c in cols]))


def final_checkpoint(rundir):
    path = os.path.join(rundir, "checkpoint_last.safetensors")
    inv, meta = load_st(path)
    return inv, meta


def cmd_check(a):
    inv, meta = final_checkpoint(a.rundir)
    ref, ref_log, init = run_reference(a, torch.float64)
    rep = Report()
    compare(a, inv, ref, init, read_log(a.rundir), ref_log, rep, "invar vs torch float64: ")
    want = {"global_step": str(a.steps), "epoch": str(a.steps // a.steps_per_epoch),
            "step_in_epoch": str(a.steps % a.steps_per_epoch)}
    for k, v in want.items():
        if meta.get(k) != v:
            rep.fail(f"checkpoint metadata {k}: {meta.get(k)!r}, want {v!r}")
    if a.objective == "supervised":
        v = netCDF4.Dataset(os.path.join(a.rundir, "views.nc"))
        if "label" in v.variables:  # invar's own record of the labels it trained on
            lab = np.array(netCDF4.Dataset(a.shard)["label"][:])[np.array(v["index"][:a.steps])]
            if not np.array_equal(np.array(v["label"][:a.steps]), lab):
                rep.fail("views.nc label differs from the shard's label(index)")
        v.close()
    floor, ties = Report(), Report()
    if not a.strict_only:
        r32, r32_log, _ = run_reference(a, torch.float32, init)
        compare(a, {n: t.float() for n, t in r32.items()}, ref, init, r32_log, ref_log, floor,
                quiet=True)
        if rep.failures:  # how far the ReLU ties can move each tensor
            rf, rf_log, _ = run_reference(a, torch.float64, init, flip_ties=True)
            compare(a, {n: t.float() for n, t in rf.items()}, ref, init, rf_log, ref_log, ties,
                    quiet=True)
    for grp in sorted(rep.worst):
        err, name, tol = rep.worst[grp]
        extra = ""
        if grp in floor.worst:
            extra = f"; torch float32 {floor.worst[grp][0]:.2e}"
        if grp in ties.worst:
            extra += f"; ties flipped {ties.worst[grp][0]:.2e}"
        what = "max error / allowance" if grp == "encoder_k update" else "max rel err"
        print(f"{grp}: {what} {err:.2e} ({name}; bar {tol:g}{extra})")
    if not rep.failures:
        print(f"PASS: {len(ref)} tensors and {len(ref_log)} steps within {TOL:g} of torch "
              f"float64 (momentum update: within {TOL_UPDATE:g} of its scale + {ULPS} ulps)")
        return
    for f in rep.failures[:24]:
        print("FAIL:", f)
    if len(rep.failures) > 24:
        print(f"FAIL: ... and {len(rep.failures) - 24} more")
    if a.strict_only:
        sys.exit(1)
    # Decided by ReLU ties? Every tensor over the bar must lie within twice what flipping all
    # ties moves it (and only trunk-gradient tensors may: the rest is tie-insensitive).
    over = [(n, e) for n, e in rep.errors.items() if e > rep.bars[n]]
    unexplained = [(n, e) for n, e in over if not e <= 2 * ties.errors.get(n, 0.0)]
    if unexplained or rep.hard:
        n, e = (unexplained or [(rep.hard[0], 0.0)])[0]
        print(f"DISAGREE: {n}: error {e:.3g} is not explained by float32 ReLU ties "
              f"({a.ties} inputs within {FLIP:g} x rms of 0; flipping them moves it "
              f"{ties.errors.get(n, 0.0):.3g})")
        sys.exit(1)
    print(f"TIE-DECIDED: every tensor over the bar lies within what the {a.ties} ReLU ties of "
          f"this instance move it (inputs within {FLIP:g} x rms of 0, where float32 rounding "
          f"picks the branch); not a parity verdict: use another seed")
    sys.exit(3)


def cmd_steps(a):
    """Step by step: step s (1..S) from invar's own state after s - 1 steps (the step-0 state
    for s = 1) against invar's state after s steps: --checkpoints names RUNDIR's files after
    steps 1, 2, ..., S (e.g. the epoch checkpoints of a 1-step-per-epoch run). One verdict per
    step: a rounding-level ReLU tie in one step cannot spoil the others."""
    files = [os.path.join(a.rundir, f) for f in a.checkpoints.split(",")]
    total, a.steps = len(files), 1
    log = read_log(a.rundir)
    passed = []
    for s in range(1, total + 1):
        if s == 1:
            start, _ = load_st(os.path.join(a.rundir, "checkpoint_init.safetensors"))
        else:
            start, _ = load_st(files[s - 2])
        inv, meta = load_st(files[s - 1])
        ref, ref_log, _ = run_reference(a, torch.float64, start, first=s - 1)
        rep = Report()
        compare(a, inv, ref, start, log[s - 1:s], ref_log, rep, "invar vs torch float64: ",
                first=s - 1)
        want = {"global_step": str(s), "epoch": str(s // a.steps_per_epoch),
                "step_in_epoch": str(s % a.steps_per_epoch)}
        for k, v in want.items():
            if meta.get(k) != v:
                rep.fail(f"checkpoint metadata {k}: {meta.get(k)!r}, want {v!r}")
        floor = Report()
        if a.floor:
            r32, r32_log, _ = run_reference(a, torch.float32, start, first=s - 1)
            compare(a, {n: t.float() for n, t in r32.items()}, ref, start, r32_log, ref_log,
                    floor, quiet=True)
        for grp in sorted(rep.worst):
            err, name, tol = rep.worst[grp]
            extra = f"; torch float32 {floor.worst[grp][0]:.2e}" if grp in floor.worst else ""
            what = "max error / allowance" if grp == "encoder_k update" else "max rel err"
            print(f"  {grp}: {what} {err:.2e} ({name}; bar {tol:g}{extra})")
        if rep.failures:
            for f in rep.failures[:8]:
                print(f"  FAIL: step {s}: {f}")
            if len(rep.failures) > 8:
                print(f"  FAIL: step {s}: ... and {len(rep.failures) - 8} more")
            print(f"STEP {s} FAIL: {len(rep.failures)} over the bar")
        else:
            passed.append(s)
            print(f"STEP {s} PASS: {len(ref)} tensors within {TOL:g} of torch float64")
    sys.exit(0 if len(passed) == total else 1)


# ----------------------------------------------------------------------------------------------
# Fixtures (self-checks without invar-train)


def cmd_fixture(a):
    torch.manual_seed(a.seed)
    a.classes = 7
    model = build(a)
    os.makedirs(a.rundir, exist_ok=True)
    save_st(os.path.join(a.rundir, "checkpoint_init.safetensors"), model.state_dict(),
            {"global_step": "0", "epoch": "0", "step_in_epoch": "0"})
    b, S = a.batch, a.steps
    g = torch.Generator().manual_seed(a.seed + 1)
    v = netCDF4.Dataset(os.path.join(a.rundir, "views.nc"), "w")
    v.createDimension("step", S)
    v.createDimension("b", b)
    for d in ("c", "h", "w"):
        v.createDimension(d, {"c": 3, "h": a.size, "w": a.size}[d])
    names = ("im_q", "im_k") if a.objective == "moco" else ("im_q",)
    index = np.stack([torch.randperm(a.n_images, generator=g)[:b].numpy() for _ in range(S)])
    images = None
    if a.shard:  # views of the shard's images: random flips, shifts and brightness, normalised
        images = torch.from_numpy(np.array(netCDF4.Dataset(a.shard)["image"][:]))
        images = images.permute(0, 3, 1, 2).float() / 255
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    for n in names:
        if images is None:
            x = torch.randn(S, b, 3, a.size, a.size, generator=g)
        else:
            x = images[torch.from_numpy(index.reshape(-1))].clone()
            for i in range(x.shape[0]):
                if torch.rand(1, generator=g) < 0.5:
                    x[i] = x[i].flip(-1)
                sh = torch.randint(-4, 5, (2,), generator=g).tolist()
                x[i] = x[i].roll(sh, (1, 2)) * (0.6 + 0.8 * torch.rand(1, generator=g))
            x = ((x.clamp(0, 1) - mean) / std).reshape(S, b, 3, a.size, a.size)
        v.createVariable(n, "f4", ("step", "b", "c", "h", "w"))[:] = x.numpy()
    if a.objective == "moco":
        v.createVariable("idx_shuffle", "i8", ("step", "b"))[:] = \
            np.stack([torch.randperm(b, generator=g).numpy() for _ in range(S)])
    v.createVariable("index", "i8", ("step", "b"))[:] = index
    v.close()


def cmd_fake_invar(a):
    """Writes what invar-train would, from the float32 reference (to exercise `check`)."""
    state, log, _ = run_reference(a, torch.float32)
    meta = {"global_step": str(a.steps), "epoch": str(a.steps // a.steps_per_epoch),
            "step_in_epoch": str(a.steps % a.steps_per_epoch), "config": json.dumps(vars(a))}
    save_st(os.path.join(a.rundir, "checkpoint_last.safetensors"), state, meta)
    d = netCDF4.Dataset(os.path.join(a.rundir, "log.nc"), "w")
    d.createDimension("step", None)
    for i, k in enumerate(("loss", "acc1", "acc5", "lr")):
        d.createVariable(k, "f8", ("step",))[:] = np.array([r[i] for r in log])
    d.close()


# ----------------------------------------------------------------------------------------------
# The gold standard for the grouping: the official functions under real DDP (gloo, 2 processes)


def concat_all_gather(t):
    out = [torch.ones_like(t) for _ in range(torch.distributed.get_world_size())]
    torch.distributed.all_gather(out, t, async_op=False)
    return torch.cat(out, dim=0)


class MoCoDDP(MoCo):
    """builder.MoCo's forward and helpers, as MOCO.md section 2 describes them; the only change:
    _batch_shuffle_ddp takes the views' idx_shuffle instead of drawing torch.randperm."""

    def setup(self, m, T):
        self.m, self.T, self.next_idx_shuffle = m, T, None

    @torch.no_grad()
    def _momentum_update_key_encoder(self):
        for pq, pk in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            pk.data = pk.data * self.m + pq.data * (1.0 - self.m)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys):
        keys = concat_all_gather(keys)
        b = keys.shape[0]
        ptr = int(self.queue_ptr)
        assert self.queue.shape[1] % b == 0
        self.queue[:, ptr:ptr + b] = keys.T
        self.queue_ptr[0] = (ptr + b) % self.queue.shape[1]

    @torch.no_grad()
    def _batch_shuffle_ddp(self, x):
        b_this = x.shape[0]
        x_gather = concat_all_gather(x)
        num_gpus = x_gather.shape[0] // b_this
        idx_shuffle = self.next_idx_shuffle.clone()  # official: torch.randperm(b_all).cuda()
        torch.distributed.broadcast(idx_shuffle, src=0)
        idx_unshuffle = torch.argsort(idx_shuffle)
        gpu_idx = torch.distributed.get_rank()
        idx_this = idx_shuffle.view(num_gpus, -1)[gpu_idx]
        return x_gather[idx_this], idx_unshuffle

    @torch.no_grad()
    def _batch_unshuffle_ddp(self, x, idx_unshuffle):
        b_this = x.shape[0]
        x_gather = concat_all_gather(x)
        num_gpus = x_gather.shape[0] // b_this
        gpu_idx = torch.distributed.get_rank()
        idx_this = idx_unshuffle.view(num_gpus, -1)[gpu_idx]
        return x_gather[idx_this]

    def forward(self, im_q, im_k):
        q = F.normalize(self.encoder_q(im_q), dim=1)
        with torch.no_grad():
            self._momentum_update_key_encoder()
            im_k, idx_unshuffle = self._batch_shuffle_ddp(im_k)
            k = F.normalize(self.encoder_k(im_k), dim=1)
            k = self._batch_unshuffle_ddp(k, idx_unshuffle)
        l_pos = torch.einsum("nc,nc->n", [q, k]).unsqueeze(-1)
        l_neg = torch.einsum("nc,ck->nk", [q, self.queue.clone().detach()])
        logits = torch.cat([l_pos, l_neg], dim=1)
        logits /= self.T
        labels = torch.zeros(logits.shape[0], dtype=torch.long)
        self._dequeue_and_enqueue(k)
        return logits, labels


def ddp_worker(rank, a, out):
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(a.port)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=2)
    torch.set_num_threads(1)
    init, _ = load_st(os.path.join(a.rundir, "checkpoint_init.safetensors"))
    model = MoCoDDP(a.arch, a.width, a.stem == "small", a.dim, a.queue)
    model.load_state_dict(init, strict=True)
    model = model.double()
    model.setup(a.m, a.T)
    ddp = nn.parallel.DistributedDataParallel(model, broadcast_buffers=True)
    opt = torch.optim.SGD(model.parameters(), a.lr, momentum=0.9, weight_decay=a.wd)
    v = read_views(a.rundir, a.steps)
    bg = a.batch // 2
    losses = []
    for s in range(a.steps):
        for grp in opt.param_groups:
            grp["lr"] = lr_at(a, s // a.steps_per_epoch)
        model.next_idx_shuffle = torch.from_numpy(v["idx_shuffle"][s]).long()
        im_q = torch.from_numpy(v["im_q"][s][rank * bg:(rank + 1) * bg]).double()
        im_k = torch.from_numpy(v["im_k"][s][rank * bg:(rank + 1) * bg]).double()
        logits, labels = ddp(im_q, im_k)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ls = loss.detach().clone()
        torch.distributed.all_reduce(ls)
        losses.append(float(ls) / 2)
    if rank == 0:
        state = {n: t.detach().clone() for n, t in model.state_dict().items()}
        for n, p in model.encoder_q.named_parameters():
            state["optimizer.momentum_buffer.encoder_q." + n] = opt.state[p]["momentum_buffer"]
        torch.save({"state": state, "loss": losses}, out)
    torch.distributed.destroy_process_group()


def cmd_ddp_check(a):
    import torch.multiprocessing as mp
    if a.groups != 2 or a.objective != "moco":
        raise SystemExit("ddp-check: --groups 2 --objective moco")
    out = os.path.join(a.rundir, "ddp_state.pt")
    mp.spawn(ddp_worker, args=(a, out), nprocs=2, join=True)
    d = torch.load(out)
    ref, ref_log, init = run_reference(a, torch.float64)
    worst, bad = (0.0, ""), []
    for n, r in ref.items():
        g = d["state"][n]
        e = rel(g, r) if g.is_floating_point() else float(not torch.equal(g, r))
        worst = max(worst, (e, n))
        if e > 1e-10:
            bad.append(f"{n}: {e:.3g}")
    lerr = max(abs(x - y[0]) / abs(y[0]) for x, y in zip(d["loss"], ref_log))
    print(f"ddp-check: {len(ref)} tensors, max rel err {worst[0]:.2e} ({worst[1]}), "
          f"loss max rel err {lerr:.2e}")
    if bad or lerr > 1e-10:
        print("FAIL: group simulation differs from DDP:", "; ".join(bad[:10]))
        sys.exit(1)
    print("PASS: the single-process BN-group simulation equals DDP (gloo, 2 processes)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["check", "steps", "fixture", "fake-invar", "ddp-check"])
    p.add_argument("rundir", help="invar-train's RUNDIR")
    p.add_argument("--checkpoints", help="steps: RUNDIR's checkpoints after steps 1, 2, ...")
    p.add_argument("--floor", action="store_true",
                   help="steps: also report torch float32's distance from float64")
    p.add_argument("--objective", default="moco", choices=["moco", "supervised"])
    p.add_argument("--arch", default="resnet18")
    p.add_argument("--stem", default="small")
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queue", type=int, default=32)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--groups", type=int, default=1)
    p.add_argument("--m", type=float, default=0.999)
    p.add_argument("--T", type=float, default=0.2)
    p.add_argument("--lr", type=float, default=0.03)
    p.add_argument("--wd", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--shard", help="the training shard (images per epoch; labels)")
    p.add_argument("--n-images", type=int, default=0, help="shard rows, without --shard")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--port", type=int, default=29533)
    p.add_argument("--no-shuffle", action="store_true",
                   help="reference ignores idx_shuffle (a failing case when invar shuffled)")
    p.add_argument("--strict-only", action="store_true",
                   help="check: any error over the bar fails (exit 1), no tie analysis")
    p.add_argument("--roll-labels", action="store_true",
                   help="reference shifts the labels by one row (a failing case)")
    a = p.parse_args()
    if a.shard:
        d = netCDF4.Dataset(a.shard)
        a.n_images = d.dimensions["n"].size
        d.close()
    if a.n_images < a.batch:
        raise SystemExit("need --shard or --n-images >= --batch")
    a.steps_per_epoch = a.n_images // a.batch  # one rank, drop_last
    {"check": cmd_check, "steps": cmd_steps, "fixture": cmd_fixture, "fake-invar": cmd_fake_invar,
     "ddp-check": cmd_ddp_check}[a.command](a)


if __name__ == "__main__":
    main()
