#!/usr/bin/env bash
# probe_correlate.sh: invar-probe correlate against scipy.stats.spearmanr on columns with ties,
# gathered from '+'-joined result files of several models: rho exactly equal (to 1e-15).
source "$(dirname "$0")/../lib.sh"

$PYTHON - "$T" <<'PY' || exit 1
import sys, numpy as np, netCDF4
t = sys.argv[1]
rng = np.random.default_rng(4)
for m in range(7):
    with netCDF4.Dataset(f"{t}/inv{m}.nc", "w") as ds:
        ds.createDimension("transform", 3)
        ds.createVariable("transform_name", str, ("transform",))[:] = np.array(["hflip", "blur", "hue"], dtype=object)
        ds.createVariable("invariance", "f8", ("transform",))[:] = np.round(rng.uniform(size=3), 1)
    with netCDF4.Dataset(f"{t}/probe{m}.nc", "w") as ds:
        ds.createDimension("task", 2); ds.createDimension("l2", 4)
        ds.createVariable("l2", "f8", ("l2",))[:] = [1, 2, 3, 4]
        ds.createVariable("best_mean", "f8", ("task",))[:] = [m % 3, rng.uniform()]
        ds.createVariable("score", "f8", ("task", "l2"))[:] = 0
PY

args=""
for m in 0 1 2 3 4 5 6; do args="$args $T/inv$m.nc+$T/probe$m.nc"; done
ok "correlate runs" $BIN/invar-probe correlate $args --out $T/c.nc
ok "correlate = scipy spearmanr" $PYTHON - "$T" <<'PY'
import sys, numpy as np, netCDF4
from scipy.stats import spearmanr
t = sys.argv[1]
cols = []
for m in range(7):
    a = netCDF4.Dataset(f"{t}/inv{m}.nc").variables["invariance"][:]
    b = netCDF4.Dataset(f"{t}/probe{m}.nc").variables["best_mean"][:]
    cols.append(np.concatenate([a, b]))
cols = np.array(cols)
r = netCDF4.Dataset(f"{t}/c.nc")
names = list(r.variables["column_name"][:])
assert names == ["invariance[hflip]", "invariance[blur]", "invariance[hue]", "1:best_mean[0]", "1:best_mean[1]"], names
rho = r.variables["rho"][:]
ref = spearmanr(cols).correlation
d = np.max(np.abs(rho - ref))
print("max |rho - scipy| =", d)
sys.exit(0 if d <= 1e-15 else 1)
PY
ok "correlate --columns picks variables" $BIN/invar-probe correlate $args --columns best_mean --out $T/c2.nc
ok "two columns only" $PYTHON -c "import netCDF4,sys; sys.exit(0 if len(netCDF4.Dataset('$T/c2.nc').variables['column_name'][:]) == 2 else 1)"
expect_fail "models with different columns" "its columns differ" $BIN/invar-probe correlate $T/inv0.nc $T/probe1.nc --out $T/c3.nc
summary
