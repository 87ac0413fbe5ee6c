#!/usr/bin/env bash
# probe_ranks.sh: invar-probe results do not depend on the number of MPI ranks: KRR (BLACS
# grids 1x1, 1x2, 2x2) identical to 1e-8, both solvers; the linear probes' dynamic scheduling
# gives the same grids on 1 and 3 ranks (ridge exactly; logistic with a fixed --l2-block).
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")/../parity" && pwd)

$PYTHON - "$T" "$HERE" <<'PY' || exit 1
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t = sys.argv[1]
rng = np.random.default_rng(9)
x = rng.normal(size=(300, 10))
lat = np.tanh(x[:, :10] @ rng.normal(size=(10, 10)) / 3) + 0.05 * rng.normal(size=(300, 10))
write_features(f"{t}/f.nc", x[:200]); write_shard(f"{t}/s.nc", 200, latent=lat[:200],
                                                  label=(np.arange(200) % 3), target=lat[:200, :2])
write_features(f"{t}/tf.nc", x[200:]); write_shard(f"{t}/ts.nc", 100, latent=lat[200:])
PY

same() { # A.nc B.nc TOL VARS...
    $PYTHON - "$@" <<'PY'
import sys, numpy as np, netCDF4
a, b, tol = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2]), float(sys.argv[3])
worst = max(float(np.max(np.abs(a.variables[v][:] - b.variables[v][:]))) for v in sys.argv[4:])
print("max difference", worst)
sys.exit(0 if worst <= tol else 1)
PY
}

D="--features $T/f.nc --data $T/s.nc --test-features $T/tf.nc --test-data $T/ts.nc --alpha 1e-3:1:3 --gamma 1e-2:1:3 --block 16"
ok "krr 1 rank" $BIN/invar-probe krr $D --out $T/k1.nc
ok "krr 2 ranks" $MPIRUN -np 2 $BIN/invar-probe krr $D --out $T/k2.nc
ok "krr 4 ranks" $MPIRUN -np 4 $BIN/invar-probe krr $D --threads 1 --out $T/k4.nc
ok "krr 1 = 2 ranks (1e-8)" same $T/k1.nc $T/k2.nc 1e-8 r2 cv_r2 alpha gamma
ok "krr 1 = 4 ranks (1e-8)" same $T/k1.nc $T/k4.nc 1e-8 r2 cv_r2 alpha gamma
ok "krr eigen 1 rank" $BIN/invar-probe krr $D --solver eigen --out $T/e1.nc
ok "krr eigen 4 ranks" $MPIRUN -np 4 $BIN/invar-probe krr $D --solver eigen --threads 1 --out $T/e4.nc
ok "krr eigen 1 = 4 ranks (1e-8)" same $T/e1.nc $T/e4.nc 1e-8 r2 cv_r2
ok "krr eigen = cholesky (1e-6)" same $T/e1.nc $T/k1.nc 1e-6 r2 cv_r2

L="--features $T/f.nc --data $T/s.nc --l2 1e-3:1e3:7"
ok "ridge 1 rank" $BIN/invar-probe linear $L --task regress --out $T/r1.nc
ok "ridge 3 ranks" $MPIRUN -np 3 $BIN/invar-probe linear $L --task regress --threads 1 --out $T/r3.nc
ok "ridge 1 = 3 ranks (1e-12: thread counts differ)" same $T/r1.nc $T/r3.nc 1e-12 score r2_target best_mean best_std
ok "logistic 1 rank" $BIN/invar-probe linear $L --task classify --l2-block 3 --out $T/c1.nc
ok "logistic 3 ranks" $MPIRUN -np 3 $BIN/invar-probe linear $L --task classify --l2-block 3 --threads 1 --out $T/c3.nc
ok "logistic 1 = 3 ranks" same $T/c1.nc $T/c3.nc 0 score mean_class_accuracy n_iter
ok "logistic two tasks, 2 ranks" $MPIRUN -np 2 $BIN/invar-probe linear $L --task classify --target label,label --out $T/c2.nc
summary
