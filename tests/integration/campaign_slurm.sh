#!/bin/bash
# campaign_slurm.sh: a real Slurm cluster on localhost (tests/slurm/cluster.sh: munge +
# slurmctld + slurmd), started and stopped by this test (the whole tiny campaign through sbatch
# is campaign_tiny.sh's run A): a campaign whose features stage is made to fail: its dependents
# are cancelled, the report still runs (afterany), and the status command names the failed
# stage and its log; then preemption: a training job sent USR1 (as --signal=B:USR1@120 sends it
# before the time limit) checkpoints through the real invar-train, is requeued, resumes, and its
# final checkpoint equals an uninterrupted run's.
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
cleanup() {
    bash "$ROOT/tests/slurm/cluster.sh" stop "$CL"
    [ -n "${INVAR_KEEP_TEST_FILES:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ok "cluster starts" bash "$ROOT/tests/slurm/cluster.sh" start "$CL"
export SLURM_CONF=$CL/slurm.conf
ok "node idle" bash -c "sinfo -h -o %t | grep -q idle"

# A stage made to fail (features with --batch 0): dependents cancelled, report still runs.
printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\nstages = data,features,krr,linear,report\n[probes]\ntasks = shape:classify\n[features]\nbatch = 0\n' \
    "$ROOT" "$T/b" >"$T/b.ini"
ok "failing campaign submitted" bash "$ROOT/slurm/campaign.sh" "$T/b.ini"
ok "arrays with dependencies" grep -q 'stage krr: submitted job [0-9]* (array 0), after [0-9]*' "$T/last.log"
expect_fail "status after the failure" "features +FAILED" timeout 150 bash "$ROOT/slurm/campaign.sh" wait "$T/b"
cp "$T/last.log" "$T/status.log"
ok "failed job and its log named" grep -q "log: $T/b/logs/features_0.log" "$T/status.log"
ok "the failure's message" grep -q "invar-measure features .* exited with status 2" "$T/status.log"
ok "dependents not run" grep -Eq "krr +not run +0/1 done; not run: depends on failed stage\\(s\\) features" "$T/status.log" || cat "$T/status.log"
ok "linear not run" grep -Eq 'linear +not run' "$T/status.log"
ok "report ran after the failure (afterany)" test -s "$T/b/results/README.md"
ok "report says what is missing" grep -q 'Random: `.*b/probe/random/krr.nc` missing: stage krr' "$T/b/results/README.md"
ok "data stage ran before the failure" test -s "$T/b/data/pretrain.nc"
ok "nothing left in the queue" bash -c "[ -z \"\$(squeue -h)\" ]"

# ---- preemption: USR1 to a training job, requeue, resume, the same final checkpoint ----
cat >"$T/p.ini" <<INI
[campaign]
run_dir = $T/p
ranks = 2
stages = data,train
[data]
source = paths
pretrain = $T/b/data/pretrain.nc
[model m]
arch = resnet18
stem = small
width = 0.125
size = 32
batch = 8
queue = 64
dim = 32
epochs = 40
[slurm]
time = 00:10:00
ntasks = 2
INI
ok "training campaign submitted" bash "$ROOT/slurm/campaign.sh" "$T/p.ini"
jid=$(awk -F'\t' '$1 == "train" { print $2 }' "$T/p/state/slurm_jobs")
ok "train job id" test -n "$jid"
M=$T/p/models/m
for _ in $(seq 1200); do [ -e "$M/checkpoint_last.safetensors" ] && break; sleep 0.1; done
ok "training is running under Slurm (an epoch checkpointed)" test -e "$M/checkpoint_last.safetensors"
ok "USR1 to the batch shell" scancel --signal=USR1 --batch "${jid}_0"
# The requeued job waits out Slurm's begin-time hold (~100 s); start it now instead.
for _ in $(seq 300); do
    squeue -h -j "$jid" -o '%T %r' 2>/dev/null | grep -q 'PENDING\|REQUEUED' && break
    sleep 0.2
done
ok "the job was requeued" bash -c "squeue -h -j $jid -o %T | grep -Eq 'PENDING|REQUEUED|RUNNING'"
scontrol update JobId="${jid}_0" BeginTime=now >/dev/null 2>&1 || scontrol update JobId="$jid" BeginTime=now >/dev/null 2>&1
ok "the requeued job ends" timeout 240 bash "$ROOT/slurm/campaign.sh" wait "$T/p"
ok "train done after the requeue" grep -Eq '^  train +done +1/1 done' "$T/last.log"
L=$T/p/logs/train_0.log
ok "the stage forwarded the signal" grep -q 'signal: checkpoint requested' "$L"
ok "checkpointed and requeued" grep -q "checkpointed (exit 3); requeueing ${jid}_0" "$L"
ok "ran again as restart 1" grep -q 'start (2 rank(s), restart 1)' "$L"
ok "resumed from its checkpoint" grep -q 'resuming from' "$L"
ok "finished" test -s "$M/backbone.safetensors"
# The same training, uninterrupted, outside Slurm (mpirun -np 2, the plan's own command).
cmd=$(awk -F'\t' '$1 == "job" && $2 == "train" { print $7; exit }' "$T/p/plan.tsv")
cmd=${cmd//\$LAUNCH/$MPIRUN -np 2}
cmd=${cmd//$M/$T/ref}
ok "uninterrupted reference run" env PATH="$INVAR_BIN:$PATH" bash -c "$cmd"
same_st() { # the tensors of two safetensors files are byte-identical
    "$PYTHON" - "$1" "$2" <<'PY'
import json, struct, sys
def tensors(p):
    raw = open(p, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    h = json.loads(raw[8:8 + n]); h.pop("__metadata__", None)
    return {k: raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in h.items()}
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
assert a.keys() == b.keys() and len(a) > 100, (len(a), len(b))
bad = [k for k in a if a[k] != b[k]]
assert not bad, bad[:5]
PY
}
ok "final checkpoint equals the uninterrupted run's" same_st "$M/checkpoint_last.safetensors" "$T/ref/checkpoint_last.safetensors"
ok "backbone equals the uninterrupted run's" same_st "$M/backbone.safetensors" "$T/ref/backbone.safetensors"
summary
