#!/usr/bin/env bash
# numpy_rng.sh: invar's C copy of numpy's legacy RNG (MT19937 seeding, masked bounded draws,
# choice with replacement, shuffle), which reproduces the official code's samples and splits,
# against Debian's numpy computing the same draws at test time; plus the test vectors of
# ../shared/DATASETS.md (ImageNet val's 1000-image sample, the 300-W and LSP splits).
source "$(dirname "$0")/../lib.sh"

if ! $PYTHON -c 'import numpy' 2>/dev/null; then
    echo "SKIP: $SUITE: $PYTHON has no numpy"; summary; exit
fi
TOOL=$T/numpy_rng_tool
ok "build numpy_rng_tool" gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc/common \
    tests/parity/numpy_rng_tool.c "$O/libinvar.a" -o "$TOOL"

# same KIND SEED N [K]: invar's draws equal numpy's.
same() {
    local kind=$1 seed=$2 n=$3 k=${4:-0}
    ok "$kind seed $seed n $n${4:+ k $k}: invar = numpy" bash -c "cmp <('$TOOL' $kind $seed $n $k) <($PYTHON -c '
import numpy as np
np.random.seed($seed)
if \"$kind\" == \"shuffle\":
    a = np.arange($n); np.random.shuffle(a)
elif $n > 2**32:
    a = np.random.randint(0, $n, size=$k)
else:
    a = np.random.choice(np.arange($n), $k)
print(\"\n\".join(map(str, a)))')"
}
same choice 0 50000 1000    # ImageNet val sample (mask 0xFFFF)
same choice 0 5000 100      # COCO
same choice 0 100000 100    # iNat
same choice 12345 7 5000    # small ranges reject most words; the state wraps past 624 words
same choice 4294967295 65536 3000
same choice 1 8589934597 50 # 64-bit words (hi << 32 | lo) beyond 2^32
same shuffle 0 600          # 300-W split
same shuffle 0 2000         # LSP split
same shuffle 7 1
ok "DATASETS.md vectors: ImageNet, iNat and COCO samples, 300-W and LSP splits" bash -c "
    [ \"\$('$TOOL' choice 0 50000 10 | paste -sd,)\" = 2732,43567,42613,45891,21243,30403,32103,41993,20757,46884 ] &&
    [ \"\$('$TOOL' choice 0 100000 5 | paste -sd,)\" = 68268,43567,42613,45891,21243 ] &&
    [ \"\$('$TOOL' choice 0 5000 5 | paste -sd,)\" = 2732,2607,1653,3264,4931 ] &&
    [ \"\$('$TOOL' shuffle 0 600 | sed -n '1p;2p;3p;181p;182p;183p;361p;362p;363p' | paste -sd,)\" = 434,122,224,378,581,447,518,428,415 ] &&
    [ \"\$('$TOOL' shuffle 0 2000 | sed -n '1p;2p;3p;1201p;1202p;1203p' | paste -sd,)\" = 405,1190,1132,1975,389,968 ] &&
    [ \"\$('$TOOL' choice 0 50000 1000 | sort -u | wc -l)\" = 990 ]"
summary
