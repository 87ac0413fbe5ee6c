#!/bin/bash
# campaign_local.sh: the campaign configuration and the local runner (no Slurm): configuration
# errors name the file and line; the shipped configurations expand; a small campaign of the
# stages that exist today (world -> random-init features -> KRR and linear probes -> report)
# runs to the end with mpirun; a re-run skips every complete job; kill -9 at a random point and
# a re-run end with the same result files; a stage whose program is not built fails saying so,
# stops its dependents, and the status command names it and its log; USR1 to the train stage
# checkpoints the real invar-train, and the re-run resumes it; a configuration change (a model's
# epochs) re-runs that model and its dependents only, and a remade data set the jobs reading it.
source "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BIN in /*) INVAR_BIN=$BIN ;; *) INVAR_BIN=$ROOT/$BIN ;; esac
export INVAR_BIN INVAR_MPIRUN=mpirun
PLAN="$BIN/invar-report plan"

# ---- configuration ----
for c in tiny default paper; do
    ok "plan slurm/$c.ini" $PLAN "$ROOT/slurm/$c.ini"
done
ok "tiny: grid of 2 x 2 points" test "$($PLAN "$ROOT/slurm/tiny.ini" | grep -c $'^model\tdefault_crop')" = 4
ok "fusion l2 shifted by 2 decades per extra member" \
    grep -q $'^fusion\tspa_app\tSpa+App\tspatial,appearance\t0.0001:1e+07:12' <($PLAN "$ROOT/slurm/tiny.ini")
ok "grid point policy rewritten" bash -c "$PLAN '$ROOT/slurm/tiny.ini' | grep -q $'^model\tdefault_crop03\t.*policies/default_crop03.policy'"
bad() { # NAME PATTERN INI-TEXT
    printf '%b' "$3" >"$T/bad.ini"
    expect_fail "$1" "$2" $PLAN "$T/bad.ini"
}
bad "unknown key" "bad.ini:2: unknown key 'epoch' in \[model a\]" '[model a]\nepoch = 3\n'
bad "unknown section" "bad.ini:1: unknown section \[modle a\]" '[modle a]\n'
bad "bad number" "bad.ini:3: epochs = 'ten'" '[model a]\n\nepochs = ten\n'
bad "queue vs batch" "queue 100 is not a multiple of batch 32" '[model a]\nbatch = 32\nqueue = 100\n'
bad "unknown fusion member" "member 'b' is not a model" '[model a]\n[fusion f]\nmembers = a,b\n'
bad "unknown stage" "unknown stage 'trian'" '[campaign]\nstages = data,trian\n'
bad "grid over a missing policy op" "has no operation 'vflip'" '[model a]\n[grid g]\nmodel = a\npolicy.vflip.p = 0.1; 0.5\n'
bad "grid value rejected by the policy parser" "grid g" '[model a]\n[grid g]\nmodel = a\npolicy.random_resized_crop.scale = 2,1\n'
bad "missing include" "nope.ini: cannot open" '[campaign]\ninclude = nope.ini\n'
expect_fail "missing config" "no such configuration" bash "$ROOT/slurm/campaign.sh" "$T/none.ini"

# ---- a campaign of the stages that exist today ----
mk_ini() { # RUN_DIR [EXTRA]
    printf '[campaign]\ninclude = %s/tests/slurm/now.ini\nrun_dir = %s\n[probes]\ntasks = shape:classify,pose:regress\n%b' \
        "$ROOT" "$1" "${2:-}"
}
mk_ini "$T/a" >"$T/a.ini"
ok "campaign runs to the end" bash "$ROOT/slurm/campaign.sh" "$T/a.ini" --local
cp "$T/last.log" "$T/a.log"
ok "progress with ETA" grep -q 'stage features: 8/8 done, .* ETA' "$T/a.log"
ok "status: all done" bash "$ROOT/slurm/campaign.sh" status "$T/a"
ok "status lists stages" grep -q '^  linear     done     6/6 done' "$T/last.log"
ok "report written" test -s "$T/a/results/README.md"
ok "Table 5 from the real probes" grep -Eq '^\| Random \| (\*\*)?[0-9.-]+ ± ' "$T/a/results/README.md"
ok "Table 4 from the real KRR" grep -q "\`$T/a/probe/random/krr.nc\`" "$T/a/results/README.md"
ok "fusion probed with the shifted grid" grep -q '1e-4:1e7:12\|0.0001:1e+07:12' "$T/a/plan.tsv"
ok "re-run skips complete jobs" bash "$ROOT/slurm/campaign.sh" "$T/a.ini" --local
ok "nothing re-ran" grep -q 'stage linear: all 6 job(s) complete, skipped' "$T/last.log"

# kill -9 at a random point, then re-run: the same result files.
# (one rank and only the Random baseline: the files must be the same as the 2-rank run's)
printf '[campaign]\ninclude = %s/slurm/tiny.ini\nrun_dir = %s\nranks = 1\nstages = data,features,krr,linear,report\n[probes]\ntasks = shape:classify,pose:regress\n' \
    "$ROOT" "$T/b" >"$T/b.ini"
