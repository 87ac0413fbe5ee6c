// test_campaign.c: the campaign configuration (inih key store, includes, FILE:LINE errors,
// truncated and malformed files), its expansion (seed lists, grids, fusion l2 shifts, Figure
// C.1's checkpoint series, each job's inputs), the plan.tsv reader of invar-report and the
// paper-CSV reader on truncated input.
#include "test_util.h"

#include "campaign_config.h"
#include "campaign_plan.h"
#include "core/error.h"
#include "report_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *write_text(const char *name, const char *text) {
    const char *p = test_path(name);
    test_write_file(p, text, strlen(text));
    return p;
}

static void test_config_include_override(void) {
    write_text("base.ini", "[model a]\nepochs = 3\nbatch = 8\n[probes]\nfolds = 4\n");
    const char *top =
        write_text("top.ini", "[campaign]\ninclude = base.ini\n[model a]\nepochs = 5\n[model b]\n");
    campaign_config c;
    CU_ASSERT_EQUAL_FATAL(config_load(&c, top), 0);
    long v;
    CU_ASSERT_EQUAL(config_get_int(&c, "model", "a", "epochs", 0, 0, 100, &v), 0);
    CU_ASSERT_EQUAL(v, 5); // the including file overrides
    CU_ASSERT_EQUAL(config_get_int(&c, "model", "a", "batch", 0, 0, 100, &v), 0);
    CU_ASSERT_EQUAL(v, 8);
    const char *ids[8];
    CU_ASSERT_EQUAL(config_section_ids(&c, "model", ids, 8), 2); // [model b] has no keys
    CU_ASSERT_EQUAL(config_get_int(&c, "model", "a", "epochs", 0, 0, 4, &v), INV_EINVAL);
    CU_ASSERT(strstr(inv_errmsg(), "top.ini:4") != NULL);
    config_free(&c);
}

static void test_config_errors(void) {
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[model a]\nepochs = 3\n[model a b c\n", "not an INI line"},
        {"epochs = 3\n", "outside a section"},
        {"[model]\n", "needs an id"},
        {"[model a/b]\n", "needs an id"},
        {"[data x]\n", "takes no id"},
        {"[sweeps]\nimges = 3\n", "bad.ini:2: unknown key 'imges'"},
        {"[campaign]\ninclude = bad.ini\n", "nested deeper"},
        {"[model a]\nepochs\n", "not an INI line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = write_text("bad.ini", cases[i].text);
        campaign_config c;
        CU_ASSERT_NOT_EQUAL(config_load(&c, p), 0);
        if (!strstr(inv_errmsg(), cases[i].want))
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, inv_errmsg(), cases[i].want);
        CU_ASSERT(strstr(inv_errmsg(), cases[i].want) != NULL);
    }
    campaign_config c;
    CU_ASSERT_EQUAL(config_load(&c, test_path("no-such.ini")), INV_EIO);
}

static void test_plan_expansion(void) {
    const char *p = write_text(
        "plan.ini",
        "[campaign]\nrun_dir = r\nstages = data,features,linear,report\n"
        "[model d]\nlabel = Default\nwidth = 0.25\nbatch = 8\nqueue = 64\nseeds = 0,1,2\n"
        "[baseline rnd]\nwidth = 0.25\n[fusion f3]\nmembers = d,d_s1,d_s2\n"
        "[grid g]\nmodel = d\nepochs = 1; 2; 3\npolicy.hflip.p = 0.1; 0.9\n"
        "[probes]\ntasks = shape:classify\n");
    campaign_plan *pl = calloc(1, sizeof *pl);
    CU_ASSERT_FATAL(pl != NULL);
    CU_ASSERT_EQUAL_FATAL(plan_build(pl, p), 0);
    CU_ASSERT_EQUAL(pl->nmodels, 3 + 1 + 6); // seed copies, the baseline, 3 x 2 grid points
    CU_ASSERT_STRING_EQUAL(pl->models[1].id, "d_s1");
    CU_ASSERT_EQUAL(pl->models[2].seed, 2);
    CU_ASSERT_STRING_EQUAL(pl->fusions[0].l2, "0.01:1e+09:45"); // c = 2: 2c decades
    const plan_model *g5 = &pl->models[4 + 5];
    CU_ASSERT_EQUAL(g5->epochs, 3);
    CU_ASSERT(strstr(g5->policy_text, "hflip p=0.9") != NULL);
    CU_ASSERT_STRING_EQUAL(g5->grid_values, "epochs=3 policy.hflip.p=0.9");
    // Only the baseline's features run (train is left out): 1 model x 1 set.
    CU_ASSERT_EQUAL(pl->stages[STAGE_FEATURES].njobs, 1);
    CU_ASSERT(pl->nskips > 0);
    plan_free(pl);
    free(pl);
}

