#!/bin/bash
# campaign_tiny.sh: the whole tiny campaign (slurm/tiny.ini: every stage with the real programs:
# world -> MoCo-v2 / supervised training with a grid and seeds -> features -> synthetic,
# real-world and views sweeps -> compare -> KRR and linear probes -> correlations -> report), as
# `make campaign CONFIG=slurm/tiny.ini` runs it (slurm/campaign.sh --local, mpirun -np 2); then
# the same campaign killed with kill -9 at a random point and run again: every result file
# (shards, checkpoints, features, sweeps, probes, tables) is the same as the uninterrupted run's.
source "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) INVAR_BIN=$BIN ;; *) INVAR_BIN=$ROOT/$BIN ;; esac
export INVAR_BIN INVAR_MPIRUN=mpirun

mk_ini() { printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\n' "$ROOT" "$1" >"$1.ini"; }

# ---- the whole campaign, uninterrupted ----
mk_ini "$T/a"
t0=$SECONDS
ok "tiny campaign runs to the end" bash "$ROOT/slurm/campaign.sh" "$T/a.ini" --local
ta=$((SECONDS - t0))
cp "$T/last.log" "$T/a.log"
echo "campaign_tiny: the tiny campaign took $ta s"
ok "every stage done" bash -c "bash '$ROOT/slurm/campaign.sh' status '$T/a' && ! grep -Eq 'FAILED|not run' '$T/last.log'"
for s in data train features synthetic realworld views compare krr linear correlate report; do
    ok "stage $s ran" grep -q "stage $s: .* done, " "$T/a.log"
done
R=$T/a/results
ok "report: no missing inputs" bash -c "! grep -q 'missing: stage' '$R/README.md'"
ok "Q1-Q4 answered" bash -c "for q in Q1 Q2 Q3 Q4; do grep -q \"^## \$q\" '$R/README.md' || exit 1; done"
for t in table2_similarity table3_similarity table4_krr table5_downstream tableC1_uniformity tableC1_acr; do
    ok "$t.csv has the trained models" bash -c "grep -q 'Default(x3)' '$R/$t.csv' && grep -q 'Supervised' '$R/$t.csv'"
done
for f in figure1_invariance figure1_downstream figureE1 figureE2 grid_crop world_sheet; do
    ok "figure $f drawn" test -s "$R/figures/$f.png"
done
ok "the models were trained (backbones + kept checkpoints)" bash -c \
    "test -s '$T/a/models/default_x3/backbone.safetensors' && test -s '$T/a/models/default/checkpoint_0001.safetensors'"
ok "the supervised baseline learned labels" "$PYTHON" - "$T/a/models/supervised/log.nc" <<'PY'
import sys, netCDF4, numpy as np
loss = np.asarray(netCDF4.Dataset(sys.argv[1])["loss"][:])
assert np.all(np.isfinite(loss)) and loss.size > 2, loss
PY

# ---- the comparison itself can fail: one tampered value is found ----
cp -r "$T/a/probe" "$T/tampered"
"$PYTHON" - "$T/tampered/default/shape.nc" <<'PY'
import sys, netCDF4
with netCDF4.Dataset(sys.argv[1], "a") as d:
    v = d["score"]
    x = v[:]
    x.flat[0] += 1e-6
    v[:] = x
PY
expect_fail "a tampered probe score is found" "default/shape.nc: variable score differs" \
    "$PYTHON" "$ROOT/tests/integration/campaign_same.py" "$T/a/probe" "$T/tampered"

# ---- kill -9 at a random point, run again: the same results ----
mk_ini "$T/b"
kill_at=$((3 + RANDOM % (ta > 10 ? ta - 6 : 4)))
setsid bash "$ROOT/slurm/campaign.sh" "$T/b.ini" --local >"$T/b1.log" 2>&1 &
pid=$!
sleep "$kill_at"
kill -9 -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
# MPI ranks started by mpirun may sit in their own process groups: none of this campaign's
# processes may outlive the kill (they would write behind the re-run's back).
pkill -9 -f -- "$T/b/" 2>/dev/null
for _ in $(seq 50); do pgrep -f -- "$T/b/" >/dev/null || break; sleep 0.1; done
stage=$(grep -o 'stage [a-z]*:' "$T/b1.log" | tail -n 1)
echo "campaign_tiny: killed with -9 after $kill_at s (in ${stage:-the start})"
ok "re-run after kill -9 (at $kill_at s) ends" bash "$ROOT/slurm/campaign.sh" "$T/b.ini" --local
ok "the re-run skipped what was finished before the kill" grep -q 'stage data: all 1 job(s) complete, skipped' "$T/last.log"
ok "same results as the uninterrupted run" "$PYTHON" "$ROOT/tests/integration/campaign_same.py" "$T/a" "$T/b"
summary
