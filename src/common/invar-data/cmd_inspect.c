// cmd_inspect.c: `invar-data inspect FILE...`: says what each file is (image shard, feature
// file, result file, safetensors checkpoint, JPEG/PNG image), lists its variables or tensors
// with shapes and attributes, and validates it. Exit status 0 when every file is valid.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "data/features.h"
#include "data/shard.h"
#include "io/image.h"
#include "io/ncio.h"
#include "io/safetensors.h"

#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_UNKNOWN, KIND_NETCDF, KIND_SAFETENSORS, KIND_IMAGE } file_kind;

static int sniff(const char *path, file_kind *kind) {
    unsigned char head[9] = {0};
    FILE *f = fopen(path, "rb");
    INV_CHECK_IO(f != NULL, path, "open");
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    *kind = KIND_UNKNOWN;
    if (got >= 8 && memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0)
        *kind = KIND_NETCDF;
    else if (got >= 4 && memcmp(head, "CDF", 3) == 0 && head[3] >= 1 && head[3] <= 5)
        *kind = KIND_NETCDF;
    else if (got >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        *kind = KIND_IMAGE;
    else if (got >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
        *kind = KIND_IMAGE;
    else if (got == 9 && head[8] == '{')
        *kind = KIND_SAFETENSORS;
    else if (got < 8)
        return inv_fail(INV_EFORMAT, "%s: file too short (%zu bytes) to be any invar file", path,
                        got);
    if (*kind == KIND_UNKNOWN)
        return inv_fail(INV_EFORMAT,
                        "%s: not a NetCDF, safetensors, JPEG or PNG file (unrecognised header)",
                        path);
    return INV_OK;
}

static void print_shape(const int64_t *shape, int ndim) {
    printf("(");
    for (int d = 0; d < ndim; d++) printf(d ? ", %lld" : "%lld", (long long)shape[d]);
    printf(ndim == 1 ? ",)" : ")");
}

static int inspect_safetensors(const char *path) {
    st_file f;
    INV_TRY(st_open(&f, path));
    int64_t total = 0;
    printf("%s: safetensors checkpoint, %d tensors\n", path, f.ntensors);
    for (int i = 0; i < f.ntensors; i++) {
        const st_tensor *t = &f.tensors[i];
        printf("  %-48s %-5s ", t->name, st_dtype_name(t->dtype));
        print_shape(t->shape, t->ndim);
        printf("\n");
        total += t->numel;
    }
    for (int i = 0; i < f.nmeta; i++)
        printf("  metadata %s = %s\n", f.meta_keys[i], f.meta_values[i]);
    printf("  %lld values in all\n", (long long)total);
    // Converting every float tensor reads all of the data once: a full validation of the bytes.
    for (int i = 0; i < f.ntensors; i++) {
        const st_tensor *t = &f.tensors[i];
        if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16 && t->dtype != ST_F64)
            continue;
        float *buf = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *buf);
        if (!buf) {
            st_close(&f);
            return inv_fail(INV_ENOMEM, "%s: out of memory reading '%s'", path, t->name);
        }
        int rc = st_read_f32(&f, t->name, buf, t->numel);
        int64_t bad = 0;
        for (int64_t j = 0; rc == INV_OK && j < t->numel; j++)
            if (buf[j] != buf[j]) bad++;
        free(buf);
        if (rc == INV_OK && bad)
            printf("  note: tensor '%s' holds %lld NaN values\n", t->name, (long long)bad);
        if (rc) {
            st_close(&f);
            return rc;
        }
    }
    st_close(&f);
    return INV_OK;
}

static const char *nc_type_name(nc_type t) {
    switch (t) {
    case NC_BYTE:
        return "int8";
    case NC_UBYTE:
        return "uint8";
    case NC_CHAR:
        return "char";
    case NC_SHORT:
        return "int16";
    case NC_USHORT:
        return "uint16";
    case NC_INT:
        return "int32";
    case NC_UINT:
        return "uint32";
    case NC_INT64:
        return "int64";
    case NC_UINT64:
        return "uint64";
    case NC_FLOAT:
        return "float32";
    case NC_DOUBLE:
        return "float64";
    case NC_STRING:
        return "string";
    default:
        return "?";
    }
}