static const plan_job *find_job(const campaign_plan *pl, int stage, const char *label) {
    for (int i = 0; i < pl->njobs; i++)
        if (pl->jobs[i].stage == stage && !strcmp(pl->jobs[i].label, label)) return &pl->jobs[i];
    return NULL;
}

// Figure C.1's checkpoint series: init (--save-initial), the kept epochs before the last, the
// last epoch's checkpoint (its metadata says epoch = epochs); inputs listed for the runner.
static void test_plan_series(void) {
    const char *p = write_text(
        "series.ini",
        "[campaign]\nrun_dir = r\n"
        "[model d]\nbatch = 8\nqueue = 64\nepochs = 4\nkeep_epochs = 2,0,3\nseeds = 0,1\n"
        "train_args = --save-initial\n"
        "[model s]\npolicy = spatial\nbatch = 8\nqueue = 64\nepochs = 3\n"
        "[model a]\npolicy = appearance\nbatch = 8\nqueue = 64\nepochs = 2\nkeep_epochs = 0\n"
        "[baseline rnd]\n[grid g]\nmodel = d\nepochs = 1; 2\npolicy.hflip.p = 0.1; 0.9\n"
        "[sweeps]\nsynthetic_sets = shape,pretrain\nstats_set = shape\nimages = 4\n");
    campaign_plan *pl = calloc(1, sizeof *pl);
    CU_ASSERT_FATAL(pl != NULL);
    CU_ASSERT_EQUAL_FATAL(plan_build(pl, p), 0);
    const plan_job *j = find_job(pl, STAGE_SYNTHETIC, "d/series_shape");
    CU_ASSERT_FATAL(j != NULL);
    CU_ASSERT(strstr(j->command, " --model r/models/d/checkpoint_init.safetensors,r/models/d/"
                                 "checkpoint_0000.safetensors,r/models/d/checkpoint_0002."
                                 "safetensors,r/models/d/checkpoint_0003.safetensors ") != NULL);
    CU_ASSERT(strstr(j->command, "--stats r/data/shape.nc --out "
                                 "r/measure/d/synthetic_series_shape.nc --images 4") != NULL);
    CU_ASSERT_STRING_EQUAL(j->outputs, "r/measure/d/synthetic_series_shape.nc");
    CU_ASSERT(strstr(j->inputs, "r/models/d/checkpoint_0003.safetensors r/data/shape.nc") != NULL);
    // One kept checkpoint and the last: two points, no --save-initial.
    j = find_job(pl, STAGE_SYNTHETIC, "a/series_shape");
    CU_ASSERT_FATAL(j != NULL);
    CU_ASSERT(strstr(j->command, " --model r/models/a/checkpoint_0000.safetensors,r/models/a/"
                                 "checkpoint_0001.safetensors ") != NULL);
    // No keep_epochs (s), seed copies, grid points and baselines have no series by default.
    CU_ASSERT_PTR_NULL(find_job(pl, STAGE_SYNTHETIC, "s/series_shape"));
    CU_ASSERT_PTR_NULL(find_job(pl, STAGE_SYNTHETIC, "d_s1/series_shape"));
    CU_ASSERT_PTR_NULL(find_job(pl, STAGE_SYNTHETIC, "d_g00/series_shape"));
    CU_ASSERT_PTR_NULL(find_job(pl, STAGE_SYNTHETIC, "d/series_pretrain"));
    // Every job names its inputs: features read the checkpoint and the set.
    j = find_job(pl, STAGE_FEATURES, "d/shape");
    CU_ASSERT_FATAL(j != NULL);
    CU_ASSERT_STRING_EQUAL(j->inputs, "r/models/d/backbone.safetensors r/data/shape.nc");
    j = find_job(pl, STAGE_TRAIN, "d_g01");
    CU_ASSERT_FATAL(j != NULL);
    CU_ASSERT_STRING_EQUAL(j->inputs, "r/data/pretrain.nc r/policies/d_g01.policy");
    plan_free(pl);
    // series_models names the models; one that is not trained is an error with its line.
    p = write_text("series2.ini", "[campaign]\nrun_dir = r\n[model s]\nbatch = 8\nqueue = 64\n"
                                  "epochs = 3\ntrain_args = --save-initial\n[baseline rnd]\n"
                                  "[sweeps]\nseries_models = s\n");
    CU_ASSERT_EQUAL_FATAL(plan_build(pl, p), 0);
    j = find_job(pl, STAGE_SYNTHETIC, "s/series_shape");
    CU_ASSERT_FATAL(j != NULL);
    CU_ASSERT(strstr(j->command, " --model r/models/s/checkpoint_init.safetensors,r/models/s/"
                                 "checkpoint_0002.safetensors ") != NULL);
    plan_free(pl);
    p = write_text("series3.ini",
                   "[campaign]\nrun_dir = r\n[baseline rnd]\n[sweeps]\n\nseries_models = rnd\n");
    CU_ASSERT_EQUAL(plan_build(pl, p), INV_EINVAL);
    CU_ASSERT(strstr(inv_errmsg(), "series3.ini:6: series_models: 'rnd' is not a trained model") !=
              NULL);
    p = write_text("series4.ini", "[campaign]\nrun_dir = r\n[model d]\nbatch = 8\nqueue = 64\n"
                                  "keep_epochs = 0\n[sweeps]\nseries = no\n");
    CU_ASSERT_EQUAL_FATAL(plan_build(pl, p), 0);
    CU_ASSERT_PTR_NULL(find_job(pl, STAGE_SYNTHETIC, "d/series_shape"));
    plan_free(pl);
    free(pl);
}

