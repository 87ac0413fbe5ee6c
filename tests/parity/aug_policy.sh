#!/usr/bin/env bash
# aug_policy.sh: the built-in policies' random draws (10,000 per policy and image size) against
# torchvision 0.14's get_params: crop area/aspect/position distributions, fallback, op firing
# rates, jitter factor ranges and orders, blur sigma.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/aug_driver_build.bash"
ok "compile the parity driver" aug_build_driver
args=()
for spec in default:256:256 default:500:375 spatial:640:120 appearance:300:200; do
    IFS=: read -r pol w h <<<"$spec"
    ok "invar draws $spec" bash -c "'$T/aug_driver' draws $pol $w $h 10000 7 > '$T/$pol-$w-$h.csv'"
    args+=("$spec=$T/$pol-$w-$h.csv")
done
ok "draw statistics match torchvision" $PYTHON tests/parity/aug_policy.py "${args[@]}"
grep -E '^FAIL' "$T/last.log" | head -n 20
summary
