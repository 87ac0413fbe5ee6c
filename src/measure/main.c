// main.c: invar-measure, the measurement program: dispatches to the sub-commands listed here
// (features, the invariance sweeps synthetic/realworld/views, compare), one cmd_NAME.c each.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"

#include <stdio.h>
#include <string.h>

const measure_command measure_commands[] = {
    {"features", "run a checkpoint (or a random init) over a shard and write feature(n, d)",
     cmd_features},
    {"synthetic", "invariance to the 18 synthetic transforms (Table 2)", cmd_synthetic},
    {"realworld", "invariance across the views of real-world groups (Table 3)", cmd_realworld},
    {"compare", "which model is significantly the most invariant (Hoeffding, Bonferroni)",
     cmd_compare},
    {"views", "uniformity and average confusion ratio of augmented views (Table C.1)", cmd_views},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out, "Usage: invar-measure COMMAND [OPTIONS] ...\n\n"
                 "Measurements for the invar suite: features, invariance sweeps.\n\n"
                 "Commands:\n");
    for (const measure_command *c = measure_commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'invar-measure COMMAND --help' for a command's options.\n"
                 "Example:\n  invar-measure features --model random --arch resnet18 --stem small "
                 "--data shard.nc --out features.nc\n"
                 "  invar-measure synthetic --model moco.safetensors --arch resnet50 --data val.nc "
                 "--stats val_features.nc --images 1000 --sample official --out inv.nc\n");
}

int main(int argc, char **argv) {
    program_start("invar-measure", &argc, &argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        program_exit(argc < 2 ? 2 : 0);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("invar-measure (invar) %s\n", INVAR_VERSION);
        program_exit(0);
    }
    for (const measure_command *c = measure_commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            char prog[64];
            snprintf(prog, sizeof prog, "invar-measure %s", c->name);
            argv[1] = prog;
            program_exit(c->run(argc - 1, argv + 1));
        }
    }
    program_fail(INV_EINVAL, "unknown command '%s' (see invar-measure --help)", argv[1]);
}
