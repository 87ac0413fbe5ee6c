// log.c: the logger and progress meter declared in log.h.
#include "core/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_rank = 0, g_size = 1, g_all_ranks = 0;
static log_level g_level = LOG_INFO;
static FILE *g_stream = NULL;

static FILE *stream(void) {
    return g_stream ? g_stream : stderr;
}

void log_init(int rank, int size, log_level level, int all_ranks) {
    g_rank = rank;
    g_size = size;
    g_level = level;
    g_all_ranks = all_ranks;
}

void log_set_level(log_level level) {
    g_level = level;
}
log_level log_get_level(void) {
    return g_level;
}
int log_rank(void) {
    return g_rank;
}
void log_set_stream(FILE *s) {
    g_stream = s;
}

static int prints(log_level level) {
    if (level > g_level) return 0;
    if (level <= LOG_WARN) return 1;
    return g_rank == 0 || g_all_ranks;
}

double time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void prefix(char *buf, size_t size, log_level level) {
    static const char *names[] = {"error", "warning", "info", "debug"};
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    if (g_size > 1)
        snprintf(buf, size, "[%s r%d] %s: ", stamp, g_rank, names[level]);
    else
        snprintf(buf, size, "[%s] %s: ", stamp, names[level]);
}

void log_msg(log_level level, const char *fmt, ...) {
    if (!prints(level)) return;
    char pre[96], body[2048];
    prefix(pre, sizeof pre, level);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    size_t n = strlen(body);
    // One fprintf per message so that lines from threads do not interleave.
    fprintf(stream(), "%s%s%s", pre, body, (n && body[n - 1] == '\n') ? "" : "\n");
    fflush(stream());
}

void format_duration(double s, char *buf, size_t size) {
    if (s < 0 || s != s) s = 0;
    if (s < 60) {
        snprintf(buf, size, "%.1fs", s);
    } else if (s < 3600) {
        snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)s % 60);
    } else {
        long h = (long)(s / 3600);
        snprintf(buf, size, "%ldh%02dm%02ds", h, (int)(s - 3600.0 * h) / 60, (int)s % 60);
    }
}

void progress_start(progress *p, const char *label, int64_t total, const char *unit) {
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "items");
    p->total = total;
    p->t_start = p->t_last = time_now();
    p->interval_s = 30.0;
    p->active = prints(LOG_INFO);
    p->tty = p->active && isatty(fileno(stream()));
}

static void progress_line(progress *p, int final) {
    double now = time_now(), el = now - p->t_start;
    double rate = el > 0 ? (double)p->done / el : 0;
    char eta[32] = "?", elapsed[32];
    format_duration(el, elapsed, sizeof elapsed);
    if (rate > 0 && p->total > 0)
        format_duration((double)(p->total - p->done) / rate, eta, sizeof eta);
    double pct = p->total > 0 ? 100.0 * (double)p->done / (double)p->total : 0;
    if (p->tty) {
        fprintf(stream(), "\r%s: %lld/%lld %s (%.1f%%) %.1f %s/s, elapsed %s, ETA %s\033[K%s",
                p->label, (long long)p->done, (long long)p->total, p->unit, pct, rate, p->unit,
                elapsed, final ? "0s" : eta, final ? "\n" : "");
    } else {
        char pre[96];
        prefix(pre, sizeof pre, LOG_INFO);
        fprintf(stream(), "%s%s: %lld/%lld %s (%.1f%%) %.1f %s/s, elapsed %s, ETA %s\n", pre,
                p->label, (long long)p->done, (long long)p->total, p->unit, pct, rate, p->unit,
                elapsed, final ? "0s" : eta);
    }
    fflush(stream());
}

void progress_update(progress *p, int64_t done) {
    if (!p->active) return;
    p->done = done;
    double now = time_now();
    double every = p->tty ? 0.25 : p->interval_s;
    if (now - p->t_last >= every) {
        p->t_last = now;
        progress_line(p, 0);
    }
}

void progress_finish(progress *p) {
    if (!p->active) return;
    if (p->done < p->total) p->done = p->total;
    progress_line(p, 1);
    p->active = 0;
}
