# lib.sh: sourced by the integration, parity and benchmark scripts. Gives them the built
# programs ($BIN), an mpirun that works as root and in containers ($MPIRUN), a scratch
# directory ($T), and `ok`/`expect_fail` checks that count and print a summary line.
set -u
O=${O:-build}
BIN=${BIN:-bin}
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE=${SUITE:-$(basename "${BASH_SOURCE[1]:-$0}" .sh)}
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_hwloc_base_binding_policy=none
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    MPIRUN="mpirun --allow-run-as-root --oversubscribe"
else
    MPIRUN="mpirun --oversubscribe"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/invar-${SUITE//\//-}-XXXXXX") || { echo "lib.sh: mktemp failed"; exit 1; }
[ -d "$T" ] || { echo "lib.sh: no scratch directory"; exit 1; }
[ -n "${INVAR_KEEP_TEST_FILES:-}" ] || trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0

# build_tool SOURCE.c OUT: a small program against $O/libinvar.a, compiled from the repository
# root with the Makefile's own flags and libraries (make print-cflags / print-libs).
build_tool() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    (cd "$root" && mpicc $(make -s --no-print-directory print-cflags O="$O") -O2 "$1" \
        "$O/libinvar.a" -o "$2" $(make -s --no-print-directory print-libs O="$O"))
}

# ok DESCRIPTION CMD...: passes when CMD exits 0; its output is kept in $T/last.log (so a next
# check can grep it) once CMD has finished.
ok() {
    local what=$1; shift
    local rc=0
    "$@" >"$T/run.log" 2>&1 || rc=$?
    mv -f "$T/run.log" "$T/last.log"
    if [ $rc = 0 ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $SUITE: $what"
        echo "  command: $*"
        sed 's/^/  | /' "$T/last.log" | tail -n 30
    fi
}

# expect_fail DESCRIPTION PATTERN CMD...: passes when CMD exits non-zero (not by a signal or a
# sanitizer) and its output matches the extended regex PATTERN.
expect_fail() {
    local what=$1 pattern=$2; shift 2
    "$@" >"$T/run.log" 2>&1
    local rc=$?
    mv -f "$T/run.log" "$T/last.log"
    if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -Eq -- "$pattern" "$T/last.log" &&
        ! grep -q 'Sanitizer' "$T/last.log"; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $SUITE: $what (exit $rc, wanted an error matching /$pattern/)"
        echo "  command: $*"
        sed 's/^/  | /' "$T/last.log" | tail -n 30
    fi
}

# summary: prints "SUITE: N passed, N failed" and exits non-zero on any failure.
summary() {
    echo "$SUITE: $PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
