// campaign_downstream.c: the jobs of the stages after training: features of every model on
// every set a later stage reads, the synthetic and real-world sweeps and views per model,
// compare over the compared models, KRR and linear probes per model and fusion, the rank
// correlations E.1/E.2 and the report.
#include "campaign_jobs.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static void feature_path(const campaign_plan *p, const char *model, const char *set, char *out,
                         size_t size) {
    snprintf(out, size, "%s/features/%s/%s.nc", p->run_dir, model, set);
}

// The members' feature files of a model (one) or fusion (several) joined by '+'.
// (each one also appended to the job's inputs)
static void fused_features(const campaign_plan *p, const int *members, int n, const char *set,
                           sbuf *b, sbuf *inputs) {
    for (int k = 0; k < n; k++) {
        char f[4400];
        feature_path(p, p->models[members[k]].id, set, f, sizeof f);
        sb_add(b, "%s%s", k ? "+" : "", f);
        sb_file(inputs, f);
    }
}

// Models measured and probed: every model; the "primary" ones (no seed copies or grid points)
// enter the k-way comparisons and the rank correlations unless the config names them.
static int primary(const plan_model *m) {
    return !m->seed_copy && !m->grid[0];
}

static int model_list(campaign_plan *p, const char *key, int *idx) {
    const char *v = config_get(&p->cfg, "sweeps", "", key);
    int n = 0;
    if (!v) {
        for (int i = 0; i < p->nmodels; i++)
            if (primary(&p->models[i])) idx[n++] = i;
        return n;
    }
    char buf[2048], *items[PLAN_MAX_MODELS];
    int k = config_split(v, ',', buf, sizeof buf, items, PLAN_MAX_MODELS);
    for (int i = 0; i < k; i++) {
        int mi = -1;
        for (int j = 0; j < p->nmodels; j++)
            if (!strcmp(p->models[j].id, items[i])) mi = j;
        if (mi < 0)
            return -inv_fail(INV_EINVAL, "%s: %s: '%s' is not a model or baseline id",
                             config_source(&p->cfg, "sweeps", "", key), key, items[i]);
        idx[n++] = mi;
    }
    return n;
}

static int set_list(campaign_plan *p, const char *key, const char *dflt, char *buf, size_t size,
                    char **items, int max) {
    const char *v = plan_cfg(p, "sweeps", key, dflt);
    int n = config_split(v, ',', buf, size, items, max);
    for (int i = 0; i < n; i++)
        if (plan_set_index(items[i]) < 0)
            return -inv_fail(INV_EINVAL, "%s: %s: '%s' is not a data set name",
                             config_source(&p->cfg, "sweeps", "", key), key, items[i]);
    return n;
}

static int flag(campaign_plan *p, const char *kind, const char *key, int dflt) {
    int v = dflt;
    if (config_get_bool(&p->cfg, kind, "", key, dflt, &v)) return -1;
    return v;
}

static void preprocess_opts(campaign_plan *p, const char *kind, sbuf *cmd) {
    const char *r = config_get(&p->cfg, kind, "", "resize"),
               *c = config_get(&p->cfg, kind, "", "crop");
    if (r) sb_add(cmd, " --resize %s", r);
    if (c) sb_add(cmd, " --crop %s", c);
}

// The [sweeps] options of a sweep (synthetic: images, grid, transforms, batch), then resize,
// crop, protocol and the common options.
static void sweep_opts(campaign_plan *p, int synthetic, sbuf *cmd) {
    if (synthetic) {
        const char *keys[] = {"images", "grid", "transforms", "batch"};
        for (int q = 0; q < 4; q++) {
            const char *v = config_get(&p->cfg, "sweeps", "", keys[q]);
            if (v) sb_add(cmd, " --%s %s", keys[q], v);
        }
    }
    preprocess_opts(p, "sweeps", cmd);
    const char *proto = config_get(&p->cfg, "sweeps", "", "protocol");
    if (proto) sb_add(cmd, " --protocol %s", proto);
    plan_common_opts(p, cmd);
}