static void print_attrs(int ncid, int varid, const char *indent) {
    int natts = 0;
    if (nc_inq_varnatts(ncid, varid, &natts) != NC_NOERR) return;
    for (int a = 0; a < natts; a++) {
        char name[NC_MAX_NAME + 1];
        nc_type type;
        size_t len;
        if (nc_inq_attname(ncid, varid, a, name) || nc_inq_att(ncid, varid, name, &type, &len))
            continue;
        if (type == NC_CHAR) {
            char *text = calloc(len + 1, 1);
            if (text && nc_get_att_text(ncid, varid, name, text) == NC_NOERR) {
                if (len > 200) strcpy(text + 197, "...");
                printf("%s%s = \"%s\"\n", indent, name, text);
            }
            free(text);
        } else if (type == NC_DOUBLE || type == NC_FLOAT || type == NC_INT || type == NC_INT64) {
            double v[4];
            if (len <= 4 && nc_get_att_double(ncid, varid, name, v) == NC_NOERR) {
                printf("%s%s =", indent, name);
                for (size_t i = 0; i < len; i++) printf(" %g", v[i]);
                printf("\n");
            } else {
                printf("%s%s = (%zu %s values)\n", indent, name, len, nc_type_name(type));
            }
        } else {
            printf("%s%s = (%zu %s values)\n", indent, name, len, nc_type_name(type));
        }
    }
}

// Lists dimensions, variables and attributes; reads every numeric variable in full (the data
// are checked to decompress and, for floats, counted for NaN/Inf).
static int list_netcdf(const char *path, int ncid, int check_finite) {
    int ndims = 0, nvars = 0;
    INV_CHECK_NC(nc_inq(ncid, &ndims, &nvars, NULL, NULL), path);
    printf("  dimensions:");
    for (int d = 0; d < ndims; d++) {
        char name[NC_MAX_NAME + 1];
        size_t len;
        INV_CHECK_NC(nc_inq_dim(ncid, d, name, &len), path);
        printf(" %s=%zu", name, len);
    }
    printf("\n  variables:\n");
    for (int v = 0; v < nvars; v++) {
        char name[NC_MAX_NAME + 1];
        nc_type type;
        int vnd, dimids[NC_MAX_VAR_DIMS];
        INV_CHECK_NC(nc_inq_var(ncid, v, name, &type, &vnd, dimids, NULL), path);
        printf("    %-16s %-8s (", name, nc_type_name(type));
        size_t numel = 1;
        for (int d = 0; d < vnd; d++) {
            char dn[NC_MAX_NAME + 1];
            size_t len;
            INV_CHECK_NC(nc_inq_dim(ncid, dimids[d], dn, &len), path);
            printf(d ? ", %s=%zu" : "%s=%zu", dn, len);
            numel *= len;
        }
        printf(")\n");
        print_attrs(ncid, v, "      ");
        if (type == NC_CHAR || type == NC_STRING || numel == 0) continue;
        // Read in slabs of the first dimension to bound memory.
        size_t start[NC_MAX_VAR_DIMS] = {0}, count[NC_MAX_VAR_DIMS];
        size_t row = 1, rows = 1;
        for (int d = 0; d < vnd; d++) {
            size_t len;
            INV_CHECK_NC(nc_inq_dimlen(ncid, dimids[d], &len), path);
            count[d] = len;
            if (d > 0)
                row *= len;
            else
                rows = len;
        }
        if (vnd == 0) row = 1;
        size_t per = row ? (size_t)(1 << 24) / row : 1;
        if (per < 1) per = 1;
        double *buf = malloc((vnd ? (per < rows ? per : rows) : 1) * row * sizeof *buf);
        if (!buf) return inv_fail(INV_ENOMEM, "%s: out of memory reading %s", path, name);
        int64_t nonfinite = 0;
        for (size_t r0 = 0; r0 < (vnd ? rows : 1); r0 += per) {
            size_t nr = vnd ? (rows - r0 < per ? rows - r0 : per) : 1;
            if (vnd) {
                start[0] = r0;
                count[0] = nr;
            }
            int st = nc_get_vara_double(ncid, v, start, count, buf);
            if (st != NC_NOERR) {
                free(buf);
                return inv_fail_nc(st, path, name);
            }
            if (check_finite && (type == NC_FLOAT || type == NC_DOUBLE))
                for (size_t i = 0; i < nr * row; i++)
                    if (!(buf[i] - buf[i] == 0)) nonfinite++;
        }
        free(buf);
        if (nonfinite) printf("      note: %lld NaN or infinite values\n", (long long)nonfinite);
    }
    printf("  attributes:\n");
    print_attrs(ncid, NC_GLOBAL, "    ");
    return INV_OK;
}

