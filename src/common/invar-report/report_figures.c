// report_figures.c: the report's figures, drawn by gnuplot (Debian gnuplot-nox, png terminal)
// from data files written beside them (so every plotted number is in a text file that names its
// table): Figure 1 (invariance per family and downstream scores per model), the grid trade-off
// curves, and the E.1 / E.2 heatmaps of the rank correlations (invar-probe correlate's rho).
#include "report_figures.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int have_gnuplot(void) {
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

// Runs gnuplot on SCRIPT; the PNG is checked to exist afterwards.
static int run_gnuplot(const char *script, const char *png, char *notes, size_t nsize) {
    char cmd[8600];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>'%s.log'", script, script);
    if (system(cmd) != 0 || access(png, F_OK)) {
        rd_appendf(notes, nsize, "- `%s`: gnuplot failed (see %s.log)\n", png, script);
        return -1;
    }
    char log[4200];
    snprintf(log, sizeof log, "%s.log", script);
    remove(log);
    return 0;
}

// Writes a table's rows x columns as a gnuplot data file (label then values, NaN as "?").
static int write_dat(const rd_table *t, const char *path, int with_paper) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "# %s\n# from the table's sources: %s\nmodel", t->title, t->caption);
    for (int c = 0; c < t->ncols; c++) fprintf(f, " %s", t->col[c]);
    fprintf(f, "\n");
    int rows = 0;
    for (int r = 0; r < t->nrows; r++) {
        if (t->rows[r].paper && !with_paper) continue;
        int any = 0;
        for (int c = 0; c < t->ncols; c++) any |= t->rows[r].c[c].has && !isnan(t->rows[r].c[c].v);
        if (!any) continue;
        fprintf(f, "\"%s\"", t->rows[r].label);
        for (int c = 0; c < t->ncols; c++) {
            const rd_cell *x = &t->rows[r].c[c];
            if (x->has && !isnan(x->v))
                fprintf(f, " %.6g", x->v);
            else
                fprintf(f, " ?");
        }
        fprintf(f, "\n");
        rows++;
    }
    fclose(f);
    return rows;
}

// Grouped bars of a data file's columns 2..ncols+1 per row.
static int bars(const char *dir, const char *name, const char *title, const char *ylabel,
                const rd_table *t, char *notes, size_t nsize) {
    char dat[4200], gp[4200], png[4200];
    snprintf(dat, sizeof dat, "%s/%s.dat", dir, name);
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    int rows = write_dat(t, dat, 0);
    if (rows <= 0) {
        rd_appendf(notes, nsize, "- `%s.png` not drawn: no data (%s)\n", name, t->title);
        remove(dat);
        return -1;
    }
    FILE *f = fopen(gp, "w");
    if (!f) return -1;
    fprintf(f,
            "set terminal png size 1100,520\nset output '%s'\nset title \"%s\" noenhanced\n"
            "set ylabel '%s'\nset style data histograms\nset style histogram clustered gap 1\n"
            "set style fill solid 0.8 border -1\nset key outside right noenhanced\n"
            "set xtics rotate by -30 noenhanced\nset datafile missing '?'\nset grid ytics\n"
            "plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)\n",
            png, title, ylabel, t->ncols + 1, dat);
    fclose(f);
    return run_gnuplot(gp, png, notes, nsize);
}

void rf_figure1(const char *dir, const rd_table *t2s, const rd_table *t3s, const rd_table *t5,
                char *notes, size_t nsize) {
    // Invariance per family: the mean over each family's columns (transforms / group sets).
    static rd_table fam;
    memset(&fam, 0, sizeof fam);
    snprintf(fam.title, sizeof fam.title, "Figure 1 (top): mean similarity per family");
    snprintf(fam.caption, sizeof fam.caption, "Table 2 and Table 3 (similarity)");
    const char *cols[4] = {"synthetic_spatial", "synthetic_appearance", "real_spatial",
                           "real_appearance"};
    for (int c = 0; c < 4; c++) snprintf(fam.col[fam.ncols++], sizeof fam.col[0], "%s", cols[c]);
    static const char *const real_sp[] = {"viewpoint", "stereo"};
    for (int r = 0; r < t2s->nrows || r < t3s->nrows; r++) {
        const rd_row *src = r < t2s->nrows ? &t2s->rows[r] : &t3s->rows[r];
        if (src->paper || fam.nrows == RD_MAX_ROWS) continue;
        int dup = 0;
        for (int q = 0; q < fam.nrows; q++) dup |= !strcmp(fam.rows[q].label, src->label);
        if (dup) continue;
        rd_row *row = &fam.rows[fam.nrows++];
        memset(row, 0, sizeof *row);
        snprintf(row->label, sizeof row->label, "%s", src->label);
        for (int part = 0; part < 2; part++) {
            const rd_table *t = part ? t3s : t2s;
            for (int r2 = 0; r2 < t->nrows; r2++) {
                if (t->rows[r2].paper || strcmp(t->rows[r2].label, src->label)) continue;
                double s[2] = {0, 0};
                int n[2] = {0, 0};
                for (int c = 0; c < t->ncols; c++) {
                    const rd_cell *x = &t->rows[r2].c[c];
                    if (!x->has || isnan(x->v)) continue;
                    int app = part ? !(strcmp(t->col[c], real_sp[0]) == 0 ||
                                       strcmp(t->col[c], real_sp[1]) == 0)
                                   : c >= 8;
                    s[app] += x->v;
                    n[app]++;
                }
                for (int a = 0; a < 2; a++)
                    if (n[a]) {
                        row->c[2 * part + a].has = 1;
                        row->c[2 * part + a].v = s[a] / n[a];
                    }
            }
        }
    }
    bars(dir, "figure1_invariance", "Figure 1: invariance per transform family (mean similarity)",
         "mean similarity", &fam, notes, nsize);
    bars(dir, "figure1_downstream", "Figure 1: downstream scores per model (Table 5)", "score", t5,
         notes, nsize);
}

