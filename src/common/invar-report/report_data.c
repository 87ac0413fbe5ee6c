// report_data.c: invar-report's inputs and its table type: the run folder's plan.tsv and job
// states, labelled variables of result files (NetCDF), the paper's CSV tables, and the
// Markdown/CSV rendering of a table (bold best, bullet marks, mean +- std, the paper's rows).
#include "report_data.h"

#include "core/error.h"
#include "io/ncio.h"

#include <math.h>
#include <netcdf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void rd_appendf(char *buf, size_t size, const char *fmt, ...) {
    size_t l = strlen(buf);
    if (l + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + l, size - l, fmt, ap);
    va_end(ap);
}

// Splits a tab-separated line in place (at most max fields).
static int split_tabs(char *line, char **f, int max) {
    int n = 0;
    line[strcspn(line, "\n")] = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = 0;
        p = t + 1;
    }
    return n;
}

int rd_load_run(rd_run *r, const char *run_dir) {
    memset(r, 0, sizeof *r);
    snprintf(r->run_dir, sizeof r->run_dir, "%s", run_dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/plan.tsv", run_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return inv_fail(INV_EIO,
                        "%s: no plan.tsv: not a campaign run folder (slurm/campaign.sh "
                        "CONFIG writes it; or invar-report plan CONFIG --write)",
                        run_dir);
    if (!(r->jobs = calloc(RD_MAX_JOBS, sizeof *r->jobs))) {
        fclose(f);
        return inv_fail(INV_ENOMEM, "out of memory");
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = INV_OK;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        char *fld[16];
        if (line[0] == '#') continue;
        int n = split_tabs(line, fld, 16);
        if (!strcmp(fld[0], "campaign") && n >= 3) {
            snprintf(r->name, sizeof r->name, "%s", fld[1]);
        } else if ((!strcmp(fld[0], "model") && n >= 12) || (!strcmp(fld[0], "fusion") && n >= 5)) {
            if (r->nitems == RD_MAX_ITEMS) continue;
            rd_item *it = &r->items[r->nitems++];
            it->fusion = fld[0][0] == 'f';
            snprintf(it->id, sizeof it->id, "%s", fld[1]);
            snprintf(it->label, sizeof it->label, "%s", fld[2]);
            if (!it->fusion) {
                snprintf(it->kind, sizeof it->kind, "%s", fld[3]);
                snprintf(it->policy, sizeof it->policy, "%s", fld[5]);
                it->grid = strcmp(fld[9], "-") != 0;
                snprintf(it->grid_id, sizeof it->grid_id, "%s", it->grid ? fld[9] : "");
                snprintf(it->grid_values, sizeof it->grid_values, "%s", it->grid ? fld[10] : "");
                it->seed_copy = atoi(fld[11]);
            } else {
                snprintf(it->kind, sizeof it->kind, "fusion");
                snprintf(it->policy, sizeof it->policy, "%s", fld[3]); // the member ids
            }
        } else if (!strcmp(fld[0], "task") && n >= 3 && r->ntasks < 16) {
            snprintf(r->tasks[r->ntasks], sizeof r->tasks[0], "%s", fld[1]);
            snprintf(r->task_kind[r->ntasks++], sizeof r->task_kind[0], "%s", fld[2]);
        } else if (!strcmp(fld[0], "job") && n >= 7 && r->njobs < RD_MAX_JOBS) {
            rd_job *j = &r->jobs[r->njobs++];
            snprintf(j->stage, sizeof j->stage, "%s", fld[1]);
            snprintf(j->label, sizeof j->label, "%s", fld[3]);
            char *sp = strchr(fld[5], ' ');
            if (sp) *sp = 0; // the first output names the job's result file
            snprintf(j->output, sizeof j->output, "%s", strcmp(fld[5], "-") ? fld[5] : "");
            if (!strcmp(j->stage, "compare")) { // the compared models, in argument order
                for (char *q = fld[6]; (q = strstr(q, "/measure/")) && j->nmembers < 16;) {
                    q += 9;
                    size_t l = strcspn(q, "/");
                    if (strncmp(q, "compare", l))
                        snprintf(j->members[j->nmembers++], sizeof j->members[0], "%.*s", (int)l,
                                 q);
                    q += l;
                }
            }
            const char *states[] = {"failed", "ok", "running"};
            for (int s = 0; s < 3; s++) {
                char st[4300];
                snprintf(st, sizeof st, "%s/state/%s_%s.%s", run_dir, fld[1], fld[2], states[s]);
                if (!access(st, F_OK)) {
                    snprintf(j->state, sizeof j->state, "%s", states[s]);
                    break;
                }
            }
        } else if (!strcmp(fld[0], "model") || !strcmp(fld[0], "fusion") ||
                   !strcmp(fld[0], "task") || !strcmp(fld[0], "job") ||
                   !strcmp(fld[0], "campaign")) {
            rc = inv_fail(INV_EFORMAT, "%s:%d: truncated '%s' line (%d fields)", path, lineno,
                          fld[0], n);
            break;
        } else if (strcmp(fld[0], "set") && strcmp(fld[0], "stage") && strcmp(fld[0], "skip")) {
            rc = inv_fail(INV_EFORMAT, "%s:%d: not a plan line ('%s')", path, lineno, fld[0]);
            break;
        }
    }
    free(line);
    fclose(f);
    if (rc) rd_free_run(r);
    return rc;
}

