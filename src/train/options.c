// options.c: invar-train's options and --help, their checks, and the configuration JSON.
#include "options.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/mpi_util.h"
#include "core/program.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The supervised baseline's default recipe (torchvision's ResNet training: random resized crop
// 0.08-1 and flip, plus colour jitter 0.4 as in fb.resnet.torch).
static const char SUPERVISED_POLICY[] =
    "random_resized_crop size=224 scale=0.08,1 ratio=0.75,1.3333333333333333\n"
    "hflip p=0.5\n"
    "color_jitter brightness=0.4 contrast=0.4 saturation=0.4 p=1\n";

static int parse_keep(train_opts *o) {
    o->nkeep = 0;
    const char *s = o->keep_epochs;
    if (!s || !*s) return INV_OK;
    if (strcmp(s, "all") == 0) {
        o->keep_all = 1;
        return INV_OK;
    }
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > 1 << 24 || (*end && *end != ','))
            return inv_fail(INV_EINVAL, "--keep-epochs '%s': want epochs as 0,1,2,5,10",
                            o->keep_epochs);
        if (o->nkeep == (int)(sizeof o->keep / sizeof *o->keep))
            return inv_fail(INV_EINVAL, "--keep-epochs: at most 256 epochs");
        o->keep[o->nkeep++] = (int)v;
        s = *end ? end + 1 : end;
    }
    return INV_OK;
}

int train_opts_keeps(const train_opts *o, int epoch) {
    if (o->keep_all) return 1;
    for (int i = 0; i < o->nkeep; i++)
        if (o->keep[i] == epoch) return 1;
    return 0;
}

