// report_figures.h: the report's gnuplot figures (report_figures.c). Each function writes
// DIR/NAME.dat + NAME.gp + NAME.png and appends a line to `notes` when it cannot draw.
#ifndef INVAR_REPORT_REPORT_FIGURES_H
#define INVAR_REPORT_REPORT_FIGURES_H

#include "report_data.h"

#include <stddef.h>

// 1 when gnuplot is on PATH (else a note says why there are no figures).
int rf_available(char *notes, size_t nsize);
void rf_figure1(const char *dir, const rd_table *t2s, const rd_table *t3s, const rd_table *t5,
                char *notes, size_t nsize);
void rf_grid(const char *dir, const rd_table *grid, const char *grid_id, char *notes, size_t nsize);
void rf_heatmap(const char *dir, const char *name, const char *corr_path, const char *title,
                char *notes, size_t nsize);

// Figure C.1 from the plan's checkpoint-series sweeps (a missing file is a note, not a failure);
// `caption` names the files drawn.
void rf_figureC1(const char *dir, const rd_run *r, char *caption, size_t csize, char *notes,
                 size_t nsize);
// Figure F.1: parallel coordinates of Table 2's family means and Table 5's task scores.
void rf_figureF1(const char *dir, const rd_table *t2s, const rd_table *t5, char *caption,
                 size_t csize, char *notes, size_t nsize);

#endif