void rd_free_run(rd_run *r) {
    free(r->jobs);
    r->jobs = NULL;
    r->njobs = 0;
}

const rd_job *rd_find_job(const rd_run *r, const char *stage, const char *label) {
    for (int i = 0; i < r->njobs; i++)
        if (!strcmp(r->jobs[i].stage, stage) && !strcmp(r->jobs[i].label, label))
            return &r->jobs[i];
    return NULL;
}

// Label i of dimension `dimid`: from a string (or 2-d char) variable DIM_name, else the index.
static void dim_label(int ncid, int dimid, size_t i, char *buf, size_t size) {
    char dname[NC_MAX_NAME + 1], vname[NC_MAX_NAME + 8];
    snprintf(buf, size, "%zu", i);
    if (nc_inq_dimname(ncid, dimid, dname)) return;
    snprintf(vname, sizeof vname, "%s_name", dname);
    int v, nd, type, dims[2];
    if (nc_inq_varid(ncid, vname, &v) || nc_inq_var(ncid, v, NULL, &type, &nd, dims, NULL)) return;
    if (type == NC_STRING && nd == 1) {
        char *s = NULL;
        size_t start = i;
        if (!nc_get_var1_string(ncid, v, &start, &s) && s) {
            snprintf(buf, size, "%s", s);
            nc_free_string(1, &s);
        }
    } else if (type == NC_CHAR && nd == 2) {
        size_t len;
        if (nc_inq_dimlen(ncid, dims[1], &len) || len >= size) return;
        size_t start[2] = {i, 0}, count[2] = {1, len};
        char tmp[256] = "";
        if (!nc_get_vara_text(ncid, v, start, count, tmp)) {
            tmp[len] = 0;
            snprintf(buf, size, "%s", tmp);
        }
    }
}

int rd_read_vec(const char *path, const char *var, rd_vec *out) {
    memset(out, 0, sizeof *out);
    if (access(path, F_OK)) return inv_fail(INV_EIO, "%s: missing", path);
    int ncid, v, nd, type, dims[NC_MAX_VAR_DIMS];
    INV_TRY(nc_open_read(path, &ncid));
    int rc = INV_OK;
    if (nc_inq_varid(ncid, var, &v)) {
        rc = inv_fail(INV_EFORMAT, "%s: no variable '%s'", path, var);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_inq_var(ncid, v, NULL, &type, &nd, dims, NULL), path, done);
    if (nd > 1 || type == NC_CHAR || type == NC_STRING) {
        rc = inv_fail(INV_EFORMAT, "%s: '%s' is not a 0-d or 1-d number variable", path, var);
        goto done;
    }
    size_t len = 1;
    if (nd == 1) INV_CHECK_NC_GOTO(rc, nc_inq_dimlen(ncid, dims[0], &len), path, done);
    if (len > 256) {
        rc = inv_fail(INV_EFORMAT, "%s: '%s' has %zu elements (at most 256)", path, var, len);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_get_var_double(ncid, v, out->v), path, done);
    out->n = (int)len;
    for (size_t i = 0; i < len; i++) {
        if (nd == 1)
            dim_label(ncid, dims[0], i, out->label[i], sizeof out->label[i]);
        else
            snprintf(out->label[i], sizeof out->label[i], "%s", var);
    }
done:
    nc_close(ncid);
    return rc;
}

