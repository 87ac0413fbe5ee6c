// commands.h: the sub-commands of invar-probe (one cmd_NAME.c each) and the table main.c
// dispatches from.
#ifndef INVAR_PROBE_COMMANDS_H
#define INVAR_PROBE_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); // argv[0] = "invar-probe NAME"; returns the exit status
} probe_command;

int cmd_linear(int argc, char **argv);
int cmd_krr(int argc, char **argv);
int cmd_correlate(int argc, char **argv);

#endif
