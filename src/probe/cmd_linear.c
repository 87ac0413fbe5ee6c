// cmd_linear.c: `invar-probe linear`: ridge or logistic probes over (task x fold x l2) grids,
// spread over MPI ranks by dynamic scheduling of (task, fold, block of l2 values) items, the
// cross-validation or held-out protocol, and the result file with a summary table.
#include "commands.h"
#include "folds.h"
#include "linear_result.h"
#include "logistic.h"
#include "probe_input.h"
#include "ridge_cv.h"
#include "core/work_queue.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"

#include <cblas.h> // OpenBLAS's: also openblas_set_num_threads
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float *x;
    int64_t n, d;
    char source[4096];
} feature_set;

// One task's data on one feature set: targets (regress) or classes (classify).
typedef struct {
    double *y; // (n, k) regress
    int64_t k;
    int32_t *cls; // (n) classify
} task_data;

static int split_list(char *text, char **items, int max) {
    int n = 0;
    for (char *save = NULL, *p = strtok_r(text, ",", &save); p && n < max;
         p = strtok_r(NULL, ",", &save))
        items[n++] = p;
    return n;
}

// Scores of one (task, fold, l2 block) item into the result arrays.
static int run_item(const linear_result *r, const feature_set *fs, const task_data *td,
                    const int32_t *fold_of, int task, int fold, int block, int block_size,
                    const lbfgs_options *opt, int standardize, const ridge_gram *gram) {
    int64_t n = fs->n, ntr = 0, nte = 0;
    int64_t *tr = malloc((size_t)n * sizeof *tr), *te = malloc((size_t)n * sizeof *te);
    INV_CHECK_ALLOC(tr && te ? tr : NULL, (size_t)n * 16, "fold indices");
    for (int64_t i = 0; i < n; i++) {
        if (fold_of[i] == fold)
            te[nte++] = i;
        else
            tr[ntr++] = i;
    }
    int nl2 = r->nl2, rc;
    double *l2 = malloc((size_t)nl2 * sizeof *l2), *s1 = malloc((size_t)nl2 * sizeof *s1);
    double *s2 = malloc((size_t)nl2 * (size_t)(r->kmax > 0 ? r->kmax : 1) * sizeof *s2);
    int *iters = malloc((size_t)nl2 * sizeof *iters);
    if (!l2 || !s1 || !s2 || !iters) {
        rc = inv_fail(INV_ENOMEM, "linear probe: out of memory");
        goto done;
    }
    if (r->classify) {
        probe_rows train = {fs->x, NULL, tr, ntr}, test = {fs->x, NULL, te, nte};
        // Path positions p (strong to weak) of this block: l2 index nl2 - 1 - p.
        int p0 = block * block_size, p1 = p0 + block_size < nl2 ? p0 + block_size : nl2;
        for (int p = p0; p < p1; p++) l2[p - p0] = r->l2[nl2 - 1 - p];
        rc = logistic_path(&train, td->cls, &test, td->cls, fs->d, r->nclass[task], standardize, l2,
                           p1 - p0, opt, s1, s2, iters);
        if (rc) goto done;
        for (int p = p0; p < p1; p++) {
            int a = nl2 - 1 - p;
            size_t at = linear_result_at(r, task, a, fold);
            r->accuracy[at] = s1[p - p0];
            r->mean_class[at] = s2[p - p0];
            r->n_iter[at] = iters[p - p0];
            r->score[at] = r->metric_mean_class ? s2[p - p0] : s1[p - p0];
        }
    } else {
        probe_rows train = {fs->x, td->y, tr, ntr}, test = {fs->x, td->y, te, nte};
        rc = ridge_path(&train, &test, gram, fs->d, td->k, standardize, r->l2, nl2, s1, s2);
        if (rc) goto done;
        for (int a = 0; a < nl2; a++) {
            size_t at = linear_result_at(r, task, a, fold);
            r->score[at] = s1[a];
            for (int64_t t = 0; t < td->k; t++) r->r2_target[at * r->kmax + t] = s2[a * td->k + t];
        }
    }
done:
    free(tr), free(te), free(l2), free(s1), free(s2), free(iters);
    return rc;
}