int rd_read_mat(const char *path, const char *var, int *rows, int *cols, double *vals, size_t cap) {
    int ncid, v, nd, dims[NC_MAX_VAR_DIMS];
    INV_TRY(nc_open_read(path, &ncid));
    int rc = INV_OK;
    size_t r = 0, c = 0;
    if (nc_inq_varid(ncid, var, &v)) {
        rc = inv_fail(INV_EFORMAT, "%s: no variable '%s'", path, var);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_inq_var(ncid, v, NULL, NULL, &nd, dims, NULL), path, done);
    if (nd != 2) {
        rc = inv_fail(INV_EFORMAT, "%s: '%s' is not 2-d", path, var);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_inq_dimlen(ncid, dims[0], &r), path, done);
    INV_CHECK_NC_GOTO(rc, nc_inq_dimlen(ncid, dims[1], &c), path, done);
    if (r * c > cap) {
        rc = inv_fail(INV_EFORMAT, "%s: '%s' is %zu x %zu, too large for the report", path, var, r,
                      c);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_get_var_double(ncid, v, vals), path, done);
    *rows = (int)r;
    *cols = (int)c;
done:
    nc_close(ncid);
    return rc;
}

int rd_read_labels(const char *path, const char *var, char (*labels)[64], int max, int *n) {
    int ncid, v, nd, type, dims[2];
    INV_TRY(nc_open_read(path, &ncid));
    int rc = INV_OK;
    size_t len = 0;
    if (nc_inq_varid(ncid, var, &v) || nc_inq_var(ncid, v, NULL, &type, &nd, dims, NULL) ||
        type != NC_STRING || nd != 1 || nc_inq_dimlen(ncid, dims[0], &len)) {
        rc = inv_fail(INV_EFORMAT, "%s: no string variable '%s'", path, var);
        goto done;
    }
    *n = 0;
    for (size_t i = 0; i < len && (int)i < max; i++) {
        char *s = NULL;
        if (nc_get_var1_string(ncid, v, &i, &s) == NC_NOERR && s) {
            snprintf(labels[i], 64, "%s", s);
            nc_free_string(1, &s);
        } else {
            snprintf(labels[i], 64, "%zu", i);
        }
        (*n)++;
    }
done:
    nc_close(ncid);
    return rc;
}

// ---- the paper's CSV tables ---------------------------------------------------------------
static int csv_split(char *line, char **f, int max) {
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

int rd_load_paper(rd_paper *p, const char *path, const char *section) {
    memset(p, 0, sizeof *p);
    FILE *f = fopen(path, "r");
    if (!f) return inv_fail(INV_EIO, "%s: the paper's table is missing", path);
    char line[4096];
    int has_section = 0, ncols_line = 0;
    char header[RD_MAX_COLS + 2][48];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char *fld[RD_MAX_COLS + 2];
        int n = csv_split(line, fld, RD_MAX_COLS + 2);
        if (!strcmp(fld[0], "metric") || !strcmp(fld[0], "section") || !strcmp(fld[0], "model")) {
            has_section = strcmp(fld[0], "model") != 0;
            ncols_line = n;
            for (int i = 0; i < n; i++) snprintf(header[i], sizeof header[i], "%s", fld[i]);
            continue;
        }
        int off = has_section ? 2 : 1;
        if (has_section && section && strcmp(fld[0], section)) continue;
        if (p->nrows == RD_MAX_ROWS) break;
        int r = p->nrows++;
        for (int c = 0; c < RD_MAX_COLS; c++) p->v[r][c] = NAN; // columns the row lacks
        snprintf(p->section[r], sizeof p->section[r], "%s", has_section ? fld[0] : "");
        snprintf(p->model[r], sizeof p->model[r], "%s", fld[off - 1]);
        for (int i = off; i < n && i < ncols_line; i++) {
            int c;
            for (c = 0; c < p->ncols; c++)
                if (!strcmp(p->col[c], header[i])) break;
            if (c == p->ncols) {
                if (p->ncols == RD_MAX_COLS) continue;
                snprintf(p->col[p->ncols++], sizeof p->col[0], "%s", header[i]);
            }
            char *end;
            double v = strtod(fld[i], &end);
            p->v[r][c] = end == fld[i] ? NAN : v;
            p->star[r][c] = strchr(fld[i], '*') != NULL;
        }
    }
    fclose(f);
    return INV_OK;
}

