// main.c: invar-train: MoCo-v2 pretraining or the supervised baseline, data-parallel over MPI
// ranks, preemption-safe. Orchestration only: options (options.c), data (dataset.c, loader.c),
// the step (model.c), checkpoints (ckpt.c), log.nc / views.nc (runlog.c).
#include "ckpt.h"
#include "dataset.h"
#include "loader.h"
#include "model.h"
#include "options.h"
#include "runlog.h"

#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "core/tensor.h"

#include <errno.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal = 0;
static void on_signal(int sig) {
    got_signal = sig;
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

static int make_dirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return inv_fail_errno(buf, "mkdir");
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return inv_fail_errno(buf, "mkdir");
    return INV_OK;
}

typedef struct {
    const train_opts *o;
    train_model *m;
    run_log log;
    views_file views;
    char *config;
    char prev[256];           // newest checkpoint of this run (a name in RUNDIR), "" if none
    float *vq, *vk, *vk_shuf; // rank 0's gathered views for views.nc
} run_state;

static void rundir_path(const train_opts *o, const char *name, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", o->out, name);
}

// An epoch checkpoint kept by --keep-epochs (mid-epoch ones never are).
static int kept(const train_opts *o, const char *name) {
    int e;
    char tail[64];
    if (sscanf(name, "checkpoint_%d.%63s", &e, tail) == 2 && strcmp(tail, "safetensors") == 0 &&
        strncmp(name, "checkpoint_step", 15) != 0)
        return train_opts_keeps(o, e);
    return strcmp(name, "checkpoint_init.safetensors") == 0;
}

// Rank 0: log.nc, then the checkpoint, the checkpoint_last link, and removal of the previous one.
static int save_all(run_state *rs, const train_pos *pos, const char *name) {
    char path[4200];
    rundir_path(rs->o, "log.nc", path, sizeof path);
    train_nc_lock();
    int rc = run_log_write(&rs->log, path, rs->config);
    train_nc_unlock();
    if (rc || !name) return rc;
    rundir_path(rs->o, name, path, sizeof path);
    INV_TRY(ckpt_save(rs->m, pos, path));
    INV_TRY(ckpt_link_last(rs->o->out, name));
    if (rs->prev[0] && strcmp(rs->prev, name) != 0 && !kept(rs->o, rs->prev)) {
        rundir_path(rs->o, rs->prev, path, sizeof path);
        unlink(path);
    }
    snprintf(rs->prev, sizeof rs->prev, "%s", name);
    return INV_OK;
}

// The global batch's views to rank 0 and into views.nc.
static int save_views(run_state *rs, const train_batch *bt) {
    const train_opts *o = rs->o;
    int S = o->policy.out_size, rr = o->rank_rows, moco = o->objective == OBJ_MOCO;
    int per = rr * 3 * S * S;
    size_t chw = (size_t)3 * S * S;
    INV_CHECK_MPI(MPI_Gather(bt->q, per, MPI_FLOAT, rs->vq, per, MPI_FLOAT, 0, MPI_COMM_WORLD));
    if (moco)
        INV_CHECK_MPI(
            MPI_Gather(bt->k, per, MPI_FLOAT, rs->vk_shuf, per, MPI_FLOAT, 0, MPI_COMM_WORLD));
    int32_t *labels = NULL;
    if (!moco) {
        labels = malloc(sizeof(int32_t) * o->batch);
        if (!labels) return inv_fail(INV_ENOMEM, "views: labels");
        INV_CHECK_MPI(MPI_Gather(bt->labels, rr, MPI_INT, labels, rr, MPI_INT, 0, MPI_COMM_WORLD));
    }
    int rc = INV_OK;
    if (o->rank == 0) {
        if (moco)
            for (int j = 0; j < o->batch; j++)
                memcpy(rs->vk + (size_t)bt->shuffle[j] * chw, rs->vk_shuf + (size_t)j * chw,
                       sizeof(float) * chw);
        train_nc_lock();
        rc = views_append(&rs->views, rs->vq, moco ? rs->vk : NULL, bt->shuffle, bt->index, labels);
        if (!rc && rs->views.written == rs->views.steps) rc = views_commit(&rs->views);
        train_nc_unlock();
    }
    free(labels);
    return rc;
}

