#!/bin/bash
# slurm/campaign.sh: runs a whole invar campaign from one configuration file.
#   slurm/campaign.sh CONFIG.ini [--local]   submit the DAG to Slurm (sbatch on PATH), or run it
#                                            here stage by stage with mpirun (no sbatch, --local)
#   slurm/campaign.sh status CONFIG|RUN_DIR  which stages are done, running, failed (with the
#                                            log of each failed job) or not run, and why
#   slurm/campaign.sh wait CONFIG|RUN_DIR    wait until none of the campaign's Slurm jobs remain
#   slurm/campaign.sh cancel CONFIG|RUN_DIR  scancel the campaign's Slurm jobs
#   slurm/campaign.sh todo CONFIG|RUN_DIR    the jobs a run would (re-)run: STAGE INDEX LABEL
# The plan comes from `invar-report plan CONFIG --write` (RUN_DIR/plan.tsv). Each stage is one
# sbatch script (slurm/stage_STAGE.sbatch), a job array over its jobs, submitted with
# --dependency=afterok on the stages it reads (--kill-on-invalid-dep=yes, so a failed stage
# cancels its dependents) and the report with afterany. Re-running skips every job whose outputs
# are current and resumes partial ones (the programs resume from their own checkpoints/units);
# a job whose command changed (a configuration change) or whose inputs were remade runs again,
# with every job that reads its outputs (slurm/lib.sh: job_current, stage_set_aside).
# Environment: INVAR_BIN (programs, default ROOT/bin), SBATCH_ARGS (extra sbatch options).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export INVAR_ROOT=$ROOT
export INVAR_BIN=${INVAR_BIN:-$ROOT/bin}
export PATH="$INVAR_BIN:$PATH"
# shellcheck source=slurm/lib.sh
source "$ROOT/slurm/lib.sh" # job_current (which jobs are complete), shared with the stages

die() { echo "campaign: error: $*" >&2; exit 1; }
say() { echo "[$(date -u +%H:%M:%S)] campaign: $*" >&2; }

