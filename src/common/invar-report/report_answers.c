// report_answers.c: results/README.md's answers to the paper's four questions, computed from
// the campaign's tables (never fixed text): each answer names the numbers that decide it, says
// whether they support the paper's answer, and says what is missing when it cannot be decided;
// then a recommendation table (per task: the best model or fusion and the invariances it has).
#include "report_answers.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const spatial_tf[8] = {"resized_crop", "hflip",    "vflip",       "scale",
                                          "shear",        "rotation", "translation", "deform"};
static const char *const appearance_tf[10] = {"grayscale", "brightness", "contrast",  "saturation",
                                              "hue",       "blur",       "sharpness", "equalize",
                                              "posterize", "invert"};

static double value(const rd_table *t, const char *label, const char *col, double *sd) {
    if (sd) *sd = NAN;
    int c;
    for (c = 0; c < t->ncols; c++)
        if (!strcmp(t->col[c], col)) break;
    if (c == t->ncols) return NAN;
    for (int r = 0; r < t->nrows; r++)
        if (!t->rows[r].paper && !strcmp(t->rows[r].label, label) && t->rows[r].c[c].has) {
            if (sd) *sd = t->rows[r].c[c].sd;
            return t->rows[r].c[c].v;
        }
    return NAN;
}

// Mean of a model's row over a family of columns (NaN if any is missing).
static double family_mean(const rd_table *t, const char *label, const char *const *cols, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        double v = value(t, label, cols[i], NULL);
        if (isnan(v)) return NAN;
        s += v;
    }
    return s / n;
}

static const char *verdict(int ok) {
    return ok ? "**supports the paper**" : "**does not support the paper**";
}

static void q1(FILE *f, const rd_table *t3) {
    fprintf(f,
            "## Q1: do synthetic invariances generalise to real-world ones?\n\n"
            "Paper (A1): yes; spatial-style augmentation gives more invariance to viewpoint-like "
            "changes, appearance-style to lighting colour, exposure and blur.\n\n");
    static const char *const sets[6][2] = {
        {"viewpoint", "Spatial"},      {"stereo", "Spatial"},      {"illumination", "Appearance"},
        {"temperature", "Appearance"}, {"exposure", "Appearance"}, {"blur", "Appearance"}};
    int n = 0, agree = 0;
    char lines[4096] = "";
    for (int i = 0; i < 6; i++) {
        double s = value(t3, "Spatial", sets[i][0], NULL),
               a = value(t3, "Appearance", sets[i][0], NULL);
        if (isnan(s) || isnan(a)) continue;
        n++;
        int ok = !strcmp(sets[i][1], "Spatial") ? s > a : a > s;
        agree += ok;
        rd_appendf(lines, sizeof lines, "| %s | %.3f | %.3f | %s | %s |\n", sets[i][0], s, a,
                   sets[i][1], ok ? "yes" : "no");
    }
    if (n == 0) {
        fprintf(
            f, "**Cannot be decided from this run:** Table 3 (similarity) has no pair of "
               "Spatial and Appearance values (stage realworld did not produce them; see Table 3's "
               "missing list).\n\n");
        return;
    }
    fprintf(f,
            "Mean real-world similarity (Table 3), the model the paper expects to be more "
            "invariant, and whether ours is:\n\n| set | Spatial | Appearance | expected | "
            "agrees |\n| --- | ---: | ---: | --- | --- |\n%s\n",
            lines);
    fprintf(f, "%d of %d sets agree with the paper's direction: this run %s%s.\n\n", agree, n,
            verdict(2 * agree > n), 2 * agree > n && agree < n ? " (not on every set)" : "");
}

