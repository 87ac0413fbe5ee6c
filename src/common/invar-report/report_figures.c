// report_figures.c: the report's figures, drawn by gnuplot (Debian gnuplot-nox, png terminal)
// from data files written beside them (so every plotted number is in a text file that names its
// table): Figure 1 (invariance per family and downstream scores per model), the grid trade-off
// curves, the E.1 / E.2 heatmaps of the rank correlations (invar-probe correlate's rho), Figure
// C.1 (invariance over training checkpoints) and F.1 (parallel coordinates).
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

// ---- Figure C.1: invariance over training --------------------------------------------------
// Series models: the plan's synthetic jobs labelled ID/series_SET (invar-measure synthetic over
// a checkpoint series: mean_similarity(model, transform), epoch(model), transform_name).
static const rd_item *item_of(const rd_run *r, const char *label) {
    size_t l = strcspn(label, "/");
    for (int i = 0; i < r->nitems; i++)
        if (strlen(r->items[i].id) == l && !strncmp(r->items[i].id, label, l)) return &r->items[i];
    return NULL;
}

void rf_figureC1(const char *dir, const rd_run *r, char *caption, size_t csize, char *notes,
                 size_t nsize) {
    enum { MAXS = 32 };
    static double sim[MAXS][256 * 256];
    static rd_vec ep[MAXS];
    static char tnames[256][64], names[256][64];
    const char *labels[MAXS], *paths[MAXS];
    int rows[MAXS], cols[MAXS], ns = 0, nt = 0, njobs = 0;
    caption[0] = 0;
    for (int j = 0; j < r->njobs && ns < MAXS; j++) {
        const rd_job *job = &r->jobs[j];
        if (strcmp(job->stage, "synthetic") || !strstr(job->label, "/series_")) continue;
        njobs++;
        const rd_item *it = item_of(r, job->label);
        const char *lab = it ? it->label : job->label;
        if (access(job->output, F_OK)) {
            rd_appendf(notes, nsize,
                       "- Figure C.1: `%s` missing (stage synthetic job %s %s): %s is not drawn\n",
                       job->output, job->label, job->state[0] ? job->state : "never ran", lab);
            continue;
        }
        int nl = 0;
        if (rd_read_mat(job->output, "mean_similarity", &rows[ns], &cols[ns], sim[ns], 256 * 256) ||
            rd_read_vec(job->output, "epoch", &ep[ns]) || ep[ns].n != rows[ns] ||
            rd_read_labels(job->output, "transform_name", names, 256, &nl) || nl != cols[ns]) {
            rd_appendf(notes, nsize, "- Figure C.1: %s is not drawn: %s\n", lab,
                       ep[ns].n != rows[ns] ? "epoch and mean_similarity disagree" : inv_errmsg());
            continue;
        }
        if (!nt) { // the first file's transforms are the panels
            nt = nl;
            memcpy(tnames, names, sizeof names);
        }
        // Columns reordered to the panels' transforms (NaN where this file lacks one).
        static double tmp[256 * 256];
        for (int m = 0; m < rows[ns]; m++)
            for (int t = 0; t < nt; t++) {
                tmp[m * nt + t] = NAN;
                for (int c = 0; c < nl; c++)
                    if (!strcmp(names[c], tnames[t])) tmp[m * nt + t] = sim[ns][m * cols[ns] + c];
            }
        memcpy(sim[ns], tmp, sizeof(double) * (size_t)rows[ns] * (size_t)nt);
        labels[ns] = lab;
        paths[ns] = job->output;
        ns++;
    }
    if (!njobs) {
        rd_appendf(notes, nsize,
                   "- Figure C.1 not drawn: the campaign has no checkpoint series ([sweeps] "
                   "series, a model's keep_epochs)\n");
        return;
    }
    if (!ns) {
        rd_appendf(notes, nsize, "- `figureC1.png` not drawn: no series file could be read\n");
        return;
    }
    char dat[4200], gp[4200], png[4200];
    snprintf(dat, sizeof dat, "%s/figureC1.dat", dir);
    snprintf(gp, sizeof gp, "%s/figureC1.gp", dir);
    snprintf(png, sizeof png, "%s/figureC1.png", dir);
    FILE *f = fopen(dat, "w");
    if (!f) return;
    fprintf(f, "# Figure C.1: mean_similarity(model, transform) per checkpoint epoch; one block "
               "per model\n# epoch");
    for (int t = 0; t < nt; t++) fprintf(f, " %s", tnames[t]);
    fprintf(f, "\n");
    rd_appendf(caption, csize,
               "Figure C.1: invariance (mean whitened cosine similarity) over training, one panel "
               "per transform, x = epoch (0: the initial state), from");
    for (int s = 0; s < ns; s++) {
        fprintf(f, "%s# %s: %s\n", s ? "\n\n" : "", labels[s], paths[s]);
        int order[256];
        for (int m = 0; m < rows[s]; m++) order[m] = m;
        for (int a = 1; a < rows[s]; a++) // by epoch (the series is in training order already)
            for (int b = a; b > 0 && ep[s].v[order[b]] < ep[s].v[order[b - 1]]; b--) {
                int x = order[b];
                order[b] = order[b - 1];
                order[b - 1] = x;
            }
        for (int k = 0; k < rows[s]; k++) {
            int m = order[k];
            fprintf(f, "%g", ep[s].v[m]);
            for (int t = 0; t < nt; t++) {
                double v = sim[s][m * nt + t];
                if (isnan(v))
                    fprintf(f, " ?");
                else
                    fprintf(f, " %.6g", v);
            }
            fprintf(f, "\n");
        }
        rd_appendf(caption, csize, "%s `%s` (%s)", s ? "," : "", paths[s], labels[s]);
    }
    fclose(f);
    rd_appendf(caption, csize, "; the numbers are in `figures/figureC1.dat`.");
    int pc = nt < 6 ? nt : 6, pr = (nt + pc - 1) / pc;
    f = fopen(gp, "w");
    if (!f) return;
    fprintf(f,
            "set terminal png size %d,%d\nset output '%s'\nset datafile missing '?'\n"
            "set multiplot layout %d,%d title \"Figure C.1: invariance over training (mean "
            "similarity)\" noenhanced\nset grid\nset xlabel 'epoch' offset 0,0.5\n"
            "set tics font ',8'\n",
            300 * pc, 260 * pr + 40, png, pr, pc);
    for (int t = 0; t < nt; t++) {
        fprintf(f, "set title \"%s\" noenhanced\n", tnames[t]);
        fprintf(f, t ? "unset key\n" : "set key top left font ',8' noenhanced\n");
        fprintf(f, "plot");
        for (int s = 0; s < ns; s++)
            fprintf(f, "%s '%s' index %d using 1:%d with linespoints lw 2 pt 7 ps 0.6 title \"%s\"",
                    s ? "," : "", dat, s, t + 2, labels[s]);
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
    fclose(f);
    run_gnuplot(gp, png, notes, nsize);
}

// ---- Figure F.1: parallel coordinates ------------------------------------------------------
// Axes: spatial and appearance invariance (family means of Table 2's similarity, as Figure 1)
// and each task's probe score (Table 5); one line per model, baseline and fusion (a fusion has
// no invariance of its own: its line starts at the first task). Each axis is scaled to its own
// range, written under it.
void rf_figureF1(const char *dir, const rd_table *t2s, const rd_table *t5, char *caption,
                 size_t csize, char *notes, size_t nsize) {
    static double v[RD_MAX_ROWS][RD_MAX_COLS];
    static char labels[RD_MAX_ROWS][160];
    char axes[RD_MAX_COLS][48];
    int na = 0, nm = 0;
    snprintf(axes[na++], sizeof axes[0], "spatial_similarity");
    snprintf(axes[na++], sizeof axes[0], "appearance_similarity");
    for (int c = 0; c < t5->ncols && na < RD_MAX_COLS; c++)
        if (strcmp(t5->col[c], "avg")) snprintf(axes[na++], sizeof axes[0], "%s", t5->col[c]);
    caption[0] = 0;
    for (int part = 0; part < 2; part++) {
        const rd_table *t = part ? t5 : t2s;
        for (int r = 0; r < t->nrows; r++) {
            const rd_row *row = &t->rows[r];
            if (row->paper) continue;
            int m;
            for (m = 0; m < nm; m++)
                if (!strcmp(labels[m], row->label)) break;
            if (m == nm) {
                if (nm == RD_MAX_ROWS) continue;
                snprintf(labels[nm], sizeof labels[0], "%s", row->label);
                for (int a = 0; a < na; a++) v[nm][a] = NAN;
                nm++;
            }
            if (!part) {
                double s[2] = {0, 0};
                int n[2] = {0, 0};
                for (int c = 0; c < t->ncols; c++)
                    if (row->c[c].has && !isnan(row->c[c].v)) s[c >= 8] += row->c[c].v, n[c >= 8]++;
                for (int a = 0; a < 2; a++) v[m][a] = n[a] ? s[a] / n[a] : NAN;
            } else {
                for (int a = 2; a < na; a++) {
                    int c;
                    for (c = 0; c < t->ncols; c++)
                        if (!strcmp(t->col[c], axes[a])) break;
                    if (c < t->ncols && row->c[c].has) v[m][a] = row->c[c].v;
                }
            }
        }
    }
    double lo[RD_MAX_COLS], hi[RD_MAX_COLS];
    int any = 0;
    for (int a = 0; a < na; a++) {
        lo[a] = INFINITY, hi[a] = -INFINITY;
        for (int m = 0; m < nm; m++)
            if (!isnan(v[m][a])) {
                lo[a] = fmin(lo[a], v[m][a]), hi[a] = fmax(hi[a], v[m][a]);
                any = 1;
            }
        if (lo[a] > hi[a]) lo[a] = 0, hi[a] = 1; // an axis nobody has
        if (hi[a] - lo[a] < 1e-9) lo[a] -= 0.05, hi[a] += 0.05;
    }
    if (!any || nm == 0) {
        rd_appendf(notes, nsize,
                   "- `figureF1.png` not drawn: no model has invariance or probe results\n");
        return;
    }
    char dat[4200], gp[4200], png[4200];
    snprintf(dat, sizeof dat, "%s/figureF1.dat", dir);
    snprintf(gp, sizeof gp, "%s/figureF1.gp", dir);
    snprintf(png, sizeof png, "%s/figureF1.png", dir);
    FILE *f = fopen(dat, "w");
    if (!f) return;
    fprintf(f, "# Figure F.1: parallel coordinates; one block per model: axis value "
               "value_scaled_to_the_axis_range\n# axes:");
    for (int a = 0; a < na; a++) fprintf(f, " %d=%s[%.4g,%.4g]", a + 1, axes[a], lo[a], hi[a]);
    fprintf(f, "\n# from Table 2 (similarity) %s\n# and Table 5 %s\n", t2s->caption, t5->caption);
    for (int m = 0; m < nm; m++) {
        fprintf(f, "%s# %s\n", m ? "\n\n" : "", labels[m]);
        for (int a = 0; a < na; a++) {
            if (isnan(v[m][a]))
                fprintf(f, "%d ? ?\n", a + 1);
            else
                fprintf(f, "%d %.6g %.6g\n", a + 1, v[m][a], (v[m][a] - lo[a]) / (hi[a] - lo[a]));
        }
    }
    fclose(f);
    f = fopen(gp, "w");
    if (!f) return;
    fprintf(f,
            "set terminal png size %d,560\nset output '%s'\nset datafile missing '?'\n"
            "set title \"Figure F.1: invariance and downstream scores per model (each axis "
            "scaled to its range)\" noenhanced\nset key outside right noenhanced\n"
            "set yrange [-0.08:1.08]\nunset ytics\nset xrange [0.7:%d.3]\nset grid xtics lw 2\n"
            "set xtics (",
            220 + 130 * na, png, na);
    for (int a = 0; a < na; a++) fprintf(f, "%s\"%s\" %d", a ? ", " : "", axes[a], a + 1);
    fprintf(f, ") noenhanced font ',9'\n");
    for (int a = 0; a < na; a++)
        fprintf(f,
                "set label \"%.3g\" at %d,-0.05 center font ',8'\nset label \"%.3g\" at %d,1.05 "
                "center font ',8'\n",
                lo[a], a + 1, hi[a], a + 1);
    fprintf(f, "plot");
    for (int m = 0; m < nm; m++)
        fprintf(f, "%s '%s' index %d using 1:3 with linespoints lw 2 pt 7 title \"%s\"",
                m ? "," : "", dat, m, labels[m]);
    fprintf(f, "\n");
    fclose(f);
    rd_appendf(caption, csize,
               "Figure F.1: parallel coordinates: spatial and appearance invariance (family means "
               "of Table 2's similarity) and each task's probe score (Table 5) per model; the "
               "numbers, with the files they come from, are in `figures/figureF1.dat`.");
    run_gnuplot(gp, png, notes, nsize);
}
