// program.h: what every invar program does at start and on failure: MPI start-up, logging from
// the common options, OpenMP threads, and a fatal-error exit that names the program. Only
// programs call these; library code returns errors instead.
#ifndef INVAR_CORE_PROGRAM_H
#define INVAR_CORE_PROGRAM_H

#include "core/cli.h"

// Starts MPI and a default logger (rank-aware). Exits with a message if MPI cannot start.
void program_start(const char *name, int *argc, char ***argv);
// cli_parse for a program: returns the index of the first positional argument; after --help or
// --version it exits with status 0, and on a usage error it fails with the parser's message.
int program_parse(const cli_spec *spec, cli_common *common, int argc, char **argv);
// Applies --threads / -q / -v (after cli_parse). Returns the thread count in use.
int program_apply_common(const cli_common *common);
// Prints "NAME: error: MESSAGE" (rank-prefixed with several ranks), stops MPI (MPI_Abort with
// several ranks) and exits with status 1 (2 for usage errors, INV_EINVAL).
_Noreturn void program_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Fails with the library's last error message.
_Noreturn void program_fail_last(int code);
// Normal end: stops MPI and exits with `status`.
_Noreturn void program_exit(int status);
const char *program_name(void);

#endif
