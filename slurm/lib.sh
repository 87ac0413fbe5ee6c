# slurm/lib.sh: what every stage script does, sourced by slurm/stage_*.sbatch (under sbatch or
# run by the local runner in slurm/campaign.sh). A stage script calls
#   stage_main STAGE PROGRAM [SUBCOMMAND] [ISSUE]
# which finds its job in RUN_DIR/plan.tsv (INVAR_PLAN) by the array index (SLURM_ARRAY_TASK_ID,
# else INVAR_JOB_INDEX), checks that the program it needs is built (else fails saying which
# stage cannot run and why), skips a job whose outputs are current (job_current: all exist --
# every invar writer renames complete files into place, so existing = complete --, were made by
# the same command and are newer than every file the job reads), moves stale outputs aside
# (stage_set_aside; a trained model's folder is renamed NAME.stale-N, never deleted), runs the
# command with the MPI launcher (srun --mpi=pmix under Slurm, mpirun locally) and records
# RUN_DIR/state/STAGE_INDEX.{ok,failed} and the command in RUN_DIR/state/cmd/STAGE/LABEL.cmd.
# Training (INVAR_REQUEUE=1): SIGUSR1/SIGTERM are forwarded to the program, which checkpoints
# and exits; under Slurm the job is then requeued and resumes (--resume auto).
set -u

stage_log() { echo "[$(date -u +%H:%M:%S)] invar-campaign $STAGE${INDEX:+[$INDEX]}: $*" >&2; }

# plan_field KIND KEY1 KEY2 COL: the COL-th field of the first plan line KIND KEY1 KEY2 ...
stage_job_line() {
    awk -F'\t' -v s="$1" -v i="$2" '$1 == "job" && $2 == s && $3 == i { print; exit }' "$INVAR_PLAN"
}

stage_write_state() { # STATE TEXT
    local f="$STATE_DIR/${STAGE}_${INDEX}"
    rm -f "$f.ok" "$f.failed" "$f.running"
    printf '%s\n' "$2" >"$f.$1.tmp.$$" && mv -f "$f.$1.tmp.$$" "$f.$1"
}

stage_fail() { # RC MESSAGE
    stage_log "FAILED: $2"
    stage_write_state failed "rc=$1 $(date -u +%FT%TZ) host=$(hostname -s) job=${SLURM_JOB_ID:-local} log=${LOG_PATH:-stderr}
$2"
    exit "$1"
}

# The program a stage needs, with its sub-command: fails clearly when it is not built yet.
stage_need_program() { # PROGRAM [SUBCOMMAND] [WHERE]
    local prog=$1 sub=${2:-} where=${3:-}
    if ! command -v "$prog" >/dev/null 2>&1; then
        stage_fail 3 "stage $STAGE cannot run: program '$prog' is not built (not in ${INVAR_BIN:-bin}/ or on PATH)${where:+; it comes from $where}"
    fi
    # The sub-command check starts the program (MPI start-up): once per stage and binary.
    local stamp="$STATE_DIR/program_${STAGE}.checked" id
    id="$(command -v "$prog") $(stat -c %Y "$(command -v "$prog")")"
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ] && return 0
    if [ -n "$sub" ] && ! "$prog" "$sub" --help >/dev/null 2>&1; then
        stage_fail 3 "stage $STAGE cannot run: '$prog $sub' does not exist in this build ($(command -v "$prog") has no '$sub' command)${where:+; it comes from $where}"
    fi
    echo "$id" >"$stamp.$$" && mv -f "$stamp.$$" "$stamp"
}

stage_outputs_complete() { # OUTPUTS ("-" = none: never complete)
    [ "$1" = "-" ] && return 1
    local f
    for f in $1; do [ -e "$f" ] || return 1; done
    return 0
}

# The command a job's outputs were made with: STATE_DIR/cmd/STAGE/LABEL.cmd (by label, so that
# adding a model to the configuration, which renumbers jobs, changes no record).
job_cmd_record() { printf '%s/cmd/%s/%s.cmd' "$1" "$2" "$3"; } # STATE_DIR STAGE LABEL

