// campaign_models.c: the model side of a campaign plan: [model ID] sections (with `seeds =`
// lists giving seed copies), [baseline ID] (random init, external checkpoints), [grid ID]
// sections expanded over the cartesian product of their value lists into grid points (policy
// parameters rewritten in a policy file, checked by the policy parser), and [fusion ID] with the
// paper's shifted l2 grids logspace(-6 + 2c, 5 + 2c, 45), c = members - 1.
#include "campaign_models.h"

#include "core/error.h"
#include "image/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int get_str(const campaign_config *c, const char *kind, const char *id, const char *key,
                   const char *dflt, char *out, size_t size) {
    const char *v = config_get(c, kind, id, key);
    if (!v) v = dflt;
    if (strlen(v) >= size)
        return inv_fail(INV_EINVAL, "%s: %s is too long (at most %zu characters)",
                        config_source(c, kind, id, key), key, size - 1);
    snprintf(out, size, "%s", v);
    return INV_OK;
}

static int check_arch(const campaign_config *c, const char *kind, const char *id, plan_model *m) {
    const char *src = config_source(c, kind, id, "arch");
    if (strcmp(m->arch, "resnet18") && strcmp(m->arch, "resnet50") && strcmp(m->arch, "resnet50x3"))
        return inv_fail(INV_EINVAL,
                        "%s: [%s %s] arch '%s': expected resnet18, resnet50 or "
                        "resnet50x3",
                        src, kind, id, m->arch);
    if (strcmp(m->stem, "small") && strcmp(m->stem, "standard"))
        return inv_fail(INV_EINVAL, "%s: [%s %s] stem '%s': expected small or standard",
                        config_source(c, kind, id, "stem"), kind, id, m->stem);
    if (!(m->width > 0 && m->width <= 8))
        return inv_fail(INV_EINVAL, "%s: [%s %s] width %g: expected (0, 8]",
                        config_source(c, kind, id, "width"), kind, id, m->width);
    return INV_OK;
}

// l2 grid text "LO:HI:N": [probes] l2 (default 1e-6:1e5:45, the official grid) shifted by 2c
// decades, as the official code's logspace(-6 + 2c, 5 + 2c, 45) for a fusion of c + 1 models.
static const campaign_config *l2_cfg;
static void shifted_l2(char *out, size_t size, int c) {
    const char *base = l2_cfg ? config_get(l2_cfg, "probes", "", "l2") : NULL;
    double lo = 1e-6, hi = 1e5;
    int n = 45;
    if (base && sscanf(base, "%lf:%lf:%d", &lo, &hi, &n) != 3) lo = 1e-6, hi = 1e5, n = 45;
    snprintf(out, size, "%g:%g:%d", lo * pow(10, 2 * c), hi * pow(10, 2 * c), n);
}

static int check_l2(const campaign_config *c, const char *kind, const char *id, const char *l2) {
    double lo, hi;
    int n;
    if (sscanf(l2, "%lf:%lf:%d", &lo, &hi, &n) != 3 || !(lo > 0) || !(hi >= lo) || n < 1)
        return inv_fail(INV_EINVAL, "%s: [%s %s] l2 '%s': expected LO:HI:N (log-spaced, LO > 0)",
                        config_source(c, kind, id, "l2"), kind, id, l2);
    return INV_OK;
}

