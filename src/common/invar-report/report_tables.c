// report_tables.c: the paper's tables from a run folder: Table 2 (synthetic invariance:
// Mahalanobis distance, whitened cosine similarity), Table 3 (real-world invariance), Table 4
// (kernel ridge R^2 of the latents), Table 5 (linear probes, mean +- std over folds) and Table
// C.1 (alignment, uniformity, ACR), each with the paper's row under ours, the best of ours in
// bold, the significance bullet from `invar-measure compare`, every source file in the
// caption, and a list of what is missing (files, models, NaNs).
#include "report_tables.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const transforms[18] = {
    "resized_crop", "hflip",  "vflip",     "scale",      "shear",     "rotation",
    "translation",  "deform", "grayscale", "brightness", "contrast",  "saturation",
    "hue",          "blur",   "sharpness", "equalize",   "posterize", "invert"};
// The paper's column standing for each world group set (Table 3) and task (Table 5).
static const char *const rw_paper[][2] = {
    {"viewpoint", "aloi:viewpoint"},     {"illumination", "aloi:illumination"},
    {"temperature", "aloi:temperature"}, {"exposure", "exposureerrors:exposure"},
    {"blur", "realblur:blur"},           {"stereo", "flickr1024:stereo"}};
static const char *const task_paper[][2] = {{"shape", "cifar10"},
                                            {"colour", "flowers"},
                                            {"keypoints", "300w"},
                                            {"pose", "lspose"},
                                            {"avg", "avg"}};
static const char *const latent_paper[10] = {"obj_pos_x",   "obj_pos_y", "obj_pos_z", "obj_rot_x",
                                             "obj_rot_y",   "obj_rot_z", "spot_pos",  "obj_colour",
                                             "spot_colour", "bkg_colour"};

static const char *map_col(const char *const (*map)[2], int n, const char *ours) {
    for (int i = 0; i < n; i++)
        if (!strcmp(map[i][0], ours)) return map[i][1];
    return ours;
}

int rt_single(const rd_item *it) {
    return !it->fusion && !it->seed_copy && !it->grid;
}

static int col_index(const rd_table *t, const char *name) {
    for (int c = 0; c < t->ncols; c++)
        if (!strcmp(t->col[c], name)) return c;
    return -1;
}

static void add_source(rd_table *t, const char *path) {
    char needle[4200];
    snprintf(needle, sizeof needle, "`%s`", path);
    if (!strstr(t->caption, needle)) rd_appendf(t->caption, sizeof t->caption, " %s", needle);
}

static void note_missing(rd_table *t, const rd_run *r, const rd_item *it, const rd_job *j,
                         const char *stage, const char *what) {
    if (!j) {
        rd_appendf(t->missing, sizeof t->missing,
                   "- %s: no %s job for %s in this campaign (left out by the configuration)\n",
                   it->label, stage, what);
        return;
    }
    const char *st = j->state[0] ? j->state : "never ran";
    char why[256] = "";
    if (!strcmp(st, "failed"))
        snprintf(why, sizeof why, " (see %s/logs/ and slurm/campaign.sh status)", r->run_dir);
    rd_appendf(t->missing, sizeof t->missing, "- %s: `%s` missing: stage %s job %s %s%s\n",
               it->label, j->output, stage, j->label, st, why);
}

static rd_row *new_row(rd_table *t, const char *label, int paper) {
    if (t->nrows == RD_MAX_ROWS) return NULL;
    rd_row *row = &t->rows[t->nrows++];
    memset(row, 0, sizeof *row);
    snprintf(row->label, sizeof row->label, "%s", label);
    row->paper = paper;
    return row;
}

static void set_cell(rd_table *t, const rd_item *it, rd_row *row, int c, double v, double sd,
                     const char *path) {
    row->c[c].has = 1;
    row->c[c].v = v;
    row->c[c].sd = sd;
    if (isnan(v)) {
        row->c[c].nan = 1;
        rd_appendf(t->missing, sizeof t->missing, "- %s: %s is NaN in `%s`\n", it->label, t->col[c],
                   path);
    }
}

