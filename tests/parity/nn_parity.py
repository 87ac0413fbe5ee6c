# nn_parity.py: PyTorch/torchvision side of the nn parity tests. Builds the torchvision ResNet
# (optionally with the small stem), gives it random weights and BN statistics, writes them and an
# input for tests/parity/nn_tool.c, runs the tool, and compares its forward features, logits,
# loss, every gradient, and every parameter and BN running statistic after one SGD step (lr 0.1,
# momentum 0.9, weight decay 1e-4) with PyTorch's.
#
# Error of a tensor: max |invar - torch| / max |torch|, against torch in float64 (the exact
# result); the bound is TOL = 1e-4. Training mode at small batches is ill-conditioned: a ReLU
# whose input lies within float32 rounding of 0 flips, and through the batch statistics of every
# BN above it the flip moves the gradients of all earlier layers by up to a few percent (torch's
# own float32 result is then that far from its float64 one, in about a third of random instances
# of ResNet-18 at 32x32 and in nearly all of ResNet-50 at 224x224). So:
#   --strict: hold every tensor to TOL (eval mode is well-conditioned);
#   --search (with --strict): first search seeds (at most 12) for an instance where torch float32
#       agrees with float64 to TOL / 4 on every tensor (ResNet-18 at 32x32 in training mode);
#   --same-branch (ResNet-50 training, where no seed avoids flips): the float64 reference takes
#       the branch invar's forward took: each ReLU multiplies by invar's mask (x > 0) and the
#       max-pool picks invar's argmax, so both differentiate the same piecewise-linear function.
#       Every place where that differs from float64's own choice must be a rounding-level tie
#       (|x| <= FLIP * rms of that ReLU's input; max-pool values within FLIP relative), else
#       the test fails; the count of such places is printed. Then every tensor is held to TOL.
#   otherwise: what the forward pass determines (features, logits, loss, running statistics, fc
#       gradients and update) is held to TOL; trunk gradients and updates to LOOSE = 0.1, and
#       how many of them are within TOL is printed.
#   nn_parity.py TOOL ARCH STEM CLASSES MODE BACKEND N H W WORKDIR [--strict] [--search]
#                [--same-branch]
import subprocess
import sys

import numpy as np
import torch
import torchvision

TOL = 1e-4
LOOSE = 0.1
FLIP = 1e-4


class Branch:
    """invar's ReLU masks (in call order) and max-pool argmax, forced on a torch model."""

    def __init__(self, masks, argmax):
        self.masks, self.argmax, self.pos = masks, argmax, 0
        self.flips, self.worst_flip, self.ties, self.worst_tie = 0, 0.0, 0, 0.0

    def relu(self, x):
        n = x.numel()
        if self.pos + n > self.masks.size:
            raise SystemExit("relu_masks.bin is shorter than the network's ReLU outputs")
        m = torch.from_numpy(self.masks[self.pos:self.pos + n].reshape(x.shape).astype(bool))
        self.pos += n
        differ = m != (x > 0)
        if differ.any():
            rms = x.detach().pow(2).mean().sqrt().item()
            self.flips += int(differ.sum())
            self.worst_flip = max(self.worst_flip, x.detach()[differ].abs().max().item() / rms)
        return x * m.to(x.dtype)

    def maxpool(self, x, pool):
        idx = torch.from_numpy(self.argmax.astype(np.int64))
        natural, nat_idx = torch.nn.functional.max_pool2d(x, pool.kernel_size, pool.stride,
                                                          pool.padding, return_indices=True)
        if idx.numel() != natural.numel():
            raise SystemExit("maxpool_argmax.bin does not match the max-pool's output size")
        idx = idx.reshape(natural.shape)
        out = x.flatten(2).gather(2, idx.flatten(2)).reshape(natural.shape)
        differ = idx != nat_idx
        if differ.any():
            self.ties += int(differ.sum())
            rms = x.detach().pow(2).mean().sqrt().item()
            gap = (natural.detach() - out.detach()).abs()[differ] / rms
            self.worst_tie = max(self.worst_tie, gap.max().item())
        return out