double rd_paper_value(const rd_paper *p, const char *section, const char *model, const char *col,
                      int *star) {
    if (star) *star = 0;
    int c;
    for (c = 0; c < p->ncols; c++)
        if (!strcmp(p->col[c], col)) break;
    if (c == p->ncols) return NAN;
    for (int r = 0; r < p->nrows; r++) {
        if (section && *section && strcmp(p->section[r], section)) continue;
        if (strcmp(p->model[r], model)) continue;
        if (star) *star = p->star[r][c];
        return p->v[r][c];
    }
    return NAN;
}

// ---- rendering ---------------------------------------------------------------------------
void rd_table_bold(rd_table *t) {
    for (int c = 0; c < t->ncols; c++) {
        double best = NAN;
        for (int r = 0; r < t->nrows; r++) {
            const rd_cell *x = &t->rows[r].c[c];
            if (t->rows[r].paper || !x->has || isnan(x->v)) continue;
            if (isnan(best) || (t->higher_better ? x->v > best : x->v < best)) best = x->v;
        }
        for (int r = 0; r < t->nrows; r++) {
            rd_cell *x = &t->rows[r].c[c];
            x->bold = !t->rows[r].paper && x->has && !isnan(best) && x->v == best;
        }
    }
}

void rd_table_markdown(const rd_table *t, FILE *out) {
    fprintf(out, "### %s\n\n", t->title);
    fprintf(out, "| model |");
    for (int c = 0; c < t->ncols; c++) fprintf(out, " %s |", t->col[c]);
    fprintf(out, "\n| --- |");
    for (int c = 0; c < t->ncols; c++) fprintf(out, " ---: |");
    fprintf(out, "\n");
    for (int r = 0; r < t->nrows; r++) {
        const rd_row *row = &t->rows[r];
        fprintf(out, "| %s%s%s |", row->paper ? "*" : "", row->label,
                row->paper ? " (paper)*" : "");
        for (int c = 0; c < t->ncols; c++) {
            const rd_cell *x = &row->c[c];
            if (!x->has) {
                fprintf(out, " - |");
                continue;
            }
            char num[64];
            if (isnan(x->v))
                snprintf(num, sizeof num, "NaN");
            else if (t->show_sd && !isnan(x->sd))
                snprintf(num, sizeof num, "%.*f ± %.*f", t->digits, x->v, t->digits + 1, x->sd);
            else
                snprintf(num, sizeof num, "%.*f", t->digits, x->v);
            fprintf(out, " %s%s%s%s |", x->bold ? "**" : "", num, x->bold ? "**" : "",
                    x->mark ? " •" : "");
        }
        fprintf(out, "\n");
    }
    fprintf(out, "\n%s%s\n", t->caption, strstr(t->caption, "`") ? "" : " (none)");
    if (t->missing[0]) fprintf(out, "\n**Missing:**\n%s", t->missing);
    fprintf(out, "\n");
}

int rd_table_csv(const rd_table *t, const char *path) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    INV_CHECK_IO(f, tmp, "create");
    fprintf(f, "model,source");
    for (int c = 0; c < t->ncols; c++) {
        fprintf(f, ",%s", t->col[c]);
        if (t->show_sd) fprintf(f, ",%s_std", t->col[c]);
        fprintf(f, ",%s_mark", t->col[c]);
    }
    fprintf(f, "\n");
    for (int r = 0; r < t->nrows; r++) {
        const rd_row *row = &t->rows[r];
        fprintf(f, "\"%s\",%s", row->label, row->paper ? "paper" : "ours");
        for (int c = 0; c < t->ncols; c++) {
            const rd_cell *x = &row->c[c];
            if (x->has)
                fprintf(f, ",%.6g", x->v);
            else
                fprintf(f, ",");
            if (t->show_sd) {
                if (x->has && !isnan(x->sd))
                    fprintf(f, ",%.6g", x->sd);
                else
                    fprintf(f, ",");
            }
            fprintf(f, ",%d", x->mark);
        }
        fprintf(f, "\n");
    }
    if (fclose(f) || rename(tmp, path)) {
        remove(tmp);
        return inv_fail_errno(path, "write");
    }
    return INV_OK;
}
