#!/usr/bin/env bash
# probe_krr.sh: invar-probe krr against scikit-learn 1.2's KernelRidge(kernel='rbf') with
# StandardScaler'd features and targets: test R^2 per target for fixed (alpha, gamma) within
# 1e-4, and the whole CV grid (same folds, read back from fold_of) within 1e-6, for both
# solvers (Cholesky, eigendecomposition) and on 1 and 2 ranks.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

$PYTHON - "$T" "$HERE" <<'PY' || exit 1
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t = sys.argv[1]
rng = np.random.default_rng(5)
x = rng.normal(size=(330, 6)) * [1, 2, 0.5, 3, 1, 1] + 4
lat = np.stack([np.sin(x[:, 0]) + 0.1 * rng.normal(size=330), x[:, 1] * x[:, 2],
                np.cos(x[:, 3] / 2) + x[:, 4], rng.normal(size=330)], axis=1)
write_features(f"{t}/f.nc", x[:210]); write_shard(f"{t}/s.nc", 210, latent=lat[:210])
write_features(f"{t}/tf.nc", x[210:]); write_shard(f"{t}/ts.nc", 120, latent=lat[210:])
PY

fixed() { # RESULT.nc ALPHA GAMMA
    $PYTHON - "$@" "$T" <<'PY'
import sys, numpy as np, netCDF4
from sklearn.kernel_ridge import KernelRidge
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import r2_score
res, alpha, gamma, t = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ld = lambda f, v: netCDF4.Dataset(f"{t}/{f}").variables[v][:].astype(np.float64)
x, xt, y, yt = ld("f.nc", "feature"), ld("tf.nc", "feature"), ld("s.nc", "latent"), ld("ts.nc", "latent")
sx, sy = StandardScaler().fit(x), StandardScaler().fit(y)
m = KernelRidge(alpha=alpha, kernel="rbf", gamma=gamma).fit(sx.transform(x), sy.transform(y))
p = m.predict(sx.transform(xt))
ref = r2_score(sy.transform(yt), p, multioutput="raw_values")
r2 = netCDF4.Dataset(res).variables["r2"][:]
print("invar", r2, "\nsklearn", ref)
sys.exit(0 if np.max(np.abs(r2 - ref)) < 1e-4 else 1)
PY
}

grid() { # RESULT.nc
    $PYTHON - "$@" "$T" <<'PY'
import sys, numpy as np, netCDF4
from sklearn.kernel_ridge import KernelRidge
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import r2_score
res, t = sys.argv[1:3]
ld = lambda f, v: netCDF4.Dataset(f"{t}/{f}").variables[v][:].astype(np.float64)
x, y = ld("f.nc", "feature"), ld("s.nc", "latent")
x, y = StandardScaler().fit_transform(x), StandardScaler().fit_transform(y)
r = netCDF4.Dataset(res)
fold_of, cv = r.variables["fold_of"][:], r.variables["cv_r2"][:]
worst = 0
for f in range(cv.shape[0]):
    tr, te = fold_of != f, fold_of == f
    for a, alpha in enumerate(r.variables["alpha_grid"][:]):
        for g, gamma in enumerate(r.variables["gamma_grid"][:]):
            p = KernelRidge(alpha=alpha, kernel="rbf", gamma=gamma).fit(x[tr], y[tr]).predict(x[te])
            worst = max(worst, np.max(np.abs(r2_score(y[te], p, multioutput="raw_values") - cv[f, a, g])))
mean = cv.mean(0)
for t_ in range(mean.shape[2]):
    a, g = np.unravel_index(np.argmax(mean[:, :, t_]), mean.shape[:2])
    assert r.variables["alpha"][t_] == r.variables["alpha_grid"][a], "alpha choice"
    assert r.variables["gamma"][t_] == r.variables["gamma_grid"][g], "gamma choice"
print("max |cv R2 difference| =", worst)
sys.exit(0 if worst < 1e-6 else 1)
PY
}

D="--features $T/f.nc --data $T/s.nc --test-features $T/tf.nc --test-data $T/ts.nc"
ok "krr fixed (1e-2, 0.1) runs" $BIN/invar-probe krr $D --alpha 1e-2:1e-2:1 --gamma 0.1:0.1:1 --out $T/k1.nc
ok "krr fixed (1e-2, 0.1) test R2 = sklearn" fixed $T/k1.nc 1e-2 0.1
ok "krr fixed (1, 1e-3), 2 ranks" $MPIRUN -np 2 $BIN/invar-probe krr $D --alpha 1:1:1 --gamma 1e-3:1e-3:1 --block 16 --out $T/k2.nc
ok "krr fixed (1, 1e-3) test R2 = sklearn" fixed $T/k2.nc 1 1e-3
ok "krr grid, Cholesky" $BIN/invar-probe krr $D --alpha 1e-4:1:3 --gamma 1e-3:1:4 --out $T/kg.nc
ok "krr CV grid = sklearn on the same folds" grid $T/kg.nc
ok "krr grid, eigen solver, 2 ranks" $MPIRUN -np 2 $BIN/invar-probe krr $D --alpha 1e-4:1:3 --gamma 1e-3:1:4 --solver eigen --block 16 --out $T/ke.nc
ok "krr eigen CV grid = sklearn" grid $T/ke.nc
ok "krr grid with identity kernels (large gamma)" $BIN/invar-probe krr $D --alpha 1e-2:1:2 --gamma 10:1e4:4 --out $T/kd.nc
ok "identity kernels were detected" $PYTHON -c "import netCDF4,sys; sys.exit(0 if int(netCDF4.Dataset('$T/kd.nc').identity_kernels) > 0 else 1)"
ok "krr identity-kernel CV grid = sklearn" grid $T/kd.nc
summary
