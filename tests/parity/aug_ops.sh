#!/usr/bin/env bash
# aug_ops.sh: op-by-op parity of libinvar's image operations (colour ops, flips, grayscale,
# equalize, posterize, invert, resize, crops, affine, rotate, PIL and torchvision blurs,
# sharpness) and of the paper's test transforms against torchvision 0.14 functional ops on PIL
# images, on random images of several sizes (1x1 to 333x500), exchanged as lossless PPM files.
# Tolerance: exact (0/255) except torchvision's gaussian_blur (1/255: float summation order).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/aug_driver_build.bash"
ok "compile the parity driver" aug_build_driver
ok "reference images and op script" $PYTHON tests/parity/aug_ops.py prepare "$T"
ok "invar applies the ops" "$T/aug_driver" ops < "$T/ops.txt"
ok "invar matches torchvision/PIL op by op" $PYTHON tests/parity/aug_ops.py compare "$T"
grep -v ' 0/255' "$T/last.log" | sed 's/^/note: /' | head -n 20
summary