// The paper's row for `label` (if the paper has that model): column c of ours is the paper's
// map(col) in `section`.
static void paper_row(rd_table *t, const rd_paper *pp, const char *section, const char *label,
                      const char *const (*map)[2], int nmap) {
    if (!pp || !pp->nrows) return;
    int found = 0;
    for (int r = 0; r < pp->nrows; r++)
        if (!strcmp(pp->model[r], label) && (!section || !strcmp(pp->section[r], section)))
            found = 1;
    if (!found) return;
    rd_row *row = new_row(t, label, 1);
    if (!row) return;
    for (int c = 0; c < t->ncols; c++) {
        int star;
        const char *pc = map ? map_col(map, nmap, t->col[c]) : t->col[c];
        double v = rd_paper_value(pp, section, label, pc, &star);
        if (isnan(v)) continue;
        row->c[c].has = 1;
        row->c[c].v = v;
        row->c[c].mark = star;
        char sdcol[64];
        snprintf(sdcol, sizeof sdcol, "%s_std", pc);
        row->c[c].sd = t->show_sd ? rd_paper_value(pp, section, label, sdcol, NULL) : NAN;
    }
}

// One of our rows from a 1-d variable whose labels name the columns (mapped by `cols`).
static rd_row *vec_row(rd_table *t, const rd_run *r, const rd_item *it, const char *stage,
                       const char *job_label, const char *var) {
    const rd_job *j = rd_find_job(r, stage, job_label);
    rd_vec v;
    if (!j || access(j->output, F_OK)) {
        note_missing(t, r, it, j, stage, job_label);
        return NULL;
    }
    if (rd_read_vec(j->output, var, &v)) {
        rd_appendf(t->missing, sizeof t->missing, "- %s: %s\n", it->label, inv_errmsg());
        return NULL;
    }
    rd_row *row = new_row(t, it->label, 0);
    if (!row) return NULL;
    add_source(t, j->output);
    for (int i = 0; i < v.n; i++) {
        int c = col_index(t, v.label[i]);
        if (c >= 0) set_cell(t, it, row, c, v.v[i], NAN, j->output);
    }
    return row;
}

// One cell from a 0-d (or first element of a 1-d) variable of the job's file.
static int scalar_cell(rd_table *t, const rd_run *r, const rd_item *it, rd_row *row, int c,
                       const char *stage, const char *job_label, const char *var,
                       const char *sd_var) {
    const rd_job *j = rd_find_job(r, stage, job_label);
    rd_vec v, s;
    if (!j || access(j->output, F_OK)) {
        note_missing(t, r, it, j, stage, job_label);
        return -1;
    }
    if (rd_read_vec(j->output, var, &v) || v.n < 1) {
        rd_appendf(t->missing, sizeof t->missing, "- %s: %s\n", it->label, inv_errmsg());
        return -1;
    }
    double sd = NAN;
    if (sd_var && !rd_read_vec(j->output, sd_var, &s) && s.n >= 1) sd = s.v[0];
    set_cell(t, it, row, c, v.v[0], sd, j->output);
    add_source(t, j->output);
    return 0;
}

