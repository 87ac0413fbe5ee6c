#!/usr/bin/env bash
# run_checks.sh: what `make check` runs after building. Unit tests (CUnit), the same under
# ASan+UBSan, then every integration and parity script. Prints one line per suite (its counts,
# then its time) and a final "N passed, N failed"; exits non-zero on any failure.
set -u
O=${O:-build}
BIN=${BIN:-bin}
export O BIN PYTHON=${PYTHON:-/usr/bin/python3}
export INVAR_SRC=$(cd "$(dirname "$0")/.." && pwd)
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts of the last "N passed, N failed" line of $log; a run with no such line, or a
# non-zero exit with no failure counted, counts as one failure.
tally() {
    local name=$1 rc=$2 line p f
    line=$(grep -E '^([A-Za-z0-9_/.-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: no result line (exit $rc)"; tail -n 40 "$log"
        total_fail=$((total_fail + 1)); return
    fi
    p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
    f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "$name: exit status $rc"; tail -n 40 "$log"; fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

run_unit() {
    local name=$1; shift
    "$@" >"$log" 2>&1
    local rc=$?
    grep -E '^unit/' "$log" | sed "s|^unit/|$name/|"
    if [ $rc != 0 ]; then grep -vE '^unit/' "$log" | tail -n 60; fi
    tally "$name" $rc
}

run_unit unit "$O/tests/unit_tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_odr_violation=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$INVAR_SRC/tests/lsan.supp:print_suppressions=0
run_unit asan "$O/asan/tests/unit_tests"
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

for kind in integration parity; do
    for script in tests/$kind/*.sh; do
        [ -e "$script" ] || continue
        name=$kind/$(basename "$script" .sh)
        t0=$SECONDS
        SUITE=$name bash "$script" >"$log" 2>&1
        rc=$?
        grep -E '^FAIL|^  ' "$log" | head -n 80
        grep -E '^(SKIP|'"$name"':)' "$log" | tail -n 2
        echo "$name: $((SECONDS - t0)) s"
        tally "$name" $rc
    done
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