setsid bash "$ROOT/slurm/campaign.sh" "$T/b.ini" --local >"$T/b1.log" 2>&1 &
pid=$!
sleep $((2 + RANDOM % 7))
kill -9 -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
ok "re-run after kill -9" bash "$ROOT/slurm/campaign.sh" "$T/b.ini" --local
same() { # the numeric variables of two result files are identical
    "$PYTHON" - "$1" "$2" <<'PY'
import sys, numpy as np, netCDF4
a, b = (netCDF4.Dataset(p) for p in sys.argv[1:3])
for name, v in a.variables.items():
    if v.dtype == str: continue
    x, y = np.asarray(v[:]), np.asarray(b.variables[name][:])
    assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), name
PY
}
for f in features/random/shape.nc features/random/pose.nc probe/random/krr.nc \
    probe/random/shape.nc probe/random/pose.nc; do
    ok "same $f after kill -9 + re-run" same "$T/a/$f" "$T/b/$f"
done

echo "campaign_local: $SECONDS s so far"
# ---- a configuration change re-runs what it changes, and only that ----
# Two trained models (the real invar-train, a few steps), their features, synthetic sweeps, m1's
# checkpoint series (Figure C.1) and probes. Then m2's epochs change: m2 retrains (its old
# folder moved aside, not deleted) and its dependents re-run; m1's jobs are skipped. A remade
# data set re-runs the jobs that read it; runs without command records count as complete.
mk_e() { # M2_EPOCHS
    cat <<INI
[campaign]
run_dir = $T/e
ranks = 1
threads = 1
stages = data,train,features,synthetic,linear,report
[data]
source = paths
pretrain = $T/a/data/pretrain.nc
shape = $T/a/data/shape.nc
[model m1]
arch = resnet18
stem = small
width = 0.125
size = 32
batch = 8
queue = 64
dim = 32
epochs = 2
keep_epochs = 0
train_args = --save-initial
[model m2]
arch = resnet18
stem = small
width = 0.125
size = 32
batch = 8
queue = 64
dim = 32
epochs = $1
[sweeps]
synthetic_sets = shape
images = 4
grid = 2
transforms = hflip,brightness
resize = 36
crop = 32
realworld = no
[probes]
tasks = shape:classify
krr = no
folds = 2
INI
}
mk_e 1 >"$T/e.ini"
ok "two trained models run to the end" bash "$ROOT/slurm/campaign.sh" "$T/e.ini" --local
ok "m1's checkpoint series measured" test -s "$T/e/measure/m1/synthetic_series_shape.nc"
ok "series epochs: init 0, checkpoint_0000 1, final 2" "$PYTHON" -c "
import netCDF4, sys
d = netCDF4.Dataset('$T/e/measure/m1/synthetic_series_shape.nc')
e = list(d['epoch'][:]); print(e, list(d['model_path'][:]))
sys.exit(e != [0, 1, 2] or d['mean_similarity'].shape != (3, 2))"
ok "commands recorded" test -s "$T/e/state/cmd/train/m2.cmd"
ok "C.1 drawn from the series" grep -q "^Figure C.1: .*\`$T/e/measure/m1/synthetic_series_shape.nc\` (m1)" "$T/e/results/README.md"
m1_time=$(stat -c %Y.%y "$T/e/models/m1/backbone.safetensors")
mk_e 2 >"$T/e.ini"
ok "todo after the change" bash "$ROOT/slurm/campaign.sh" todo "$T/e.ini"
ok "todo: m2 and its dependents only" test "$(cut -f1,3 "$T/last.log" | paste -sd' ')" = "$(printf 'train\tm2 features\tm2/shape synthetic\tm2/shape linear\tm2/shape report\treport')"
ok "re-run after the change" bash "$ROOT/slurm/campaign.sh" "$T/e.ini" --local
cp "$T/last.log" "$T/e2.log"
ok "train: 1 of 2 re-ran" grep -q 'stage train: 1 of 2 job(s) to run' "$T/e2.log"
ok "features: 1 of 2" grep -q 'stage features: 1 of 2 job(s) to run' "$T/e2.log"
ok "synthetic: 1 of 3" grep -q 'stage synthetic: 1 of 3 job(s) to run' "$T/e2.log"
ok "linear: 1 of 2" grep -q 'stage linear: 1 of 2 job(s) to run' "$T/e2.log"
ok "the stale model folder moved aside, said in the log" grep -q "m2: outputs stale (its command changed since its outputs were made): moved the stale model folder $T/e/models/m2 aside to $T/e/models/m2.stale-1" "$T/e/logs/train_1.log"
ok "the old model kept" test -s "$T/e/models/m2.stale-1/backbone.safetensors"
ok "m2 retrained with 2 epochs" grep -q ', 2 epochs, lr' "$T/e/logs/train_1.log"
ok "m1 not retrained" test "$(stat -c %Y.%y "$T/e/models/m1/backbone.safetensors")" = "$m1_time"
ok "nothing left to do" bash -c "[ -z \"\$(bash '$ROOT/slurm/campaign.sh' todo '$T/e' | grep -v report)\" ]"
sleep 1.1
touch "$T/a/data/shape.nc"
ok "a remade data set: its readers re-run" bash "$ROOT/slurm/campaign.sh" todo "$T/e"
ok "todo: every job reading shape, no training" test "$(cut -f1 "$T/last.log" | sort | uniq -c | tr -s ' ' | paste -sd,)" = " 2 features, 2 linear, 1 report, 3 synthetic"
rm -rf "$T/e/state/cmd"
touch -d '1 hour ago' "$T/a/data/shape.nc"
ok "outputs without command records count as complete" test "$(bash "$ROOT/slurm/campaign.sh" todo "$T/e" | cut -f1 | paste -sd' ')" = "report"