void train_opts_parse(train_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    char *objective = "moco", *data = NULL, *out = NULL, *arch = "resnet50", *stem = "standard";
    char *policy = NULL, *lr_scale = "none", *schedule = "cosine", *milestones = "120,160";
    char *keep = "", *resume = NULL, *backend = "cpu";
    o->width = 1, o->moco_m = 0.999, o->temperature = 0.2, o->lr = 0.03, o->momentum = 0.9;
    o->wd = 1e-4, o->dim = 128, o->queue = 65536, o->batch = 256, o->epochs = 200;
    o->save_every = 1, o->workers = 1, o->print_every = 10, o->bucket_mb = 4;
    cli_option opts[] = {
        {"objective", 0, OPT_STRING, &objective, "moco|supervised",
         "moco: MoCo-v2 (official step, MLP head, queue); supervised: Linear(d, classes) head, "
         "cross-entropy on the data's labels",
         0, 0, 0},
        {"data", 0, OPT_STRING, &data, "PATH",
         "training images: a shard (.nc), an image folder (root/CLASS/*.jpg, read in place) or a "
         "CSV manifest (path,label)",
         0, 0, 1},
        {"out", 'o', OPT_STRING, &out, "RUNDIR",
         "run directory: checkpoints, log.nc, views.nc, backbone.safetensors", 0, 0, 1},
        {"arch", 0, OPT_STRING, &arch, "ARCH", "resnet18, resnet50 or resnet50x3", 0, 0, 0},
        {"stem", 0, OPT_STRING, &stem, "STEM",
         "standard (7x7/2 conv + max-pool) or small (3x3/1 conv, no pool; 32-64 px images)", 0, 0,
         0},
        {"width", 0, OPT_DOUBLE, &o->width, "W",
         "multiplies the 64 base channels (stages round(64 W) x 1, 2, 4, 8)", 0, 0, 0},
        {"dim", 0, OPT_INT, &o->dim, "D", "MoCo: output dimension of the projection head", 1,
         1 << 20, 0},
        {"queue", 0, OPT_INT, &o->queue, "K",
         "MoCo: queue of negative keys (a multiple of the batch)", 1, 1 << 30, 0},
        {"moco-m", 0, OPT_DOUBLE, &o->moco_m, "M", "MoCo: key encoder momentum", 0, 1, 0},
        {"temperature", 0, OPT_DOUBLE, &o->temperature, "T", "MoCo: softmax temperature", 1e-6, 1e6,
         0},
        {"lr", 0, OPT_DOUBLE, &o->lr, "LR", "base learning rate, used as given", 0, 1e6, 0},
        {"lr-scale", 0, OPT_STRING, &lr_scale, "none|linear",
         "linear: lr x global batch / 256 (the official code never scales)", 0, 0, 0},
        {"schedule", 0, OPT_STRING, &schedule, "cosine|step|constant",
         "lr per epoch: cosine lr/2 (1 + cos(pi e / epochs)); step: x0.1 at each milestone", 0, 0,
         0},
        {"milestones", 0, OPT_STRING, &milestones, "E1,E2", "epochs of the step schedule", 0, 0, 0},
        {"epochs", 0, OPT_INT, &o->epochs, "E", "epochs to train", 1, 1 << 24, 0},
        {"momentum", 0, OPT_DOUBLE, &o->momentum, "MU", "SGD momentum", 0, 1, 0},
        {"wd", 0, OPT_DOUBLE, &o->wd, "WD",
         "weight decay on every trainable tensor (BN and biases too, as the official)", 0, 1, 0},
        {"batch", 'b', OPT_INT, &o->batch, "B", "global batch (split over ranks)", 1, 1 << 24, 0},
        {"bn-groups", 0, OPT_INT, &o->bn_groups, "G",
         "batch-norm groups of B/G images (the official code on G GPUs); a multiple of the "
         "ranks; 0: one per rank",
         0, 1 << 20, 0},
        {"no-shuffle-bn", 0, OPT_FLAG, &o->no_shuffle_bn, NULL,
         "MoCo: do not shuffle the key batch over BN groups", 0, 0, 1},
        {"policy", 0, OPT_STRING, &policy, "NAME|FILE",
         "augmentation: default (MoCo-v2), spatial, appearance, supervised (crop 0.08-1, flip, "
         "jitter) or a policy file; default: 'default' for moco, 'supervised' for supervised",
         0, 0, 1},
        {"size", 0, OPT_INT, &o->size, "S",
         "output size of the policy's crops/resizes (0: the policy's own, 224)", 0, AUG_MAX_SIZE,
         0},
        {"classes", 0, OPT_INT, &o->classes, "C",
         "supervised: number of classes (0: 1 + the largest label)", 0, 1 << 24, 0},
        {"workers", 0, OPT_INT, &o->workers, "N",
         "loader threads decoding and augmenting the next batch during a step (0: build each batch "
         "before its step, with the --threads team, nothing running beside the step)",
         0, 256, 0},
        {"save-every", 0, OPT_INT, &o->save_every, "N", "checkpoint every N epochs", 1, 1 << 24, 0},
        {"keep-epochs", 0, OPT_STRING, &keep, "LIST",
         "epoch checkpoints kept (0,1,2,5,10,... or all); others are removed once a newer one is "
         "written",
         0, 0, 1},
        {"save-initial", 0, OPT_FLAG, &o->save_initial, NULL,
         "write checkpoint_init.safetensors (the state before the first step)", 0, 0, 1},
        {"save-views", 0, OPT_INT, &o->save_views, "N",
         "write the first N steps' network inputs and key permutations to RUNDIR/views.nc", 0,
         1 << 20, 0},
        {"max-steps", 0, OPT_INT64, &o->max_steps, "N",
         "stop after N global steps (0: no limit), checkpointed", 0, 0, 0},
        {"resume", 0, OPT_STRING, &resume, "auto|CKPT",
         "auto: continue from RUNDIR/checkpoint_last.safetensors if there is one (mid-epoch "
         "included); or from the checkpoint named",
         0, 0, 1},
        {"force", 0, OPT_FLAG, &o->force, NULL,
         "resume even if the checkpoint's configuration differs; start over in a RUNDIR "
         "that holds checkpoints",
         0, 0, 1},
        {"bucket-mb", 0, OPT_DOUBLE, &o->bucket_mb, "MB",
         "gradients are summed over ranks in buckets of MB started while backward runs (0: one "
         "allreduce after backward)",
         0, 1e6, 0},
        {"print-every", 0, OPT_DOUBLE, &o->print_every, "SEC", "seconds between progress lines", 0,
         1e6, 0},
        {"backend", 0, OPT_STRING, &backend, "NAME",
         "cpu (oneDNN convolutions) or reference (im2col + BLAS)", 0, 0, 0},
    };
    cli_spec spec = {
        "invar-train",
        "",
        "Pretrains a ResNet with MoCo-v2 exactly as the official code (facebookresearch/moco "
        "with --mlp --moco-t 0.2 --aug-plus --cos: query and momentum key encoders, MLP head, "
        "queue, shuffle-BN, SGD 0.9 / wd 1e-4, cosine lr per epoch, drop_last), or trains the "
        "supervised baseline. Data-parallel over MPI ranks (gradients averaged over ranks, batch "
        "norm per group of B/G images, group 0's running statistics kept). Views are keyed by "
        "(seed, epoch, image, view), so results do not depend on ranks, threads or workers. "
        "RUNDIR receives checkpoint_EEEE.safetensors (official MoCo state_dict names, SGD "
        "momentum buffers, metadata), checkpoint_last.safetensors (the newest), log.nc (per "
        "step loss, acc1, acc5, lr, pairs_per_s, step_s, wait_s, epoch) and at the end "
        "backbone.safetensors (torchvision names, no head). On SIGTERM or SIGUSR1 the current "
        "step finishes, a checkpoint is written and the program exits with status 3 (requeue "
        "me); rerun with --resume auto to continue, bit-identical to an uninterrupted run. "
        "Exit status: 0 done, 1 error, 2 usage error, 3 checkpointed on a signal.",
        "  invar-train --data world/pretrain.nc --arch resnet18 --stem small --width 0.25 "
        "--batch 128 --queue 4096 --size 32 --epochs 20 --out runs/default\n"
        "  mpirun -np 8 invar-train --data /imagenet/train --arch resnet50 --policy spatial "
        "--out runs/spatial --resume auto\n"
        "  invar-train --objective supervised --data world/pretrain.nc --arch resnet18 --stem "
        "small --size 32 --batch 128 --lr 0.1 --epochs 30 --out runs/supervised",
        opts,
        (int)(sizeof opts / sizeof *opts),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    o->threads = program_apply_common(&common);
    o->seed = common.seed;
    if (!data || !out) program_fail(INV_EINVAL, "--data and --out are required (see --help)");
    if (strcmp(objective, "moco") == 0)
        o->objective = OBJ_MOCO;
    else if (strcmp(objective, "supervised") == 0)
        o->objective = OBJ_SUPERVISED;
    else
        program_fail(INV_EINVAL, "--objective '%s': moco or supervised", objective);
    o->data = data, o->out = out, o->arch = arch, o->stem = stem, o->lr_scale = lr_scale;
    o->schedule = schedule, o->milestones = milestones, o->keep_epochs = keep, o->resume = resume;
    o->backend = backend;
    o->policy_name = policy ? policy : (o->objective == OBJ_MOCO ? "default" : "supervised");
    o->ranks = mpi_size(), o->rank = mpi_rank();
    if (o->bn_groups == 0) o->bn_groups = o->ranks;
    if (o->bn_groups % o->ranks)
        program_fail(INV_EINVAL, "--bn-groups %d is not a multiple of the %d ranks", o->bn_groups,
                     o->ranks);
    if (o->batch % o->bn_groups)
        program_fail(INV_EINVAL, "--batch %d is not divisible into %d BN groups (--bn-groups)",
                     o->batch, o->bn_groups);
    o->groups_per_rank = o->bn_groups / o->ranks;
    o->group_rows = o->batch / o->bn_groups;
    o->rank_rows = o->batch / o->ranks;
    if (o->objective == OBJ_MOCO && o->queue % o->batch)
        program_fail(INV_EINVAL, "--queue %d is not a multiple of the batch %d (K %% b == 0)",
                     o->queue, o->batch);
    if (strcmp(lr_scale, "none") == 0)
        o->lr_effective = o->lr;
    else if (strcmp(lr_scale, "linear") == 0)
        o->lr_effective = o->lr * o->batch / 256.0;
    else
        program_fail(INV_EINVAL, "--lr-scale '%s': none or linear", lr_scale);
    char sched[300];
    if (strcmp(schedule, "step") == 0)
        snprintf(sched, sizeof sched, "step:%s", milestones);
    else if (strcmp(schedule, "cosine") == 0 || strcmp(schedule, "constant") == 0)
        snprintf(sched, sizeof sched, "%s", schedule);
    else
        program_fail(INV_EINVAL, "--schedule '%s': cosine, step or constant", schedule);
    if (lr_schedule_parse(&o->sched, sched, o->lr_effective, o->epochs)) program_fail_last(1);
    int rc;
    if (strcmp(o->policy_name, "supervised") == 0) {
        rc = policy_parse(SUPERVISED_POLICY, "supervised", &o->policy);
        if (!rc) snprintf(o->policy.name, sizeof o->policy.name, "supervised");
    } else {
        rc = policy_load(o->policy_name, &o->policy);
    }
    if (!rc && o->size) rc = policy_set_size(&o->policy, o->size);
    if (!rc) rc = policy_validate(&o->policy, o->policy_name);
    if (!rc) rc = parse_keep(o);
    if (rc) program_fail_last(rc);
}

char *train_opts_config_json(const train_opts *o) {
    cJSON *j = cJSON_CreateObject();
    char pol[4096];
    policy_format(&o->policy, pol, sizeof pol);
    cJSON_AddStringToObject(j, "objective", o->objective == OBJ_MOCO ? "moco" : "supervised");
    cJSON_AddStringToObject(j, "data", o->data);
    cJSON_AddStringToObject(j, "arch", o->arch);
    cJSON_AddStringToObject(j, "stem", o->stem);
    cJSON_AddNumberToObject(j, "width", o->width);
    if (o->objective == OBJ_MOCO) {
        cJSON_AddNumberToObject(j, "dim", o->dim);
        cJSON_AddNumberToObject(j, "queue", o->queue);
        cJSON_AddNumberToObject(j, "moco_m", o->moco_m);
        cJSON_AddNumberToObject(j, "temperature", o->temperature);
        cJSON_AddBoolToObject(j, "shuffle_bn", !o->no_shuffle_bn);
    } else {
        cJSON_AddNumberToObject(j, "classes", o->classes);
    }
    cJSON_AddNumberToObject(j, "lr", o->lr);
    cJSON_AddStringToObject(j, "lr_scale", o->lr_scale);
    cJSON_AddNumberToObject(j, "lr_effective", o->lr_effective);
    cJSON_AddStringToObject(j, "schedule", o->schedule);
    if (strcmp(o->schedule, "step") == 0) cJSON_AddStringToObject(j, "milestones", o->milestones);
    cJSON_AddNumberToObject(j, "epochs", o->epochs);
    cJSON_AddNumberToObject(j, "momentum", o->momentum);
    cJSON_AddNumberToObject(j, "weight_decay", o->wd);
    cJSON_AddNumberToObject(j, "batch", o->batch);
    cJSON_AddNumberToObject(j, "bn_groups", o->bn_groups);
    cJSON_AddStringToObject(j, "policy_name", o->policy_name);
    cJSON_AddStringToObject(j, "policy", pol);
    cJSON_AddNumberToObject(j, "size", o->policy.out_size);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cJSON_AddStringToObject(j, "seed", seed);
    // informational (may differ on resume)
    cJSON_AddNumberToObject(j, "ranks", o->ranks);
    cJSON_AddNumberToObject(j, "threads", o->threads);
    cJSON_AddStringToObject(j, "backend", o->backend);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

int train_opts_config_compare(const train_opts *o, const char *stored, const char *what) {
    static const char *free_keys[] = {"ranks", "threads", "backend", NULL};
    char *mine = train_opts_config_json(o);
    cJSON *a = cJSON_Parse(mine), *b = stored ? cJSON_Parse(stored) : NULL;
    free(mine);
    int rc = INV_OK;
    if (!b) {
        rc = inv_fail(INV_EFORMAT, "%s: no readable configuration in its metadata", what);
        goto done;
    }
    const cJSON *item;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        const cJSON *x = pass ? b : a, *y = pass ? a : b;
        cJSON_ArrayForEach(item, x) {
            int skip = 0;
            for (int k = 0; free_keys[k]; k++) skip |= strcmp(item->string, free_keys[k]) == 0;
            if (skip) continue;
            const cJSON *other = cJSON_GetObjectItemCaseSensitive(y, item->string);
            if (!other || !cJSON_Compare(item, other, 1)) {
                char *v1 = cJSON_PrintUnformatted(pass ? other : item);
                char *v2 = cJSON_PrintUnformatted(pass ? item : other);
                rc = inv_fail(INV_EINVAL,
                              "%s was made with another configuration: %s is %s there, %s in "
                              "this run",
                              what, item->string, v2 ? v2 : "absent", v1 ? v1 : "absent");
                free(v1), free(v2);
                break;
            }
        }
    }
done:
    cJSON_Delete(a);
    cJSON_Delete(b);
    return rc;
}
