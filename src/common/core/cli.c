// cli.c: the option parser, --help text and strict number parsing of cli.h.
#include "core/cli.h"

#include "core/error.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum { OPT_ID_HELP = 1000, OPT_ID_VERSION, OPT_ID_SEED, OPT_ID_THREADS, OPT_ID_BASE = 2000 };

int cli_parse_int64(const char *text, const char *what, int64_t *out) {
    if (!text || !*text) return inv_fail(INV_EINVAL, "%s: empty value (expected an integer)", what);
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno == ERANGE) return inv_fail(INV_EINVAL, "%s: '%s' is out of range", what, text);
    if (*end != '\0') return inv_fail(INV_EINVAL, "%s: '%s' is not an integer", what, text);
    *out = v;
    return INV_OK;
}

int cli_parse_double(const char *text, const char *what, double *out) {
    if (!text || !*text) return inv_fail(INV_EINVAL, "%s: empty value (expected a number)", what);
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (*end != '\0' || end == text)
        return inv_fail(INV_EINVAL, "%s: '%s' is not a number", what, text);
    if (errno == ERANGE || !isfinite(v))
        return inv_fail(INV_EINVAL, "%s: '%s' is out of range", what, text);
    *out = v;
    return INV_OK;
}

int cli_parse_logspace(const char *text, const char *what, double **values, int *n) {
    *values = NULL;
    *n = 0;
    char buf[256];
    if (!text || strlen(text) >= sizeof buf)
        return inv_fail(INV_EINVAL, "%s: expected LO:HI:N", what);
    strcpy(buf, text);
    char *a = buf, *b = strchr(a, ':');
    char *c = b ? strchr(b + 1, ':') : NULL;
    if (!b || !c) return inv_fail(INV_EINVAL, "%s: '%s' is not LO:HI:N", what, text);
    *b++ = '\0';
    *c++ = '\0';
    double lo, hi;
    int64_t count;
    INV_TRY(cli_parse_double(a, what, &lo));
    INV_TRY(cli_parse_double(b, what, &hi));
    INV_TRY(cli_parse_int64(c, what, &count));
    if (lo <= 0 || hi <= 0)
        return inv_fail(INV_EINVAL, "%s: bounds must be > 0 in '%s'", what, text);
    if (count < 1 || count > 100000)
        return inv_fail(INV_EINVAL, "%s: count must be 1..100000 in '%s'", what, text);
    double *v = malloc((size_t)count * sizeof *v);
    INV_CHECK_ALLOC(v, (size_t)count * sizeof *v, what);
    // As numpy.logspace: exponents start + step * i, the last one exactly log10(hi).
    double l0 = log10(lo), l1 = log10(hi);
    double step = count == 1 ? 0.0 : (l1 - l0) / (double)(count - 1);
    for (int64_t i = 0; i < count; i++) v[i] = pow(10.0, l0 + step * (double)i);
    if (count > 1) v[count - 1] = pow(10.0, l1);
    *values = v;
    *n = (int)count;
    return INV_OK;
}

int cli_thread_count(int requested, int node_ranks) {
    if (requested > 0) return requested;
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && *env) {
        int64_t v;
        if (cli_parse_int64(env, "OMP_NUM_THREADS", &v) == INV_OK && v > 0 && v < 4096)
            return (int)v;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1) online = 1;
    long avail = online;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) avail = CPU_COUNT(&set);
    // Unbound ranks all see every core: share them instead of oversubscribing.
    if (avail >= online && node_ranks > 1) avail /= node_ranks;
    return avail > 0 ? (int)avail : 1;
}

static void print_default(const cli_option *o, FILE *out) {
    if (o->no_default || !o->dest) return;
    switch (o->type) {
    case OPT_FLAG:
        break;
    case OPT_INT:
        fprintf(out, " (default %d)", *(int *)o->dest);
        break;
    case OPT_INT64:
        fprintf(out, " (default %lld)", (long long)*(int64_t *)o->dest);
        break;
    case OPT_DOUBLE:
        fprintf(out, " (default %g)", *(double *)o->dest);
        break;
    case OPT_STRING: {
        const char *s = *(const char **)o->dest;
        if (s) fprintf(out, " (default %s)", s);
        break;
    }
    }
}