static int inspect_netcdf(const char *path) {
    int ncid;
    INV_TRY(nc_open_read(path, &ncid));
    char kind[64] = "";
    size_t len = 0;
    if (nc_inq_attlen(ncid, NC_GLOBAL, "invar_kind", &len) == NC_NOERR && len < sizeof kind)
        nc_get_att_text(ncid, NC_GLOBAL, "invar_kind", kind);
    int has_image = 0, has_feature = 0, varid;
    has_image = nc_inq_varid(ncid, "image", &varid) == NC_NOERR;
    has_feature = nc_inq_varid(ncid, "feature", &varid) == NC_NOERR;
    int rc = INV_OK;
    if (strcmp(kind, "shard") == 0 || (!kind[0] && has_image)) {
        nc_close(ncid);
        shard s;
        INV_TRY(shard_open(&s, path));
        printf("%s: image shard, %lld images of %lldx%lldx%lld (h, w, c)%s%s%s%s\n", path,
               (long long)s.n, (long long)s.spec.h, (long long)s.spec.w, (long long)s.spec.c,
               s.spec.with_label ? ", labels" : "", s.spec.target_k ? ", targets" : "",
               s.spec.with_group ? ", groups" : "", s.spec.latent_k ? ", latents" : "");
        // Read everything once: images decompress, targets and latents are finite.
        int64_t step = 256;
        size_t img_bytes = (size_t)(s.spec.h * s.spec.w * s.spec.c);
        uint8_t *img = malloc(img_bytes * (size_t)step);
        float *vals = malloc(
            sizeof(float) * (size_t)step *
            (size_t)(s.spec.target_k > s.spec.latent_k ? s.spec.target_k : s.spec.latent_k + 1));
        int32_t *ints = malloc(sizeof(int32_t) * (size_t)step);
        if (!img || !vals || !ints) rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        for (int64_t i = 0; rc == INV_OK && i < s.n; i += step) {
            int64_t c = s.n - i < step ? s.n - i : step;
            rc = shard_read_images(&s, i, c, img);
            if (!rc && s.spec.with_label) rc = shard_read_labels(&s, i, c, ints);
            if (!rc && s.spec.with_group) rc = shard_read_groups(&s, i, c, ints);
            if (!rc && s.spec.target_k) rc = shard_read_targets(&s, i, c, vals);
            if (!rc && s.spec.latent_k) rc = shard_read_latents(&s, i, c, vals);
        }
        free(img);
        free(vals);
        free(ints);
        shard_close(&s);
        if (rc) return rc;
        INV_TRY(nc_open_read(path, &ncid));
        rc = list_netcdf(path, ncid, 0);
    } else if (strcmp(kind, "features") == 0 || (!kind[0] && has_feature)) {
        nc_close(ncid);
        float *x = NULL;
        int64_t n, d;
        char source[1024];
        INV_TRY(features_read(path, &x, &n, &d, source, sizeof source));
        free(x);
        printf("%s: feature file, %lld rows x %lld features, source %s\n", path, (long long)n,
               (long long)d, source[0] ? source : "(not recorded)");
        INV_TRY(nc_open_read(path, &ncid));
        rc = list_netcdf(path, ncid, 0);
    } else {
        printf("%s: NetCDF %s file\n", path, kind[0] ? kind : "(not written by invar)");
        rc = list_netcdf(path, ncid, 1);
    }
    nc_close(ncid);
    return rc;
}

static int inspect_image(const char *path) {
    image_u8 img;
    INV_TRY(image_decode_file(path, &img));
    printf("%s: image, %d x %d pixels (w x h), decoded to RGB\n", path, img.w, img.h);
    image_free(&img);
    return INV_OK;
}

int cmd_inspect(int argc, char **argv) {
    cli_common common = {0};
    cli_spec spec = {
        .prog = "invar-data inspect",
        .usage = "FILE...",
        .summary = "Says what each FILE is (image shard, feature file, result file, safetensors\n"
                   "checkpoint, JPEG/PNG image), lists its variables or tensors with shapes and\n"
                   "attributes, and validates it (every value is read once). Exit status 0 when\n"
                   "every file is valid, 1 otherwise.",
        .example = "  invar-data inspect world/shape.nc run/checkpoint.safetensors",
        .opts = NULL,
        .nopts = 0,
        .min_positional = 1,
        .max_positional = -1,
    };
    int first = program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    program_apply_common(&common);
    if (mpi_rank() != 0) return 0; // one report, from rank 0, under mpirun
    int status = 0;
    for (int i = first; i < argc; i++) {
        const char *path = argv[i];
        file_kind kind = KIND_UNKNOWN;
        rc = sniff(path, &kind);
        if (!rc) {
            if (kind == KIND_SAFETENSORS)
                rc = inspect_safetensors(path);
            else if (kind == KIND_NETCDF)
                rc = inspect_netcdf(path);
            else
                rc = inspect_image(path);
        }
        if (rc) {
            fprintf(stderr, "invar-data inspect: INVALID: %s\n", inv_errmsg());
            status = 1;
        } else {
            printf("%s: valid\n", path);
        }
    }
    return status;
}