static void q2(FILE *f, const rd_table *t2, const rd_run *r, const char *grid_text) {
    fprintf(f, "## Q2: is there a trade-off between invariance families?\n\n"
               "Paper (A2): yes; promoting appearance invariance decreases spatial invariance and "
               "vice versa.\n\n");
    double ss = family_mean(t2, "Spatial", spatial_tf, 8),
           sa = family_mean(t2, "Spatial", appearance_tf, 10);
    double as = family_mean(t2, "Appearance", spatial_tf, 8),
           aa = family_mean(t2, "Appearance", appearance_tf, 10);
    if (isnan(ss) || isnan(sa) || isnan(as) || isnan(aa)) {
        fprintf(f, "**Cannot be decided from the models:** Table 2 (similarity) lacks the "
                   "Spatial or Appearance model's values on every transform (see its missing "
                   "list).\n\n");
    } else {
        int ok = ss > as && aa > sa;
        fprintf(f,
                "Mean synthetic similarity (Table 2) per family: Spatial model %.3f (spatial) / "
                "%.3f (appearance); Appearance model %.3f (spatial) / %.3f (appearance). A "
                "trade-off means each model is the more invariant one on its own family "
                "(%.3f > %.3f and %.3f > %.3f): this run %s.\n\n",
                ss, sa, as, aa, ss, as, aa, sa, verdict(ok));
    }
    (void)r;
    if (grid_text[0]) fprintf(f, "%s\n", grid_text);
}

static void q3(FILE *f, const rd_table *t5) {
    fprintf(f, "## Q3: do different downstream tasks want different invariances?\n\n"
               "Paper (A3): yes; recognition prefers Default or Spatial, pose-related tasks "
               "prefer Appearance (Default under-performs there).\n\n");
    static const char *const rec[] = {"shape", "colour"}, *const pose[] = {"keypoints", "pose"};
    int n = 0, agree = 0;
    char lines[4096] = "";
    for (int i = 0; i < 2; i++) {
        double d = value(t5, "Default", rec[i], NULL), s = value(t5, "Spatial", rec[i], NULL),
               a = value(t5, "Appearance", rec[i], NULL);
        if (isnan(d) || isnan(s) || isnan(a)) continue;
        n++;
        int ok = fmax(d, s) > a;
        agree += ok;
        rd_appendf(lines, sizeof lines,
                   "| %s (recognition) | %.3f | %.3f | %.3f | max(Default, "
                   "Spatial) > Appearance | %s |\n",
                   rec[i], d, s, a, ok ? "yes" : "no");
    }
    for (int i = 0; i < 2; i++) {
        double d = value(t5, "Default", pose[i], NULL), s = value(t5, "Spatial", pose[i], NULL),
               a = value(t5, "Appearance", pose[i], NULL);
        if (isnan(d) || isnan(a)) continue;
        n++;
        int ok = a > d;
        agree += ok;
        rd_appendf(lines, sizeof lines,
                   "| %s (pose-related) | %.3f | %.3f | %.3f | Appearance > "
                   "Default | %s |\n",
                   pose[i], d, s, a, ok ? "yes" : "no");
    }
    if (!n) {
        fprintf(f, "**Cannot be decided from this run:** Table 5 lacks the Default, Spatial and "
                   "Appearance models' probe scores (see its missing list).\n\n");
        return;
    }
    fprintf(f,
            "| task | Default | Spatial | Appearance | the paper's direction | agrees |\n"
            "| --- | ---: | ---: | ---: | --- | --- |\n%s\n",
            lines);
    fprintf(f, "%d of %d tasks agree: this run %s.\n\n", agree, n, verdict(2 * agree > n));
}