// The checkpoints of a trained model's series, in training order, with the epoch each stands
// for: checkpoint_init (train_args has --save-initial; epoch 0), every kept
// checkpoint_EEEE before the last epoch (after epoch E + 1), and the last epoch's checkpoint
// (epoch = epochs: the final weights, the backbone's, with the epoch in their metadata, which
// backbone.safetensors lacks). Returns the count, or -1 on a keep_epochs list it cannot read.
static int series_checkpoints(const plan_model *m, char (*paths)[4200], int max) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", m->checkpoint);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    int n = 0;
    if (strstr(m->train_args, "--save-initial"))
        snprintf(paths[n++], sizeof paths[0], "%s/checkpoint_init.safetensors", dir);
    unsigned char keep[1 << 12] = {0};
    if (!strcmp(m->keep_epochs, "all")) {
        memset(keep, 1, sizeof keep);
    } else if (m->keep_epochs[0]) {
        char buf[256], *items[256];
        int k = config_split(m->keep_epochs, ',', buf, sizeof buf, items, 256);
        if (k < 0) return -1;
        for (int i = 0; i < k; i++) {
            char *end;
            long e = strtol(items[i], &end, 10);
            if (*end || e < 0) return -1;
            if (e < (long)sizeof keep) keep[e] = 1;
        }
    }
    for (long e = 0; e + 1 < m->epochs && e < (long)sizeof keep && n + 1 < max; e++)
        if (keep[e])
            snprintf(paths[n++], sizeof paths[0], "%s/checkpoint_%04ld.safetensors", dir, e);
    if (m->epochs >= 1 && n < max)
        snprintf(paths[n++], sizeof paths[0], "%s/checkpoint_%04ld.safetensors", dir,
                 m->epochs - 1);
    return n;
}

// Figure C.1: one synthetic sweep over each series model's checkpoints ([sweeps] series,
// series_models; default: the single trained models with keep_epochs) on `set`, each checkpoint
// whitened with its own clean features of the stats shard.
static int series_jobs(campaign_plan *p, const char *set, const char *stats) {
    int on = flag(p, "sweeps", "series", 1);
    if (on < 0) return INV_EINVAL;
    if (!on) return INV_OK;
    int idx[PLAN_MAX_MODELS], n = 0;
    const char *list = config_get(&p->cfg, "sweeps", "", "series_models");
    if (list) {
        n = model_list(p, "series_models", idx);
        if (n < 0) return -n;
        for (int i = 0; i < n; i++)
            if (p->models[idx[i]].kind != MODEL_TRAINED)
                return inv_fail(INV_EINVAL, "%s: series_models: '%s' is not a trained model",
                                config_source(&p->cfg, "sweeps", "", "series_models"),
                                p->models[idx[i]].id);
    } else {
        for (int i = 0; i < p->nmodels; i++)
            if (p->models[i].kind == MODEL_TRAINED && primary(&p->models[i]) &&
                p->models[i].keep_epochs[0])
                idx[n++] = i;
    }
    static char paths[258][4200];
    for (int i = 0; i < n; i++) {
        const plan_model *m = &p->models[idx[i]];
        char label[256], o[4400];
        snprintf(label, sizeof label, "%s/series_%s", m->id, set);
        int nc = series_checkpoints(m, paths, 258);
        if (nc < 0)
            return inv_fail(INV_EINVAL, "%s: keep_epochs '%s': expected epochs as 0,1,5 or all",
                            config_source(&p->cfg, "model", m->id, "keep_epochs"), m->keep_epochs);
        if (nc < 2) {
            INV_TRY(plan_add_skip(p, STAGE_SYNTHETIC, label,
                                  "a series needs two checkpoints or more (keep_epochs, "
                                  "--save-initial in train_args)"));
            continue;
        }
        if (!plan_set_path(p, set)[0] || !plan_set_path(p, stats)[0]) {
            INV_TRY(plan_add_skip(p, STAGE_SYNTHETIC, label,
                                  "a data set it needs has no path in [data]"));
            continue;
        }
        sbuf out = {0}, in = {0}, cmd = {0}, models = {0};
        snprintf(o, sizeof o, "%s/measure/%s/synthetic_series_%s.nc", p->run_dir, m->id, set);
        sb_add(&out, "%s", o);
        for (int k = 0; k < nc; k++) {
            sb_add(&models, "%s%s", k ? "," : "", paths[k]);
            sb_file(&in, paths[k]);
        }
        sb_file(&in, plan_set_path(p, set));
        sb_file(&in, plan_set_path(p, stats));
        sb_add(&cmd, "mkdir -p %s/measure/%s && $LAUNCH invar-measure synthetic", p->run_dir,
               m->id);
        sb_opt(&cmd, "--model", models.s ? models.s : "");
        free(models.s);
        sb_add(&cmd, " --arch %s --stem %s --width %g", m->arch, m->stem, m->width);
        sb_opt(&cmd, "--data", plan_set_path(p, set));
        sb_opt(&cmd, "--stats", plan_set_path(p, stats));
        sb_opt(&cmd, "--out", o);
        sweep_opts(p, 1, &cmd);
        INV_TRY(plan_add_job(p, STAGE_SYNTHETIC, 1u << STAGE_TRAIN | 1u << STAGE_DATA, label,
                             plan_stage_ranks(p, STAGE_SYNTHETIC), &out, &in, &cmd));
    }
    return INV_OK;
}

