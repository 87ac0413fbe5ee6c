// main.c: invar-data, the data program: dispatches to the sub-commands listed here (world,
// import, inspect, augment, transform ...), each implemented in its own cmd_NAME.c.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"

#include <stdio.h>
#include <string.h>

int cmd_augment(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_transform(int argc, char **argv);
int cmd_world(int argc, char **argv);

const data_command data_commands[] = {
    {"augment", "contact sheet of augmented views of an image under a policy", cmd_augment},
    {"import", "import a data set (cifar10, image folder, CSV manifest) into a shard", cmd_import},
    {"inspect", "say what a file is, list its contents and validate it", cmd_inspect},
    {"transform", "list the test transforms, or apply one grid point to an image", cmd_transform},
    {"world", "render the embedded world's data sets (and a contact sheet)", cmd_world},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out, "Usage: invar-data COMMAND [OPTIONS] ...\n\n"
                 "Data for the invar suite: the embedded world, importers, inspection.\n\n"
                 "Commands:\n");
    for (const data_command *c = data_commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun 'invar-data COMMAND --help' for a command's options.\n"
                 "Example:\n  invar-data inspect shard.nc\n");
}

int main(int argc, char **argv) {
    program_start("invar-data", &argc, &argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        program_exit(argc < 2 ? 2 : 0);
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("invar-data (invar) %s\n", INVAR_VERSION);
        program_exit(0);
    }
    for (const data_command *c = data_commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            char prog[64];
            snprintf(prog, sizeof prog, "invar-data %s", c->name);
            argv[1] = prog;
            program_exit(c->run(argc - 1, argv + 1));
        }
    }
    program_fail(INV_EINVAL, "unknown command '%s' (see invar-data --help)", argv[1]);
}
