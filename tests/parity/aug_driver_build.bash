# aug_driver_build.bash: sourced by the aug_* parity scripts and the augment benchmark (not a test
# itself): compiles tests/parity/aug_driver.c against $O/libinvar.a into $T/aug_driver.
aug_build_driver() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -fopenmp -I"$root/src/common" \
        $(mpicc --showme:compile) "$root/tests/parity/aug_driver.c" "$root/$O/libinvar.a" \
        $(pkg-config --libs netcdf libcjson libpng) -ljpeg $(mpicc --showme:link) -fopenmp -lm \
        -o "$T/aug_driver"
}