static void print_progress(const train_opts *o, const train_pos *pos, int64_t spe, int64_t end,
                           double loss, double acc1, double lr, double pairs_s, double eta_s) {
    char eta[32];
    format_duration(eta_s, eta, sizeof eta);
    log_info("epoch %d/%d step %lld/%lld (global %lld/%lld) loss %.4f top-1 %.2f lr %.6g "
             "pairs/s %.1f ETA %s",
             (pos->step == 0 ? pos->epoch - 1 : pos->epoch) + 1, o->epochs,
             (long long)(pos->step == 0 ? spe : pos->step), (long long)spe,
             (long long)pos->global_step, (long long)end, loss, acc1, lr, pairs_s, eta);
}

// CPU seconds of the calling thread.
static double thread_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    program_start("invar-train", &argc, &argv);
    train_opts o;
    train_opts_parse(&o, argc, argv);
    int rc, moco = o.objective == OBJ_MOCO;
    dataset d;
    if ((rc = dataset_open(&d, o.data, !moco))) program_fail_last(rc);
    int nclasses = 0;
    if (!moco) {
        if (o.classes && o.classes < d.nclasses)
            program_fail(INV_EINVAL, "%s: labels go up to %d, more than --classes %d", o.data,
                         d.nclasses - 1, o.classes);
        nclasses = o.classes = o.classes ? o.classes : d.nclasses;
        if (nclasses < 2)
            program_fail(INV_EINVAL, "%s: only %d class in the labels", o.data, nclasses);
    }
    int64_t spe = d.n / o.batch;
    if (spe == 0)
        program_fail(INV_EINVAL, "%s: %lld images, fewer than one batch of %d (drop_last)", o.data,
                     (long long)d.n, o.batch);
    if (o.rank == 0 && (rc = make_dirs(o.out))) program_fail_last(rc);
    MPI_Barrier(MPI_COMM_WORLD);

    train_model m;
    if ((rc = model_create(&m, &o, nclasses))) program_fail_last(rc);
    model_init(&m, o.seed);
    run_state rs = {.o = &o, .m = &m};
    run_log_init(&rs.log);
    rs.config = train_opts_config_json(&o);

    // fresh start or resume
    char last[4200], path[4200];
    rundir_path(&o, "checkpoint_last.safetensors", last, sizeof last);
    const char *from = NULL;
    struct stat st;
    int have_last = stat(last, &st) == 0;
    int auto_resume = o.resume && strcmp(o.resume, "auto") == 0;
    if (!have_last && lstat(last, &st) == 0 && (auto_resume || (!o.resume && !o.force)))
        program_fail(INV_EIO,
                     "%s: names a checkpoint that does not exist (removed?); resume "
                     "from one with --resume FILE, or start over with --force",
                     last);
    if (auto_resume) {
        if (have_last) from = last;
    } else if (o.resume) {
        from = o.resume;
    } else if (have_last && !o.force) {
        program_fail(INV_EINVAL,
                     "%s holds a run's checkpoints (%s): --resume auto continues it, --force "
                     "starts over",
                     o.out, last);
    }
    train_pos pos = {0, 0, 0};
    if (from) {
        if ((rc = ckpt_load(&m, from, o.force, &pos))) program_fail_last(rc);
        if (pos.step >= spe || pos.global_step != (int64_t)pos.epoch * spe + pos.step)
            program_fail(INV_EFORMAT,
                         "%s: position epoch %d step %lld (global %lld) does not fit %lld steps "
                         "per epoch of this data",
                         from, pos.epoch, (long long)pos.step, (long long)pos.global_step,
                         (long long)spe);
        if (from == last) {
            ssize_t k = readlink(last, rs.prev, sizeof rs.prev - 1);
            rs.prev[k > 0 ? k : 0] = 0;
        }
        log_info("resuming from %s: epoch %d, step %lld of %lld (global step %lld)", from,
                 pos.epoch, (long long)pos.step, (long long)spe, (long long)pos.global_step);
    }
    int64_t total = (int64_t)o.epochs * spe;
    int64_t end = o.max_steps > 0 && o.max_steps < total ? o.max_steps : total;
    if (o.rank == 0) {
        rundir_path(&o, "log.nc", path, sizeof path);
        if ((rc = run_log_load(&rs.log, path, pos.global_step))) program_fail_last(rc);
        if (!from && o.save_initial) {
            rundir_path(&o, "checkpoint_init.safetensors", path, sizeof path);
            if ((rc = ckpt_save(&m, &pos, path))) program_fail_last(rc);
        }
    }
    int S = o.policy.out_size;
    if (o.save_views > 0 && pos.global_step == 0 && end > 0) {
        int64_t nv = o.save_views < end ? o.save_views : end;
        size_t all = sizeof(float) * (size_t)o.batch * 3 * S * S;
        rs.vq = inv_aligned_alloc(all);
        rs.vk = moco ? inv_aligned_alloc(all) : NULL;
        rs.vk_shuf = moco ? inv_aligned_alloc(all) : NULL;
        if (!rs.vq || (moco && (!rs.vk || !rs.vk_shuf)))
            program_fail(INV_ENOMEM, "--save-views: out of memory for a batch of views");
        if (o.rank == 0) {
            rundir_path(&o, "views.nc", path, sizeof path);
            if ((rc = views_create(&rs.views, path, moco, o.batch, S, nv, rs.config)))
                program_fail_last(rc);
        }
    } else if (o.save_views > 0) {
        log_warn("--save-views: resumed past step 0, views.nc is not written again");
    }
    log_info("invar-train: %s, %s%s width %g, %lld images of %s, batch %d over %d rank(s), %d BN "
             "group(s) of %d, policy %s at %d px, %lld steps/epoch, %d epochs, lr %g (%s), "
             "%d thread(s) + %d loader",
             moco ? "MoCo-v2" : "supervised", o.arch, strcmp(o.stem, "small") ? "" : " small-stem",
             o.width, (long long)d.n, o.data, o.batch, o.ranks, o.bn_groups, o.group_rows,
             o.policy_name, S, (long long)spe, o.epochs, o.lr_effective, o.schedule, o.threads,
             o.workers);

    install_signals();
    loader *L = NULL;
    if (pos.global_step < end && (rc = loader_create(&L, &d, &o, spe, pos.epoch, pos.step, end)))
        program_fail_last(rc);
    double t_run = time_now(), t_print = t_run, sum_step = 0, sum_wait = 0, sum_load = 0;
    double sum_allreduce = 0,
           sum_cpu = 0; // sum_cpu: this thread's CPU seconds, steps after the first
    int64_t steps_run = 0;
    int stopped_by_signal = 0;
    while (pos.global_step < end) {
        double wait_s;
        train_batch *bt = loader_next(L, &wait_s);
        int bad = !bt || bt->rc;
        if (!mpi_all_ok(!bad)) {
            if (bad) program_fail(bt ? bt->rc : INV_EIO, "%s", bt ? bt->err : "loader stopped");
            program_fail(INV_EIO, "another rank's loader failed");
        }
        double lr = lr_at(&o.sched, bt->epoch);
        double t0 = time_now(), c0 = thread_cpu_now();
        step_stats ss;
        if ((rc = model_step(&m, bt, lr, &ss))) program_fail_last(rc);
        double step_s = time_now() - t0;
        if (steps_run > 0) sum_cpu += thread_cpu_now() - c0;
        if (rs.vq && rs.views.written < o.save_views && pos.global_step < o.save_views &&
            (rc = save_views(&rs, bt)))
            program_fail_last(rc);
        sum_step += step_s, sum_wait += wait_s, sum_load += bt->load_s;
        sum_allreduce += m.allreduce_s;
        steps_run++;
        double loss = ss.loss_sum / ss.rows, acc1 = 100.0 * ss.correct1 / ss.rows;
        double acc5 = 100.0 * ss.correct5 / ss.rows, pairs_s = o.batch / (step_s + wait_s);
        if (o.rank == 0 && (rc = run_log_append(&rs.log, loss, acc1, acc5, lr, pairs_s, step_s,
                                                wait_s, bt->epoch)))
            program_fail_last(rc);
        loader_release(L, bt);
        pos.global_step++;
        if (++pos.step == spe) pos.step = 0, pos.epoch++;
        int sig = got_signal != 0, any_sig = 0;
        MPI_Allreduce(&sig, &any_sig, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        int epoch_end = pos.step == 0, done_epoch = pos.epoch - 1;
        const char *name = NULL;
        char nbuf[64];
        if (epoch_end &&
            ((done_epoch + 1) % o.save_every == 0 || train_opts_keeps(&o, done_epoch) ||
             pos.epoch == o.epochs || pos.global_step == end || any_sig)) {
            snprintf(nbuf, sizeof nbuf, "checkpoint_%04d.safetensors", done_epoch);
            name = nbuf;
        } else if (any_sig || pos.global_step == end) {
            snprintf(nbuf, sizeof nbuf, "checkpoint_step%08lld.safetensors",
                     (long long)pos.global_step);
            name = nbuf;
        }
        if (o.rank == 0 && (epoch_end || name) && (rc = save_all(&rs, &pos, name)))
            program_fail_last(rc);
        double now = time_now();
        if (o.rank == 0 &&
            (epoch_end || name || now - t_print >= o.print_every || log_get_level() >= LOG_DEBUG)) {
            t_print = now;
            double per = (now - t_run) / steps_run;
            print_progress(&o, &pos, spe, end, loss, acc1, lr, pairs_s,
                           per * (double)(end - pos.global_step));
        }
        if (any_sig) {
            stopped_by_signal = 1;
            break;
        }
    }
    loader_free(L);
    if (o.rank == 0) {
        train_nc_lock();
        if (rs.views.open) rc = views_commit(&rs.views);
        train_nc_unlock();
        if (rc) program_fail_last(rc);
    }
    if (steps_run > 0)
        log_info("%lld steps in %.1f s: step %.3f s compute (allreduce %.3f s), loader %.3f s "
                 "per batch %s (%.0f%% of a step), waited %.3f s per step "
                 "(%.1f%%)",
                 (long long)steps_run, time_now() - t_run, sum_step / steps_run,
                 sum_allreduce / steps_run, sum_load / steps_run,
                 o.workers ? "on its own thread(s)" : "before each step",
                 100.0 * sum_load / (sum_step > 0 ? sum_step : 1), sum_wait / steps_run,
                 100.0 * sum_wait / (sum_step + sum_wait > 0 ? sum_step + sum_wait : 1));
    if (steps_run > 1) // with one compute thread, what a step costs whatever else the machine runs
        log_info("step CPU time of the main thread %.3f s (mean over the steps after the first)",
                 sum_cpu / (double)(steps_run - 1));
    if (steps_run > 0 && moco)
        log_info("per step: keys (momentum update + key encoder) %.3f s, queries %.3f s (of which "
                 "the backbone's backward %.3f s)",
                 m.time_keys / steps_run, m.time_query / steps_run, m.time_backward / steps_run);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        log_info("peak resident memory %.1f MB", ru.ru_maxrss / 1024.0);
    if (stopped_by_signal) {
        log_info("checkpointed at global step %lld on a signal: exit %d (requeue; resume with "
                 "--resume auto)",
                 (long long)pos.global_step, TRAIN_EXIT_REQUEUE);
        dataset_close(&d);
        model_free(&m);
        program_exit(TRAIN_EXIT_REQUEUE);
    }
    if (o.rank == 0) {
        rundir_path(&o, "backbone.safetensors", path, sizeof path);
        if ((rc = ckpt_save_backbone(&m, path))) program_fail_last(rc);
        printf("%s: %lld of %lld steps done; checkpoint %s/checkpoint_last.safetensors, backbone "
               "%s\n",
               o.out, (long long)pos.global_step, (long long)total, o.out, path);
    }
    run_log_free(&rs.log);
    free(rs.config);
    inv_aligned_free(rs.vq);
    inv_aligned_free(rs.vk);
    inv_aligned_free(rs.vk_shuf);
    dataset_close(&d);
    model_free(&m);
    program_exit(0);
}