static void print_option(FILE *out, char sh, const char *name, const char *metavar,
                         const char *help) {
    char left[96];
    if (sh)
        snprintf(left, sizeof left, "-%c, --%s%s%s", sh, name, metavar ? " " : "",
                 metavar ? metavar : "");
    else
        snprintf(left, sizeof left, "    --%s%s%s", name, metavar ? " " : "",
                 metavar ? metavar : "");
    fprintf(out, "  %-28s %s", left, help);
}

void cli_print_help(const cli_spec *spec, FILE *out) {
    fprintf(out, "Usage: %s [OPTIONS] %s\n\n", spec->prog, spec->usage ? spec->usage : "");
    if (spec->summary) fprintf(out, "%s\n\n", spec->summary);
    fprintf(out, "Options:\n");
    for (int i = 0; i < spec->nopts; i++) {
        const cli_option *o = &spec->opts[i];
        print_option(out, o->short_name, o->name, o->type == OPT_FLAG ? NULL : o->metavar, o->help);
        print_default(o, out);
        fputc('\n', out);
    }
    fprintf(out, "\nCommon options:\n");
    print_option(out, 0, "seed", "S", "random seed (default 0)\n");
    print_option(out, 0, "threads", "N",
                 "OpenMP threads (default: OMP_NUM_THREADS, else the available cores shared among "
                 "the ranks on the node)\n");
    print_option(out, 'q', "quiet", NULL, "print errors and warnings only\n");
    print_option(out, 'v', "verbose", NULL, "more detail; twice for debug output\n");
    print_option(out, 'h', "help", NULL, "show this help and exit\n");
    print_option(out, 0, "version", NULL, "show the version and exit\n");
    if (spec->example) fprintf(out, "\nExample:\n%s\n", spec->example);
}

static int store_value(const cli_option *o, const char *arg) {
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    int64_t iv;
    double dv;
    switch (o->type) {
    case OPT_FLAG:
        *(int *)o->dest = 1;
        return INV_OK;
    case OPT_STRING:
        *(const char **)o->dest = arg;
        return INV_OK;
    case OPT_INT:
    case OPT_INT64:
        INV_TRY(cli_parse_int64(arg, what, &iv));
        if (o->min < o->max && ((double)iv < o->min || (double)iv > o->max))
            return inv_fail(INV_EINVAL, "%s: %lld is outside %g..%g", what, (long long)iv, o->min,
                            o->max);
        if (o->type == OPT_INT) {
            if (iv < -2147483647LL || iv > 2147483647LL)
                return inv_fail(INV_EINVAL, "%s: %lld is out of range", what, (long long)iv);
            *(int *)o->dest = (int)iv;
        } else {
            *(int64_t *)o->dest = iv;
        }
        return INV_OK;
    case OPT_DOUBLE:
        INV_TRY(cli_parse_double(arg, what, &dv));
        if (o->min < o->max && (dv < o->min || dv > o->max))
            return inv_fail(INV_EINVAL, "%s: %g is outside %g..%g", what, dv, o->min, o->max);
        *(double *)o->dest = dv;
        return INV_OK;
    }
    return inv_fail(INV_EINVAL, "%s: unknown option type", what);
}