static int read_trained(const campaign_config *c, const char *id, plan_model *m) {
    const char *k = "model";
    m->kind = MODEL_TRAINED;
    snprintf(m->id, sizeof m->id, "%s", id);
    INV_TRY(get_str(c, k, id, "label", id, m->label, sizeof m->label));
    INV_TRY(get_str(c, k, id, "objective", "moco", m->objective, sizeof m->objective));
    if (strcmp(m->objective, "moco") && strcmp(m->objective, "supervised"))
        return inv_fail(INV_EINVAL, "%s: [model %s] objective '%s': expected moco or supervised",
                        config_source(c, k, id, "objective"), id, m->objective);
    // A supervised model without a policy gets invar-train's own supervised recipe.
    int own = !strcmp(m->objective, "supervised") && !config_get(c, k, id, "policy");
    INV_TRY(get_str(c, k, id, "policy", own ? "" : "default", m->policy, sizeof m->policy));
    aug_policy pol;
    if (!own && (policy_load(m->policy, &pol) || policy_validate(&pol, m->policy)))
        return inv_fail(INV_EINVAL, "%s: [model %s] policy: %s", config_source(c, k, id, "policy"),
                        id, inv_errmsg());
    INV_TRY(get_str(c, k, id, "arch", "resnet18", m->arch, sizeof m->arch));
    INV_TRY(get_str(c, k, id, "stem", "small", m->stem, sizeof m->stem));
    INV_TRY(config_get_double(c, k, id, "width", 1, &m->width));
    INV_TRY(check_arch(c, k, id, m));
    INV_TRY(config_get_int(c, k, id, "epochs", 200, 1, 100000, &m->epochs));
    INV_TRY(config_get_int(c, k, id, "batch", 256, 1, 1 << 20, &m->batch));
    INV_TRY(config_get_int(c, k, id, "queue", 65536, 1, 1 << 24, &m->queue));
    INV_TRY(config_get_int(c, k, id, "seed", 0, 0, 1L << 40, &m->seed));
    INV_TRY(config_get_int(c, k, id, "dim", 128, 1, 1 << 16, &m->dim));
    INV_TRY(config_get_int(c, k, id, "size", 0, 0, 4096, &m->size));
    INV_TRY(config_get_int(c, k, id, "save_every", 1, 0, 100000, &m->save_every));
    INV_TRY(config_get_double(c, k, id, "lr", 0.03, &m->lr));
    INV_TRY(config_get_double(c, k, id, "moco_m", 0.999, &m->moco_m));
    INV_TRY(config_get_double(c, k, id, "temperature", 0.2, &m->temperature));
    if (!strcmp(m->objective, "moco") && m->queue % m->batch)
        return inv_fail(INV_EINVAL, "%s: [model %s] queue %ld is not a multiple of batch %ld",
                        config_source(c, k, id, "queue"), id, m->queue, m->batch);
    INV_TRY(get_str(c, k, id, "keep_epochs", "", m->keep_epochs, sizeof m->keep_epochs));
    INV_TRY(get_str(c, k, id, "train_args", "", m->train_args, sizeof m->train_args));
    char dflt_l2[64];
    shifted_l2(dflt_l2, sizeof dflt_l2, 0);
    INV_TRY(get_str(c, k, id, "l2", dflt_l2, m->l2, sizeof m->l2));
    return check_l2(c, k, id, m->l2);
}

static int read_baseline(const campaign_config *c, const char *id, plan_model *m) {
    const char *k = "baseline";
    snprintf(m->id, sizeof m->id, "%s", id);
    char kind[32];
    INV_TRY(get_str(c, k, id, "label", id, m->label, sizeof m->label));
    INV_TRY(get_str(c, k, id, "kind", "random", kind, sizeof kind));
    INV_TRY(get_str(c, k, id, "arch", "resnet18", m->arch, sizeof m->arch));
    INV_TRY(get_str(c, k, id, "stem", "small", m->stem, sizeof m->stem));
    INV_TRY(config_get_double(c, k, id, "width", 1, &m->width));
    INV_TRY(check_arch(c, k, id, m));
    INV_TRY(config_get_int(c, k, id, "seed", 0, 0, 1L << 40, &m->seed));
    char dflt_l2[64];
    shifted_l2(dflt_l2, sizeof dflt_l2, 0);
    INV_TRY(get_str(c, k, id, "l2", dflt_l2, m->l2, sizeof m->l2));
    INV_TRY(check_l2(c, k, id, m->l2));
    snprintf(m->objective, sizeof m->objective, "none");
    snprintf(m->policy, sizeof m->policy, "none");
    if (!strcmp(kind, "random")) {
        m->kind = MODEL_RANDOM;
        snprintf(m->checkpoint, sizeof m->checkpoint, "random");
    } else if (!strcmp(kind, "checkpoint")) {
        m->kind = MODEL_CHECKPOINT;
        const char *path = config_get(c, k, id, "path");
        if (!path || !*path)
            return inv_fail(INV_EINVAL,
                            "%s: [baseline %s] kind = checkpoint needs path = FILE "
                            "(a safetensors backbone with torchvision names)",
                            config_source(c, k, id, "kind"), id);
        INV_TRY(get_str(c, k, id, "path", "", m->checkpoint, sizeof m->checkpoint));
    } else {
        return inv_fail(INV_EINVAL, "%s: [baseline %s] kind '%s': expected random or checkpoint",
                        config_source(c, k, id, "kind"), id, kind);
    }
    return INV_OK;
}

