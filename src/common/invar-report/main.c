// main.c: invar-report: `invar-report RUNDIR --out DIR` renders a campaign's results (tables,
// figures, the answers to the paper's questions); `invar-report plan CONFIG` expands a
// campaign configuration into the flat plan the slurm/ stage scripts run.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
    fprintf(out, "Usage: invar-report RUNDIR --out RESULTS_DIR [OPTIONS]\n"
                 "       invar-report plan CONFIG.ini [--write]\n\n"
                 "The campaign's two ends: 'plan' turns a campaign configuration into the flat\n"
                 "plan of stages and jobs that slurm/campaign.sh submits or runs; the report\n"
                 "renders a run folder as Markdown + CSV tables (Tables 2, 3, 4, 5, C.1 with the\n"
                 "paper's numbers beside ours), gnuplot figures and results/README.md answering\n"
                 "the paper's questions Q1-Q4 from the data.\n\n"
                 "Run 'invar-report --help-report' or 'invar-report plan --help' for options.\n");
}

int main(int argc, char **argv) {
    program_start("invar-report", &argc, &argv);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        program_exit(argc < 2 ? 2 : 0);
    }
    if (!strcmp(argv[1], "--version")) {
        printf("invar-report (invar) %s\n", INVAR_VERSION);
        program_exit(0);
    }
    if (!strcmp(argv[1], "plan")) {
        char prog[] = "invar-report plan";
        argv[1] = prog;
        program_exit(cmd_plan(argc - 1, argv + 1));
    }
    if (!strcmp(argv[1], "--help-report")) argv[1] = (char *)"--help";
    program_exit(cmd_report(argc, argv));
}