// Significance bullets from a compare file: `mark(model, column)` with `column_name(column)`
// (or `mark(model)` for one real-world set), models in the order the compare job lists them.
static void apply_marks(rd_table *t, const rd_run *r, const char *job_label, int col_fixed) {
    const rd_job *j = rd_find_job(r, "compare", job_label);
    if (!j) return;
    if (access(j->output, F_OK)) {
        rd_appendf(t->missing, sizeof t->missing,
                   "- significance marks: `%s` missing (stage compare %s)\n", j->output,
                   j->state[0] ? j->state : "never ran");
        return;
    }
    static double m[256 * 256];
    int rows = 0, cols = 0;
    rd_vec v;
    char labels[256][64];
    int nl = 0;
    if (rd_read_mat(j->output, "mark", &rows, &cols, m, 256 * 256)) {
        if (rd_read_vec(j->output, "mark", &v)) {
            rd_appendf(t->missing, sizeof t->missing, "- significance marks: %s\n", inv_errmsg());
            return;
        }
        rows = v.n;
        cols = 1;
        memcpy(m, v.v, sizeof(double) * (size_t)v.n);
    }
    if (rd_read_labels(j->output, "column_name", labels, 256, &nl)) // invar-measure compare
        rd_read_labels(j->output, "transform_name", labels, 256, &nl);
    add_source(t, j->output);
    for (int k = 0; k < rows && k < j->nmembers; k++) {
        const rd_item *it = NULL;
        for (int i = 0; i < r->nitems; i++)
            if (!strcmp(r->items[i].id, j->members[k])) it = &r->items[i];
        if (!it) continue;
        for (int row = 0; row < t->nrows; row++) {
            if (t->rows[row].paper || strcmp(t->rows[row].label, it->label)) continue;
            for (int c = 0; c < cols; c++) {
                int tc = col_fixed >= 0 ? col_fixed : (nl == cols ? col_index(t, labels[c]) : c);
                if (tc >= 0 && tc < t->ncols && m[k * cols + c] > 0) t->rows[row].c[tc].mark = 1;
            }
        }
    }
}

static void start(rd_table *t, const char *id, const char *title, int higher, int digits) {
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    snprintf(t->title, sizeof t->title, "%s", title);
    t->higher_better = higher;
    t->digits = digits;
}

static int first_set(const rd_run *r, const char *stage, char *set, size_t size) {
    for (int i = 0; i < r->njobs; i++) {
        if (strcmp(r->jobs[i].stage, stage)) continue;
        const char *slash = strchr(r->jobs[i].label, '/');
        if (slash) {
            snprintf(set, size, "%s", slash + 1);
            return 1;
        }
    }
    return 0;
}

// Real-world sets of the campaign, in plan order.
static int rw_sets(const rd_run *r, char sets[][32], int max) {
    int n = 0;
    for (int i = 0; i < r->njobs && n < max; i++) {
        if (strcmp(r->jobs[i].stage, "realworld")) continue;
        const char *s = strchr(r->jobs[i].label, '/');
        if (!s) continue;
        int k;
        for (k = 0; k < n; k++)
            if (!strcmp(sets[k], s + 1)) break;
        if (k == n) snprintf(sets[n++], 32, "%s", s + 1);
    }
    if (n == 0) // no real-world jobs: the paper's columns still frame the table
        for (int k = 0; k < 6 && k < max; k++) snprintf(sets[n++], 32, "%s", rw_paper[k][0]);
    return n;
}

void rt_table2(rd_table *t, const rd_run *r, const rd_paper *pp, int similarity) {
    start(t, similarity ? "table2_similarity" : "table2_distance",
          similarity ? "Table 2 (similarity): synthetic transforms, whitened cosine similarity "
                       "(higher = more invariant)"
                     : "Table 2 (distance): synthetic transforms, Mahalanobis distance (lower = "
                       "more invariant)",
          similarity, 2);
    for (int c = 0; c < 18; c++)
        snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", transforms[c]);
    char set[32] = "shape";
    first_set(r, "synthetic", set, sizeof set);
    rd_appendf(t->caption, sizeof t->caption,
               "Ours: `mean_%s(transform)` of `invar-measure synthetic` on the world's `%s` set; "
               "paper: ResNet-50 on ImageNet (results/paper/table2_synthetic.csv). Sources:",
               similarity ? "similarity" : "distance", set);
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (!rt_single(it)) continue;
        char label[256];
        snprintf(label, sizeof label, "%s/%s", it->id, set);
        vec_row(t, r, it, "synthetic", label, similarity ? "mean_similarity" : "mean_distance");
        paper_row(t, pp, similarity ? "similarity" : "distance", it->label, NULL, 0);
    }
    rd_table_bold(t);
    if (similarity) {
        char cl[64];
        snprintf(cl, sizeof cl, "synthetic_%s", set);
        apply_marks(t, r, cl, -1);
    }
    rd_appendf(t->caption, sizeof t->caption,
               "\nBold: our best per column. • : significantly the most invariant of the compared "
               "models (Hoeffding, Bonferroni; ours from `invar-measure compare`, the paper's "
               "from its '*').");
}

