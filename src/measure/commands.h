// commands.h: the sub-commands of invar-measure, one file each (cmd_NAME.c). Each takes the
// sub-command's argv (argv[0] = "invar-measure NAME") and returns the process exit status.
#ifndef INVAR_MEASURE_COMMANDS_H
#define INVAR_MEASURE_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} measure_command;

// The table lives in main.c; add a line there for each new command.
extern const measure_command measure_commands[];

int cmd_features(int argc, char **argv);
int cmd_synthetic(int argc, char **argv);
int cmd_realworld(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_views(int argc, char **argv);

#endif
