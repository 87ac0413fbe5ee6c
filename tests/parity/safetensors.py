#!/usr/bin/env python3
"""safetensors.py: the Python side of tests/parity/safetensors.sh. Reads and writes safetensors
by hand from the format's definition (8-byte little-endian header length, JSON header, data),
with numpy and torch, to check files written by invar and to make files for invar to read.

  check-invar FILE        FILE (st_tool write) against the bit patterns st_tool.c uses
  write-py FILE           a file with every dtype (F16/BF16: all 65536 bit patterns), metadata
  write-torch FILE        a tiny torch model's state dict (plus f16/bf16 copies)
  check-dump FILE DUMP    st_tool's float32 dump of FILE against numpy's (and torch's) conversion
  check-torch-copy FILE   FILE (invar's copy of write-torch's file) loads into the torch model
"""
import json
import struct
import sys

import numpy as np

torch = None  # imported by the commands that use it (it takes seconds to load)

NP = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16,
      "I32": np.int32, "U32": np.uint32, "I64": np.int64, "U64": np.uint64, "F16": np.float16,
      "BF16": np.uint16, "F32": np.float32, "F64": np.float64, "F8_E5M2": np.uint8,
      "F8_E4M3": np.uint8}
SIZE = {k: np.dtype(v).itemsize for k, v in NP.items()}
MASK64 = (1 << 64) - 1


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def read(path):
    """Parses a safetensors file by hand: (header dict, metadata, data bytes, header length)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    return header, meta, raw[8 + n:], n, raw[8:8 + n]


def array(info, data):
    b, e = info["data_offsets"]
    a = np.frombuffer(data[b:e], dtype=np.dtype(NP[info["dtype"]]).newbyteorder("<"))
    return a.reshape(info["shape"])


def write(path, tensors, meta=None, pad=True):
    """tensors: list of (name, dtype name, shape, raw little-endian bytes), in data order."""
    header, data = {}, b""
    if meta:
        header["__metadata__"] = meta
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode("utf-8")
    if pad:
        h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def pattern(k, numel, size):
    """st_tool.c's pattern(): low `size` bytes of (i+1)*golden + k*mix, as unsigned ints."""
    v = [((i + 1) * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9) & MASK64 for i in range(numel)]
    return np.array([x & ((1 << (8 * size)) - 1) for x in v], dtype=np.uint64)


def check_invar(path):
    header, meta, data, n, text = read(path)
    if n % 8 or not text.endswith(b"}" + b" " * (n - 1 - text.rindex(b"}"))):
        fail(f"header length {n} is not padded with spaces to a multiple of 8")
    if meta.get("note") != 'écrit par invar "st_tool"':
        fail(f"metadata: {meta}")
    at = 0
    for name, info in header.items():  # JSON order = the order st_writer_add was called
        if info["data_offsets"][0] != at:
            fail(f"{name}: data_offsets {info['data_offsets']} do not follow on at {at}")
        at = info["data_offsets"][1]
        k = int(meta["seed/" + name])
        a = array(info, data)
        size = SIZE[info["dtype"]]
        want = pattern(k, a.size, size)
        if info["dtype"] == "BOOL":
            want &= 1
        got = np.frombuffer(a.tobytes(), dtype=np.dtype(f"<u{size}")).astype(np.uint64)
        if not np.array_equal(got, want):
            fail(f"{name}: bytes differ from the pattern")
    if at != len(data):
        fail(f"data section has {len(data)} bytes, tensors cover {at}")
    if len(header) != 17:
        fail(f"{len(header)} tensors, expected 17")
    print(f"check-invar: {len(header)} tensors, {len(meta)} metadata entries match")


def to_f32(info, data):
    """numpy's float32 conversion of a tensor (BF16 and F8 by their bit layouts)."""
    a = array(info, data).reshape(-1)
    dt = info["dtype"]
    if dt == "BF16":
        return (a.astype(np.uint32) << 16).view(np.float32)
    if dt == "F8_E5M2":
        return (a.astype(np.uint16) << 8).view(np.float16).astype(np.float32)
    if dt == "F8_E4M3":
        s = np.where(a & 0x80, -1.0, 1.0)
        e, m = (a >> 3) & 15, (a & 7).astype(np.float64)
        v = np.where(e == 0, m / 8 * 2.0 ** -6, (1 + m / 8) * 2.0 ** (e.astype(np.float64) - 7))
        v = np.where((e == 15) & (m == 7), np.nan, v)
        return (s * v).astype(np.float32)
    with np.errstate(over="ignore"):  # F64 beyond float32's range becomes +-inf, as in C
        return a.astype(np.float32)


def same_f32(got, want):
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    nan = np.isnan(want)
    return got.shape == want.shape and np.array_equal(np.isnan(got), nan) and \
        np.array_equal(got.view(np.uint32)[~nan], want.view(np.uint32)[~nan])


def parse_dump(dump):
    meta, tensors = {}, {}
    for line in open(dump, encoding="utf-8").read().split("\n"):
        if not line:
            continue
        f = line.split("\t")
        if f[0] == "M":
            meta[f[1]] = f[2]
        else:
            shape = [int(x) for x in f[3].split(",")] if f[3] else []
            bits = np.array([int(x, 16) for x in f[4].split()], dtype=np.uint32)
            tensors[f[1]] = (f[2], shape, bits.view(np.float32))
    return meta, tensors


