#!/usr/bin/env bash
# probe_ridge.sh: invar-probe linear --task regress against scikit-learn 1.2's Ridge(alpha =
# 1/l2) on the same data and the same folds (read back from fold_of): R^2 per fold and l2
# within 1e-6, averaged and per target, raw and standardised, 1 and 2 ranks; fused features;
# more features than training rows with near-collinear columns (a singular Gram).
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

$PYTHON - "$T" "$HERE" <<'PY' || exit 1
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t = sys.argv[1]
x, y = regression_data(240, 24, 3, seed=1)
write_features(f"{t}/a.nc", x[:, :10]); write_features(f"{t}/b.nc", x[:, 10:])
write_features(f"{t}/f.nc", x)
write_shard(f"{t}/s.nc", 240, target=y, extra={"one": y[:, 1]})
xw, yw = regression_data(60, 100, 2, seed=5)
xw[:, 1::2] = xw[:, 0::2] + 1e-3 * np.random.default_rng(6).normal(size=(60, 50))
write_features(f"{t}/wide.nc", xw); write_shard(f"{t}/wide_s.nc", 60, target=yw)
PY

check() { # RESULT.nc FEATURES STANDARDIZE VAR [SHARD.nc]
    $PYTHON - "$1" "$2" "$3" "$4" "$T" "${5:-$T/s.nc}" <<'PY'
import sys, numpy as np, netCDF4
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import r2_score
res, feats, std, var, t, shard = sys.argv[1:7]
x = np.concatenate([netCDF4.Dataset(f).variables["feature"][:].astype(np.float64)
                    for f in feats.split("+")], axis=1)
y = netCDF4.Dataset(shard).variables[var][:].astype(np.float64).reshape(len(x), -1)
r = netCDF4.Dataset(res)
fold_of = r.variables["fold_of"][0]; l2 = r.variables["l2"][:]
score = r.variables["score"][0]; r2t = r.variables["r2_target"][0]
worst = 0
for f in range(score.shape[1]):
    tr, te = fold_of != f, fold_of == f
    for a, v in enumerate(l2):
        m = Ridge(alpha=1.0 / v)
        if std == "1": m = make_pipeline(StandardScaler(), m)
        p = m.fit(x[tr], y[tr]).predict(x[te]).reshape(-1, y.shape[1])
        worst = max(worst, abs(r2_score(y[te], p) - score[a, f]))
        for k in range(y.shape[1]):
            worst = max(worst, abs(r2_score(y[te][:, k], p[:, k]) - r2t[a, f, k]))
mean = score.mean(axis=1); b = int(np.argmax(mean))
assert abs(r.variables["best_l2"][0] - l2[b]) < 1e-12 * l2[b], "best_l2"
assert abs(r.variables["best_mean"][0] - mean[b]) < 1e-12, "best_mean"
assert abs(r.variables["best_std"][0] - score[b].std()) < 1e-12, "best_std"
print("max |R2 difference| =", worst)
sys.exit(0 if worst < 1e-6 else 1)
PY
}

L2="--l2 1e-4:1e4:9"
ok "ridge runs" $BIN/invar-probe linear --features $T/f.nc --data $T/s.nc --task regress $L2 --out $T/r.nc
ok "ridge R2 per fold and l2 = sklearn" check $T/r.nc $T/f.nc 0 target
ok "ridge standardised runs" $BIN/invar-probe linear --features $T/f.nc --data $T/s.nc --task regress $L2 --standardize --seed 3 --out $T/rs.nc
ok "ridge standardised = sklearn pipeline" check $T/rs.nc $T/f.nc 1 target
ok "ridge fused, 2 ranks, 1-d target" $MPIRUN -np 2 $BIN/invar-probe linear --features $T/a.nc+$T/b.nc --data $T/s.nc --task regress --target one $L2 --out $T/rf.nc
ok "ridge fused = sklearn on concatenated features" check $T/rf.nc $T/a.nc+$T/b.nc 0 one
ok "ridge d > n, collinear runs" $BIN/invar-probe linear --features $T/wide.nc --data $T/wide_s.nc --task regress $L2 --out $T/rw.nc
ok "ridge d > n, collinear = sklearn" check $T/rw.nc $T/wide.nc 0 target $T/wide_s.nc
ok "ridge d > n standardised runs" $BIN/invar-probe linear --features $T/wide.nc --data $T/wide_s.nc --task regress $L2 --standardize --out $T/rws.nc
ok "ridge d > n standardised = sklearn" check $T/rws.nc $T/wide.nc 1 target $T/wide_s.nc
summary
