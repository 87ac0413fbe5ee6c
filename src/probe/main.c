// main.c: invar-probe, the downstream-probe program: dispatches to its sub-commands (linear
// probes over CV x l2 grids, kernel ridge regression on a BLACS grid, rank correlations).
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"

#include <stdio.h>
#include <string.h>

static const probe_command commands[] = {
    {"linear", "linear probes (logistic / ridge) over cross-validation x l2 grids", cmd_linear},
    {"krr", "RBF kernel ridge regression over an (alpha, gamma) grid on a BLACS grid", cmd_krr},
    {"correlate", "Spearman rank correlations between columns of result files", cmd_correlate},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out, "Usage: invar-probe COMMAND [OPTIONS] ...\n\n"
                 "Downstream probes of the invar suite: linear probes over cross-validation x\n"
                 "regularisation grids, kernel ridge regression, rank correlations.\n\n"
                 "Commands:\n");
    for (const probe_command *c = commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'invar-probe COMMAND --help' for a command's options.\n"
                 "Example:\n  invar-probe correlate a.nc b.nc c.nc --out corr.nc\n");
}

int main(int argc, char **argv) {
    program_start("invar-probe", &argc, &argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        program_exit(argc < 2 ? 2 : 0);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("invar-probe (invar) %s\n", INVAR_VERSION);
        program_exit(0);
    }
    for (const probe_command *c = commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            char prog[64];
            snprintf(prog, sizeof prog, "invar-probe %s", c->name);
            argv[1] = prog;
            program_exit(c->run(argc - 1, argv + 1));
        }
    }
    program_fail(INV_EINVAL, "unknown command '%s' (see invar-probe --help)", argv[1]);
}
