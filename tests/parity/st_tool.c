// st_tool.c: the invar side of tests/parity/safetensors.sh. `write OUT` writes a file with a
// tensor of every dtype (bit patterns from a formula that safetensors.py repeats), `dump IN`
// prints every tensor's float32 conversion (st_read_f32) as hex bits and the metadata, and
// `copy IN OUT` reads a file and writes its tensors and metadata back through the writer.
#include "core/error.h"
#include "io/safetensors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Element i of the tensor with seed k: the low bytes of a 64-bit mix (safetensors.py: pattern).
static uint64_t pattern(uint64_t k, uint64_t i) {
    return (i + 1) * 0x9E3779B97F4A7C15ull + k * 0xBF58476D1CE4E5B9ull;
}

static int fail(void) {
    fprintf(stderr, "st_tool: %s\n", inv_errmsg());
    return 1;
}

static int cmd_write(const char *out) {
    st_writer *w;
    if (st_writer_new(&w)) return fail();
    enum { MAXN = 64 };
    static unsigned char bufs[ST_DTYPE_COUNT + 2][MAXN * 8];
    const int64_t shapes[3][3] = {{2, 3, 4}, {5, 0, 0}, {1, 7, 0}};
    const int ndims[3] = {3, 1, 2};
    char name[64], seed[32];
    for (int k = 0; k < ST_DTYPE_COUNT + 2; k++) {
        // Every dtype once, then a 0-d F64 scalar and an empty I32 tensor.
        st_dtype dt = k < ST_DTYPE_COUNT ? (st_dtype)k : k == ST_DTYPE_COUNT ? ST_F64 : ST_I32;
        int ndim = k < ST_DTYPE_COUNT ? ndims[k % 3] : k == ST_DTYPE_COUNT ? 0 : 2;
        int64_t shape[3] = {shapes[k % 3][0], shapes[k % 3][1], shapes[k % 3][2]};
        if (k == ST_DTYPE_COUNT + 1) shape[0] = 0, shape[1] = 3;
        int64_t numel = 1;
        for (int d = 0; d < ndim; d++) numel *= shape[d];
        size_t es = st_dtype_size(dt);
        for (int64_t i = 0; i < numel; i++) {
            uint64_t v = pattern((uint64_t)k, (uint64_t)i);
            if (dt == ST_BOOL) v &= 1;
            memcpy(bufs[k] + (size_t)i * es, &v, es); // little-endian: the low bytes
        }
        snprintf(name, sizeof name, "%s.%s", k < ST_DTYPE_COUNT ? "t" : "extra", st_dtype_name(dt));
        snprintf(seed, sizeof seed, "%d", k);
        if (st_writer_add(w, name, dt, ndim, shape, bufs[k])) return fail();
        char key[80];
        snprintf(key, sizeof key, "seed/%s", name);
        if (st_writer_meta(w, key, seed)) return fail();
    }
    if (st_writer_meta(w, "note", "écrit par invar \"st_tool\"")) return fail();
    if (st_writer_write(w, out)) return fail();
    st_writer_free(w);
    return 0;
}

static int cmd_dump(const char *in) {
    st_file f;
    if (st_open(&f, in)) return fail();
    for (int i = 0; i < f.nmeta; i++) printf("M\t%s\t%s\n", f.meta_keys[i], f.meta_values[i]);
    for (int i = 0; i < f.ntensors; i++) {
        const st_tensor *t = &f.tensors[i];
        printf("T\t%s\t%s\t", t->name, st_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) printf("%s%" PRId64, d ? "," : "", t->shape[d]);
        float *v = malloc((size_t)t->numel * sizeof *v + 1);
        if (!v || st_read_f32(&f, t->name, v, t->numel)) return fail();
        printf("\t");
        for (int64_t j = 0; j < t->numel; j++) {
            uint32_t u;
            memcpy(&u, &v[j], 4);
            printf("%s%08" PRIx32, j ? " " : "", u);
        }
        printf("\n");
        free(v);
    }
    st_close(&f);
    return 0;
}

static int cmd_copy(const char *in, const char *out) {
    st_file f;
    st_writer *w;
    if (st_open(&f, in) || st_writer_new(&w)) return fail();
    for (int i = 0; i < f.nmeta; i++)
        if (st_writer_meta(w, f.meta_keys[i], f.meta_values[i])) return fail();
    for (int i = 0; i < f.ntensors; i++) {
        const st_tensor *t = &f.tensors[i];
        if (st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, t->data)) return fail();
    }
    if (st_writer_write(w, out)) return fail();
    st_writer_free(w);
    st_close(&f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "write") == 0) return cmd_write(argv[2]);
    if (argc == 3 && strcmp(argv[1], "dump") == 0) return cmd_dump(argv[2]);
    if (argc == 4 && strcmp(argv[1], "copy") == 0) return cmd_copy(argv[2], argv[3]);
    fprintf(stderr, "usage: st_tool write OUT | dump IN | copy IN OUT\n");
    return 2;
}
