#!/usr/bin/env bash
# probe.sh: invar-probe against scikit-learn 1.2 on the same data, folds, cores and run:
#   (a) ridge, n 10000, d 2048, 10 targets, 5 folds x 45 l2 (Ridge per fold and alpha)
#   (b) logistic, n 10000, d 512, 10 classes, 5 folds x 45 l2 (LogisticRegression lbfgs)
#   (c) KRR, n 4096 (+1024 test), d 512, 10 latents, 5 folds x 5 alpha x 8 gamma
#       (GridSearchCV(KernelRidge(rbf)) on the same folds, refit, test R^2)
# PROBE_BENCH_SCALE (default 1) scales every n for a quick run; PROBE_BENCH (default "a b c")
# picks the benchmarks. Prints the scores of both sides, then the timing line of each.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")/../parity" && pwd)
S=${PROBE_BENCH_SCALE:-1}
WHICH=${PROBE_BENCH:-a b c}
now() { date +%s.%N; }

gen() { # KIND N D K
    $PYTHON - "$T" "$HERE" "$@" <<'PY'
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t, kind, n, d, k = sys.argv[1], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rng = np.random.default_rng(11)
if kind == "ridge":
    x, y = regression_data(n, d, k, seed=3, noise=2.0)
    write_features(f"{t}/ridge_f.nc", x); write_shard(f"{t}/ridge_s.nc", n, target=y)
elif kind == "logistic":
    x, lab = classification_data(n, d, k, seed=4, sep=0.15)
    write_features(f"{t}/log_f.nc", x); write_shard(f"{t}/log_s.nc", n, label=lab)
else:
    nt = n // 4
    z = rng.uniform(-1, 1, size=(n + nt, k))
    mix = rng.normal(size=(k, d)) / np.sqrt(k)
    x = np.tanh(z @ mix) + 0.3 * np.sin(3 * z @ mix[::-1]) + 0.05 * rng.normal(size=(n + nt, d))
    write_features(f"{t}/krr_f.nc", x[:n]); write_shard(f"{t}/krr_s.nc", n, latent=z[:n])
    write_features(f"{t}/krr_tf.nc", x[n:]); write_shard(f"{t}/krr_ts.nc", nt, latent=z[n:])
PY
}

scaled() { $PYTHON -c "print(max(50, int($1 * $S)))"; }

for b in $WHICH; do
case $b in
a)
    n=$(scaled 10000); gen ridge $n 2048 10 || exit 1
    t0=$(now)
    $BIN/invar-probe linear --features $T/ridge_f.nc --data $T/ridge_s.nc --task regress --out $T/ridge.nc -q || exit 1
    t1=$(now)
    $PYTHON - "$T" "$t0" "$t1" "$n" <<'PY'
import sys, time, numpy as np, netCDF4
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
t, t0, t1, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = netCDF4.Dataset(f"{t}/ridge.nc")
fold_of, l2, score = r.variables["fold_of"][0], r.variables["l2"][:], r.variables["score"][0]
x = netCDF4.Dataset(f"{t}/ridge_f.nc").variables["feature"][:]
y = netCDF4.Dataset(f"{t}/ridge_s.nc").variables["target"][:]
s = time.time(); ref = np.zeros_like(score)
for f in range(5):
    tr, te = fold_of != f, fold_of == f
    for a, v in enumerate(l2):
        ref[a, f] = r2_score(y[te], Ridge(alpha=1 / v).fit(x[tr], y[tr]).predict(x[te]))
base = time.time() - s; ours = t1 - t0
print(f"ridge scores: invar best {score.mean(1).max():.6f}, sklearn best {ref.mean(1).max():.6f}, max |diff| {np.abs(ref - score).max():.2e}")
print(f"probe_ridge (n {n}, d 2048, 10 targets, 5x45): invar {ours:.2f} s, baseline {base:.2f} s, ratio {base / ours:.2f}")
PY
    ;;