class Forced(torch.nn.Module):
    def __init__(self, branch, kind, pool=None):
        super().__init__()
        self.branch, self.kind, self.pool = branch, kind, pool

    def forward(self, x):
        if self.kind == "relu":
            return self.branch.relu(x)
        return self.branch.maxpool(x, self.pool)


def build(arch, stem, classes):
    m = getattr(torchvision.models, arch)(num_classes=classes)
    if stem == "small":
        m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        m.maxpool = torch.nn.Identity()
    return m


def instance(arch, stem, classes, n, h, w, seed):
    torch.manual_seed(seed)
    model = build(arch, stem, classes)
    # Non-trivial BN parameters and statistics (torchvision's init has weight 1, bias 0).
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(3)
        # Residual branches scaled down (as zero_init_residual does, but not to zero): keeps
        # training-mode gradients well-conditioned (see the top of this file).
        for mod in model.modules():
            last = getattr(mod, "bn3", None) or getattr(mod, "bn2", None)
            if isinstance(mod, (torchvision.models.resnet.BasicBlock,
                                torchvision.models.resnet.Bottleneck)):
                last.weight.uniform_(0.1, 0.3)
    x = torch.randn(n, 3, h, w)
    labels = torch.randint(0, classes, (n,), dtype=torch.int32)
    return model.state_dict(), x, labels


def torch_step(arch, stem, classes, mode, sd, x, labels, dtype, branch=None):
    ref = build(arch, stem, classes)
    ref.load_state_dict(sd)
    ref = ref.to(dtype)
    if branch is not None:
        relu = Forced(branch, "relu")
        for mod in list(ref.modules()):
            if isinstance(getattr(mod, "relu", None), torch.nn.ReLU):
                mod.relu = relu
        if isinstance(ref.maxpool, torch.nn.MaxPool2d):
            ref.maxpool = Forced(branch, "maxpool", ref.maxpool)
    ref.train(mode == "train")
    feats = {}
    ref.fc.register_forward_hook(lambda mod, inp, out: feats.__setitem__("f", inp[0]))
    opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    logits = ref(x.to(dtype))
    loss = torch.nn.functional.cross_entropy(logits, labels.long())
    opt.zero_grad()
    loss.backward()
    out = {"features": feats["f"].detach().reshape(-1).double().numpy(),
           "logits": logits.detach().reshape(-1).double().numpy(),
           "loss": np.array([loss.item()])}
    if mode != "train":
        out["features_fused"] = out["features"]
        out["logits_fused"] = out["logits"]
    for name, p in ref.named_parameters():
        out["grad " + name] = p.grad.reshape(-1).double().numpy()
    opt.step()
    for name, t in ref.state_dict().items():
        out["after " + name] = t.reshape(-1).double().numpy()
    return out


def rel(a, r):
    return np.abs(a.astype(np.float64) - r).max() / max(np.abs(r).max(), 1e-30)


