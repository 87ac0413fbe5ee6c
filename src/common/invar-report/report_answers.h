// report_answers.h: the README's answers to Q1-Q4 and the recommendation table, computed from
// the rendered tables (report_answers.c).
#ifndef INVAR_REPORT_REPORT_ANSWERS_H
#define INVAR_REPORT_REPORT_ANSWERS_H

#include "report_data.h"

// t2s/t3s: the similarity halves of Tables 2 and 3; grid_text: the grid trade-off paragraph.
void ra_write(FILE *f, const rd_run *r, const rd_table *t2s, const rd_table *t3s,
              const rd_table *t5, const char *grid_text);

#endif