int plan_downstream_jobs(campaign_plan *p) {
    int do_syn = flag(p, "sweeps", "synthetic", 1), do_rw = flag(p, "sweeps", "realworld", 1);
    int do_views = flag(p, "sweeps", "views", 1), do_cmp = flag(p, "sweeps", "compare", 1);
    int do_corr = flag(p, "sweeps", "correlate", 1), do_krr = flag(p, "probes", "krr", 1);
    int do_lin = flag(p, "probes", "linear", 1);
    if (do_syn < 0 || do_rw < 0 || do_views < 0 || do_cmp < 0 || do_corr < 0 || do_krr < 0 ||
        do_lin < 0)
        return INV_EINVAL;
    char sbufs[512], *syn_sets[PLAN_MAX_SETS], rbufs[512], *rw_sets[PLAN_MAX_SETS];
    int nsyn = set_list(p, "synthetic_sets", "shape", sbufs, sizeof sbufs, syn_sets, PLAN_MAX_SETS);
    int nrw =
        set_list(p, "realworld_sets", "viewpoint,illumination,temperature,exposure,blur,stereo",
                 rbufs, sizeof rbufs, rw_sets, PLAN_MAX_SETS);
    if (nsyn < 0 || nrw < 0) return -(nsyn < 0 ? nsyn : nrw);
    if (!do_syn) nsyn = 0;
    if (!do_rw) nrw = 0;
    const char *stats = plan_cfg(p, "sweeps", "stats_set", "shape");
    if (plan_set_index(stats) < 0)
        return inv_fail(INV_EINVAL, "%s: stats_set '%s' is not a data set name",
                        config_source(&p->cfg, "sweeps", "", "stats_set"), stats);
    // Feature sets each model needs.
    int need[PLAN_MAX_SETS] = {0};
    // (only for the stages in this campaign)
    do_krr &= p->stages[STAGE_KRR].included;
    do_lin &= p->stages[STAGE_LINEAR].included;
    if (!p->stages[STAGE_SYNTHETIC].included) nsyn = 0;
    if (!p->stages[STAGE_REALWORLD].included) nrw = 0;
    if (do_krr) need[plan_set_index("ident_train")] = need[plan_set_index("ident_test")] = 1;
    if (do_lin)
        for (int t = 0; t < p->ntasks; t++) need[plan_set_index(p->task_name[t])] = 1;
    if (nsyn || nrw) need[plan_set_index(stats)] = 1;
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        for (int s = 0; s < PLAN_MAX_SETS; s++) {
            if (!need[s]) continue;
            char label[256], f[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, plan_set_names[s]);
            if (!p->sets[s][0]) {
                INV_TRY(
                    plan_add_skip(p, STAGE_FEATURES, label, "the data set has no path in [data]"));
                continue;
            }
            sbuf out = {0}, in = {0}, cmd = {0};
            feature_path(p, m->id, plan_set_names[s], f, sizeof f);
            sb_add(&out, "%s", f);
            plan_model_input(m, &in);
            sb_file(&in, p->sets[s]);
            sb_add(&cmd, "mkdir -p %s/features/%s && $LAUNCH invar-measure features", p->run_dir,
                   m->id);
            plan_model_opts(m, &cmd);
            sb_opt(&cmd, "--data", p->sets[s]);
            sb_opt(&cmd, "--out", f);
            const char *b = config_get(&p->cfg, "features", "", "batch");
            if (b) sb_add(&cmd, " --batch %s", b);
            preprocess_opts(p, "features", &cmd);
            plan_common_opts(p, &cmd);
            INV_TRY(plan_add_job(p, STAGE_FEATURES, plan_model_needs(m) | 1u << STAGE_DATA, label,
                                 plan_stage_ranks(p, STAGE_FEATURES), &out, &in, &cmd));
        }
    }
    // Sweeps per model.
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        char statf[4400];
        feature_path(p, m->id, stats, statf, sizeof statf);
        for (int k = 0; k < nsyn + nrw; k++) {
            int syn = k < nsyn;
            const char *set = syn ? syn_sets[k] : rw_sets[k - nsyn];
            int stage = syn ? STAGE_SYNTHETIC : STAGE_REALWORLD;
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, set);
            if (!plan_set_path(p, set)[0] || !plan_set_path(p, stats)[0]) {
                INV_TRY(
                    plan_add_skip(p, stage, label, "a data set it needs has no path in [data]"));
                continue;
            }
            sbuf out = {0}, in = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/measure/%s/%s_%s.nc", p->run_dir, m->id,
                     syn ? "synthetic" : "realworld", set);
            sb_add(&out, "%s", o);
            plan_model_input(m, &in);
            sb_file(&in, plan_set_path(p, set));
            sb_file(&in, statf);
            sb_add(&cmd, "mkdir -p %s/measure/%s && $LAUNCH invar-measure %s", p->run_dir, m->id,
                   syn ? "synthetic" : "realworld");
            plan_model_opts(m, &cmd);
            sb_opt(&cmd, "--data", plan_set_path(p, set));
            sb_opt(&cmd, "--stats", statf);
            sb_opt(&cmd, "--out", o);
            sweep_opts(p, syn, &cmd);
            INV_TRY(plan_add_job(p, stage, plan_model_needs(m) | 1u << STAGE_FEATURES, label,
                                 plan_stage_ranks(p, stage), &out, &in, &cmd));
        }
        if (do_views) {
            const char *vs = plan_cfg(p, "sweeps", "views_set", "shape");
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, vs);
            if (plan_set_index(vs) < 0)
                return inv_fail(INV_EINVAL, "%s: views_set '%s' is not a data set name",
                                config_source(&p->cfg, "sweeps", "", "views_set"), vs);
            if (!plan_set_path(p, vs)[0]) {
                INV_TRY(plan_add_skip(p, STAGE_VIEWS, label, "the data set has no path in [data]"));
                continue;
            }
            sbuf out = {0}, in = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/measure/%s/views.nc", p->run_dir, m->id);
            sb_add(&out, "%s", o);
            plan_model_input(m, &in);
            sb_file(&in, plan_set_path(p, vs));
            sb_add(&cmd, "mkdir -p %s/measure/%s && $LAUNCH invar-measure views", p->run_dir,
                   m->id);
            plan_model_opts(m, &cmd);
            sb_opt(&cmd, "--data", plan_set_path(p, vs));
            sb_add(&cmd, " --policy %s --views %s --k %s",
                   plan_cfg(p, "sweeps", "views_policy", "default"),
                   plan_cfg(p, "sweeps", "views_count", "10"),
                   plan_cfg(p, "sweeps", "views_k", "10"));
            const char *vimages = config_get(&p->cfg, "sweeps", "", "views_images");
            if (vimages) sb_add(&cmd, " --images %s", vimages);
            // Views at the size the model was trained at (a baseline: the sweeps' crop).
            int vsize = m->size ? m->size : atoi(plan_cfg(p, "sweeps", "crop", "0"));
            if (vsize > 0) sb_add(&cmd, " --size %d", vsize);
            sb_opt(&cmd, "--out", o);
            plan_common_opts(p, &cmd);
            INV_TRY(plan_add_job(p, STAGE_VIEWS, plan_model_needs(m) | 1u << STAGE_DATA, label,
                                 plan_stage_ranks(p, STAGE_VIEWS), &out, &in, &cmd));
        }
    }
    if (nsyn) INV_TRY(series_jobs(p, syn_sets[0], stats));
    // compare: one job per swept set over the compared models.
    int cmp[PLAN_MAX_MODELS];
    int ncmp = model_list(p, "compare_models", cmp);
    if (ncmp < 0) return -ncmp;
    for (int k = 0; do_cmp && ncmp >= 2 && k < nsyn + nrw; k++) {
        int syn = k < nsyn;
        const char *set = syn ? syn_sets[k] : rw_sets[k - nsyn];
        const char *what = syn ? "synthetic" : "realworld";
        if (!plan_set_path(p, set)[0]) continue;
        sbuf out = {0}, in = {0}, cmd = {0};
        char o[4400], label[128];
        snprintf(label, sizeof label, "%s_%s", what, set);
        snprintf(o, sizeof o, "%s/measure/compare/%s_%s.nc", p->run_dir, what, set);
        sb_add(&out, "%s", o);
        sb_add(&cmd, "mkdir -p %s/measure/compare && invar-measure compare", p->run_dir);
        unsigned needs = 1u << (syn ? STAGE_SYNTHETIC : STAGE_REALWORLD);
        for (int q = 0; q < ncmp; q++) {
            char f[4400];
            snprintf(f, sizeof f, "%s/measure/%s/%s_%s.nc", p->run_dir, p->models[cmp[q]].id, what,
                     set);
            sb_arg(&cmd, f);
            sb_file(&in, f);
            needs |= plan_model_needs(&p->models[cmp[q]]);
        }
        sb_opt(&cmd, "--out", o);
        const char *alpha = config_get(&p->cfg, "sweeps", "", "alpha");
        if (alpha) sb_add(&cmd, " --alpha %s", alpha);
        INV_TRY(plan_add_job(p, STAGE_COMPARE, needs, label, 1, &out, &in, &cmd));
    }
    // Probes per model and fusion.
    int nitems = p->nmodels + p->nfusions;
    for (int it = 0; it < nitems; it++) {
        int single = it < p->nmodels, mem[16], nmem;
        const char *id, *l2;
        unsigned needs = 1u << STAGE_FEATURES;
        if (single) {
            mem[0] = it;
            nmem = 1;
            id = p->models[it].id;
            l2 = p->models[it].l2;
        } else {
            const plan_fusion *f = &p->fusions[it - p->nmodels];
            nmem = f->nmembers;
            memcpy(mem, f->members, sizeof(int) * (size_t)nmem);
            id = f->id;
            l2 = f->l2;
        }
        for (int k = 0; k < nmem; k++) needs |= plan_model_needs(&p->models[mem[k]]);
        if (do_krr) {
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/krr", id);
            if (!plan_set_path(p, "ident_train")[0] || !plan_set_path(p, "ident_test")[0]) {
                INV_TRY(plan_add_skip(p, STAGE_KRR, label, "ident_train/ident_test have no path"));
            } else {
                sbuf out = {0}, in = {0}, cmd = {0};
                snprintf(o, sizeof o, "%s/probe/%s/krr.nc", p->run_dir, id);
                sb_add(&out, "%s", o);
                sb_add(&cmd, "mkdir -p %s/probe/%s && $LAUNCH invar-probe krr --features ",
                       p->run_dir, id);
                fused_features(p, mem, nmem, "ident_train", &cmd, &in);
                sb_opt(&cmd, "--data", plan_set_path(p, "ident_train"));
                sb_add(&cmd, " --test-features ");
                fused_features(p, mem, nmem, "ident_test", &cmd, &in);
                sb_opt(&cmd, "--test-data", plan_set_path(p, "ident_test"));
                sb_file(&in, plan_set_path(p, "ident_train"));
                sb_file(&in, plan_set_path(p, "ident_test"));
                sb_opt(&cmd, "--out", o);
                const char *keys[][2] = {
                    {"krr_alpha", "alpha"}, {"krr_gamma", "gamma"}, {"krr_folds", "folds"}};
                for (int q = 0; q < 3; q++) {
                    const char *v = config_get(&p->cfg, "probes", "", keys[q][0]);
                    if (v) sb_add(&cmd, " --%s %s", keys[q][1], v);
                }
                plan_common_opts(p, &cmd);
                INV_TRY(plan_add_job(p, STAGE_KRR, needs, label, plan_stage_ranks(p, STAGE_KRR),
                                     &out, &in, &cmd));
            }
        }
        for (int t = 0; do_lin && t < p->ntasks; t++) {
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", id, p->task_name[t]);
            if (!plan_set_path(p, p->task_name[t])[0]) {
                INV_TRY(plan_add_skip(p, STAGE_LINEAR, label, "the task's data set has no path"));
                continue;
            }
            sbuf out = {0}, in = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/probe/%s/%s.nc", p->run_dir, id, p->task_name[t]);
            sb_add(&out, "%s", o);
            sb_add(&cmd, "mkdir -p %s/probe/%s && $LAUNCH invar-probe linear --features ",
                   p->run_dir, id);
            fused_features(p, mem, nmem, p->task_name[t], &cmd, &in);
            sb_opt(&cmd, "--data", plan_set_path(p, p->task_name[t]));
            sb_file(&in, plan_set_path(p, p->task_name[t]));
            sb_add(&cmd, " --task %s --l2 %s", p->task_kind[t], l2);
            const char *keys[] = {"folds", "max_iter"};
            for (int q = 0; q < 2; q++) {
                const char *v = config_get(&p->cfg, "probes", "", keys[q]);
                if (v) sb_add(&cmd, " --%s %s", q ? "max-iter" : "folds", v);
            }
            int stdz = flag(p, "probes", "standardize", 0); // NOTES.md: features not standardised
            if (stdz < 0) return INV_EINVAL;
            if (stdz) sb_add(&cmd, " --standardize");
            sb_opt(&cmd, "--out", o);
            plan_common_opts(p, &cmd);
            INV_TRY(plan_add_job(p, STAGE_LINEAR, needs, label, plan_stage_ranks(p, STAGE_LINEAR),
                                 &out, &in, &cmd));
        }
    }
    // Rank correlations over the primary models: E.1 synthetic x real-world, E.2 synthetic x
    // downstream (each model one positional argument: its files joined by '+').
    int cm[PLAN_MAX_MODELS];
    int ncm = model_list(p, "correlate_models", cm);
    if (ncm < 0) return -ncm;
    for (int e = 0; do_corr && ncm >= 3 && nsyn && e < 2; e++) {
        if (e == 0 && !nrw) continue;
        if (e == 1 && !(do_lin && p->ntasks)) continue;
        sbuf out = {0}, in = {0}, cmd = {0};
        char o[4400];
        snprintf(o, sizeof o, "%s/probe/correlate_%s.nc", p->run_dir, e ? "E2" : "E1");
        sb_add(&out, "%s", o);
        sb_add(&cmd, "mkdir -p %s/probe && invar-probe correlate", p->run_dir);
        unsigned needs = 1u << STAGE_SYNTHETIC | (e ? 1u << STAGE_LINEAR : 1u << STAGE_REALWORLD);
        for (int q = 0; q < ncm; q++) {
            const plan_model *m = &p->models[cm[q]];
            needs |= plan_model_needs(m);
            char f[4400];
            snprintf(f, sizeof f, "%s/measure/%s/synthetic_%s.nc", p->run_dir, m->id, syn_sets[0]);
            sb_add(&cmd, " %s", f);
            sb_file(&in, f);
            int nextra = e ? p->ntasks : nrw;
            for (int k = 0; k < nextra; k++) {
                if (e)
                    snprintf(f, sizeof f, "%s/probe/%s/%s.nc", p->run_dir, m->id, p->task_name[k]);
                else
                    snprintf(f, sizeof f, "%s/measure/%s/realworld_%s.nc", p->run_dir, m->id,
                             rw_sets[k]);
                sb_add(&cmd, "+%s", f);
                sb_file(&in, f);
            }
        }
        sb_add(&cmd, " --columns %s", e ? "mean_similarity,best_mean" : "mean_similarity");
        sb_opt(&cmd, "--out", o);
        INV_TRY(plan_add_job(p, STAGE_CORRELATE, needs, e ? "E2" : "E1", 1, &out, &in, &cmd));
    }
    // The report: always re-rendered (no outputs to skip on).
    sbuf out = {0}, in = {0}, cmd = {0};
    sb_add(&cmd, "invar-report");
    sb_arg(&cmd, p->run_dir);
    sb_opt(&cmd, "--out", p->results);
    return plan_add_job(p, STAGE_REPORT, 0, "report", 1, &out, &in, &cmd);
}
