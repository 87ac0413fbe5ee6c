#!/usr/bin/env bash
# run.sh: `make bench` runs every tests/bench/*.sh (except this one). Each benchmark runs its
# named baseline in the same run on the same machine and prints
# "name: invar X unit, baseline Y unit, ratio Z".
set -u
cd "$(dirname "$0")/../.."
status=0
for b in tests/bench/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    echo "== $(basename "$b" .sh)"
    bash "$b" || { echo "benchmark $(basename "$b" .sh) failed"; status=1; }
done
exit $status