void rt_table3(rd_table *t, const rd_run *r, const rd_paper *pp, int similarity) {
    start(t, similarity ? "table3_similarity" : "table3_distance",
          similarity ? "Table 3 (similarity): real-world transforms (all pairs within a group)"
                     : "Table 3 (distance): real-world transforms (all pairs within a group)",
          similarity, 2);
    char sets[16][32];
    int ns = rw_sets(r, sets, 16);
    for (int c = 0; c < ns; c++) snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", sets[c]);
    rd_appendf(
        t->caption, sizeof t->caption,
        "Ours: `mean_%s` of `invar-measure realworld` on the world's group sets; the paper's "
        "row gives the data set standing for each (viewpoint: ALOI viewpoint, illumination: "
        "ALOI illumination, temperature: ALOI temperature, exposure: ExposureErrors, blur: "
        "RealBlur, stereo: Flickr1024; results/paper/table3_realworld.csv). Sources:",
        similarity ? "similarity" : "distance");
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (!rt_single(it)) continue;
        rd_row *row = NULL;
        int nrow = t->nrows;
        row = new_row(t, it->label, 0);
        int got = 0;
        for (int c = 0; c < ns && row; c++) {
            char label[256];
            snprintf(label, sizeof label, "%s/%s", it->id, sets[c]);
            got += scalar_cell(t, r, it, row, c, "realworld", label,
                               similarity ? "mean_similarity" : "mean_distance", NULL) == 0;
        }
        if (!got) t->nrows = nrow; // nothing of ours: no empty row
        paper_row(t, pp, similarity ? "similarity" : "distance", it->label, rw_paper, 6);
    }
    rd_table_bold(t);
    for (int c = 0; similarity && c < ns; c++) {
        char cl[64];
        snprintf(cl, sizeof cl, "realworld_%s", sets[c]);
        apply_marks(t, r, cl, c);
    }
    rd_appendf(t->caption, sizeof t->caption,
               "\nBold: our best per column. • : significant "
               "(Hoeffding, Bonferroni).");
}

void rt_table4(rd_table *t, const rd_run *r, const rd_paper *pp) {
    start(t, "table4_krr", "Table 4: kernel ridge regression R^2 of each latent (ident sets)", 1,
          2);
    static const char *const ours[10] = {
        "position_x",     "position_y",      "position_z", "rotation_alpha", "rotation_beta",
        "rotation_gamma", "spotlight_angle", "object_hue", "spotlight_hue",  "background_hue"};
    const char *map[10][2];
    for (int c = 0; c < 10; c++) {
        snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", ours[c]);
        map[c][0] = ours[c];
        map[c][1] = latent_paper[c];
    }
    rd_appendf(t->caption, sizeof t->caption,
               "Ours: test `r2(target)` of `invar-probe krr` (ident_train -> ident_test); paper: "
               "Causal3DIdent (results/paper/table4_causal3dident.csv, columns obj_pos_x ... "
               "bkg_colour in the same order). Sources:");
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (it->seed_copy || it->grid) continue;
        char label[256];
        snprintf(label, sizeof label, "%s/krr", it->id);
        vec_row(t, r, it, "krr", label, "r2");
        paper_row(t, pp, NULL, it->label, map, 10);
    }
    rd_table_bold(t);
    rd_appendf(t->caption, sizeof t->caption, "\nBold: our best per column.");
}

