// report_tables.h: builds the paper's tables (2, 3, 4, 5, C.1) from a run folder
// (report_tables.c); report_answers.h reads them to answer Q1-Q4.
#ifndef INVAR_REPORT_REPORT_TABLES_H
#define INVAR_REPORT_REPORT_TABLES_H

#include "report_data.h"

// 1 for a single model that enters the single-model tables (no seed copy, fusion, grid point).
int rt_single(const rd_item *it);
void rt_table2(rd_table *t, const rd_run *r, const rd_paper *pp, int similarity);
void rt_table3(rd_table *t, const rd_run *r, const rd_paper *pp, int similarity);
void rt_table4(rd_table *t, const rd_run *r, const rd_paper *pp);
void rt_table5(rd_table *t, const rd_run *r, const rd_paper *pp);
// part 0: alignment (synthetic), 1: alignment (real-world), 2: uniformity, 3: ACR.
void rt_tableC1(rd_table *t, const rd_run *r, const rd_paper *pp, int part);
// The grid points of [grid ID]: spatial/appearance family similarity and task scores.
void rt_grid(rd_table *t, const rd_run *r, const char *grid_id);

#endif