# job_current STATE_DIR STAGE LABEL OUTPUTS INPUTS COMMAND: true when every output exists, the
# recorded command (if any: outputs made before records were kept count as current) is COMMAND
# and no input is newer than the oldest output. Else false with the reason in JOB_STALE ("" when
# outputs are simply missing).
job_current() {
    local rec outs=$4 ins=${5:--} f oldest="" line=""
    JOB_STALE=""
    stage_outputs_complete "$outs" || return 1
    rec=$(job_cmd_record "$1" "$2" "$3")
    if [ -f "$rec" ]; then
        IFS= read -r line <"$rec" || true
        if [ "$line" != "$6" ]; then JOB_STALE="its command changed since its outputs were made"; return 1; fi
    fi
    [ "$ins" = "-" ] && return 0
    for f in $outs; do
        if [ -z "$oldest" ] || [ "$f" -ot "$oldest" ]; then oldest=$f; fi
    done
    for f in $ins; do
        if [ "$f" -nt "$oldest" ]; then JOB_STALE="$f is newer than its outputs"; return 1; fi
    done
    return 0
}

# Moves a job's outputs aside before it runs again: a trained model's folder (the train stage's
# output's folder) to NAME.stale-N, said in the log; other files to FILE.stale, and the resume
# journals of a sweep (FILE.resume, FILE.model-K.resume) are removed.
stage_set_aside() { # OUTPUTS WHY
    local f n dir
    [ "$1" = "-" ] && return 0
    for f in $1; do
        if [ "$STAGE" = train ]; then
            dir=$(dirname "$f")
            [ -d "$dir" ] || continue
            n=1
            while [ -e "$dir.stale-$n" ]; do n=$((n + 1)); done
            mv "$dir" "$dir.stale-$n" || stage_fail 6 "cannot move the stale model folder $dir aside"
            stage_log "$2: moved the stale model folder $dir aside to $dir.stale-$n"
            continue
        fi
        if [ -e "$f" ] || [ -L "$f" ]; then
            mv -f "$f" "$f.stale" && stage_log "$2: moved the stale $f aside to $f.stale"
        fi
        for dir in "$f.resume" "$f".model-*.resume; do
            [ -e "$dir" ] && rm -rf "$dir" && stage_log "$2: removed the stale resume state $dir"
        done
    done
    return 0
}