// Held-out protocol: refit on all of `train` at the task's best l2 and score `test`.
static int run_refit(const linear_result *r, const feature_set *fs, const task_data *td,
                     const feature_set *ts, const task_data *tt, int task, const lbfgs_options *opt,
                     int standardize) {
    int64_t *tr = malloc((size_t)fs->n * sizeof *tr), *te = malloc((size_t)ts->n * sizeof *te);
    INV_CHECK_ALLOC(tr && te ? tr : NULL, (size_t)(fs->n + ts->n) * 8, "held-out indices");
    for (int64_t i = 0; i < fs->n; i++) tr[i] = i;
    for (int64_t i = 0; i < ts->n; i++) te[i] = i;
    int best = r->best_index[task], rc;
    double s1[64], *s2 = malloc((size_t)(r->kmax > 0 ? r->kmax : 1) * 64 * sizeof *s2);
    double l2[64];
    if (!s2) {
        free(tr), free(te);
        return inv_fail(INV_ENOMEM, "refit: out of memory");
    }
    if (r->classify) {
        // The warm-started path from the strongest penalty down to the best one (at most
        // 64 steps, evenly thinned), as the cross-validation fits were.
        int steps = r->nl2 - best;
        int use = steps < 64 ? steps : 64;
        for (int j = 0; j < use; j++) {
            int a = r->nl2 - 1 - (int)((int64_t)j * (steps - 1) / (use > 1 ? use - 1 : 1));
            l2[j] = r->l2[a];
        }
        l2[use - 1] = r->l2[best];
        probe_rows train = {fs->x, NULL, tr, fs->n}, test = {ts->x, NULL, te, ts->n};
        double mc[64];
        int it[64];
        rc = logistic_path(&train, td->cls, &test, tt->cls, fs->d, r->nclass[task], standardize, l2,
                           use, opt, s1, mc, it);
        if (!rc) {
            r->test_accuracy[task] = s1[use - 1];
            r->test_mean_class[task] = mc[use - 1];
            r->test_score[task] = r->metric_mean_class ? mc[use - 1] : s1[use - 1];
        }
    } else {
        probe_rows train = {fs->x, td->y, tr, fs->n}, test = {ts->x, tt->y, te, ts->n};
        l2[0] = r->l2[best];
        rc = ridge_path(&train, &test, NULL, fs->d, td->k, standardize, l2, 1, s1, s2);
        if (!rc) {
            r->test_score[task] = s1[0];
            for (int64_t t = 0; t < td->k; t++) r->test_r2_target[task * r->kmax + t] = s2[t];
        }
    }
    free(tr), free(te), free(s2);
    return rc;
}

// What the items of one run share.
typedef struct {
    const linear_result *r;
    const feature_set *fs;
    const task_data *td;    // (ntask)
    const int32_t *fold_of; // (ntask, n)
    int folds, nblocks, block_size, standardize;
    const lbfgs_options *opt;
    ridge_gram *gram; // ridge: the Gram of all rows, built on first use; NULL: none
} item_plan;

static int run_numbered(item_plan *p, int64_t it) {
    int task = (int)(it / ((int64_t)p->folds * p->nblocks));
    int fold = (int)(it / p->nblocks % p->folds), block = (int)(it % p->nblocks);
    if (p->gram && !p->gram->gram) INV_TRY(ridge_gram_init(p->gram, p->fs->x, p->fs->n, p->fs->d));
    return run_item(p->r, p->fs, &p->td[task], p->fold_of + (size_t)task * p->fs->n, task, fold,
                    block, p->block_size, p->opt, p->standardize, p->gram);
}

// Items one after the other, each using every thread (ridge: OpenBLAS's threads).
static int run_serial(item_plan *p, work_queue *q, progress *pr) {
    for (int64_t it; (it = work_queue_next(q)) >= 0;) {
        INV_TRY(run_numbered(p, it));
        progress_update(pr, it + 1);
    }
    return INV_OK;
}

// Logistic items side by side, one per thread, each path single-threaded: coarse-grained
// parallelism keeps the cores busy on a loaded machine, where threads sharing one fit would wait
// for each other at every evaluation. MPI calls stay on the main thread (MPI_THREAD_FUNNELED):
// with several ranks it fetches one item per thread and the threads run them, round after
// round; a single rank hands all its items to the threads at once.
static int run_threaded(item_plan *p, work_queue *q, progress *pr, int threads) {
    int64_t cap = mpi_size() == 1 ? q->total : threads, done = 0, nb;
    int64_t *batch = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *batch);
    INV_CHECK_ALLOC(batch, (size_t)cap * sizeof *batch, "item batch");
    int rc = INV_OK;
    char msg[1024] = "";
    while (rc == INV_OK) {
        for (nb = 0; nb < cap && (batch[nb] = work_queue_next(q)) >= 0;) nb++;
        if (nb == 0) break;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nb < threads ? (int)nb : threads)
        for (int64_t i = 0; i < nb; i++) {
            int stop;
#pragma omp atomic read
            stop = rc;
            if (stop) continue;
            int irc = run_numbered(p, batch[i]);
#pragma omp critical(probe_items)
            {
                if (irc && !rc) {
                    snprintf(msg, sizeof msg, "%s", inv_errmsg()); // the failing thread's
#pragma omp atomic write
                    rc = irc;
                }
                progress_update(pr, ++done);
            }
        }
    }
    free(batch);
    return rc ? inv_fail(rc, "%s", msg) : INV_OK;
}