void rf_grid(const char *dir, const rd_table *g, const char *grid_id, char *notes, size_t nsize) {
    char name[128], dat[4200], gp[4200], png[4200];
    snprintf(name, sizeof name, "grid_%s", grid_id);
    snprintf(dat, sizeof dat, "%s/%s.dat", dir, name);
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    if (write_dat(g, dat, 0) <= 0) {
        rd_appendf(notes, nsize, "- `%s.png` not drawn: no grid point has results\n", name);
        remove(dat);
        return;
    }
    FILE *f = fopen(gp, "w");
    if (!f) return;
    fprintf(f,
            "set terminal png size 1100,520\nset output '%s'\nset title \"%s\" noenhanced\n"
            "set xlabel 'grid point'\nset key outside right noenhanced\nset datafile missing "
            "'?'\nset xtics rotate by -30 noenhanced\nset grid\n"
            "plot for [i=2:%d] '%s' using 0:i:xtic(1) with linespoints title columnheader(i)\n",
            png, g->title, g->ncols + 1, dat);
    fclose(f);
    run_gnuplot(gp, png, notes, nsize);
}

void rf_heatmap(const char *dir, const char *name, const char *corr_path, const char *title,
                char *notes, size_t nsize) {
    if (access(corr_path, F_OK)) {
        rd_appendf(notes, nsize, "- `%s.png` not drawn: `%s` missing (stage correlate)\n", name,
                   corr_path);
        return;
    }
    static double rho[256 * 256];
    static char labels[256][64];
    int rows, cols, nl = 0;
    if (rd_read_mat(corr_path, "rho", &rows, &cols, rho, 256 * 256) ||
        rd_read_labels(corr_path, "column_name", labels, 256, &nl) || nl != rows) {
        rd_appendf(notes, nsize, "- `%s.png` not drawn: %s\n", name, inv_errmsg());
        return;
    }
    char dat[4200], gp[4200], png[4200];
    snprintf(dat, sizeof dat, "%s/%s.dat", dir, name);
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    FILE *f = fopen(dat, "w");
    if (!f) return;
    fprintf(f, "# Spearman rho(column, column2) from %s (row i, column j)\n", corr_path);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++)
            fprintf(f, "%s%.4f", j ? " " : "", isnan(rho[i * cols + j]) ? 0.0 : rho[i * cols + j]);
        fprintf(f, "\n");
    }
    fclose(f);
    f = fopen(gp, "w");
    if (!f) return;
    fprintf(
        f,
        "set terminal png size 1000,900\nset output '%s'\nset title \"%s\" noenhanced\n"
        "set cbrange [-1:1]\nset palette defined (-1 'blue', 0 'white', 1 'red')\n"
        "set xrange [-0.5:%d]\nset yrange [%d:-0.5]\nset xtics rotate by -60 font ',7' noenhanced\n"
        "set ytics font ',7' noenhanced\n",
        png, title, cols - 1 + 1, rows - 1 + 1);
    fprintf(f, "set xtics (");
    for (int j = 0; j < cols; j++) fprintf(f, "%s\"%s\" %d", j ? ", " : "", labels[j], j);
    fprintf(f, ")\nset ytics (");
    for (int i = 0; i < rows; i++) fprintf(f, "%s\"%s\" %d", i ? ", " : "", labels[i], i);
    fprintf(f, ")\nplot '%s' matrix with image notitle\n", dat);
    fclose(f);
    run_gnuplot(gp, png, notes, nsize);
}

int rf_available(char *notes, size_t nsize) {
    if (have_gnuplot()) return 1;
    rd_appendf(notes, nsize,
               "- no figures: gnuplot is not installed (Debian gnuplot-nox; make "
               "deps)\n");
    return 0;
}