// Rewrites PARAM=... of operation OP in a policy text (appending it when absent).
static int set_policy_param(char *text, size_t size, const char *op, const char *param,
                            const char *value) {
    char out[8192] = "";
    int found = 0;
    char *save = NULL, copy[8192];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char word[64] = "";
        sscanf(line, "%63s", word);
        char newline[1024];
        if (!strcmp(word, op)) {
            found = 1;
            char buf[1024] = "";
            size_t pl = strlen(param);
            int replaced = 0;
            char *s2 = NULL, lc[1024];
            snprintf(lc, sizeof lc, "%s", line);
            for (char *tok = strtok_r(lc, " \t", &s2); tok; tok = strtok_r(NULL, " \t", &s2)) {
                char t[512];
                if (!strncmp(tok, param, pl) && tok[pl] == '=') {
                    snprintf(t, sizeof t, "%s=%s", param, value);
                    replaced = 1;
                } else {
                    snprintf(t, sizeof t, "%s", tok);
                }
                size_t bl = strlen(buf);
                snprintf(buf + bl, sizeof buf - bl, "%s%s", bl ? " " : "", t);
            }
            if (!replaced) {
                size_t bl = strlen(buf);
                snprintf(buf + bl, sizeof buf - bl, " %s=%s", param, value);
            }
            snprintf(newline, sizeof newline, "%s", buf);
        } else {
            snprintf(newline, sizeof newline, "%s", line);
        }
        size_t ol = strlen(out);
        snprintf(out + ol, sizeof out - ol, "%s\n", newline);
    }
    if (!found) return -1;
    if (strlen(out) >= size) return -2;
    snprintf(text, size, "%s", out);
    return 0;
}

// Applies one grid key (a training key or policy.OP.PARAM[,PARAM]) with `value` to model m.
static int apply_grid_key(const config_entry *e, const char *value, plan_model *m) {
    char *end;
    if (!strncmp(e->key, "policy.", 7)) {
        char op[64], params[256];
        const char *dot = strchr(e->key + 7, '.');
        snprintf(op, sizeof op, "%.*s", (int)(dot - (e->key + 7)), e->key + 7);
        snprintf(params, sizeof params, "%s", dot + 1);
        char buf[256], *names[8];
        int n = config_split(params, ',', buf, sizeof buf, names, 8);
        for (int i = 0; i < n; i++) {
            int rc = set_policy_param(m->policy_text, sizeof m->policy_text, op, names[i], value);
            if (rc == -1)
                return inv_fail(INV_EINVAL,
                                "%s: %s: the policy '%s' of model %s has no "
                                "operation '%s'",
                                e->source, e->key, m->policy, m->id, op);
            if (rc) return inv_fail(INV_EINVAL, "%s: policy text too long", e->source);
        }
        return INV_OK;
    }
    double v = strtod(value, &end);
    if (end == value || *end)
        return inv_fail(INV_EINVAL, "%s: %s: '%s' is not a number", e->source, e->key, value);
    if (!strcmp(e->key, "width"))
        m->width = v;
    else if (!strcmp(e->key, "lr"))
        m->lr = v;
    else if (!strcmp(e->key, "moco_m"))
        m->moco_m = v;
    else if (!strcmp(e->key, "temperature"))
        m->temperature = v;
    else {
        if (v != floor(v) || v < 0)
            return inv_fail(INV_EINVAL, "%s: %s: '%s' must be a whole number", e->source, e->key,
                            value);
        long iv = (long)v;
        if (!strcmp(e->key, "epochs"))
            m->epochs = iv;
        else if (!strcmp(e->key, "batch"))
            m->batch = iv;
        else if (!strcmp(e->key, "queue"))
            m->queue = iv;
        else if (!strcmp(e->key, "dim"))
            m->dim = iv;
        else if (!strcmp(e->key, "size"))
            m->size = iv;
        else if (!strcmp(e->key, "seed"))
            m->seed = iv;
    }
    return INV_OK;
}