def check_dump(path, dump):
    header, meta, data, _, _ = read(path)
    dmeta, dtensors = parse_dump(dump)
    if dmeta != meta:
        fail(f"metadata: invar {dmeta} != {meta}")
    if set(dtensors) != set(header):
        fail(f"tensor names: invar {sorted(dtensors)} != {sorted(header)}")
    for name, info in header.items():
        dtype, shape, got = dtensors[name]
        if dtype != info["dtype"] or shape != info["shape"]:
            fail(f"{name}: invar {dtype} {shape} != {info['dtype']} {info['shape']}")
        if not same_f32(got, to_f32(info, data)):
            fail(f"{name}: float32 values differ from numpy's conversion")
    if path.endswith("torch.safetensors"):  # also against torch's own conversion
        sd = torch_state()
        for name, t in sd.items():
            if not same_f32(dtensors[name][2], t.float().reshape(-1).numpy()):
                fail(f"{name}: float32 values differ from torch's .float()")
    print(f"check-dump: {len(header)} tensors, {len(meta)} metadata entries match")


def write_py(path):
    rng = np.random.default_rng(7)
    allbits = np.arange(65536, dtype=np.uint16)
    i64 = np.array([0, 1, -1, 2**63 - 1, -2**63, 2**24 + 1, 123456789012345, -987654321],
                   dtype="<i8")
    t = [
        ("b.i64", "I64", [2, 4], i64.tobytes()),
        ("a.f16", "F16", [256, 256], allbits.astype("<u2").tobytes()),
        ("a.bf16", "BF16", [65536], allbits.astype("<u2").tobytes()),
        ("c.f32", "F32", [3, 5, 7], rng.standard_normal(105).astype("<f4").tobytes()),
        ("c.f64", "F64", [4], np.array([0.1, -1e300, 1e-300, np.pi], "<f8").tobytes()),
        ("d.u8", "U8", [6], np.array([0, 1, 127, 128, 254, 255], np.uint8).tobytes()),
        ("d.i8", "I8", [4], np.array([-128, -1, 0, 127], np.int8).tobytes()),
        ("d.i16", "I16", [3], np.array([-32768, 5, 32767], "<i2").tobytes()),
        ("d.i32", "I32", [3], np.array([-2**31, 16777217, 2**31 - 1], "<i4").tobytes()),
        ("d.u32", "U32", [2], np.array([0, 2**32 - 1], "<u4").tobytes()),
        ("d.bool", "BOOL", [2, 2], np.array([1, 0, 0, 1], np.uint8).tobytes()),
        ("e.scalar", "F32", [], np.array([2.5], "<f4").tobytes()),
        ("e.empty", "F16", [0, 5], b""),
        ("f.e4m3", "F8_E4M3", [256], np.arange(256, dtype=np.uint8).tobytes()),
        ("f.e5m2", "F8_E5M2", [256], np.arange(256, dtype=np.uint8).tobytes()),
    ]
    # Header not padded (readers must not need it); JSON keys not in data order.
    header, data = {"__metadata__": {"format": "pt", "ünï": "✓ ok", "empty": ""}}, b""
    entries = []
    for name, dtype, shape, raw in t:
        entries.append((name, {"dtype": dtype, "shape": shape,
                               "data_offsets": [len(data), len(data) + len(raw)]}))
        data += raw
    for name, info in reversed(entries):
        header[name] = info
    h = json.dumps(header, ensure_ascii=False).encode("utf-8")
    h += b" " * (8 - len(h) % 8 + 3)  # an odd length: data unaligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def torch_model():
    torch.manual_seed(3)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5))


def torch_state():
    m = torch_model()
    m.train()
    m(torch.randn(2, 3, 8, 8))  # running stats and num_batches_tracked (I64, 0-d) change
    sd = dict(m.state_dict())
    sd["half.4.weight"] = sd["4.weight"].half()
    sd["bf16.4.weight"] = sd["4.weight"].bfloat16()
    return sd


def write_torch(path):
    TORCH_DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.int64: "I64"}
    tensors = []
    for name, t in torch_state().items():
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        tensors.append((name, TORCH_DT[t.dtype], list(t.shape), raw))
    write(path, tensors, {"format": "pt"})


def check_torch_copy(path):
    header, meta, data, n, _ = read(path)
    if n % 8 or meta != {"format": "pt"}:
        fail(f"header length {n} or metadata {meta}")
    ref = torch_state()
    sd = {}
    for name, info in header.items():
        a = array(info, data).copy()
        if info["dtype"] == "BF16":
            t = torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)
        else:
            t = torch.from_numpy(a)
        if not torch.equal(t, ref[name]):
            fail(f"{name}: differs from the torch original")
        sd[name] = t
    m = torch_model()
    m.load_state_dict({k: v for k, v in sd.items() if not k.startswith(("half.", "bf16."))},
                      strict=True)
    m.eval()
    r = torch_model()
    r.load_state_dict({k: v for k, v in ref.items() if not k.startswith(("half.", "bf16."))})
    r.eval()
    x = torch.randn(3, 3, 8, 8)
    if not torch.equal(m(x), r(x)):
        fail("the model loaded from invar's copy computes different outputs")
    print(f"check-torch-copy: {len(sd)} tensors load into the torch model (strict)")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if "torch" in cmd or (args and args[0].endswith("torch.safetensors")):
        import torch
    {"check-invar": check_invar, "write-py": write_py, "write-torch": write_torch,
     "check-dump": check_dump, "check-torch-copy": check_torch_copy}[cmd](*args)