def main():
    tool, arch, stem, classes, mode, backend, n, h, w, work = sys.argv[1:11]
    strict = "--strict" in sys.argv[11:]
    search = "--search" in sys.argv[11:]
    same_branch = "--same-branch" in sys.argv[11:]
    classes, n, h, w = int(classes), int(n), int(h), int(w)
    names = subprocess.run([tool, "names", arch, stem, str(classes)], check=True,
                           capture_output=True, text=True).stdout.split("\n")
    names = [l.split() for l in names if l.strip()]

    for seed in range(1234, 1234 + (12 if search else 1)):
        sd, x, labels = instance(arch, stem, classes, n, h, w, seed)
        r64 = torch_step(arch, stem, classes, mode, sd, x, labels, torch.float64)
        if not search:
            break
        r32 = torch_step(arch, stem, classes, mode, sd, x, labels, torch.float32)
        cond = {k: rel(r32[k], r64[k]) for k in r64}
        if max(cond.values()) <= TOL / 4:
            break
    else:
        print(f"no well-conditioned instance in 12 seeds (worst torch float32 vs float64 "
              f"{max(cond.values()):.3g})")
        sys.exit(1)

    if [x[0] for x in names] != list(sd.keys()):
        print("state_dict names differ from invar's table:", set(sd.keys()) ^ set(x[0] for x in names))
        sys.exit(1)
    for name, kind, numel in names:
        if sd[name].numel() != int(numel):
            print(f"{name}: torch numel {sd[name].numel()} invar {numel}")
            sys.exit(1)
    flat = np.concatenate([sd[k].detach().reshape(-1).numpy().astype(np.float32) for k in sd])
    flat.tofile(f"{work}/params.bin")
    x.numpy().astype(np.float32).tofile(f"{work}/input.bin")
    labels.numpy().tofile(f"{work}/labels.bin")
    subprocess.run([tool, "step", arch, stem, str(classes), mode, backend, str(n), str(h), str(w),
                    f"{work}/params.bin", f"{work}/input.bin", f"{work}/labels.bin", work],
                   check=True)
    if same_branch:
        branch = Branch(np.fromfile(f"{work}/relu_masks.bin", dtype=np.uint8),
                        np.fromfile(f"{work}/maxpool_argmax.bin", dtype=np.int32))
        r64 = torch_step(arch, stem, classes, mode, sd, x, labels, torch.float64, branch)
        if branch.pos != branch.masks.size:
            print(f"relu_masks.bin holds {branch.masks.size} values, the network {branch.pos}")
            sys.exit(1)
        print(f"same branch: {branch.flips} ReLU inputs where invar's fp32 sign differs from "
              f"float64 (largest |x| / rms {branch.worst_flip:.2g}), {branch.ties} max-pool "
              f"choices (largest gap / rms {branch.worst_tie:.2g}); bound {FLIP:g}")
        if branch.worst_flip > FLIP or branch.worst_tie > FLIP:
            print("FAIL: invar's forward took a branch that is not a rounding-level tie")
            sys.exit(1)
    inv = {"features": np.fromfile(f"{work}/features.bin", dtype=np.float32),
           "logits": np.fromfile(f"{work}/logits.bin", dtype=np.float32),
           "loss": np.array([float(open(f"{work}/loss.txt").read())])}
    if mode != "train":
        for k in ("features", "logits"):
            inv[k + "_fused"] = np.fromfile(f"{work}/{k}_fused.bin", dtype=np.float32)
    grads = np.fromfile(f"{work}/grads.bin", dtype=np.float32)
    after = np.fromfile(f"{work}/after.bin", dtype=np.float32)
    off = 0
    for k in r64:
        if k.startswith("grad "):
            size = r64[k].size
            inv[k] = grads[off:off + size]
            off += size
    assert off == grads.size, "gradient buffer size differs"
    off = 0
    for k in r64:
        if k.startswith("after "):
            size = r64[k].size
            inv[k] = after[off:off + size]
            off += size
    assert off == after.size, "parameter buffer size differs"

    failures, within, worst = 0, 0, (0.0, "")
    for key in r64:
        err = rel(inv[key], r64[key])
        forward = (not key.startswith(("grad ", "after ")) or ".fc." in "." + key
                   or "running_" in key or "num_batches" in key)
        bound = TOL if strict or forward else LOOSE
        within += err <= TOL
        if err > worst[0]:
            worst = (err, key)
        if not err <= bound:
            failures += 1
            if failures <= 20:
                print(f"FAIL {key}: error {err:.3g} vs torch float64 (bound {bound:g})")
    print(f"{arch} {stem} {mode} {backend} n={n} {h}x{w} seed {seed}: {within} of {len(r64)} "
          f"tensors within {TOL:g} of torch float64; worst {worst[0]:.3g} ({worst[1]})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