stage_main() { # STAGE PROGRAM [SUBCOMMAND] [WHERE]
    STAGE=$1
    INDEX=${SLURM_ARRAY_TASK_ID:-${INVAR_JOB_INDEX:-}}
    : "${INVAR_PLAN:?INVAR_PLAN (RUN_DIR/plan.tsv) is not set: run stages through slurm/campaign.sh}"
    [ -n "$INDEX" ] || { echo "stage $STAGE: no array index (SLURM_ARRAY_TASK_ID / INVAR_JOB_INDEX)" >&2; exit 2; }
    [ -n "${INVAR_BIN:-}" ] && export PATH="$INVAR_BIN:$PATH"
    local run_dir
    run_dir=$(awk -F'\t' '$1 == "campaign" { print $3; exit }' "$INVAR_PLAN")
    STATE_DIR="$run_dir/state"
    LOG_PATH="$run_dir/logs/${STAGE}_${INDEX}.log"
    mkdir -p "$STATE_DIR" "$run_dir/logs"
    local line
    line=$(stage_job_line "$STAGE" "$INDEX")
    [ -n "$line" ] || stage_fail 2 "no job $STAGE $INDEX in $INVAR_PLAN"
    local label ranks outputs command inputs
    IFS=$'\t' read -r _ _ _ label ranks outputs command inputs <<<"$line"
    local rec
    rec=$(job_cmd_record "$STATE_DIR" "$STAGE" "$label")
    if job_current "$STATE_DIR" "$STAGE" "$label" "$outputs" "${inputs:--}" "$command"; then
        if [ ! -f "$rec" ]; then # made before commands were recorded: this one is theirs now
            mkdir -p "$(dirname "$rec")" && printf '%s\n' "$command" >"$rec"
        fi
        stage_log "$label: outputs complete, skipped"
        stage_write_state ok "skipped (outputs complete) $(date -u +%FT%TZ)"
        exit 0
    fi
    local stale=$JOB_STALE
    shift
    stage_need_program "$@" # (before anything is moved aside)
    if [ -n "$stale" ]; then
        stage_set_aside "$outputs" "$label: outputs stale ($stale)"
    elif [ -f "$rec.running" ] || [ -f "$rec" ]; then
        # Partial outputs of an earlier attempt: resumed when it ran the same command, else
        # moved aside (invar-train refuses a RUNDIR of another configuration).
        local prev=""
        if [ -f "$rec.running" ]; then IFS= read -r prev <"$rec.running" || true
        else IFS= read -r prev <"$rec" || true; fi
        [ "$prev" = "$command" ] || stage_set_aside "$outputs" "$label: partial outputs of another command"
    fi
    local launch=""
    if [ "$ranks" -gt 1 ]; then
        if [ -n "${SLURM_JOB_ID:-}" ] && command -v srun >/dev/null 2>&1; then
            launch="srun --mpi=${INVAR_SRUN_MPI:-pmix} -n $ranks"
        else
            launch="${INVAR_MPIRUN:-mpirun} -np $ranks"
            if [ "$(id -u)" = 0 ]; then
                export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
                launch="${INVAR_MPIRUN:-mpirun} --allow-run-as-root --oversubscribe -np $ranks"
            fi
        fi
    fi
    stage_write_state running "$(date -u +%FT%TZ) host=$(hostname -s) job=${SLURM_JOB_ID:-local}"
    mkdir -p "$(dirname "$rec")" && printf '%s\n' "$command" >"$rec.running"
    stage_log "$label: start (${ranks} rank(s), restart ${SLURM_RESTART_COUNT:-0})"
    local cmd=${command//\$LAUNCH/$launch}
    echo "+ $cmd" >&2
    local t0=$SECONDS rc=0
    PREEMPTED=0
    if [ "${INVAR_REQUEUE:-0}" = 1 ]; then
        # In the background so that the shell can take Slurm's USR1 (--signal=B:USR1@T) and
        # pass it on; `wait` returns early on a trapped signal, so wait again until it ends.
        # The training command is one program (invar-train, or srun/mpirun, which pass USR1 on to
        # their tasks): exec'd, so the signal reaches it directly.
        trap 'PREEMPTED=1; stage_log "signal: checkpoint requested"; kill -USR1 $CHILD 2>/dev/null' USR1 TERM
        bash -c "exec $cmd" &
        CHILD=$!
        while :; do
            wait "$CHILD" && rc=0 || rc=$?
            kill -0 "$CHILD" 2>/dev/null || break
        done
        trap - USR1 TERM
    else
        bash -c "$cmd" || rc=$?
    fi
    if [ "$PREEMPTED" = 1 ]; then
        if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null 2>&1; then
            local jid=$SLURM_JOB_ID
            [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && jid="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
            stage_write_state running "requeued after a preemption signal (exit $rc) $(date -u +%FT%TZ) job=$jid"
            stage_log "$label: checkpointed (exit $rc); requeueing $jid"
            scontrol requeue "$jid"
            exit 0
        fi
        stage_fail 4 "$label: interrupted by a signal (exit $rc); run the campaign again to resume"
    fi
    [ "$rc" = 0 ] || stage_fail "$rc" "$label: '$cmd' exited with status $rc (log: $LOG_PATH)"
    stage_outputs_complete "$outputs" || [ "$outputs" = "-" ] ||
        stage_fail 5 "$label: the command succeeded but left no $(for f in $outputs; do [ -e "$f" ] || { echo "$f"; break; }; done)"
    mv -f "$rec.running" "$rec"
    stage_write_state ok "done in $((SECONDS - t0)) s $(date -u +%FT%TZ) host=$(hostname -s) job=${SLURM_JOB_ID:-local}"
    stage_log "$label: done in $((SECONDS - t0)) s"
}
