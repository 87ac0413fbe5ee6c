#!/usr/bin/env bash
# image_decode.sh: JPEG and PNG decoding to RGB, invar (image_decode_memory) against PIL
# (Image.open(BytesIO).convert("RGB") + numpy array), same files, same machine, one thread.
# ratio = PIL time / invar time (above 1: invar is faster).
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=$T/image_tool
gcc -std=c11 -O2 -I"$SRC/src/common" $(mpicc --showme:compile) \
    $(pkg-config --cflags netcdf libcjson libpng) "$SRC/tests/parity/image_tool.c" \
    "$O/libinvar.a" -o "$TOOL" $(pkg-config --libs netcdf libcjson libpng) -ljpeg \
    $(mpicc --showme:link) -fopenmp -lm || exit 1
"$PYTHON" - "$T" <<'PY' || exit 1
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
h, w = 375, 500  # a typical ImageNet/VOC size
y, x = np.mgrid[0:h, 0:w]
rgb = np.stack([x % 256, y % 256, (x * y) % 256], -1).astype(np.uint8)
rgb = np.clip(rgb.astype(int) + np.random.default_rng(0).integers(-20, 20, rgb.shape), 0, 255)
Image.fromarray(rgb.astype(np.uint8)).save(f"{d}/b.jpg", quality=90)
Image.fromarray(rgb.astype(np.uint8)).save(f"{d}/b.png")
PY
for f in b.jpg b.png; do
    inv=$("$TOOL" bench "$T/$f" 200) || exit 1
    base=$("$PYTHON" - "$T/$f" <<'PY'
import io, sys, time, numpy as np
from PIL import Image
data = open(sys.argv[1], "rb").read()
t = time.perf_counter()
for _ in range(200):
    a = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
print(f"{(time.perf_counter() - t) / 200 * 1e3:.4f}")
PY
)
    ext=${f#b.}
    echo "image_decode_$ext: invar $inv ms/image, baseline PIL $base ms/image, ratio $("$PYTHON" -c "print(f'{$base / $inv:.2f}')")"
done
