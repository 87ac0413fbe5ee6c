#include "commands.h"
#include "core/program.h"
int cmd_report(int argc, char **argv) { (void)argc; (void)argv; program_fail(1, "report: being written"); }
