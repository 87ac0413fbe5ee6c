// cli.h: declarative command-line options on getopt_long. A program lists its options once;
// --help (usage, options with defaults, an example) and --version come from that list, and the
// common options of every program (--seed, --threads, -q, -v) are added by the parser.
#ifndef INVAR_CORE_CLI_H
#define INVAR_CORE_CLI_H

#include <stdint.h>
#include <stdio.h>

#define INVAR_VERSION "0.1.0"

typedef enum { OPT_FLAG, OPT_INT, OPT_INT64, OPT_DOUBLE, OPT_STRING } cli_type;

typedef struct {
    const char *name;    // long name without "--"
    char short_name;     // 0 if none
    cli_type type;       // what `dest` points to: int (flag: set to 1), int64_t, double, char*
    void *dest;          // holds the default on entry and the parsed value on return
    const char *metavar; // "N", "FILE" ... (ignored for flags)
    const char *help;    // one line; the default is appended from `dest` unless no_default
    double min, max;     // numeric range, checked when min < max
    int no_default;      // 1: do not print a default
} cli_option;

typedef struct {
    uint64_t seed; // --seed S (default 0)
    int threads;   // --threads N (0 = OMP_NUM_THREADS or all cores)
    int verbosity; // 0 normal, -1 quiet (-q), +1 verbose (-v), +2 debug (-vv)
} cli_common;

typedef struct {
    const char *prog;    // "invar-data inspect"
    const char *usage;   // "FILE" (positional part of the synopsis)
    const char *summary; // a paragraph on what the command does
    const char *example; // one or more example command lines
    cli_option *opts;
    int nopts;
    int min_positional, max_positional; // max < 0: unlimited
} cli_spec;

enum { CLI_CONTINUE = 0, CLI_EXIT_OK = -1 };

// Parses argv[1..] against spec plus the common options. Returns CLI_CONTINUE with
// *first_positional set to the index of the first positional argument (argv is permuted so
// positionals come last), CLI_EXIT_OK after printing --help or --version, or an inv_code with
// a message (unknown option, bad value, wrong number of positionals).
int cli_parse(const cli_spec *spec, cli_common *common, int argc, char **argv,
              int *first_positional);
void cli_print_help(const cli_spec *spec, FILE *out);

// Strict number parsing for option values and lists: whole string consumed, range-checked.
int cli_parse_int64(const char *text, const char *what, int64_t *out);
int cli_parse_double(const char *text, const char *what, double *out);
// "lo:hi:n" -> n log-spaced values from lo to hi inclusive (lo, hi > 0, n >= 1), as numpy's
// logspace(log10(lo), log10(hi), n). *values is malloc'd.
int cli_parse_logspace(const char *text, const char *what, double **values, int *n);

// Threads to use: `requested` if > 0, else OMP_NUM_THREADS, else the cores this process may run
// on (its CPU affinity) shared among the `node_ranks` processes of the job on this node when
// they are not bound to separate cores (at least 1).
int cli_thread_count(int requested, int node_ranks);

#endif