b)
    n=$(scaled 10000); gen logistic $n 512 10 || exit 1
    t0=$(now)
    $BIN/invar-probe linear --features $T/log_f.nc --data $T/log_s.nc --task classify --out $T/log.nc -q || exit 1
    t1=$(now)
    $PYTHON - "$T" "$t0" "$t1" "$n" <<'PY'
import sys, time, warnings, numpy as np, netCDF4
from sklearn.linear_model import LogisticRegression
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
t, t0, t1, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = netCDF4.Dataset(f"{t}/log.nc")
fold_of, l2, score = r.variables["fold_of"][0], r.variables["l2"][:], r.variables["score"][0]
x = netCDF4.Dataset(f"{t}/log_f.nc").variables["feature"][:].astype(np.float64)
y = netCDF4.Dataset(f"{t}/log_s.nc").variables["label"][:]
s = time.time(); ref = np.zeros_like(score)
for f in range(5):
    tr, te = fold_of != f, fold_of == f
    for a, v in enumerate(l2):
        ref[a, f] = LogisticRegression(C=1 / v, max_iter=100).fit(x[tr], y[tr]).score(x[te], y[te])
base = time.time() - s; ours = t1 - t0
mo, mr = score.mean(1), ref.mean(1)
print(f"logistic scores: invar best {mo.max():.4f} at l2 {l2[mo.argmax()]:.3g}, sklearn best {mr.max():.4f} at l2 {l2[mr.argmax()]:.3g}, max |diff| over the grid {np.abs(mo - mr).max():.4f}")
print(f"probe_logistic (n {n}, d 512, 10 classes, 5x45): invar {ours:.2f} s, baseline {base:.2f} s, ratio {base / ours:.2f}")
PY
    ;;
c)
    n=$(scaled 4096); gen krr $n 512 10 || exit 1
    t0=$(now)
    $BIN/invar-probe krr --features $T/krr_f.nc --data $T/krr_s.nc --test-features $T/krr_tf.nc --test-data $T/krr_ts.nc --out $T/krr.nc ${PROBE_BENCH_KRR_ARGS:-} || exit 1
    t1=$(now)
    $PYTHON - "$T" "$t0" "$t1" "$n" <<'PY'
import sys, time, numpy as np, netCDF4
from sklearn.kernel_ridge import KernelRidge
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import r2_score
t, t0, t1, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
r = netCDF4.Dataset(f"{t}/krr.nc")
ld = lambda f, v: netCDF4.Dataset(f"{t}/{f}").variables[v][:].astype(np.float64)
x, xt, y, yt = ld("krr_f.nc", "feature"), ld("krr_tf.nc", "feature"), ld("krr_s.nc", "latent"), ld("krr_ts.nc", "latent")
s = time.time()
sx, sy = StandardScaler().fit(x), StandardScaler().fit(y)
gs = GridSearchCV(KernelRidge(kernel="rbf"), {"alpha": r.variables["alpha_grid"][:], "gamma": r.variables["gamma_grid"][:]},
                  cv=PredefinedSplit(r.variables["fold_of"][:]), scoring="r2")
gs.fit(sx.transform(x), sy.transform(y))
test = r2_score(sy.transform(yt), gs.predict(sx.transform(xt)), multioutput="raw_values")
base = time.time() - s; ours = t1 - t0
cv = r.variables["cv_mean"][:].mean(axis=2)  # uniform average over targets, as GridSearchCV's r2
print(f"krr scores: best mean CV R^2 invar {cv.max():.6f}, sklearn {gs.best_score_:.6f}; test R^2 invar (per-target choice) mean {r.variables['r2'][:].mean():.4f}, sklearn (one choice) mean {test.mean():.4f}")
print(f"probe_krr (n {n}, d 512, 10 targets, 5x40): invar {ours:.2f} s, baseline {base:.2f} s, ratio {base / ours:.2f}")
PY
    ;;
esac
done
