// commands.h: the sub-commands of invar-report (each a cmd_*.c file).
#ifndef INVAR_REPORT_COMMANDS_H
#define INVAR_REPORT_COMMANDS_H

int cmd_plan(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
