// commands.h: the sub-commands of invar-data, one file each (cmd_NAME.c). Each takes the
// sub-command's argv (argv[0] = "invar-data NAME") and returns the process exit status.
#ifndef INVAR_DATA_COMMANDS_H
#define INVAR_DATA_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} data_command;

// The table lives in main.c; add a line there for each new command.
extern const data_command data_commands[];

#endif