static int expand_grid(campaign_plan *p, const char *gid) {
    const campaign_config *c = &p->cfg;
    const char *base = config_get(c, "grid", gid, "model");
    if (!base)
        return inv_fail(INV_EINVAL, "[grid %s] (in %s) needs model = ID of a [model] section", gid,
                        p->config_path);
    int bi = -1;
    for (int i = 0; i < p->nmodels; i++)
        if (!strcmp(p->models[i].id, base) && p->models[i].kind == MODEL_TRAINED) bi = i;
    if (bi < 0)
        return inv_fail(INV_EINVAL, "%s: [grid %s] model '%s' is not a [model] section",
                        config_source(c, "grid", gid, "model"), gid, base);
    const config_entry *keys[32];
    int nk = config_section_keys(c, "grid", gid, keys, 32), naxes = 0;
    const config_entry *axes[16];
    char bufs[16][1024], *vals[16][64];
    int nvals[16];
    long total = 1;
    for (int i = 0; i < nk && naxes < 16; i++) {
        if (!strcmp(keys[i]->key, "model") || !strcmp(keys[i]->key, "label")) continue;
        int n = config_split(keys[i]->value, ';', bufs[naxes], sizeof bufs[naxes], vals[naxes], 64);
        if (n <= 0)
            return inv_fail(INV_EINVAL, "%s: %s: expected values separated by ';'", keys[i]->source,
                            keys[i]->key);
        nvals[naxes] = n;
        axes[naxes++] = keys[i];
        total *= n;
    }
    if (naxes == 0)
        return inv_fail(INV_EINVAL,
                        "[grid %s] (in %s) has no value lists (e.g. epochs = 10; 20, "
                        "policy.random_resized_crop.scale = 0.08,1; 0.5,1)",
                        gid, p->config_path);
    if (p->nmodels + total > PLAN_MAX_MODELS)
        return inv_fail(INV_EINVAL, "[grid %s]: %ld grid points: more than %d models in all", gid,
                        total, PLAN_MAX_MODELS);
    static plan_model base_model; // a copy: the grid points are written into the same array
    base_model = p->models[bi];
    const plan_model *bm = &base_model;
    aug_policy pol;
    char base_text[4096];
    base_text[0] = 0;
    if (bm->policy[0]) {
        if (policy_load(bm->policy, &pol)) return inv_fail_context(INV_EINVAL, "[grid %s]: ", gid);
        policy_format(&pol, base_text, sizeof base_text);
    }
    for (long g = 0; g < total; g++) {
        plan_model *m = &p->models[p->nmodels];
        *m = *bm;
        m->seed_copy = 0;
        snprintf(m->id, sizeof m->id, "%s_%s%02ld", bm->id, gid, g);
        snprintf(m->grid, sizeof m->grid, "%s", gid);
        snprintf(m->policy_text, sizeof m->policy_text, "%s", base_text);
        m->grid_values[0] = 0;
        long r = g;
        int policy_changed = 0;
        for (int a = naxes - 1; a >= 0; a--) { // last axis varies fastest
            const char *v = vals[a][r % nvals[a]];
            r /= nvals[a];
            INV_TRY(apply_grid_key(axes[a], v, m));
            policy_changed |= !strncmp(axes[a]->key, "policy.", 7);
        }
        for (int a = 0; a < naxes; a++) { // the values in key order for labels
            long rr = g;
            for (int b = naxes - 1; b > a; b--) rr /= nvals[b];
            size_t l = strlen(m->grid_values);
            snprintf(m->grid_values + l, sizeof m->grid_values - l, "%s%s=%s", l ? " " : "",
                     axes[a]->key, vals[a][rr % nvals[a]]);
        }
        char gv[512];
        snprintf(gv, sizeof gv, "%s", m->grid_values);
        snprintf(m->label, sizeof m->label, "%s[%s]", bm->label, gv);
        if (policy_changed) {
            aug_policy check;
            char src[256];
            snprintf(src, sizeof src, "grid %s point %ld", gid, g);
            if (policy_parse(m->policy_text, src, &check) || policy_validate(&check, src))
                return inv_fail(INV_EINVAL, "%s: [grid %s]: %s", p->config_path, gid, inv_errmsg());
            char id[96];
            snprintf(id, sizeof id, "%s", m->id);
            snprintf(m->policy, sizeof m->policy, "%s/policies/%s.policy", p->run_dir, id);
        } else {
            m->policy_text[0] = 0;
        }
        if (!strcmp(m->objective, "moco") && m->queue % m->batch)
            return inv_fail(INV_EINVAL,
                            "[grid %s] point %s: queue %ld is not a multiple of batch "
                            "%ld",
                            gid, m->grid_values, m->queue, m->batch);
        char id[96];
        snprintf(id, sizeof id, "%s", m->id);
        snprintf(m->checkpoint, sizeof m->checkpoint, "%s/models/%s/backbone.safetensors",
                 p->run_dir, id);
        p->nmodels++;
    }
    return INV_OK;
}

