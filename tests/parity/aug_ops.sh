#!/usr/bin/env bash
# aug_ops.sh: op-by-op parity of libinvar's image operations (colour ops, flips, grayscale,
# equalize, posterize, invert, resize, crops, affine, rotate, PIL and torchvision blurs,
# sharpness) and of the paper's test transforms against torchvision 0.14 functional ops on PIL
# images, on random images of several sizes (1x1 to 333x500), exchanged as lossless PPM files.
# Tolerance: exact (0/255) except torchvision's gaussian_blur (1/255: float summation order).
# Also checks every value of every transform's grid against the official code's torch grids.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/aug_driver_build.bash"
ok "compile the parity driver" aug_build_driver
ok "reference images and op script" $PYTHON tests/parity/aug_ops.py prepare "$T"
ok "invar applies the ops" "$T/aug_driver" ops < "$T/ops.txt"
ok "invar matches torchvision/PIL op by op" $PYTHON tests/parity/aug_ops.py compare "$T"
grep -v ' 0/255' "$T/last.log" | sed 's/^/note: /' | head -n 20
for rc in "256 224" "64 56" "32 28"; do
    set -- $rc
    ok "invar lists the grids (R=$1, C=$2)" bash -c "'$T/aug_driver' params $1 $2 > '$T/grid-$1.txt'"
    ok "every grid value equals the official code's (R=$1, C=$2)" $PYTHON tests/parity/aug_ops.py grids "$T/grid-$1.txt" $1 $2
done
summary
