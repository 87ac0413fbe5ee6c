#!/usr/bin/env bash
# safetensors.sh: safetensors files move both ways between invar and Python. A file written by
# invar (tests/parity/st_tool.c, every dtype) is read by hand with numpy and compared bit for
# bit; files written by hand in Python (F16/BF16 every bit pattern, I64 edges, metadata) and a
# torch state dict are read by invar and compared exactly with numpy's and torch's float32; and
# invar's re-write of the torch file loads into the torch model (strict) with equal outputs.
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY="$PYTHON $HERE/safetensors.py"
TOOL=$T/st_tool

ok "build st_tool against $O/libinvar.a" \
    gcc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -fopenmp -Isrc/common \
    $(pkg-config --cflags netcdf libcjson libpng) "$HERE/st_tool.c" "$O/libinvar.a" -o "$TOOL" \
    $(pkg-config --libs netcdf libcjson libpng) -ljpeg $(mpicc --showme:link) -fopenmp -lm

ok "invar writes every dtype" "$TOOL" write "$T/invar.safetensors"
ok "numpy reads invar's file bit for bit" $PY check-invar "$T/invar.safetensors"
ok "invar dumps its own file" sh -c "'$TOOL' dump '$T/invar.safetensors' > '$T/invar.dump'"
ok "invar's float32 of its own file = numpy's" $PY check-dump "$T/invar.safetensors" "$T/invar.dump"

ok "python writes a file by hand" $PY write-py "$T/py.safetensors"
ok "invar reads python's file" sh -c "'$TOOL' dump '$T/py.safetensors' > '$T/py.dump'"
ok "invar's float32 of python's file = numpy's" $PY check-dump "$T/py.safetensors" "$T/py.dump"

ok "torch state dict saved by hand" $PY write-torch "$T/torch.safetensors"
ok "invar reads the torch file" sh -c "'$TOOL' dump '$T/torch.safetensors' > '$T/torch.dump'"
ok "invar's float32 of the torch file = torch's" $PY check-dump "$T/torch.safetensors" "$T/torch.dump"
ok "invar re-writes the torch file" "$TOOL" copy "$T/torch.safetensors" "$T/copy.safetensors"
ok "invar's copy loads into the torch model" $PY check-torch-copy "$T/copy.safetensors"

# A corrupt file is refused with a message naming it (not a crash).
head -c 100 "$T/torch.safetensors" > "$T/cut.safetensors"
expect_fail "truncated file refused" "cut.safetensors: header length [0-9]+ but the file has only" \
    "$TOOL" dump "$T/cut.safetensors"
summary
