#!/usr/bin/env bash
# probe_logistic.sh: invar-probe linear --task classify against scikit-learn 1.2's
# LogisticRegression(C = 1/l2, lbfgs, max_iter 100) on the same data and folds (fold_of): the
# CV score at the best l2 within 0.005 and the same best l2 (or an adjacent grid value); 4 and 2
# classes, accuracy and mean per-class accuracy, the held-out protocol, 2 ranks.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

$PYTHON - "$T" "$HERE" <<'PY' || exit 1
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t = sys.argv[1]
x, lab = classification_data(400, 12, 4, seed=2, sep=0.6)
write_features(f"{t}/f.nc", x[:300]); write_shard(f"{t}/s.nc", 300, label=lab[:300],
                                                  extra={"two": (lab[:300] % 2)})
write_features(f"{t}/tf.nc", x[300:]); write_shard(f"{t}/ts.nc", 100, label=lab[300:],
                                                   extra={"two": (lab[300:] % 2)})
PY

check() { # RESULT.nc VAR METRIC [heldout]
    $PYTHON - "$@" "$T" <<'PY'
import sys, warnings, numpy as np, netCDF4
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
res, var, metric, heldout, t = sys.argv[1:6]
x = netCDF4.Dataset(f"{t}/f.nc").variables["feature"][:].astype(np.float64)
y = netCDF4.Dataset(f"{t}/s.nc").variables[var][:].astype(int)
r = netCDF4.Dataset(res)
fold_of = r.variables["fold_of"][0]; l2 = r.variables["l2"][:]; score = r.variables["score"][0]
fn = balanced_accuracy_score if metric == "mean_class" else accuracy_score
ref = np.zeros_like(score)
for f in range(score.shape[1]):
    tr, te = fold_of != f, fold_of == f
    for a, v in enumerate(l2):
        m = LogisticRegression(C=1.0 / v, max_iter=100).fit(x[tr], y[tr])
        ref[a, f] = fn(y[te], m.predict(x[te]))
ours, theirs = score.mean(1), ref.mean(1)
b, rb = int(np.argmax(ours)), int(np.argmax(theirs))
print("invar", np.round(ours, 4), "\nsklearn", np.round(theirs, 4), "\nbest", b, rb)
ok = abs(ours[b] - theirs[b]) <= 0.005 and abs(b - rb) <= 1 and abs(ours[b] - theirs[rb]) <= 0.005
ok &= r.variables["best_index"][0] == b
if heldout == "heldout":
    m = LogisticRegression(C=1.0 / l2[b], max_iter=100).fit(x, y)
    xt = netCDF4.Dataset(f"{t}/tf.nc").variables["feature"][:].astype(np.float64)
    yt = netCDF4.Dataset(f"{t}/ts.nc").variables[var][:].astype(int)
    ts = fn(yt, m.predict(xt))
    print("test", r.variables["test_score"][0], ts)
    ok &= abs(r.variables["test_score"][0] - ts) <= 0.005 + 1e-12
sys.exit(0 if ok else 1)
PY
}

L2="--l2 1e-3:1e4:8"
ok "logistic 4 classes runs" $BIN/invar-probe linear --features $T/f.nc --data $T/s.nc --task classify $L2 --out $T/c4.nc
ok "logistic 4 classes = sklearn" check $T/c4.nc label accuracy cv
ok "logistic binary, mean_class, 2 ranks" $MPIRUN -np 2 $BIN/invar-probe linear --features $T/f.nc --data $T/s.nc --task classify --target two --metric mean_class $L2 --out $T/c2.nc
ok "logistic binary mean_class = sklearn" check $T/c2.nc two mean_class cv
ok "logistic held-out protocol runs" $BIN/invar-probe linear --features $T/f.nc --data $T/s.nc --task classify $L2 --protocol heldout --test-features $T/tf.nc --test-data $T/ts.nc --out $T/ch.nc
ok "logistic held-out = sklearn refit" check $T/ch.nc label accuracy heldout
summary
