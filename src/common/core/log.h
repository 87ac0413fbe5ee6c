// log.h: leveled logging with timestamps and an MPI rank prefix (only rank 0 prints info by
// default), and a progress meter: a live line with rate and ETA on a terminal, plain periodic
// lines otherwise (Slurm logs).
#ifndef INVAR_CORE_LOG_H
#define INVAR_CORE_LOG_H

#include <stdint.h>
#include <stdio.h>

typedef enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 } log_level;

// rank/size: this process's MPI rank and the world size (0/1 without MPI). `level` is the most
// verbose level printed; `all_ranks` non-zero lets every rank print info (errors and warnings
// print on every rank always).
void log_init(int rank, int size, log_level level, int all_ranks);
void log_set_level(log_level level);
log_level log_get_level(void);
int log_rank(void);
// Output stream (stderr by default); tests redirect it.
void log_set_stream(FILE *stream);

void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

// Seconds since an arbitrary fixed point (monotonic clock).
double time_now(void);

// Progress of one long piece of work, counted in `unit`s (images, steps ...). Only the process
// whose log prints info shows it. On a terminal the line is redrawn at most 4 times a second;
// otherwise a line is written every `interval_s` seconds (default 30) and at the end.
typedef struct {
    char label[64];
    char unit[16];
    int64_t total;
    int64_t done;
    double t_start, t_last;
    double interval_s;
    int tty;
    int active;
} progress;

void progress_start(progress *p, const char *label, int64_t total, const char *unit);
void progress_update(progress *p, int64_t done); // absolute count of work done so far
void progress_finish(progress *p);
// Formats seconds as "1h02m03s" / "4m05s" / "6.7s" into buf.
void format_duration(double seconds, char *buf, size_t size);

#endif
