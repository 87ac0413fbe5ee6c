#!/bin/bash
# campaign_slurm.sh: a real Slurm cluster on localhost (tests/slurm/cluster.sh: munge +
# slurmctld + slurmd), started and stopped by this test: the campaign of the stages that exist
# today (world -> random-init features -> KRR and linear probes -> report) is submitted with
# sbatch (job arrays, afterok dependencies, srun --mpi=pmix for the MPI steps) and runs to the
# end; then a campaign whose features stage is made to fail: its dependents are cancelled, the
# report still runs (afterany), and the status command names the failed stage and its log.
# Not covered here: the USR1 requeue of training (needs invar-train, issue 10).
source "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) INVAR_BIN=$BIN ;; *) INVAR_BIN=$ROOT/$BIN ;; esac
export INVAR_BIN
if [ "$(id -u)" != 0 ] || ! command -v sbatch >/dev/null || ! [ -x /usr/sbin/slurmctld ]; then
    echo "campaign_slurm: skipped: needs root and Debian's slurm-wlm + munge (make deps)"
    summary
    exit $?
fi
CL=$T/cluster
export SLURM_TEST_PORT=$((20000 + ($$ % 500) * 2))
cleanup() { bash "$ROOT/tests/slurm/cluster.sh" stop "$CL"; rm -rf "$T"; }
trap cleanup EXIT
ok "cluster starts" bash "$ROOT/tests/slurm/cluster.sh" start "$CL"
export SLURM_CONF=$CL/slurm.conf
ok "node idle" bash -c "sinfo -h -o %t | grep -q idle"

printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\nstages = data,features,krr,linear,report\n[probes]\ntasks = shape:classify,pose:regress\n' \
    "$ROOT" "$T/a" >"$T/a.ini"
ok "campaign submitted" bash "$ROOT/slurm/campaign.sh" "$T/a.ini"
cp "$T/last.log" "$T/submit.log"
ok "arrays with dependencies" grep -q 'stage linear: submitted job [0-9]* (array 0,1), after [0-9]*' "$T/submit.log"
ok "campaign ends" timeout 150 bash "$ROOT/slurm/campaign.sh" wait "$T/a"
cp "$T/last.log" "$T/status.log"
ok "every stage done" bash -c "! grep -Eq 'FAILED|not run|queued|running' '$T/status.log'"
ok "status lists linear done" grep -q '^  linear     done     2/2 done' "$T/status.log"
ok "report from the Slurm run" grep -Eq '^\| Random \| (\*\*)?[0-9.-]+ ± ' "$T/a/results/README.md"
ok "MPI steps ran under srun --mpi=pmix" grep -q '+ mkdir .* && srun --mpi=pmix -n 2 invar-measure features' "$T/a/logs/features_0.log"
ok "array task logs" test -s "$T/a/logs/linear_1.log"

# A stage made to fail (features with --batch 0): dependents cancelled, report still runs.
sets=""
for s in ident_train ident_test shape pose; do sets="$sets$s = $T/a/data/$s.nc\n"; done
printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\nstages = data,features,krr,linear,report\n[data]\nsource = paths\n%b[probes]\ntasks = shape:classify\n[features]\nbatch = 0\n' \
    "$ROOT" "$T/b" "$sets" >"$T/b.ini"
ok "failing campaign submitted" bash "$ROOT/slurm/campaign.sh" "$T/b.ini"
expect_fail "status after the failure" "features +FAILED" timeout 150 bash "$ROOT/slurm/campaign.sh" wait "$T/b"
cp "$T/last.log" "$T/status.log"
ok "failed job and its log named" grep -q "log: $T/b/logs/features_0.log" "$T/status.log"
ok "the failure's message" grep -q "invar-measure features .* exited with status 2" "$T/status.log"
ok "dependents not run" grep -Eq "krr +not run +0/1 done; not run: depends on failed stage\\(s\\) features" "$T/status.log" || cat "$T/status.log"
ok "linear not run" grep -Eq 'linear +not run' "$T/status.log"
ok "report ran after the failure (afterany)" test -s "$T/b/results/README.md"
ok "report says what is missing" grep -q 'Random: `.*b/probe/random/krr.nc` missing: stage krr' "$T/b/results/README.md"
ok "nothing left in the queue" bash -c "[ -z \"\$(squeue -h)\" ]"
summary