static void test_plan_reader(void) {
    const char *dir = test_path("run");
    char path[4200];
    snprintf(path, sizeof path, "mkdir -p %s", dir);
    CU_ASSERT_EQUAL(system(path), 0);
    snprintf(path, sizeof path, "%s/plan.tsv", dir);
    const char *good = "campaign\tx\tr\tr/results\tc.ini\n"
                       "model\tm\tM\ttrained\tmoco\tdefault\tresnet18\tsmall\t0.25\t-\t-\t0\n"
                       "job\tlinear\t0\tm/shape\t1\tr/probe/m/shape.nc\tcmd\n";
    test_write_file(path, good, strlen(good));
    static rd_run r;
    CU_ASSERT_EQUAL_FATAL(rd_load_run(&r, dir), 0);
    CU_ASSERT_EQUAL(r.nitems, 1);
    CU_ASSERT_EQUAL(r.njobs, 1);
    CU_ASSERT_STRING_EQUAL(rd_find_job(&r, "linear", "m/shape")->output, "r/probe/m/shape.nc");
    rd_free_run(&r);
    // Truncated mid-line, or a foreign line: errors naming the line.
    test_write_file(path, good, 60);
    CU_ASSERT_EQUAL(rd_load_run(&r, dir), INV_EFORMAT);
    CU_ASSERT(strstr(inv_errmsg(), "plan.tsv:2: truncated 'model'") != NULL);
    test_write_file(path, "hello\tworld\n", 12);
    CU_ASSERT_EQUAL(rd_load_run(&r, dir), INV_EFORMAT);
    CU_ASSERT(strstr(inv_errmsg(), "plan.tsv:1") != NULL);
}

static void test_paper_csv(void) {
    const char *p = write_text("t.csv", "# comment\nmetric,model,a,b\ndistance,Random,1.5,2*\n"
                                        "similarity,Random,0.3\nsimilarity,Default,0.");
    static rd_paper pp;
    CU_ASSERT_EQUAL_FATAL(rd_load_paper(&pp, p, NULL), 0);
    int star;
    CU_ASSERT_DOUBLE_EQUAL(rd_paper_value(&pp, "distance", "Random", "b", &star), 2, 1e-12);
    CU_ASSERT_EQUAL(star, 1);
    CU_ASSERT(isnan(rd_paper_value(&pp, "similarity", "Random", "b", NULL))); // short row
    CU_ASSERT_DOUBLE_EQUAL(rd_paper_value(&pp, "similarity", "Default", "a", NULL), 0, 1e-12);
    CU_ASSERT(isnan(rd_paper_value(&pp, "similarity", "Nobody", "a", NULL)));
    CU_ASSERT_EQUAL(rd_load_paper(&pp, test_path("none.csv"), NULL), INV_EIO);
}

int test_campaign_register(void) {
    CU_pSuite s = CU_add_suite("campaign", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_config_include_override);
    TEST_ADD(s, test_config_errors);
    TEST_ADD(s, test_plan_expansion);
    TEST_ADD(s, test_plan_series);
    TEST_ADD(s, test_plan_reader);
    TEST_ADD(s, test_paper_csv);
    return 0;
}
