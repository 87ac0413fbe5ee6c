// cmd_plan.c: `invar-report plan CONFIG`: loads and validates a campaign configuration and
// prints its flat plan (stages with Slurm resources and dependencies, jobs with their commands
// and output files); --write also creates the run folder with plan.tsv and grid policy files.
#include "campaign_plan.h"
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_plan(int argc, char **argv) {
    int write = 0;
    cli_option opts[] = {
        {"write", 0, OPT_FLAG, &write, NULL,
         "also create RUN_DIR with RUN_DIR/plan.tsv (what the stage scripts read) and the grid "
         "points' policy files",
         0, 0, 1},
    };
    cli_spec spec = {
        .prog = "invar-report plan",
        .usage = "CONFIG.ini",
        .summary =
            "Expands a campaign configuration (INI: [campaign], [data], [model ID], "
            "[baseline ID], [fusion ID], [grid ID], [sweeps], [probes], [features], "
            "[slurm], [slurm STAGE]; see slurm/default.ini) into a flat plan on stdout: "
            "tab-separated lines 'campaign', 'model', 'fusion', 'set', 'task', 'stage NAME "
            "NJOBS DEPS NTASKS CPUS TIME MEM PARTITION ACCOUNT QOS GRES EXTRA', 'job STAGE "
            "INDEX LABEL RANKS OUTPUTS COMMAND INPUTS' and 'skip STAGE LABEL REASON'. Every error "
            "names the file and line. slurm/campaign.sh runs the plan.",
        .example = "  invar-report plan slurm/default.ini | grep '^stage'\n"
                   "  invar-report plan slurm/tiny.ini --write",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof opts[0]),
        .min_positional = 1,
        .max_positional = 1,
    };
    cli_common common = {0};
    int first = program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    campaign_plan *p = calloc(1, sizeof *p);
    if (!p) program_fail(INV_ENOMEM, "out of memory");
    if (plan_build(p, argv[first])) program_fail_last(INV_EINVAL);
    if (write && plan_materialize(p)) program_fail_last(INV_EIO);
    plan_write(p, stdout);
    plan_free(p);
    free(p);
    return 0;
}
