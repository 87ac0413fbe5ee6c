#!/usr/bin/env bash
# aug_commands.sh: `invar-data transform` and `invar-data augment` end to end through PNG files:
# transform outputs (after Resize + CenterCrop and --raw, RGB/grey/RGBA inputs) equal the
# official evaluation code's torchvision ops; contact sheets have the right size; bad names,
# indices, policies and files fail with clear messages.
source "$(dirname "$0")/../lib.sh"
D="$BIN/invar-data"
ok "test images" $PYTHON - "$T" <<'PY'
import sys
import numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(5)
a = rng.integers(0, 256, size=(211, 317, 3), dtype=np.uint8)
Image.fromarray(a).save(f"{d}/rgb.png")
Image.fromarray(a[:, :, 1]).save(f"{d}/grey.png")
Image.fromarray(np.dstack([a, a[:, :, :1]])).save(f"{d}/rgba.png")
Image.fromarray(a[:1, :1]).save(f"{d}/one.png")
open(f"{d}/broken.png", "wb").write(b"\x89PNG\r\n\x1a\n broken")
PY
for img in rgb grey rgba; do
    for spec in rotation:64 rotation:201 hue:60 brightness:255 translation:136 resized_crop:27 \
        scale:77 posterize:2 equalize:1; do
        name=${spec%:*} k=${spec#*:}
        ok "transform $name $k on $img" "$D" transform --name $name --index $k --in "$T/$img.png" \
            --out "$T/$img-$name-$k.png"
        ok "transform $name $k raw on $img" "$D" transform --name $name --index $k --raw \
            --in "$T/$img.png" --out "$T/$img-$name-$k-raw.png"
    done
done
ok "transform outputs equal torchvision's" $PYTHON - "$T" <<'PY'
import sys
import numpy as np
import torch
from PIL import Image
sys.path.insert(0, "tests/parity")
from aug_ops import ref_transform
d = sys.argv[1]
bad = 0
for img in ("rgb", "grey", "rgba"):
    src = Image.open(f"{d}/{img}.png").convert("RGB")
    for spec in ("rotation:64", "rotation:201", "hue:60", "brightness:255", "translation:136",
                 "resized_crop:27", "scale:77", "posterize:2", "equalize:1"):
        name, k = spec.split(":")
        for raw in (0, 1):
            path = f"{d}/{img}-{name}-{k}{'-raw' if raw else ''}.png"
            got = np.asarray(Image.open(path).convert("RGB"), dtype=int)
            ref = np.asarray(ref_transform(src, name, int(k), 256, 224, raw and name != "resized_crop"), dtype=int)
            if got.shape != ref.shape or np.abs(got - ref).max() > 0:
                bad += 1
                print(f"FAIL {path}: shape {got.shape} vs {ref.shape}",
                      "" if got.shape != ref.shape else f"max diff {np.abs(got - ref).max()}")
print(f"{bad} mismatches")
sys.exit(1 if bad else 0)
PY
ok "transform on a 1x1 image" "$D" transform --name shear --index 255 --in "$T/one.png" --out "$T/o.png"
ok "augment contact sheet" "$D" augment --policy default --in "$T/rgb.png" --views 5 --out "$T/sheet.png" --seed 4
ok "sheet size (3 x 2 views of 224 with 4 px gaps)" $PYTHON -c "
from PIL import Image; im = Image.open('$T/sheet.png'); assert im.size == (688, 460), im.size"
ok "augment 1x1 grey, spatial" "$D" augment --policy spatial --in "$T/one.png" --views 3 --out "$T/s1.png"
printf 'resize size=40\ncenter_crop size=32\ncolor_jitter hue=0.5 p=1\nvflip p=1\n' > "$T/my.policy"
ok "augment with a policy file" "$D" augment --policy "$T/my.policy" --in "$T/rgba.png" --views 4 --columns 4 --out "$T/s2.png"
ok "policy file sheet size" $PYTHON -c "
from PIL import Image; im = Image.open('$T/s2.png'); assert im.size == (4 * 32 + 5 * 4, 40), im.size"
"$D" augment --policy "$T/my.policy" --in "$T/rgb.png" --views 2 --out "$T/s3.png" --seed 9 > "$T/a.txt"
"$D" augment --policy "$T/my.policy" --in "$T/rgb.png" --views 2 --out "$T/s4.png" --seed 9 > "$T/b.txt"
ok "same seed, same views" cmp "$T/s3.png" "$T/s4.png"
ok "list names every transform" bash -c "[ \$('$D' transform --list | tail -n +2 | wc -l) = 18 ]"
expect_fail "unknown transform" "unknown transform 'zoom'" "$D" transform --name zoom --index 0 --in "$T/rgb.png" --out "$T/x.png"
expect_fail "index out of range" "posterize: index 7 outside 0..6" "$D" transform --name posterize --index 7 --in "$T/rgb.png" --out "$T/x.png"
expect_fail "missing index" "--index K is required" "$D" transform --name hue --in "$T/rgb.png" --out "$T/x.png"
expect_fail "broken image" "broken.png" "$D" transform --name hue --index 3 --in "$T/broken.png" --out "$T/x.png"
expect_fail "unknown policy" "not a built-in policy" "$D" augment --policy fancy --in "$T/rgb.png" --out "$T/x.png"
printf 'center_crop size=32\nsolarize p=1\n' > "$T/bad.policy"
expect_fail "bad policy file" "bad.policy:2: unknown operation 'solarize'" "$D" augment --policy "$T/bad.policy" --in "$T/rgb.png" --out "$T/x.png"
expect_fail "views out of range" "views" "$D" augment --in "$T/rgb.png" --views 0 --out "$T/x.png"
summary
