# nn_features.py: PyTorch side of tests/parity/nn_features.sh.
#   nn_features.py make DIR   writes DIR/images/CLASS/*.png (40x48 RGB), DIR/plain.safetensors
#       (a torchvision ResNet-50 state dict with random weights and BN statistics, fc included),
#       DIR/moco.safetensors (the same under module.encoder_q., plus an MLP head and
#       encoder_k/queue entries), and broken variants (missing, extra, mis-shaped tensors).
#   nn_features.py check DIR SHARD FEATURES.nc R C   compares invar's features with torchvision's
#       on the shard's images (resize shorter side to R, centre crop C; 0 = none); 1e-4 relative.
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision


def save_safetensors(path, tensors):
    """Writes a safetensors file by hand: u64 header length, JSON header, raw LE data."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def model_sd():
    torch.manual_seed(7)
    m = torchvision.models.resnet50()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 2.0)
                mod.num_batches_tracked.fill_(5)
    return m, m.state_dict()


def make(d):
    from PIL import Image
    rng = np.random.default_rng(3)
    for c in ("a", "b"):
        os.makedirs(f"{d}/images/{c}", exist_ok=True)
        for i in range(3):
            img = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(img).save(f"{d}/images/{c}/{i}.png")
    _, sd = model_sd()
    save_safetensors(f"{d}/plain.safetensors", sd)
    moco = {"module.encoder_q." + k: v for k, v in sd.items() if not k.startswith("fc.")}
    moco["module.encoder_q.fc.0.weight"] = torch.randn(2048, 2048)
    moco["module.encoder_q.fc.0.bias"] = torch.randn(2048)
    moco["module.encoder_k.conv1.weight"] = torch.randn(64, 3, 7, 7)
    moco["module.queue"] = torch.randn(128, 16)
    save_safetensors(f"{d}/moco.safetensors", moco)
    missing = dict(sd)
    del missing["layer1.0.conv1.weight"]
    save_safetensors(f"{d}/missing.safetensors", missing)
    extra = dict(sd)
    extra["layer1.0.conv9.weight"] = torch.zeros(3)
    save_safetensors(f"{d}/extra.safetensors", extra)
    shaped = dict(sd)
    shaped["layer2.0.bn1.running_var"] = torch.ones(7)
    save_safetensors(f"{d}/shaped.safetensors", shaped)


def check(d, shard, feats, r, c):
    import netCDF4
    r, c = int(r), int(c)
    with netCDF4.Dataset(shard) as ds:
        images = np.array(ds["image"][:])
    with netCDF4.Dataset(feats) as ds:
        got = np.array(ds["feature"][:])
    m, _ = model_sd()
    m.fc = torch.nn.Identity()
    m.eval()
    # torchvision's evaluation pipeline on PIL images: Resize(r), CenterCrop(c), ToTensor.
    from PIL import Image
    tf = [torchvision.transforms.Resize(r)] if r else []
    tf += [torchvision.transforms.CenterCrop(c)] if c else []
    tf += [torchvision.transforms.ToTensor()]
    tf = torchvision.transforms.Compose(tf)
    x = torch.stack([tf(Image.fromarray(im.squeeze(-1) if im.shape[-1] == 1 else im).convert("RGB"))
                     for im in images])
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = (x - mean) / std
    with torch.no_grad():
        ref = m(x.double() if False else x).numpy()
    err = np.abs(got - ref).max() / np.abs(ref).max()
    print(f"features {got.shape} vs torchvision: max rel err {err:.3g}")
    sys.exit(0 if got.shape == ref.shape and err < 1e-4 else 1)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(*sys.argv[2:7])
