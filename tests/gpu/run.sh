#!/usr/bin/env bash
# run.sh: every check that needs a GPU, in one script (not part of make check; a session with a
# GPU runs it once: `bash tests/gpu/run.sh`). Builds the CUDA path, then runs each check and
# prints "gpu: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
O=build/cuda
BIN=$O/bin
SUITE=gpu
source tests/lib.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
ok "make CUDA=1" make -j"$(nproc)" CUDA=1 O=$O BIN=$BIN
CFLAGS=$(make -s --no-print-directory print-cflags CUDA=1 O=$O)
LIBS=$(make -s --no-print-directory print-libs CUDA=1 O=$O)
ok "build rng_check" bash -c "gcc $CFLAGS tests/gpu/rng_check.c $O/libinvar.a $LIBS -lstdc++ -o $O/rng_check"
ok "cuRAND Philox == CPU Philox" $O/rng_check
cat "$T/last.log"
summary
