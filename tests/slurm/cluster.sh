#!/bin/bash
# tests/slurm/cluster.sh: a real one-node Slurm cluster on localhost for the tests (Debian's
# slurm-wlm 22.05 and munge, as ../shared/SLURM.md verified): its own munge key and socket,
# slurmctld + slurmd with private ports, state, spool, pid and log files all under one scratch
# folder, no systemd, cgroups or accounting.
#   tests/slurm/cluster.sh start DIR   writes DIR/slurm.conf, starts munged, slurmctld, slurmd and
#                                      waits until the node is idle; prints `export SLURM_CONF=...`
#   tests/slurm/cluster.sh stop DIR    stops the three daemons by the pids in their pid files
# Needs root (SlurmUser=root). Ports: SLURM_TEST_PORT (default 16817) and the next one.
# SLURM_TEST_CPU_FACTOR (default 1): the node declares that many times its cores, so that short
# array tasks, whose time is mostly start-up and scheduling, overlap.
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "cluster.sh: $*" >&2; exit 1; }

stop() {
    local name pid
    for name in slurmd slurmctld munged; do
        [ -f "$dir/$name.pid" ] || continue
        pid=$(cat "$dir/$name.pid" 2>/dev/null)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        rm -f "$dir/$name.pid"
    done
}

case $cmd in
start)
    for p in munged slurmctld slurmd sbatch; do
        command -v $p >/dev/null || [ -x /usr/sbin/$p ] || die "$p not found: install slurm-wlm and munge (make deps)"
    done
    [ "$(id -u)" = 0 ] || die "the test cluster runs its daemons as root (SlurmUser=root)"
    export PATH="/usr/sbin:$PATH"
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    dir=$(cd "$dir" && pwd)
    host=$(hostname -s)
    port=${SLURM_TEST_PORT:-16817}
    cpus=$(($(nproc) * ${SLURM_TEST_CPU_FACTOR:-1}))
    overrides="" # slurmd refuses a node that declares more CPUs than it has, unless told
    [ "${SLURM_TEST_CPU_FACTOR:-1}" != 1 ] && overrides="SlurmdParameters=config_overrides"
    head -c 1024 /dev/urandom >"$dir/munge/munge.key" && chmod 600 "$dir/munge/munge.key"
    chmod 700 "$dir/munge"
    cat >"$dir/slurm.conf" <<CONF
ClusterName=invartest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
$overrides
NodeName=$host CPUs=$cpus RealMemory=8000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
        --seed-file="$dir/munge/munge.seed" -f || die "munged did not start (see $dir/munged.log)"
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$dir/slurm.conf" || { stop; die "slurmctld did not start (see $dir/slurmctld.log)"; }
    slurmd -f "$dir/slurm.conf" || { stop; die "slurmd did not start (see $dir/slurmd.log)"; }
    for _ in $(seq 60); do
        sinfo -h -o %t 2>/dev/null | grep -q '^idle' && { echo "export SLURM_CONF=$dir/slurm.conf"; exit 0; }
        sleep 0.5
    done
    sinfo >&2; stop; die "the node did not come up idle within 30 s (logs in $dir)"
    ;;
stop) stop ;;
*) die "unknown command $cmd (start|stop)" ;;
esac
