// test_log.c: log levels and rank filtering, timestamps and rank prefixes, the progress meter's
// plain (non-terminal) lines with rate and ETA, and duration formatting.
#include "test_util.h"

#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *capture(void (*fn)(void)) {
    FILE *f = tmpfile();
    if (!f) return NULL;
    log_set_stream(f);
    fn();
    log_set_stream(NULL);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc((size_t)n + 1, 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) buf[0] = '\0';
    fclose(f);
    log_init(0, 1, LOG_INFO, 0);
    return buf;
}

static void emit_rank1(void) {
    log_init(1, 4, LOG_INFO, 0);
    log_info("hidden info");
    log_warn("shown warning %d", 7);
    log_error("shown error");
    log_debug("hidden debug");
}

static void emit_rank0_debug(void) {
    log_init(0, 1, LOG_DEBUG, 0);
    log_info("info line");
    log_debug("debug line\n");
}

static void emit_progress(void) {
    log_init(0, 1, LOG_INFO, 0);
    progress p;
    progress_start(&p, "render", 100, "images");
    p.interval_s = 0; // every update prints (not a terminal: plain lines)
    progress_update(&p, 10);
    progress_update(&p, 50);
    progress_finish(&p);
}

static void emit_progress_quiet(void) {
    log_init(0, 1, LOG_WARN, 0);
    progress p;
    progress_start(&p, "render", 100, "images");
    progress_update(&p, 50);
    progress_finish(&p);
}

static void test_levels_and_ranks(void) {
    char *out = capture(emit_rank1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NULL(strstr(out, "hidden"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "r1] warning: shown warning 7\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "r1] error: shown error\n"));
    free(out);
    out = capture(emit_rank0_debug);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "] info: info line\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "] debug: debug line\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "debug line\n\n")); // no doubled newline
    CU_ASSERT_EQUAL(out[0], '[');                      // timestamp first
    CU_ASSERT_PTR_NULL(strstr(out, " r0]"));           // no rank prefix with one rank
    free(out);
}

static void test_progress_lines(void) {
    char *out = capture(emit_progress);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "render: 10/100 images (10.0%)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "render: 50/100 images (50.0%)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "render: 100/100 images (100.0%)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "ETA"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "images/s"));
    CU_ASSERT_PTR_NULL(strchr(out, '\r')); // plain lines when not a terminal
    free(out);
    out = capture(emit_progress_quiet);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
}

static void test_durations(void) {
    char b[32];
    format_duration(6.74, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "6.7s");
    format_duration(245, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "4m05s");
    format_duration(3723, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1h02m03s");
    format_duration(-1, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "0.0s");
    double t0 = time_now(), t1 = time_now();
    CU_ASSERT(t1 >= t0);
}

int test_log_register(void) {
    CU_pSuite s = CU_add_suite("log", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_levels_and_ranks);
    TEST_ADD(s, test_progress_lines);
    TEST_ADD(s, test_durations);
    return 0;
}
