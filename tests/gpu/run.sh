#!/usr/bin/env bash
# run.sh: every check that needs a GPU, in one script (not part of make check; a session with a
# GPU runs it once: `bash tests/gpu/run.sh`). Builds the CUDA path, then runs each check and
# prints "gpu: N passed, N failed".
#
# Where the machine has invar's Debian build dependencies (mpicc, NetCDF ...), the whole tree is
# built with `make CUDA=1`. A GPU machine that has only CUDA (the lent device image has nvcc and
# the CUDA libraries but no MPI or NetCDF headers) gets a minimal build of what the checks
# themselves link (core/error.c, core/rng.c, core/rng_cuda.cu); the full build is then reported
# as not run, with the missing pieces named.
set -u
cd "$(dirname "$0")/../.."
O=build/cuda
BIN=$O/bin
SUITE=gpu
source tests/lib.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
CUDA_HOME=${NVCC%/bin/nvcc}
"$NVCC" --version | tail -1

missing=""
command -v mpicc >/dev/null || missing="$missing mpicc"
for h in netcdf.h cjson/cJSON.h jpeglib.h png.h lapacke.h cblas.h; do
    echo "#include <$h>" | gcc -E -x c - >/dev/null 2>&1 || missing="$missing $h"
done

if [ -z "$missing" ]; then
    ok "make CUDA=1" make -j"$(nproc)" CUDA=1 O=$O BIN=$BIN
    CFLAGS=$(make -s --no-print-directory print-cflags CUDA=1 O=$O)
    LIBS=$(make -s --no-print-directory print-libs CUDA=1 O=$O)
    ok "build rng_check" bash -c "gcc $CFLAGS tests/gpu/rng_check.c $O/libinvar.a $LIBS -lstdc++ -o $O/rng_check"
else
    echo "full CUDA build NOT run: this machine lacks$missing (make deps installs them)"
    M=$O/minimal
    mkdir -p $M
    ok "nvcc rng_cuda.cu" "$NVCC" -O2 -std=c++17 -Isrc/common -c src/common/core/rng_cuda.cu -o $M/rng_cuda.o
    ok "build rng_check (minimal)" gcc -std=c11 -O2 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE -Isrc/common \
        -I"$CUDA_HOME/include" tests/gpu/rng_check.c src/common/core/error.c src/common/core/rng.c \
        $M/rng_cuda.o -L"$CUDA_HOME/lib64" -Wl,-rpath,"$CUDA_HOME/lib64" -lcudart -lstdc++ -lm \
        -o $O/rng_check
fi
ok "cuRAND Philox == CPU Philox" $O/rng_check
cat "$T/last.log"
summary