# ---- a stage whose program is missing, and a failing stage ----
mkdir -p "$T/bin"
for p in invar-data invar-measure invar-probe invar-report; do ln -sf "$INVAR_BIN/$p" "$T/bin/$p"; done
sets=""
for s in pretrain ident_train ident_test shape pose; do sets="$sets$s = $T/a/data/$s.nc\n"; done
cat >"$T/c.ini" <<INI
[campaign]
include = $ROOT/tests/slurm/now.ini
run_dir = $T/c
stages = data,train,features,linear,report
[data]
source = paths
$(printf '%b' "$sets")
[probes]
tasks = shape:classify
INI
expect_fail "campaign with a missing program fails" "stage train: 1 of 1|FAILED" \
    env INVAR_BIN="$T/bin" bash "$ROOT/slurm/campaign.sh" "$T/c.ini" --local
cp "$T/last.log" "$T/c.log"
ok "says which stage cannot run and why" grep -q "stage train cannot run: program 'invar-train' is not built" "$T/c.log"
ok "dependents not run" grep -q 'stage features: NOT RUN: depends on failed stage(s) train' "$T/c.log"
expect_fail "status reports the failure" "train +FAILED" env INVAR_BIN="$T/bin" bash "$ROOT/slurm/campaign.sh" status "$T/c"
cp "$T/last.log" "$T/c.log"
ok "status names the log" grep -q "log: $T/c/logs/train_0.log" "$T/c.log"
ok "status names the blocked stage" grep -q 'features .*not run: depends on failed stage(s) train' "$T/c.log"
ok "the report still ran" test -s "$T/c/results/README.md"

# The train stage's preemption path with the real invar-train (issue 10): SIGUSR1 to the stage
# reaches the program, which finishes its step, checkpoints and exits 3; the stage says so and
# fails; the re-run resumes from the checkpoint (--resume auto) and completes.
ln -sf "$INVAR_BIN/invar-train" "$T/bin/invar-train"
cat >"$T/d.ini" <<INI
[campaign]
run_dir = $T/d
stages = data,train
[data]
source = paths
pretrain = $T/a/data/pretrain.nc
[model m]
arch = resnet18
stem = small
width = 0.125
size = 32
batch = 8
queue = 64
dim = 32
epochs = 60
INI
ok "plan with one trained model" "$BIN/invar-report" plan "$T/d.ini" --write
ok "data stage" env INVAR_ROOT="$ROOT" INVAR_BIN="$T/bin" INVAR_PLAN="$T/d/plan.tsv" INVAR_JOB_INDEX=0 bash "$ROOT/slurm/stage_data.sbatch"
env INVAR_ROOT="$ROOT" INVAR_BIN="$T/bin" INVAR_PLAN="$T/d/plan.tsv" INVAR_JOB_INDEX=0 bash "$ROOT/slurm/stage_train.sbatch" >"$T/d.log" 2>&1 &
spid=$!
for _ in $(seq 300); do [ -e "$T/d/models/m/log.nc" ] && break; sleep 0.1; done
sleep 0.5
kill -USR1 "$spid"
for _ in $(seq 300); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$spid" 2>/dev/null # (only if it hangs)
wait "$spid"
rc=$?
ok "the stage forwarded USR1 and failed (exit $rc)" test $rc = 4
ok "the program checkpointed" test -e "$T/d/models/m/checkpoint_last.safetensors"
ok "not finished yet" test ! -e "$T/d/models/m/backbone.safetensors"
ok "the stage says how to resume" grep -q 'interrupted by a signal (exit 3); run the campaign again to resume' "$T/d.log"
ok "re-run resumes and completes" env INVAR_BIN="$T/bin" bash "$ROOT/slurm/campaign.sh" "$T/d.ini" --local
ok "resumed" grep -rq "resuming from" "$T/d/logs"
ok "finished" test -s "$T/d/models/m/backbone.safetensors"
summary