static void q4(FILE *f, const rd_table *t5, const rd_run *r) {
    fprintf(f, "## Q4: does fusing representations perform well across all tasks?\n\n"
               "Paper (A4): yes; fusions of differently-invariant models are consistently "
               "strong.\n\n");
    double best_single = NAN, best_fusion = NAN;
    const char *bs = "", *bf = "";
    for (int i = 0; i < r->nitems; i++) {
        const rd_item *it = &r->items[i];
        if (it->seed_copy || it->grid) continue;
        double v = value(t5, it->label, "avg", NULL);
        if (isnan(v)) continue;
        if (it->fusion && (isnan(best_fusion) || v > best_fusion)) best_fusion = v, bf = it->label;
        if (!it->fusion && (isnan(best_single) || v > best_single)) best_single = v, bs = it->label;
    }
    if (isnan(best_single) || isnan(best_fusion)) {
        fprintf(f,
                "**Cannot be decided from this run:** Table 5 needs the average score of at "
                "least one fusion and one single model%s.\n\n",
                isnan(best_fusion) ? " (no fusion has every task)"
                                   : " (no single model has every task)");
        return;
    }
    // Consistency: on how many tasks is the best fusion within 0.02 of the best single model?
    int close = 0, n = 0;
    for (int k = 0; k < r->ntasks; k++) {
        double top = NAN;
        for (int i = 0; i < r->nitems; i++) {
            const rd_item *it = &r->items[i];
            if (it->fusion || it->seed_copy || it->grid) continue;
            double v = value(t5, it->label, r->tasks[k], NULL);
            if (!isnan(v) && (isnan(top) || v > top)) top = v;
        }
        double fv = value(t5, bf, r->tasks[k], NULL);
        if (isnan(top) || isnan(fv)) continue;
        n++;
        close += fv >= top - 0.02;
    }
    int ok = best_fusion >= best_single;
    fprintf(f,
            "Average over tasks (Table 5, avg): best fusion %s %.3f, best single model %s "
            "%.3f; the fusion is within 0.02 of the best single model on %d of %d tasks. The "
            "fusion at least matching every single model on average %s.\n\n",
            bf, best_fusion, bs, best_single, close, n,
            ok ? "holds: this run **supports the paper**"
               : "does not hold: this run **does not support the paper**");
}

static void recommend(FILE *f, const rd_table *t5, const rd_run *r) {
    fprintf(f, "## Recommendations\n\nPer task, the model or fusion with the best probe score in "
               "this run and the invariances it was trained for:\n\n| task | use | score | "
               "invariances |\n| --- | --- | ---: | --- |\n");
    for (int k = 0; k < r->ntasks; k++) {
        const rd_item *best = NULL;
        double bv = NAN, bsd = NAN;
        for (int i = 0; i < r->nitems; i++) {
            const rd_item *it = &r->items[i];
            if (it->seed_copy || it->grid) continue;
            double sd, v = value(t5, it->label, r->tasks[k], &sd);
            if (!isnan(v) && (isnan(bv) || v > bv)) bv = v, bsd = sd, best = it;
        }
        if (!best) {
            fprintf(f, "| %s | (no scores) | - | - |\n", r->tasks[k]);
            continue;
        }
        const char *inv = "";
        char buf[512];
        if (best->fusion) {
            snprintf(buf, sizeof buf, "several families side by side (fusion of %s)", best->policy);
            inv = buf;
        } else if (!strcmp(best->kind, "random"))
            inv = "none (random init)";
        else if (!strcmp(best->kind, "checkpoint"))
            inv = "those of the external checkpoint";
        else if (!strcmp(best->policy, "spatial"))
            inv = "spatial (crops, flips); sensitive to appearance";
        else if (!strcmp(best->policy, "appearance"))
            inv = "appearance (colour, blur); sensitive to spatial changes";
        else if (!strcmp(best->policy, "default"))
            inv = "both families (MoCo-v2 default augmentations)";
        else {
            snprintf(buf, sizeof buf, "those of policy %s", best->policy);
            inv = buf;
        }
        fprintf(f, "| %s | %s | %.3f ± %.3f | %s |\n", r->tasks[k], best->label, bv, bsd, inv);
    }
    fprintf(f, "\n");
}

void ra_write(FILE *f, const rd_run *r, const rd_table *t2s, const rd_table *t3s,
              const rd_table *t5, const char *grid_text) {
    q1(f, t3s);
    q2(f, t2s, r, grid_text);
    q3(f, t5);
    q4(f, t5, r);
    recommend(f, t5, r);
}