static void fail_all(int rc) {
    if (rc) program_fail_last(rc);
}

int cmd_linear(int argc, char **argv) {
    char *features = NULL, *data = NULL, *task_kind = NULL, *target = NULL, *out = NULL;
    char *l2_text = "1e-6:1e5:45", *protocol = "cv", *test_features = NULL, *test_data = NULL;
    char *metric = "accuracy";
    int folds = 5, standardize = 0, max_iter = 100, l2_block = 0;
    double tol = 1e-4;
    cli_option opts[] = {
        {"features", 0, OPT_STRING, &features, "A.nc[+B.nc...]",
         "feature file(s); '+' fuses several by concatenating columns (required)", 0, 0, 1},
        {"data", 0, OPT_STRING, &data, "SHARD.nc",
         "the shard the features rows come from, "
         "holding the targets (required)",
         0, 0, 1},
        {"task", 0, OPT_STRING, &task_kind, "classify|regress",
         "logistic regression on labels or ridge regression on targets (required)", 0, 0, 1},
        {"target", 0, OPT_STRING, &target, "VAR[,VAR...]",
         "shard variable(s), one task each (default: label for classify, target for regress)", 0, 0,
         1},
        {"folds", 0, OPT_INT, &folds, "K", "cross-validation folds (stratified for classify)", 2,
         1000, 0},
        {"l2", 0, OPT_STRING, &l2_text, "LO:HI:N",
         "log-spaced l2 grid; Ridge alpha = 1/l2, LogisticRegression C = 1/l2", 0, 0, 0},
        {"standardize", 0, OPT_FLAG, &standardize, NULL,
         "standardise features with fold-train statistics (raw otherwise)", 0, 0, 1},
        {"protocol", 0, OPT_STRING, &protocol, "cv|heldout",
         "cv: the paper's k-fold CV on all data; heldout: the official code's (l2 by CV on "
         "--features/--data, refit, score on --test-features/--test-data)",
         0, 0, 0},
        {"test-features", 0, OPT_STRING, &test_features, "T.nc[+...]",
         "held-out features (protocol heldout)", 0, 0, 1},
        {"test-data", 0, OPT_STRING, &test_data, "TEST.nc", "held-out shard (protocol heldout)", 0,
         0, 1},
        {"metric", 0, OPT_STRING, &metric, "accuracy|mean_class",
         "classification score that picks l2 (both are written)", 0, 0, 0},
        {"max-iter", 0, OPT_INT, &max_iter, "N", "L-BFGS iterations per fit (scikit-learn's)", 1,
         1000000, 0},
        {"tol", 0, OPT_DOUBLE, &tol, "T", "L-BFGS gradient tolerance (max |g|)", 0, 1, 0},
        {"l2-block", 0, OPT_INT, &l2_block, "N",
         "logistic: l2 values per work item, warm-started along each block (0: whole paths, "
         "split only when there are fewer paths than 2 x ranks)",
         0, 100000, 0},
        {"out", 'o', OPT_STRING, &out, "RESULT.nc", "result file (required)", 0, 0, 1},
    };
    cli_spec spec = {
        "invar-probe linear",
        "",
        "Linear probes of frozen features over a cross-validation x l2 grid. classify: "
        "multinomial logistic regression with an L2 penalty by L-BFGS, as scikit-learn's "
        "LogisticRegression(C = 1/l2, lbfgs, max_iter 100): minimises the sum of log-losses + "
        "0.5 * l2 * ||W||^2 (intercept not penalised), warm-started from strong to weak "
        "penalties (each fit from the secant through the previous two solutions), paths side "
        "by side on the threads; scored by accuracy and mean per-class accuracy. regress: ridge "
        "regression as scikit-learn's Ridge(alpha = 1/l2, fit_intercept=True), one band "
        "reduction of the Gram matrix (of the kernel matrix when features outnumber training "
        "rows) per fold for the whole grid; scored by R^2 averaged over "
        "targets and per target. Writes score(task,l2,fold), l2(l2), "
        "best_l2/best_mean/best_std(task) (std over folds, ddof 0), fold_of(task,n) and "
        "per-metric variables. Items (task, fold, block of l2 values) are handed out to MPI "
        "ranks dynamically.",
        "invar-probe linear --features f.nc --data shape.nc --task classify --out probe.nc\n"
        "  mpirun -np 4 invar-probe linear --features a.nc+b.nc --data kp.nc --task regress "
        "--l2 1e-4:1e7:45 --out fused.nc",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int threads = program_apply_common(&common);
    if (!features || !data || !task_kind || !out)
        program_fail(INV_EINVAL, "--features, --data, --task and --out are required");
    int classify = strcmp(task_kind, "classify") == 0;
    if (!classify && strcmp(task_kind, "regress") != 0)
        program_fail(INV_EINVAL, "--task must be classify or regress, not '%s'", task_kind);
    // Ridge parallelises inside OpenBLAS; logistic regression with OpenMP (logistic.c) and
    // over items (run_threaded), each calling OpenBLAS single-threaded.
    openblas_set_num_threads(classify ? 1 : threads);
    int heldout = strcmp(protocol, "heldout") == 0;
    if (!heldout && strcmp(protocol, "cv") != 0)
        program_fail(INV_EINVAL, "--protocol must be cv or heldout, not '%s'", protocol);
    if (heldout != (test_features != NULL && test_data != NULL))
        program_fail(INV_EINVAL, heldout ? "--protocol heldout needs --test-features and "
                                           "--test-data"
                                         : "--test-features/--test-data need --protocol heldout");
    int metric_mean_class = strcmp(metric, "mean_class") == 0;
    if (!metric_mean_class && strcmp(metric, "accuracy") != 0)
        program_fail(INV_EINVAL, "--metric must be accuracy or mean_class, not '%s'", metric);
    double *l2;
    int nl2;
    fail_all(cli_parse_logspace(l2_text, "--l2", &l2, &nl2));
    char target_buf[4096];
    snprintf(target_buf, sizeof target_buf, "%s", target ? target : classify ? "label" : "target");
    char *task_names[64];
    int ntask = split_list(target_buf, task_names, 64);
    if (ntask < 1) program_fail(INV_EINVAL, "--target: no variable named");

    double t0 = time_now();
    feature_set fs = {0}, ts = {0};
    fail_all(probe_load_features(features, &fs.x, &fs.n, &fs.d, fs.source, sizeof fs.source));
    probe_check_source(features, fs.source, data);
    if (heldout) {
        fail_all(
            probe_load_features(test_features, &ts.x, &ts.n, &ts.d, ts.source, sizeof ts.source));
        if (ts.d != fs.d)
            program_fail(INV_EFORMAT, "%s: %lld features per row, but %s has %lld", test_features,
                         (long long)ts.d, features, (long long)fs.d);
    }
    task_data td[64] = {{0}}, tt[64] = {{0}};
    int32_t *classes[64] = {0};
    int nclass[64] = {0};
    int32_t *fold_of = malloc((size_t)ntask * (size_t)fs.n * sizeof *fold_of);
    if (!fold_of) program_fail(INV_ENOMEM, "out of memory");
    int64_t kmax = 0;
    for (int t = 0; t < ntask; t++) {
        int32_t *fo = fold_of + (size_t)t * fs.n;
        char what[4200];
        snprintf(what, sizeof what, "%s: '%s'", data, task_names[t]);
        if (classify) {
            fail_all(probe_load_classes(data, task_names[t], fs.n, features, NULL, 0, &td[t].cls,
                                        &classes[t], &nclass[t]));
            int32_t *raw = malloc((size_t)fs.n * sizeof *raw); // labels as in the file
            if (!raw) program_fail(INV_ENOMEM, "out of memory");
            for (int64_t i = 0; i < fs.n; i++) raw[i] = classes[t][td[t].cls[i]];
            fail_all(folds_stratified(raw, fs.n, folds, common.seed, fo, what));
            free(raw);
            if (heldout) {
                int32_t *unused = NULL;
                int nc2;
                fail_all(probe_load_classes(test_data, task_names[t], ts.n, test_features,
                                            classes[t], nclass[t], &tt[t].cls, &unused, &nc2));
                free(unused);
            }
        } else {
            fail_all(probe_load_targets(data, task_names[t], fs.n, features, &td[t].y, &td[t].k));
            fail_all(folds_shuffled(fs.n, folds, common.seed, fo, what));
            if (td[t].k > kmax) kmax = td[t].k;
            if (heldout) {
                fail_all(probe_load_targets(test_data, task_names[t], ts.n, test_features, &tt[t].y,
                                            &tt[t].k));
                if (tt[t].k != td[t].k)
                    program_fail(INV_EFORMAT, "%s: '%s' has %lld columns, %s has %lld", test_data,
                                 task_names[t], (long long)tt[t].k, data, (long long)td[t].k);
            }
        }
    }
    linear_result r;
    fail_all(linear_result_init(&r, classify, ntask, nl2, folds, kmax, fs.n, l2, nclass));
    r.metric_mean_class = metric_mean_class;
    for (int t = 0; t < ntask; t++) r.k[t] = td[t].k;
    memcpy(r.fold_of, fold_of, (size_t)ntask * (size_t)fs.n * sizeof *fold_of);

    lbfgs_options opt;
    lbfgs_default_options(&opt);
    opt.max_iter = max_iter;
    opt.gtol = tol;
    int size = mpi_size(), nblocks = 1;
    if (classify) {
        if (l2_block > 0)
            nblocks = (nl2 + l2_block - 1) / l2_block;
        else if (ntask * folds < 2 * size)
            nblocks = (2 * size + ntask * folds - 1) / (ntask * folds);
        if (nblocks > nl2) nblocks = nl2;
    }
    int block_size = (nl2 + nblocks - 1) / nblocks;
    nblocks = (nl2 + block_size - 1) / block_size;
    r.l2_block = block_size;
    int64_t nitems = (int64_t)ntask * folds * nblocks;
    log_info("%s: %d task%s x %d folds x %d l2 values (%lld items over %d rank%s), n %lld, d %lld",
             classify ? "logistic regression" : "ridge regression", ntask, ntask == 1 ? "" : "s",
             folds, nl2, (long long)nitems, size, size == 1 ? "" : "s", (long long)fs.n,
             (long long)fs.d);
    work_queue q;
    fail_all(work_queue_open(&q, nitems));
    progress pr;
    progress_start(&pr, "probe fits", nitems, "items");
    // Ridge: the Gram of all rows, built by a rank on its first item, serves every fold it
    // gets (each fold then subtracts its test rows' part) when ranks expect two folds or more,
    // unless features outnumber training rows (then the dual is solved, ridge_cv.h).
    ridge_gram gram = {0};
    int64_t min_train = fs.n - (fs.n + folds - 1) / folds;
    int shared = !classify && nitems >= 2 * size && fs.d <= min_train;
    item_plan plan = {&r, &fs, td, fold_of, folds, nblocks, block_size, standardize, &opt, NULL};
    plan.gram = shared ? &gram : NULL;
    int item_rc = classify && threads > 1 ? run_threaded(&plan, &q, &pr, threads)
                                          : run_serial(&plan, &q, &pr);
    progress_finish(&pr);
    work_queue_close(&q);
    ridge_gram_free(&gram);
    if (!mpi_all_ok(item_rc == INV_OK)) {
        if (item_rc) program_fail_last(item_rc);
        program_fail(INV_EMPI, "another rank failed (see its message)");
    }
    fail_all(linear_result_gather(&r));
    linear_result_choose_best(&r);
    if (heldout) {
        fail_all(work_queue_open(&q, ntask));
        for (int64_t t; (t = work_queue_next(&q)) >= 0;) {
            item_rc = run_refit(&r, &fs, &td[t], &ts, &tt[t], (int)t, &opt, standardize);
            if (item_rc) break;
        }
        work_queue_close(&q);
        if (!mpi_all_ok(item_rc == INV_OK)) {
            if (item_rc) program_fail_last(item_rc);
            program_fail(INV_EMPI, "another rank failed (see its message)");
        }
        fail_all(linear_result_gather_test(&r));
    }
    double seconds = time_now() - t0;
    if (mpi_rank() == 0) {
        linear_result_meta meta = {
            features,    data,        task_kind,     protocol,  metric,
            standardize, common.seed, test_features, test_data, (const char *const *)task_names,
            seconds};
        fail_all(linear_result_write(&r, out, &meta));
        if (log_get_level() >= LOG_INFO) linear_result_print(&r, &meta, stdout);
    }
    for (int t = 0; t < ntask; t++)
        free(td[t].y), free(td[t].cls), free(tt[t].y), free(tt[t].cls), free(classes[t]);
    linear_result_free(&r);
    free(fs.x), free(ts.x), free(fold_of), free(l2);
    return 0;
}
