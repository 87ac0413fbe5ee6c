// cmd_correlate.c: `invar-probe correlate`: gathers scalar columns (the elements of 0-d and 1-d
// numeric variables) from result files, one row per model (files joined by '+' form one
// model), and writes the Spearman rank correlation of every pair of columns as a matrix.
#include "commands.h"
#include "spearman.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "io/ncio.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_LEN    256
#define MAX_COLUMNS 4096

typedef struct {
    int ncol;
    char (*name)[NAME_LEN]; // (ncol)
    double *value;          // (ncol)
} row_columns;

static int wanted(const char *var, const char *list) {
    if (!list || !*list) return 1;
    size_t n = strlen(var);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, var, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

// Label of element i along dimension `dim`: the text of a string variable `DIM_name` or
// `DIM` (NC_STRING, 1-d) when the file has one, else the index.
static void element_label(int ncid, int dimid, size_t i, char *buf, size_t size) {
    char dname[NC_MAX_NAME + 1], vname[NC_MAX_NAME + 16];
    snprintf(buf, size, "%zu", i);
    if (nc_inq_dimname(ncid, dimid, dname) != NC_NOERR) return;
    const char *cands[2] = {"%s_name", "%s"};
    for (int c = 0; c < 2; c++) {
        snprintf(vname, sizeof vname, cands[c], dname);
        int v, nd, type;
        if (nc_inq_varid(ncid, vname, &v) != NC_NOERR) continue;
        if (nc_inq_var(ncid, v, NULL, &type, &nd, NULL, NULL) != NC_NOERR) continue;
        if (type != NC_STRING || nd != 1) continue;
        char *s = NULL;
        size_t start = i;
        if (nc_get_var1_string(ncid, v, &start, &s) == NC_NOERR && s) {
            snprintf(buf, size, "%s", s);
            nc_free_string(1, &s);
            return;
        }
    }
}

static int add_column(row_columns *r, const char *name, double v, const char *path) {
    if (r->ncol >= MAX_COLUMNS)
        return inv_fail(INV_ERANGE, "%s: more than %d columns; choose some with --columns", path,
                        MAX_COLUMNS);
    snprintf(r->name[r->ncol], NAME_LEN, "%s", name);
    r->value[r->ncol++] = v;
    return INV_OK;
}

// Appends the columns of one file (prefix "" or "F:" for the F-th file of a '+' group).
static int read_columns(const char *path, const char *prefix, const char *list, row_columns *r) {
    int ncid;
    INV_TRY(nc_open_read(path, &ncid));
    int rc = INV_OK, nvars;
    INV_CHECK_NC_GOTO(rc, nc_inq_nvars(ncid, &nvars), path, done);
    for (int v = 0; v < nvars; v++) {
        char vname[NC_MAX_NAME + 1];
        int type, nd, dims[NC_MAX_VAR_DIMS];
        INV_CHECK_NC_GOTO(rc, nc_inq_var(ncid, v, vname, &type, &nd, dims, NULL), path, done);
        if (type != NC_DOUBLE && type != NC_FLOAT && type != NC_INT && type != NC_SHORT) continue;
        if (nd > 1 || !wanted(vname, list)) continue;
        if (nd == 1) { // skip coordinate variables (l2(l2) ...)
            char dname[NC_MAX_NAME + 1];
            INV_CHECK_NC_GOTO(rc, nc_inq_dimname(ncid, dims[0], dname), path, done);
            if (strcmp(dname, vname) == 0) continue;
        }
        size_t len = 1;
        if (nd == 1) INV_CHECK_NC_GOTO(rc, nc_inq_dimlen(ncid, dims[0], &len), path, done);
        if (len > MAX_COLUMNS) continue;
        double *vals = malloc((len ? len : 1) * sizeof *vals);
        if (!vals) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        int st = nc_get_var_double(ncid, v, vals);
        if (st != NC_NOERR) {
            free(vals);
            rc = inv_fail_nc(st, path, "nc_get_var_double");
            goto done;
        }
        for (size_t i = 0; i < len && rc == INV_OK; i++) {
            char name[NAME_LEN], label[128];
            if (nd == 1) {
                element_label(ncid, dims[0], i, label, sizeof label);
                snprintf(name, sizeof name, "%s%s[%s]", prefix, vname, label);
            } else {
                snprintf(name, sizeof name, "%s%s", prefix, vname);
            }
            rc = add_column(r, name, vals[i], path);
        }
        free(vals);
        if (rc) goto done;
    }
done:
    nc_close(ncid);
    return rc;
}

static int write_result(const char *out, int nrow, char **model, const row_columns *rows,
                        const double *rho) {
    int ncol = rows[0].ncol;
    nc_out o;
    INV_TRY(ncout_create(&o, out));
    int id = o.ncid, rc = INV_OK;
    int d_model, d_a, d_b, v_model, v_name, v_value, v_rho;
#define NC(call) INV_CHECK_NC_GOTO(rc, call, out, fail)
    NC(nc_def_dim(id, "model", (size_t)nrow, &d_model));
    NC(nc_def_dim(id, "column", (size_t)ncol, &d_a));
    NC(nc_def_dim(id, "column2", (size_t)ncol, &d_b));
    NC(nc_def_var(id, "model", NC_STRING, 1, &d_model, &v_model));
    NC(nc_def_var(id, "column_name", NC_STRING, 1, &d_a, &v_name));
    int dv[2] = {d_model, d_a}, dr[2] = {d_a, d_b};
    NC(nc_def_var(id, "value", NC_DOUBLE, 2, dv, &v_value));
    NC(nc_def_var(id, "rho", NC_DOUBLE, 2, dr, &v_rho));
    INV_TRY_GOTO(rc,
                 nc_put_text(id, v_rho, "long_name",
                             "Spearman rank correlation across models (average ranks for "
                             "ties); rho(column, column2), column2 indexes column_name too",
                             out),
                 fail);
    INV_TRY_GOTO(rc, nc_put_text(id, v_value, "long_name", "the column values of each model", out),
                 fail);
    INV_TRY_GOTO(rc, nc_put_text(id, NC_GLOBAL, "invar_kind", "correlation", out), fail);
    INV_TRY_GOTO(rc, nc_put_text(id, NC_GLOBAL, "invar_version", INVAR_VERSION, out), fail);
    NC(nc_enddef(id));
    NC(nc_put_var_string(id, v_model, (const char **)model));
    const char **names = malloc((size_t)ncol * sizeof *names);
    double *vals = malloc((size_t)nrow * (size_t)ncol * sizeof *vals);
    if (!names || !vals) {
        free(names), free(vals);
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", out);
        goto fail;
    }
    for (int c = 0; c < ncol; c++) names[c] = rows[0].name[c];
    for (int r = 0; r < nrow; r++)
        for (int c = 0; c < ncol; c++) vals[(size_t)r * ncol + c] = rows[r].value[c];
    int st = nc_put_var_string(id, v_name, names);
    if (st == NC_NOERR) st = nc_put_var_double(id, v_value, vals);
    if (st == NC_NOERR) st = nc_put_var_double(id, v_rho, rho);
    free(names), free(vals);
    if (st != NC_NOERR) {
        rc = inv_fail_nc(st, out, "writing the correlation matrix");
        goto fail;
    }
#undef NC
    return ncout_commit(&o);
fail:
    ncout_abort(&o);
    return rc;
}

int cmd_correlate(int argc, char **argv) {
    char *out = NULL, *columns = NULL;
    cli_option opts[] = {
        {"out", 'o', OPT_STRING, &out, "CORR.nc", "output file (required)", 0, 0, 1},
        {"columns", 0, OPT_STRING, &columns, "VAR,...",
         "variables to take columns from (default: every numeric 0-d or 1-d variable that is "
         "not a coordinate)",
         0, 0, 1},
    };
    cli_spec spec = {
        "invar-probe correlate",
        "RESULT.nc[+RESULT2.nc...] ...",
        "Spearman rank correlation (average ranks for ties, as scipy.stats.spearmanr) between "
        "columns of result files, across models. Each positional argument is one model: a result "
        "file, or several joined by '+' whose columns are concatenated (the F-th file's columns "
        "are prefixed 'F:' for F >= 1). A column is one element of a 0-d or 1-d numeric "
        "variable, named VAR[LABEL] with LABEL from a string variable DIM_name (or DIM) when the "
        "file has one, else the index. Every model must have the same columns. Writes "
        "rho(column, column2), column_name(column), value(model, column) and model(model).",
        "invar-probe correlate m1_inv.nc+m1_probe.nc m2_inv.nc+m2_probe.nc m3_inv.nc+m3_probe.nc "
        "--columns invariance,best_mean --out corr.nc",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        2,
        -1};
    cli_common common = {0};
    int first = program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!out) program_fail(INV_EINVAL, "--out CORR.nc is required");
    int nrow = argc - first;
    row_columns *rows = calloc((size_t)nrow, sizeof *rows);
    if (!rows) program_fail(INV_ENOMEM, "out of memory");
    for (int r = 0; r < nrow; r++) {
        rows[r].name = malloc(MAX_COLUMNS * sizeof *rows[r].name);
        rows[r].value = malloc(MAX_COLUMNS * sizeof *rows[r].value);
        if (!rows[r].name || !rows[r].value) program_fail(INV_ENOMEM, "out of memory");
        char group[8192];
        snprintf(group, sizeof group, "%s", argv[first + r]);
        int f = 0;
        for (char *save = NULL, *p = strtok_r(group, "+", &save); p;
             p = strtok_r(NULL, "+", &save), f++) {
            char prefix[16] = "";
            if (f > 0) snprintf(prefix, sizeof prefix, "%d:", f);
            if (read_columns(p, prefix, columns, &rows[r])) program_fail_last(inv_errcode());
        }
        if (rows[r].ncol == 0)
            program_fail(INV_EFORMAT, "%s: no numeric 0-d or 1-d variable%s%s", argv[first + r],
                         columns ? " among " : "", columns ? columns : "");
        if (r > 0) {
            int same = rows[r].ncol == rows[0].ncol;
            for (int c = 0; same && c < rows[0].ncol; c++)
                same = strcmp(rows[r].name[c], rows[0].name[c]) == 0;
            if (!same)
                program_fail(INV_EFORMAT,
                             "%s: its columns differ from those of %s (%d vs %d columns); "
                             "every model needs the same variables",
                             argv[first + r], argv[first], rows[r].ncol, rows[0].ncol);
        }
    }
    int ncol = rows[0].ncol;
    double *rho = malloc((size_t)ncol * (size_t)ncol * sizeof *rho);
    double *a = malloc((size_t)nrow * sizeof *a), *b = malloc((size_t)nrow * sizeof *b);
    if (!rho || !a || !b) program_fail(INV_ENOMEM, "out of memory");
    for (int i = 0; i < ncol; i++)
        for (int j = 0; j < ncol; j++) {
            int finite = 1;
            for (int r = 0; r < nrow; r++) {
                a[r] = rows[r].value[i], b[r] = rows[r].value[j];
                finite &= isfinite(a[r]) && isfinite(b[r]);
            }
            rho[(size_t)i * ncol + j] = finite ? spearman_rho(a, b, nrow) : NAN;
        }
    if (mpi_rank() == 0) {
        char **model = malloc((size_t)nrow * sizeof *model);
        if (!model) program_fail(INV_ENOMEM, "out of memory");
        for (int r = 0; r < nrow; r++) model[r] = argv[first + r];
        if (write_result(out, nrow, model, rows, rho)) program_fail_last(inv_errcode());
        free(model);
        if (log_get_level() >= LOG_INFO) {
            printf("Spearman rank correlation over %d models (%d columns), written to %s\n", nrow,
                   ncol, out);
            int show = ncol < 12 ? ncol : 12;
            printf("%-28s", "");
            for (int j = 0; j < show; j++) printf(" %8.8s", rows[0].name[j]);
            printf("\n");
            for (int i = 0; i < ncol; i++) {
                printf("%-28.28s", rows[0].name[i]);
                for (int j = 0; j < show; j++) printf(" %8.4f", rho[(size_t)i * ncol + j]);
                printf("\n");
            }
            if (show < ncol) printf("(first %d of %d columns shown; all in %s)\n", show, ncol, out);
        }
    }
    for (int r = 0; r < nrow; r++) free(rows[r].name), free(rows[r].value);
    free(rows), free(rho), free(a), free(b);
    return 0;
}