int cli_parse(const cli_spec *spec, cli_common *common, int argc, char **argv,
              int *first_positional) {
    int n = spec->nopts;
    struct option *lo = calloc((size_t)n + 8, sizeof *lo);
    char *shorts = calloc((size_t)n * 2 + 8, 1);
    if (!lo || !shorts) {
        free(lo);
        free(shorts);
        return inv_fail(INV_ENOMEM, "cli_parse: out of memory");
    }
    // Leading '+' is not used: GNU permutation puts positionals last. ':' reports missing args.
    size_t sp = 0;
    shorts[sp++] = ':';
    shorts[sp++] = 'h';
    shorts[sp++] = 'q';
    shorts[sp++] = 'v';
    for (int i = 0; i < n; i++) {
        const cli_option *o = &spec->opts[i];
        lo[i] = (struct option){o->name, o->type == OPT_FLAG ? no_argument : required_argument,
                                NULL, OPT_ID_BASE + i};
        if (o->short_name) {
            shorts[sp++] = o->short_name;
            if (o->type != OPT_FLAG) shorts[sp++] = ':';
        }
    }
    lo[n + 0] = (struct option){"help", no_argument, NULL, OPT_ID_HELP};
    lo[n + 1] = (struct option){"version", no_argument, NULL, OPT_ID_VERSION};
    lo[n + 2] = (struct option){"seed", required_argument, NULL, OPT_ID_SEED};
    lo[n + 3] = (struct option){"threads", required_argument, NULL, OPT_ID_THREADS};
    lo[n + 4] = (struct option){"quiet", no_argument, NULL, 'q'};
    lo[n + 5] = (struct option){"verbose", no_argument, NULL, 'v'};
    lo[n + 6] = (struct option){0, 0, 0, 0};

    int rc = INV_OK;
    optind = 1;
    opterr = 0;
    for (;;) {
        int longidx = -1;
        int c = getopt_long(argc, argv, shorts, lo, &longidx);
        if (c == -1) break;
        if (c == OPT_ID_HELP || c == 'h') {
            cli_print_help(spec, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        }
        if (c == OPT_ID_VERSION) {
            printf("%s (invar) %s\n", spec->prog, INVAR_VERSION);
            rc = CLI_EXIT_OK;
            goto done;
        }
        if (c == 'q') {
            common->verbosity = -1;
            continue;
        }
        if (c == 'v') {
            common->verbosity = common->verbosity < 0 ? 1 : common->verbosity + 1;
            continue;
        }
        if (c == OPT_ID_SEED) {
            int64_t v;
            if ((rc = cli_parse_int64(optarg, "--seed", &v))) goto done;
            if (v < 0) {
                rc = inv_fail(INV_EINVAL, "--seed: must be >= 0");
                goto done;
            }
            common->seed = (uint64_t)v;
            continue;
        }
        if (c == OPT_ID_THREADS) {
            int64_t v;
            if ((rc = cli_parse_int64(optarg, "--threads", &v))) goto done;
            if (v < 1 || v > 4096) {
                rc = inv_fail(INV_EINVAL, "--threads: %lld is outside 1..4096", (long long)v);
                goto done;
            }
            common->threads = (int)v;
            continue;
        }
        if (c == '?') {
            if (optopt)
                rc = inv_fail(INV_EINVAL, "unknown option -%c (see %s --help)", optopt, spec->prog);
            else
                rc = inv_fail(INV_EINVAL, "unknown option %s (see %s --help)", argv[optind - 1],
                              spec->prog);
            goto done;
        }
        if (c == ':') {
            rc = inv_fail(INV_EINVAL, "option %s needs a value (see %s --help)", argv[optind - 1],
                          spec->prog);
            goto done;
        }
        const cli_option *o = NULL;
        if (c >= OPT_ID_BASE && c < OPT_ID_BASE + n) {
            o = &spec->opts[c - OPT_ID_BASE];
        } else {
            for (int i = 0; i < n; i++)
                if (spec->opts[i].short_name == c) o = &spec->opts[i];
        }
        if (!o) {
            rc = inv_fail(INV_EINVAL, "unknown option (see %s --help)", spec->prog);
            goto done;
        }
        if ((rc = store_value(o, optarg))) goto done;
    }
    int npos = argc - optind;
    if (npos < spec->min_positional) {
        rc = inv_fail(INV_EINVAL, "missing argument: %s %s (see --help)", spec->prog,
                      spec->usage ? spec->usage : "");
        goto done;
    }
    if (spec->max_positional >= 0 && npos > spec->max_positional) {
        rc = inv_fail(INV_EINVAL, "unexpected argument '%s' (see %s --help)",
                      argv[optind + spec->max_positional], spec->prog);
        goto done;
    }
    *first_positional = optind;
done:
    free(lo);
    free(shorts);
    return rc;
}
