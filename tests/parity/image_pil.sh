#!/usr/bin/env bash
# image_pil.sh: invar's JPEG/PNG decoding against PIL's Image.open(f).convert("RGB") on images
# made by PIL at test time (JPEG baseline/progressive/gray/CMYK at quality 90; PNG 1, L, LA, P, P with
# transparency, RGB, RGBA, I;16, and hand-made 16-bit RGB, RGBA, LA), and PNGs written by invar read back identically by PIL.
source "$(dirname "$0")/../lib.sh"
SRC=${INVAR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

TOOL=$T/image_tool
ok "build image_tool against libinvar" bash -c "gcc -std=c11 -O1 -I'$SRC/src/common' \
    $(mpicc --showme:compile) $(pkg-config --cflags netcdf libcjson libpng) \
    '$SRC/tests/parity/image_tool.c' '$O/libinvar.a' -o '$TOOL' \
    $(pkg-config --libs netcdf libcjson libpng) -ljpeg $(mpicc --showme:link) -fopenmp -lm"

# Fixtures: a smooth image with noise and edges, odd sizes (partial MCUs).
ok "make PIL fixtures" "$PYTHON" - "$T" <<'PY'
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(7)
h, w = 37, 53
y, x = np.mgrid[0:h, 0:w]
rgb = np.stack([x * 4, y * 6, (x + y) * 3], -1) + rng.integers(0, 40, (h, w, 3))
rgb[10:20, 15:30] = [250, 10, 120]
rgb = np.clip(rgb, 0, 255).astype(np.uint8)
im = Image.fromarray(rgb)
im.save(f"{d}/base.jpg", quality=90)
im.save(f"{d}/prog.jpg", quality=90, progressive=True)
im.save(f"{d}/s444.jpg", quality=90, subsampling=0)
im.convert("L").save(f"{d}/gray.jpg", quality=90)
im.convert("L").save(f"{d}/L.png")
im.convert("1").save(f"{d}/bilevel.png")
im.convert("LA").save(f"{d}/LA.png")
im.convert("P").save(f"{d}/P.png")
im.convert("P").save(f"{d}/Ptrans.png", transparency=3)
im.convert("L").save(f"{d}/Ltrans.png", transparency=40)
im.save(f"{d}/RGB.png")
cmyk = np.dstack([rgb, rgb[:, :, :1] // 2]).astype(np.uint8)
Image.fromarray(cmyk, "CMYK").save(f"{d}/cmyk.jpg", quality=90)
rgba = np.dstack([rgb, rng.integers(0, 256, (h, w, 1)).astype(np.uint8)])
Image.fromarray(rgba, "RGBA").save(f"{d}/RGBA.png")
i16 = (x * 1200 + y * 3).astype(np.uint16)
i16[0, :10] = np.arange(10) * 30  # some values below 256
Image.fromarray(i16).save(f"{d}/I16.png")
# 16-bit RGB, RGBA and LA (PIL cannot write them): written by hand, big-endian samples.
import struct, zlib
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
def png16(path, arr, color_type):
    hh, ww = arr.shape[:2]
    rows = b"".join(b"\0" + arr[r].astype(">u2").tobytes() for r in range(hh))
    ihdr = struct.pack(">IIBBBBB", ww, hh, 16, color_type, 0, 0, 0)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                           chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
wide = rng.integers(0, 65536, (h, w, 4)).astype(np.uint16)
png16(f"{d}/RGB16.png", wide[:, :, :3], 2)
png16(f"{d}/RGBA16.png", wide, 6)
png16(f"{d}/LA16.png", wide[:, :, :2], 4)
PY

compare() { # compare FILE: invar's decoding == PIL's convert("RGB"), exactly
    local f=$1
    "$TOOL" decode "$T/$f" "$T/$f.raw" >"$T/$f.dims" || return 1
    "$PYTHON" - "$T/$f" "$T/$f.raw" "$T/$f.dims" <<'PY'
import sys, numpy as np
from PIL import Image
ref = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
w, h = map(int, open(sys.argv[3]).read().split())
got = np.fromfile(sys.argv[2], np.uint8)
assert (h, w) == ref.shape[:2], f"size {w}x{h} vs PIL {ref.shape[1]}x{ref.shape[0]}"
got = got.reshape(h, w, 3)
diff = np.abs(got.astype(int) - ref.astype(int))
print(f"{sys.argv[1]}: max difference {diff.max()}")
assert diff.max() == 0, f"{(diff > 0).sum()} bytes differ, max {diff.max()}"
PY
}
for f in base.jpg prog.jpg s444.jpg gray.jpg cmyk.jpg L.png bilevel.png LA.png P.png Ptrans.png \
    Ltrans.png RGB.png RGBA.png I16.png RGB16.png RGBA16.png LA16.png; do
    ok "$f decodes as PIL's convert(\"RGB\")" compare "$f"
done

# The PNG writer: PIL reads back exactly the pattern written, in the right mode.
for c in 1 3 4; do
    ok "PNG writer, $c channels, read back by PIL" bash -c "'$TOOL' pattern $c '$T/w$c.png' && \
    '$PYTHON' - '$T/w$c.png' $c <<'PY'
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1]); c = int(sys.argv[2])
assert im.mode == {1: 'L', 3: 'RGB', 4: 'RGBA'}[c], im.mode
y, x, k = np.mgrid[0:11, 0:23, 0:c]
want = ((x * 7 + y * 13 + k * 50) & 255).astype(np.uint8)
got = np.asarray(im).reshape(11, 23, c)
assert (got == want).all(), 'pixels differ'
PY"
done

# Truncated and foreign files: errors naming the file (PIL refuses the truncated JPEG too).
head -c 900 "$T/base.jpg" >"$T/cut.jpg"
ok "PIL refuses the truncated JPEG" "$PYTHON" -c "
from PIL import Image
try:
    Image.open('$T/cut.jpg').convert('RGB'); raise SystemExit(1)
except OSError: pass"
expect_fail "truncated JPEG" "cut.jpg: corrupt JPEG: truncated" "$TOOL" decode "$T/cut.jpg" "$T/x"
head -c 300 "$T/RGB.png" >"$T/cut.png"
expect_fail "truncated PNG" "cut.png: corrupt PNG" "$TOOL" decode "$T/cut.png" "$T/x"
"$PYTHON" -c "from PIL import Image; Image.new('RGB', (4, 4)).save('$T/x.bmp')"
expect_fail "BMP" "x.bmp: not a JPEG or PNG file" "$TOOL" decode "$T/x.bmp" "$T/x"
summary
