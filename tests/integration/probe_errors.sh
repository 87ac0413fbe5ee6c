#!/usr/bin/env bash
# probe_errors.sh: bad input to invar-probe is a clear error naming the file and the problem:
# features and shard of different sizes, NaN/Inf features, a class with fewer members than
# folds, a missing variable, features that cannot be fused, bad options.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")/../parity" && pwd)

$PYTHON - "$T" "$HERE" <<'PY' || exit 1
import sys, netCDF4; sys.path.insert(0, sys.argv[2])
from probe_files import *
t = sys.argv[1]
x, lab = classification_data(60, 5, 3, seed=1)
write_features(f"{t}/f.nc", x); write_features(f"{t}/f59.nc", x[:59])
write_features(f"{t}/other.nc", x, source="other.nc")
bad = x.copy(); bad[7, 2] = np.nan; write_features(f"{t}/nan.nc", bad)
bad = x.copy(); bad[3, 1] = np.inf; write_features(f"{t}/inf.nc", bad)
write_shard(f"{t}/s.nc", 60, label=lab, target=x[:, :2])
rare = lab.copy(); rare[:3] = 99  # class 99 has 3 members
write_shard(f"{t}/rare.nc", 60, label=rare)
write_shard(f"{t}/frac.nc", 60, extra={"lab": lab + 0.5})
PY

P=$BIN/invar-probe
F="--features $T/f.nc"
expect_fail "features and shard sizes differ" "s.nc: has 60 examples but the features .*f59.nc have 59 rows" \
    $P linear --features $T/f59.nc --data $T/s.nc --task classify --out $T/o.nc
expect_fail "NaN feature" "nan.nc.*(not finite|NaN)" $P linear --features $T/nan.nc --data $T/s.nc --task regress --out $T/o.nc
expect_fail "Inf feature" "inf.nc.*(not finite|Inf|inf)" $P krr --features $T/f.nc --data $T/s.nc --test-features $T/inf.nc --test-data $T/s.nc --target target --out $T/o.nc
expect_fail "class with fewer members than folds" "class 99 has 3 members, fewer than the 5 folds" \
    $P linear $F --data $T/rare.nc --task classify --out $T/o.nc
expect_fail "missing target variable" "s.nc: has no variable 'latent'" \
    $P krr $F --data $T/s.nc --test-features $T/f.nc --test-data $T/s.nc --out $T/o.nc
expect_fail "missing label variable" "frac.nc: has no variable 'label'" \
    $P linear $F --data $T/frac.nc --task classify --out $T/o.nc
expect_fail "non-integer labels" "frac.nc: lab\(0\) = .* is not an integer class label" \
    $P linear $F --data $T/frac.nc --task classify --target lab --out $T/o.nc
expect_fail "fusion of different images" "other.nc: cannot be fused with .*f.nc" \
    $P linear --features $T/f.nc+$T/other.nc --data $T/s.nc --task regress --out $T/o.nc
expect_fail "missing feature file" "nope.nc" $P linear --features $T/nope.nc --data $T/s.nc --task regress --out $T/o.nc
expect_fail "bad task" "--task must be classify or regress" $P linear $F --data $T/s.nc --task cluster --out $T/o.nc
expect_fail "bad l2 grid" "--l2" $P linear $F --data $T/s.nc --task regress --l2 1:0:5 --out $T/o.nc
expect_fail "held-out without test files" "heldout needs --test-features" $P linear $F --data $T/s.nc --task regress --protocol heldout --out $T/o.nc
expect_fail "missing class in 2 ranks" "class 99 has 3 members" $MPIRUN -np 2 $P linear $F --data $T/rare.nc --task classify --out $T/o.nc
expect_fail "correlate needs 2 models" "positional|argument" $P correlate $T/f.nc --out $T/o.nc
ok "no result file left by failures" test ! -e $T/o.nc
summary