void rt_table5(rd_table *t, const rd_run *r, const rd_paper *pp) {
    start(t, "table5_downstream", "Table 5: linear probes, mean ± std over folds at the best l2", 1,
          2);
    t->show_sd = 1;
    for (int k = 0; k < r->ntasks; k++)
        snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", r->tasks[k]);
    snprintf(t->col[t->ncols++], sizeof t->col[0], "avg");
    rd_appendf(t->caption, sizeof t->caption,
               "Ours: `best_mean(task)` ± `best_std(task)` (std over folds) of `invar-probe "
               "linear` (classify: accuracy; regress: R^2); avg = mean over our tasks, its ± the "
               "mean of the stds. The paper's row gives the task standing for each (shape: "
               "CIFAR10, colour: Flowers, keypoints: 300W, pose: LSPose; "
               "results/paper/table5_downstream.csv). Sources:");
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (it->seed_copy || it->grid) continue;
        int nrow = t->nrows;
        rd_row *row = new_row(t, it->label, 0);
        if (!row) break;
        int got = 0, nan = 0;
        double sum = 0, sds = 0;
        for (int k = 0; k < r->ntasks; k++) {
            char label[256];
            snprintf(label, sizeof label, "%s/%s", it->id, r->tasks[k]);
            if (scalar_cell(t, r, it, row, k, "linear", label, "best_mean", "best_std") == 0) {
                got++;
                nan |= isnan(row->c[k].v);
                sum += row->c[k].v;
                sds += row->c[k].sd;
            }
        }
        if (!got)
            t->nrows = nrow;
        else if (got == r->ntasks && !nan) // (a NaN task is listed already; no avg then)
            set_cell(t, it, row, r->ntasks, sum / got, sds / got, "");
        paper_row(t, pp, NULL, it->label, task_paper, 5);
    }
    rd_table_bold(t);
    rd_appendf(t->caption, sizeof t->caption, "\nBold: our best per column.");
}

void rt_tableC1(rd_table *t, const rd_run *r, const rd_paper *pp, int part) {
    static const char *const titles[4] = {
        "Table C.1 (alignment, synthetic): Wang & Isola alignment (lower = more invariant)",
        "Table C.1 (alignment, real-world): alignment on the group sets",
        "Table C.1 (uniformity): uniformity of augmented views",
        "Table C.1 (ACR): average "
        "confusion ratio"};
    static const char *const ids[4] = {"tableC1_alignment", "tableC1_alignment_real",
                                       "tableC1_uniformity", "tableC1_acr"};
    static const char *const sections[4] = {"alignment", "alignment_real", "uniformity", "acr"};
    start(t, ids[part], titles[part], part >= 2, 2);
    char set[32] = "shape", sets[16][32];
    int ns = 0;
    if (part == 0) {
        for (int c = 0; c < 18; c++)
            snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", transforms[c]);
        first_set(r, "synthetic", set, sizeof set);
        rd_appendf(t->caption, sizeof t->caption,
                   "Ours: `mean_alignment(transform)` of `invar-measure synthetic`. Sources:");
    } else if (part == 1) {
        ns = rw_sets(r, sets, 16);
        for (int c = 0; c < ns; c++) snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", sets[c]);
        rd_appendf(t->caption, sizeof t->caption,
                   "Ours: `mean_alignment` of `invar-measure realworld` (paper columns as Table "
                   "3). Sources:");
    } else {
        snprintf(t->col[t->ncols++], sizeof t->col[0], "default");
        rd_appendf(t->caption, sizeof t->caption,
                   "Ours: `%s` of `invar-measure views` (views drawn with the campaign's "
                   "views_policy). Sources:",
                   part == 2 ? "uniformity" : "acr");
    }
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (!rt_single(it)) continue;
        char label[256];
        if (part == 0) {
            snprintf(label, sizeof label, "%s/%s", it->id, set);
            vec_row(t, r, it, "synthetic", label, "mean_alignment");
        } else if (part == 1) {
            int nrow = t->nrows, got = 0;
            rd_row *row = new_row(t, it->label, 0);
            for (int c = 0; c < ns && row; c++) {
                snprintf(label, sizeof label, "%s/%s", it->id, sets[c]);
                got +=
                    scalar_cell(t, r, it, row, c, "realworld", label, "mean_alignment", NULL) == 0;
            }
            if (!got) t->nrows = nrow;
        } else {
            const rd_job *j = NULL;
            for (int k = 0; k < r->njobs && !j; k++)
                if (!strcmp(r->jobs[k].stage, "views") &&
                    !strncmp(r->jobs[k].label, it->id, strlen(it->id)) &&
                    r->jobs[k].label[strlen(it->id)] == '/')
                    j = &r->jobs[k];
            int nrow = t->nrows;
            rd_row *row = new_row(t, it->label, 0);
            if (row && (!j || scalar_cell(t, r, it, row, 0, "views", j->label,
                                          part == 2 ? "uniformity" : "acr", NULL)))
                t->nrows = nrow;
            if (!j) note_missing(t, r, it, NULL, "views", "views");
        }
        paper_row(t, pp, sections[part], it->label, part == 1 ? rw_paper : NULL, part == 1 ? 6 : 0);
    }
    // Uniformity: the paper reports -log E exp(-2 d^2) (higher = more uniform); ACR: higher =
    // more confusion, so neither has a "best" in the invariance sense; bold marks the largest.
    rd_table_bold(t);
    rd_appendf(t->caption, sizeof t->caption, "\nBold: our %s per column.",
               t->higher_better ? "largest" : "smallest (most aligned)");
}