usage() {
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

STAGES=(data train features synthetic realworld views compare krr linear correlate report)

# plan_path CONFIG|RUN_DIR -> RUN_DIR/plan.tsv (writing the plan for a config file).
plan_path() {
    if [ -d "$1" ]; then
        [ -f "$1/plan.tsv" ] || die "$1: no plan.tsv (not a campaign run folder)"
        echo "$1/plan.tsv"
        return
    fi
    [ -f "$1" ] || die "$1: no such configuration file or run folder"
    command -v invar-report >/dev/null || die "invar-report is not built ($INVAR_BIN): run make"
    local out
    out=$(invar-report plan "$1" --write) || die "invalid configuration $1 (see above)"
    printf '%s\n' "$out" | awk -F'\t' '$1 == "campaign" { print $3 "/plan.tsv"; exit }'
}

stage_field() { # PLAN STAGE COL
    awk -F'\t' -v s="$2" -v c="$3" '$1 == "stage" && $2 == s { print $c; exit }' "$1"
}

# Indexes of the jobs of STAGE that are to run (the report always runs): those whose outputs are
# not current (slurm/lib.sh job_current: missing, made by another command, or older than a file
# they read), and those that read an output of a job that is to run (the plan lists jobs in an
# order where every job comes after the jobs it reads, so one pass finds them all; under Slurm
# every stage is submitted at once, before anything is remade).
incomplete_jobs() { # PLAN STAGE
    local plan=$1 want=$2 state stage idx label outs cmd ins f
    state="$(awk -F'\t' '$1 == "campaign" { print $3; exit }' "$plan")/state"
    declare -A PENDING=()
    while IFS=$'\t' read -r _ stage idx label _ outs cmd ins; do
        local todo=0
        if ! job_current "$state" "$stage" "$label" "$outs" "${ins:--}" "$cmd"; then
            todo=1
        elif [ "${ins:--}" != - ] && [ ${#PENDING[@]} -gt 0 ]; then
            for f in $ins; do [ -n "${PENDING[$f]:-}" ] && { todo=1; break; }; done
        fi
        if [ $todo = 1 ]; then
            [ "$outs" != - ] && for f in $outs; do PENDING[$f]=1; done
            [ "$stage" = "$want" ] && echo "$idx"
        fi
    done < <(awk -F'\t' '$1 == "job"' "$plan")
}

stage_deps() { stage_field "$1" "$2" 4 | tr ',' ' ' | sed 's/^-$//'; }

# Jobs of STAGE that are not to run (outputs current) but have no .ok state: a run killed between
# a job's last rename and its state record. Records them done, so that status and the report
# count them (the stage script would have said "skipped" had it run). TO_RUN: the indexes that
# will run (comma- or space-separated).
mark_current_done() { # PLAN STAGE TO_RUN
    local plan=$1 s=$2 to_run=" ${3//,/ } " run_dir idx njobs st
    run_dir=$(dirname "$plan")
    njobs=$(stage_field "$plan" "$s" 3)
    for ((idx = 0; idx < njobs; idx++)); do
        [[ "$to_run" == *" $idx "* ]] && continue
        st="$run_dir/state/${s}_${idx}"
        [ -f "$st.ok" ] && continue
        rm -f "$st.running" "$st.failed"
        printf 'skipped (outputs complete) %s\n' "$(date -u +%FT%TZ)" >"$st.ok.tmp.$$" && mv -f "$st.ok.tmp.$$" "$st.ok"
    done
}

# ---- Slurm -------------------------------------------------------------------------------
submit_slurm() { # PLAN
    local plan=$1 run_dir
    run_dir=$(dirname "$plan")
    mkdir -p "$run_dir/logs" "$run_dir/state"
    local jobs_file="$run_dir/state/slurm_jobs"
    : >"$jobs_file.tmp"
    declare -A JOBID=()
    local s
    for s in "${STAGES[@]}"; do
        local njobs
        njobs=$(stage_field "$plan" "$s" 3)
        [ -n "$njobs" ] && [ "$njobs" -gt 0 ] || continue
        local todo
        todo=$(incomplete_jobs "$plan" "$s" | paste -sd, -)
        mark_current_done "$plan" "$s" "$todo"
        if [ -z "$todo" ]; then
            say "stage $s: all $njobs job(s) complete, not submitted"
            continue
        fi
        local dep="" d
        for d in $(stage_deps "$plan" "$s"); do
            [ -n "${JOBID[$d]:-}" ] && dep="$dep:${JOBID[$d]}"
        done
        local args=(--parsable --array="$todo" --job-name="invar-$s"
            --output="$run_dir/logs/${s}_%a.log" --open-mode=append --chdir="$PWD"
            --export=ALL,INVAR_ROOT="$ROOT",INVAR_BIN="$INVAR_BIN",INVAR_PLAN="$plan"
            --ntasks="$(stage_field "$plan" "$s" 5)" --cpus-per-task="$(stage_field "$plan" "$s" 6)")
        local col opt
        for col in 7:time 8:mem 9:partition 10:account 11:qos 12:gres; do
            opt=$(stage_field "$plan" "$s" "${col%%:*}")
            [ "$opt" != "-" ] && args+=("--${col#*:}=$opt")
        done
        if [ -n "$dep" ]; then
            if [ "$s" = report ]; then args+=(--dependency="afterany$dep")
            else args+=(--dependency="afterok$dep" --kill-on-invalid-dep=yes); fi
        fi
        local extra
        extra=$(stage_field "$plan" "$s" 13)
        [ "$extra" = "-" ] && extra=""
        local id
        # shellcheck disable=SC2086
        id=$(sbatch "${args[@]}" $extra ${SBATCH_ARGS:-} "$ROOT/slurm/stage_$s.sbatch") ||
            die "sbatch failed for stage $s"
        id=${id%%;*}
        JOBID[$s]=$id
        printf '%s\t%s\t%s\n' "$s" "$id" "$todo" >>"$jobs_file.tmp"
        say "stage $s: submitted job $id (array $todo)${dep:+, after ${dep#:}}"
    done
    mv -f "$jobs_file.tmp" "$jobs_file"
    say "submitted; 'slurm/campaign.sh status $run_dir' shows progress"
}

# ---- local runner ------------------------------------------------------------------------
fmt_s() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

run_local() { # PLAN
    local plan=$1 run_dir
    run_dir=$(dirname "$plan")
    mkdir -p "$run_dir/logs" "$run_dir/state"
    rm -f "$run_dir/state/slurm_jobs"
    declare -A FAILED=()
    local s any_failed=0 t_campaign=$SECONDS
    for s in "${STAGES[@]}"; do
        local njobs
        njobs=$(stage_field "$plan" "$s" 3)
        [ -n "$njobs" ] && [ "$njobs" -gt 0 ] || continue
        local blocked="" d
        if [ "$s" != report ]; then
            for d in $(stage_deps "$plan" "$s"); do
                [ -n "${FAILED[$d]:-}" ] && blocked="$blocked $d"
            done
        fi
        if [ -n "$blocked" ]; then
            FAILED[$s]=blocked
            say "stage $s: NOT RUN: depends on failed stage(s)$blocked"
            printf 'not run: depends on failed stage(s)%s\n' "$blocked" >"$run_dir/state/${s}.blocked"
            continue
        fi
        rm -f "$run_dir/state/${s}.blocked"
        local todo=() idx
        while read -r idx; do todo+=("$idx"); done < <(incomplete_jobs "$plan" "$s")
        mark_current_done "$plan" "$s" "${todo[*]:-}"
        if [ ${#todo[@]} = 0 ]; then
            say "stage $s: all $njobs job(s) complete, skipped"
            continue
        fi
        local n=${#todo[@]} k=0 t0=$SECONDS nfail=0
        say "stage $s: ${n} of $njobs job(s) to run"
        for idx in "${todo[@]}"; do
            local log="$run_dir/logs/${s}_${idx}.log"
            if INVAR_PLAN="$plan" INVAR_JOB_INDEX=$idx bash "$ROOT/slurm/stage_$s.sbatch" >>"$log" 2>&1; then :; else
                nfail=$((nfail + 1))
                say "stage $s: job $idx FAILED: $(tail -n 1 "$run_dir/state/${s}_${idx}.failed" 2>/dev/null || tail -n 1 "$log") (log: $log)"
            fi
            k=$((k + 1))
            local el=$((SECONDS - t0))
            say "stage $s: $k/$n done, $(fmt_s $el) elapsed, ETA $(fmt_s $((el * (n - k) / k)))"
        done
        if [ $nfail -gt 0 ]; then
            FAILED[$s]=failed
            any_failed=1
            say "stage $s: $nfail of $n job(s) FAILED; its dependents will not run"
        fi
    done
    say "finished in $(fmt_s $((SECONDS - t_campaign)))"
    show_status "$plan" || true
    return $any_failed
}

# ---- status ------------------------------------------------------------------------------
show_status() { # PLAN; exit status 1 when a stage failed
    local plan=$1 run_dir
    run_dir=$(dirname "$plan")
    local jobs_file="$run_dir/state/slurm_jobs" queue=""
    if [ -f "$jobs_file" ] && command -v squeue >/dev/null 2>&1; then
        local ids
        ids=$(cut -f2 "$jobs_file" | paste -sd, -)
        [ -n "$ids" ] && queue=$(squeue -h -r -j "$ids" -o '%F %K %T %r' 2>/dev/null)
    fi
    echo "campaign $(awk -F'\t' '$1 == "campaign" { print $2; exit }' "$plan") in $run_dir"
    local s bad=0
    declare -A FAILED=()
    for s in "${STAGES[@]}"; do
        local njobs
        njobs=$(stage_field "$plan" "$s" 3)
        [ -n "$njobs" ] && [ "$njobs" -gt 0 ] || continue
        local ok=0 failed=0 running=0 queued=0 idx jid=""
        [ -f "$jobs_file" ] && jid=$(awk -F'\t' -v s="$s" '$1 == s { print $2 }' "$jobs_file")
        local failed_list=()
        for ((idx = 0; idx < njobs; idx++)); do
            local st="$run_dir/state/${s}_${idx}"
            if [ -f "$st.failed" ]; then failed=$((failed + 1)); failed_list+=("$idx")
            elif [ -n "$jid" ] && grep -q "^$jid $idx \(PENDING\|REQUEUED\)" <<<"$queue"; then queued=$((queued + 1))
            elif [ -n "$jid" ] && grep -q "^$jid $idx \(RUNNING\|COMPLETING\|CONFIGURING\)" <<<"$queue"; then running=$((running + 1))
            elif [ -f "$st.ok" ]; then ok=$((ok + 1))
            elif [ -f "$st.running" ]; then running=$((running + 1))
            fi
        done
        local notrun=$((njobs - ok - failed - running - queued)) line state
        if [ $failed -gt 0 ]; then state=FAILED; FAILED[$s]=1; bad=1
        elif [ $ok = "$njobs" ]; then state=done
        elif [ $running -gt 0 ]; then state=running
        elif [ $queued -gt 0 ]; then state=queued
        else state="not run"; fi
        line=$(printf '  %-10s %-8s %d/%d done' "$s" "$state" "$ok" "$njobs")
        [ $running -gt 0 ] && line="$line, $running running"
        [ $queued -gt 0 ] && line="$line, $queued queued"
        [ $failed -gt 0 ] && line="$line, $failed failed"
        if [ $notrun -gt 0 ] && [ $failed = 0 ]; then
            local d why=""
            for d in $(stage_deps "$plan" "$s"); do [ -n "${FAILED[$d]:-}" ] && why="$why $d"; done
            if [ -n "$why" ]; then line="$line; not run: depends on failed stage(s)$why"; FAILED[$s]=1
            else line="$line, $notrun not run"; fi
        fi
        echo "$line"
        for idx in "${failed_list[@]}"; do
            local lbl
            lbl=$(awk -F'\t' -v s="$s" -v i="$idx" '$1 == "job" && $2 == s && $3 == i { print $4 }' "$plan")
            echo "      $s[$idx] $lbl: $(tail -n 1 "$run_dir/state/${s}_${idx}.failed")"
            echo "      log: $run_dir/logs/${s}_${idx}.log"
        done
    done
    local nskip
    nskip=$(grep -c '^skip' "$plan" || true)
    [ "$nskip" -gt 0 ] && echo "  ($nskip job(s) left out by the configuration: grep ^skip $plan)"
    return $bad
}

cmd=run
case "${1:-}" in
    status | wait | cancel | run | todo) cmd=$1; shift ;;
    -h | --help | "") usage; exit 0 ;;
esac
[ $# -ge 1 ] || { usage; exit 2; }
target=$1; shift
local_mode=0
for a in "$@"; do
    case "$a" in
        --local) local_mode=1 ;;
        *) die "unknown option $a" ;;
    esac
done

case $cmd in
    run)
        plan=$(plan_path "$target") || exit 1
        if [ $local_mode = 0 ] && command -v sbatch >/dev/null 2>&1; then
            submit_slurm "$plan"
        else
            if [ $local_mode = 1 ]; then say "--local: running the campaign here with mpirun"
            else say "no sbatch on PATH: running the campaign here with mpirun"; fi
            run_local "$plan"
        fi
        ;;
    status)
        plan=$(plan_path "$target") || exit 1
        show_status "$plan"
        ;;
    todo)
        plan=$(plan_path "$target") || exit 1
        for s in "${STAGES[@]}"; do
            for idx in $(incomplete_jobs "$plan" "$s"); do
                awk -F'\t' -v s="$s" -v i="$idx" '$1 == "job" && $2 == s && $3 == i { print s "\t" i "\t" $4; exit }' "$plan"
            done
        done
        ;;
    wait)
        plan=$(plan_path "$target") || exit 1
        jf="$(dirname "$plan")/state/slurm_jobs"
        [ -f "$jf" ] || exit 0
        ids=$(cut -f2 "$jf" | paste -sd, -)
        while [ -n "$(squeue -h -j "$ids" -o %i 2>/dev/null)" ]; do sleep 2; done
        show_status "$plan"
        ;;
    cancel)
        plan=$(plan_path "$target") || exit 1
        jf="$(dirname "$plan")/state/slurm_jobs"
        [ -f "$jf" ] && scancel $(cut -f2 "$jf")
        ;;
esac