int plan_models(campaign_plan *p) {
    const campaign_config *c = &p->cfg;
    l2_cfg = c;
    const char *base_l2 = config_get(c, "probes", "", "l2");
    if (base_l2) INV_TRY(check_l2(c, "probes", "", base_l2));
    const char *ids[PLAN_MAX_MODELS];
    int n = config_section_ids(c, "model", ids, PLAN_MAX_MODELS);
    for (int i = 0; i < n; i++) {
        plan_model m;
        memset(&m, 0, sizeof m);
        INV_TRY(read_trained(c, ids[i], &m));
        long seeds[16];
        int nseeds = 1;
        seeds[0] = m.seed;
        const char *sl = config_get(c, "model", ids[i], "seeds");
        if (sl) {
            char buf[512], *items[16];
            nseeds = config_split(sl, ',', buf, sizeof buf, items, 16);
            for (int s = 0; s < nseeds; s++) {
                char *end;
                seeds[s] = strtol(items[s], &end, 10);
                if (end == items[s] || *end || seeds[s] < 0)
                    return inv_fail(INV_EINVAL, "%s: seeds: '%s' is not a seed",
                                    config_source(c, "model", ids[i], "seeds"), items[s]);
            }
            if (nseeds <= 0)
                return inv_fail(INV_EINVAL, "%s: seeds: expected a list such as 0,1,2",
                                config_source(c, "model", ids[i], "seeds"));
        }
        for (int s = 0; s < nseeds; s++) {
            if (p->nmodels >= PLAN_MAX_MODELS)
                return inv_fail(INV_EINVAL, "%s: more than %d models", p->config_path,
                                PLAN_MAX_MODELS);
            plan_model *d = &p->models[p->nmodels++];
            *d = m;
            d->seed = seeds[s];
            if (s > 0) {
                snprintf(d->id, sizeof d->id, "%s_s%ld", m.id, seeds[s]);
                snprintf(d->label, sizeof d->label, "%s (seed %ld)", m.label, seeds[s]);
                d->seed_copy = 1;
            }
            char id[96];
            snprintf(id, sizeof id, "%s", d->id);
            snprintf(d->checkpoint, sizeof d->checkpoint, "%s/models/%s/backbone.safetensors",
                     p->run_dir, id);
        }
    }
    n = config_section_ids(c, "baseline", ids, PLAN_MAX_MODELS);
    for (int i = 0; i < n; i++) {
        if (p->nmodels >= PLAN_MAX_MODELS)
            return inv_fail(INV_EINVAL, "%s: more than %d models", p->config_path, PLAN_MAX_MODELS);
        plan_model *m = &p->models[p->nmodels];
        memset(m, 0, sizeof *m);
        INV_TRY(read_baseline(c, ids[i], m));
        p->nmodels++;
    }
    n = config_section_ids(c, "grid", ids, PLAN_MAX_MODELS);
    for (int i = 0; i < n; i++) INV_TRY(expand_grid(p, ids[i]));
    for (int i = 0; i < p->nmodels; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(p->models[i].id, p->models[j].id))
                return inv_fail(INV_EINVAL,
                                "%s: two models are named '%s' (model and baseline "
                                "ids share one name space)",
                                p->config_path, p->models[i].id);
    n = config_section_ids(c, "fusion", ids, PLAN_MAX_FUSIONS);
    for (int i = 0; i < n; i++) {
        plan_fusion *f = &p->fusions[p->nfusions];
        memset(f, 0, sizeof *f);
        snprintf(f->id, sizeof f->id, "%s", ids[i]);
        INV_TRY(get_str(c, "fusion", ids[i], "label", ids[i], f->label, sizeof f->label));
        const char *mem = config_get(c, "fusion", ids[i], "members");
        char buf[1024], *items[16];
        int nm = mem ? config_split(mem, ',', buf, sizeof buf, items, 16) : 0;
        if (nm < 2)
            return inv_fail(INV_EINVAL, "%s: [fusion %s] needs members = ID,ID[,...] (two or more)",
                            config_source(c, "fusion", ids[i], "members"), ids[i]);
        for (int k = 0; k < nm; k++) {
            int mi = -1;
            for (int j = 0; j < p->nmodels; j++)
                if (!strcmp(p->models[j].id, items[k])) mi = j;
            if (mi < 0)
                return inv_fail(INV_EINVAL,
                                "%s: [fusion %s] member '%s' is not a model or "
                                "baseline (seed copies are named ID_sSEED)",
                                config_source(c, "fusion", ids[i], "members"), ids[i], items[k]);
            f->members[f->nmembers++] = mi;
        }
        char dflt_l2[64];
        shifted_l2(dflt_l2, sizeof dflt_l2, nm - 1);
        INV_TRY(get_str(c, "fusion", ids[i], "l2", dflt_l2, f->l2, sizeof f->l2));
        INV_TRY(check_l2(c, "fusion", ids[i], f->l2));
        for (int j = 0; j < p->nmodels; j++)
            if (!strcmp(p->models[j].id, f->id))
                return inv_fail(INV_EINVAL, "%s: fusion '%s' has a model's id", p->config_path,
                                f->id);
        p->nfusions++;
    }
    return INV_OK;
}