void rt_grid(rd_table *t, const rd_run *r, const char *grid_id) {
    char title[256];
    snprintf(title, sizeof title, "Grid %s: invariance families and task scores per grid point",
             grid_id);
    start(t, "grid", title, 1, 3);
    snprintf(t->id, sizeof t->id, "grid_%s", grid_id);
    snprintf(t->col[t->ncols++], sizeof t->col[0], "spatial_similarity");
    snprintf(t->col[t->ncols++], sizeof t->col[0], "appearance_similarity");
    for (int k = 0; k < r->ntasks; k++)
        snprintf(t->col[t->ncols++], sizeof t->col[0], "%s", r->tasks[k]);
    char set[32] = "shape";
    first_set(r, "synthetic", set, sizeof set);
    rd_appendf(t->caption, sizeof t->caption,
               "Family means of `mean_similarity(transform)` (spatial: resized_crop ... deform; "
               "appearance: grayscale ... invert) and `best_mean` per task. Sources:");
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (!it->grid || strcmp(it->grid_id, grid_id)) continue;
        rd_row *row = new_row(t, it->grid_values, 0);
        if (!row) break;
        char label[256];
        snprintf(label, sizeof label, "%s/%s", it->id, set);
        const rd_job *j = rd_find_job(r, "synthetic", label);
        rd_vec v;
        if (j && !access(j->output, F_OK) && !rd_read_vec(j->output, "mean_similarity", &v)) {
            double sum[2] = {0, 0};
            int cnt[2] = {0, 0};
            for (int e = 0; e < v.n; e++)
                for (int q = 0; q < 18; q++)
                    if (!strcmp(v.label[e], transforms[q])) sum[q >= 8] += v.v[e], cnt[q >= 8]++;
            for (int fam = 0; fam < 2; fam++)
                if (cnt[fam]) set_cell(t, it, row, fam, sum[fam] / cnt[fam], NAN, j->output);
            add_source(t, j->output);
        } else {
            note_missing(t, r, it, j, "synthetic", label);
        }
        for (int k = 0; k < r->ntasks; k++) {
            snprintf(label, sizeof label, "%s/%s", it->id, r->tasks[k]);
            scalar_cell(t, r, it, row, 2 + k, "linear", label, "best_mean", "best_std");
        }
    }
    rd_table_bold(t);
}
