// pts.h: the ibug/300-W landmark files (.pts): "version: 1", "n_points: N", "{", N lines
// "X Y" (decimal, x = column then y = row), "}". Parsed tolerantly as to whitespace, CRLF and a
// missing final newline, strictly as to everything else: the count must be the one asked for,
// every coordinate finite, nothing after "}". Coordinates are returned as stored (1-based by
// the usual PTS convention; the paper's code does not subtract 1).
#ifndef INVAR_DATA_PTS_H
#define INVAR_DATA_PTS_H

#include <stddef.h>

// Parses `len` bytes of text (need not be NUL-terminated); xy gets want * 2 floats.
int pts_parse(const char *text, size_t len, const char *name, int want, float *xy);
int pts_read_file(const char *path, int want, float *xy);

#endif
