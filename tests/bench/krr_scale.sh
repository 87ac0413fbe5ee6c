#!/usr/bin/env bash
# krr_scale.sh: kernel ridge regression at the paper's training size (n 20480, d 512, 10
# latents; 4096 test rows) on 1 and 2 ranks, one (alpha, gamma) and 2 folds so that a run takes
# minutes: the time, the rate of the factorisations and products (GFLOP/s, from invar's own
# count), and that rate as a fraction of the machine's DGEMM rate (OpenBLAS dgemm, n 4096, same
# threads, measured in the same run: the baseline). KRR_SCALE_N overrides n.
source "$(dirname "$0")/../lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
N=${KRR_SCALE_N:-20480}
NT=4096
cores=$(nproc)

cat >"$T/dgemm.c" <<'C'
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
           *c = malloc(sizeof(double) * n * n);
    for (long i = 0; i < (long)n * n; i++) a[i] = (double)(i % 7) - 3, b[i] = (double)(i % 5) - 2;
    double best = 0;
    for (int r = 0; r < 3; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
        double rate = 2.0 * n * n * (double)n / s / 1e9;
        if (rate > best) best = rate;
    }
    printf("%.1f\n", best);
    return 0;
}
C
gcc -O2 "$T/dgemm.c" -o "$T/dgemm" -lopenblas || exit 1
dgemm=$(OPENBLAS_NUM_THREADS=$cores OMP_NUM_THREADS=$cores "$T/dgemm" 4096)
echo "krr_scale: DGEMM (OpenBLAS, n 4096, $cores threads): $dgemm GFLOP/s"

$PYTHON - "$T" "$SRC/tests/parity" "$N" "$NT" <<'PY' || exit 1
import sys; sys.path.insert(0, sys.argv[2])
from probe_files import *
t, n, nt, d, k = sys.argv[1], int(sys.argv[3]), int(sys.argv[4]), 512, 10
rng = np.random.default_rng(5)
z = rng.uniform(-1, 1, size=(n + nt, k))
mix = rng.normal(size=(k, d)) / np.sqrt(k)
x = np.tanh(z @ mix) + 0.05 * rng.normal(size=(n + nt, d))
write_features(f"{t}/f.nc", x[:n]); write_shard(f"{t}/s.nc", n, latent=z[:n])
write_features(f"{t}/tf.nc", x[n:]); write_shard(f"{t}/ts.nc", nt, latent=z[n:])
PY

for np_ in 1 2; do
    threads=$((cores / np_)); [ $threads -lt 1 ] && threads=1
    t0=$(date +%s.%N)
    $MPIRUN -np $np_ "$BIN/invar-probe" krr --features "$T/f.nc" --data "$T/s.nc" \
        --test-features "$T/tf.nc" --test-data "$T/ts.nc" --alpha 1e-2:1e-2:1 --gamma 1e-3:1e-3:1 \
        --folds 2 --threads $threads --out "$T/krr$np_.nc" >"$T/krr$np_.log" 2>&1 || {
        cat "$T/krr$np_.log"; exit 1; }
    t1=$(date +%s.%N)
    line=$(grep -E "time: distances" "$T/krr$np_.log" | sed 's/.*time: //')
    cv=$(echo "$line" | sed -E 's/.*cv [0-9.]+ s \(([0-9.]+) GFLOP\/s\).*/\1/')
    refit=$(echo "$line" | sed -E 's/.*refit [0-9.]+ s \(([0-9.]+) GFLOP\/s\).*/\1/')
    awk -v np="$np_" -v th="$threads" -v t0="$t0" -v t1="$t1" -v cv="$cv" -v rf="$refit" \
        -v g="$dgemm" -v n="$N" -v l="$line" 'BEGIN {
        printf "krr_scale_n%d_np%d (%d threads each): %.1f s in all; %s\n", n, np, th, t1 - t0, l
        printf "  fraction of DGEMM %.1f GFLOP/s: cv %.0f%%, refit %.0f%%\n", g, 100 * cv / g, 100 * rf / g }'
done
$PYTHON - "$T" <<'PY'
import sys, netCDF4, numpy as np
a, b = (netCDF4.Dataset(f"{sys.argv[1]}/krr{r}.nc").variables["r2"][:] for r in (1, 2))
print(f"krr_scale: test R^2 mean {a.mean():.6f}; 1 vs 2 ranks max |diff| {np.abs(a - b).max():.2e}")
PY
