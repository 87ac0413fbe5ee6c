#!/bin/bash
# campaign_tiny.sh: the whole tiny campaign (slurm/tiny.ini: every stage with the real programs:
# world -> MoCo-v2 / supervised training with a grid and seeds -> features -> synthetic,
# real-world and views sweeps -> compare -> KRR and linear probes -> correlations -> report).
# Run A goes through a real Slurm cluster on localhost (tests/slurm/cluster.sh: munge +
# slurmctld + slurmd, started and stopped here): slurm/campaign.sh submits the DAG with sbatch
# (job arrays, afterok dependencies, srun --mpi=pmix for the MPI steps) and it runs to the end.
# Without root or slurm-wlm, run A is `make campaign CONFIG=slurm/tiny.ini` (the local runner,
# mpirun -np 2) and the Slurm part is skipped, saying so. Then run B, the same campaign with the
# local runner, killed with kill -9 at a random point and run again: every result file (shards,
# checkpoints, features, sweeps, probes, tables) is the same as run A's, so the local runner,
# the Slurm runner and an interrupted run all give one result.
source "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) INVAR_BIN=$BIN ;; *) INVAR_BIN=$ROOT/$BIN ;; esac
export INVAR_BIN INVAR_MPIRUN=mpirun

mk_ini() { printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\n' "$ROOT" "$1" >"$1.ini"; }

# ---- run A: the whole campaign, uninterrupted (through Slurm where it can run) ----
mk_ini "$T/a"
slurm=0
if [ "$(id -u)" = 0 ] && command -v sbatch >/dev/null && [ -x /usr/sbin/slurmctld ]; then
    slurm=1
else
    echo "campaign_tiny: Slurm part skipped: needs root and Debian's slurm-wlm + munge (make deps); run A uses the local runner"
fi
t0=$SECONDS
if [ $slurm = 1 ]; then
    CL=$T/cluster
    # Most array tasks last a second or two, mostly srun and MPI start-up and Slurm's
    # scheduling pass (about 1 s after each job ends): the node declares 4x its cores so that
    # four such tasks overlap, and Open MPI yields instead of busy-polling on the shared cores.
    # Training jobs run one at a time (--exclusive), as on the real cores.
    export SLURM_TEST_PORT=$((21000 + ($$ % 500) * 2)) SLURM_TEST_CPU_FACTOR=4
    export OMPI_MCA_mpi_yield_when_idle=1
    printf '[slurm train]\nextra = --exclusive\n' >>"$T/a.ini"
    cleanup() {
        bash "$ROOT/tests/slurm/cluster.sh" stop "$CL"
        [ -n "${INVAR_KEEP_TEST_FILES:-}" ] || rm -rf "$T"
    }
    trap cleanup EXIT
    ok "cluster starts" bash "$ROOT/tests/slurm/cluster.sh" start "$CL"
    [ "$FAILED" = 0 ] || { summary; exit 1; }
    export SLURM_CONF=$CL/slurm.conf
    ok "node idle" bash -c "sinfo -h -o %t | grep -q idle"
    ok "tiny campaign submitted to Slurm" bash "$ROOT/slurm/campaign.sh" "$T/a.ini"
    cp "$T/last.log" "$T/submit.log"
    ok "one job array per stage, each after the stages it reads" bash -c "
        grep -q 'stage train: submitted job [0-9]* (array 0,1,2,3,4,5,6,7,8,9,10), after [0-9]*\$' '$T/submit.log' &&
        grep -q 'stage linear: submitted job [0-9]* (array 0,1,.*,59), after [0-9]*\$' '$T/submit.log' &&
        grep -q 'stage correlate: submitted job [0-9]* (array 0,1), after [0-9]*:[0-9]*:[0-9]*\$' '$T/submit.log'"
    ok "the tiny campaign ends under Slurm" timeout 900 bash "$ROOT/slurm/campaign.sh" wait "$T/a"
    cp "$T/last.log" "$T/a.log"
    ok "every stage done" bash -c "! grep -Eq 'FAILED|not run|queued|running' '$T/a.log'"
    for s in data train features synthetic realworld views compare krr linear correlate report; do
        ok "stage $s done under Slurm" grep -Eq "^  $s +done +([0-9]+)/\\1 done" "$T/a.log"
    done
    ok "MPI steps ran under srun --mpi=pmix" grep -q '^+ srun --mpi=pmix -n 2 invar-train --objective moco' "$T/a/logs/train_0.log"
    ok "array task logs" test -s "$T/a/logs/linear_59.log"
    ok "nothing left in the queue" bash -c "[ -z \"\$(squeue -h)\" ]"
    bash "$ROOT/tests/slurm/cluster.sh" stop "$CL"
    unset SLURM_CONF
else
    ok "tiny campaign runs to the end" bash "$ROOT/slurm/campaign.sh" "$T/a.ini" --local
    cp "$T/last.log" "$T/a.log"
    for s in data train features synthetic realworld views compare krr linear correlate report; do
        ok "stage $s ran" grep -q "stage $s: .* done, " "$T/a.log"
    done
fi
ta=$((SECONDS - t0))
echo "campaign_tiny: run A took $ta s ($([ $slurm = 1 ] && echo Slurm || echo local))"
ok "status: every stage done" bash -c "bash '$ROOT/slurm/campaign.sh' status '$T/a' && ! grep -Eq 'FAILED|not run' '$T/last.log'"
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
# (a random second of the local run, which takes about run A's time; under Slurm, run A took
# some 15% longer: its scheduling passes)
span=$((slurm == 1 ? ta * 3 / 4 : ta - 6))
kill_at=$((3 + RANDOM % (span > 4 ? span : 4)))
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
ok "same results as the uninterrupted run ($([ $slurm = 1 ] && echo "under Slurm" || echo local))" "$PYTHON" "$ROOT/tests/integration/campaign_same.py" "$T/a" "$T/b"
summary
