// report_data.h: what invar-report reads: a run folder's plan.tsv (models, fusions, jobs and
// the files each job writes), labelled 1-d and 0-d variables of the result files (NetCDF), and
// the paper's tables (results/paper/*.csv), plus the markdown/CSV table the report renders.
#ifndef INVAR_REPORT_REPORT_DATA_H
#define INVAR_REPORT_REPORT_DATA_H

#include <stdio.h>

enum { RD_MAX_ITEMS = 300, RD_MAX_JOBS = 8192, RD_MAX_COLS = 64, RD_MAX_ROWS = 160 };

typedef struct {
    char id[96], label[128], kind[16], policy[256];
    int fusion, seed_copy, grid; // grid: 1 for a grid point
    char grid_id[64], grid_values[512];
} rd_item; // a model or a fusion

typedef struct {
    char stage[16], label[192], output[4096];
    char state[16];       // "ok", "failed", "running" or "" (never ran)
    char members[16][96]; // compare jobs: the model ids compared, in order
    int nmembers;
} rd_job;

typedef struct {
    char run_dir[4096], name[64];
    rd_item items[RD_MAX_ITEMS];
    int nitems;
    rd_job *jobs;
    int njobs;
    char tasks[16][32], task_kind[16][16];
    int ntasks;
} rd_run;

int rd_load_run(rd_run *r, const char *run_dir);
void rd_free_run(rd_run *r);
// The output file of the job of `stage` labelled `label` ("" when the plan has none).
const rd_job *rd_find_job(const rd_run *r, const char *stage, const char *label);

// A labelled vector from a NetCDF file: variable `var` (0-d or 1-d, numeric) with the labels of
// its dimension from a string variable DIM_name (when present). Returns INV_OK, or an error
// naming the file and what is wrong (missing file, variable, shape).
typedef struct {
    int n;
    double v[256];
    char label[256][64];
} rd_vec;
int rd_read_vec(const char *path, const char *var, rd_vec *out);
// A 2-d numeric variable (row-major, at most 256 x 256) with its row labels.
int rd_read_mat(const char *path, const char *var, int *rows, int *cols, double *v, size_t cap);
int rd_read_labels(const char *path, const char *var, char (*labels)[64], int max, int *n);

// A paper table: rows (section or metric, model) x named columns, values as written ('*' marks
// kept apart).
typedef struct {
    int ncols, nrows;
    char col[RD_MAX_COLS][48];
    char section[RD_MAX_ROWS][32], model[RD_MAX_ROWS][48];
    double v[RD_MAX_ROWS][RD_MAX_COLS];
    int star[RD_MAX_ROWS][RD_MAX_COLS];
} rd_paper;
// Reads CSV rows whose first field is `section` (or all when the header has no section
// column). Missing file: INV_EIO with the path.
int rd_load_paper(rd_paper *p, const char *path, const char *section);
// The paper's value of (model, column), NaN when absent; *star is set to its '*' mark.
double rd_paper_value(const rd_paper *p, const char *section, const char *model, const char *col,
                      int *star);

// A rendered table: ours and the paper's rows, best in bold, significance bullets.
typedef struct {
    double v, sd;
    int has, bold, mark, nan;
} rd_cell;
typedef struct {
    char label[160];
    int paper; // 1: the paper's own numbers
    rd_cell c[RD_MAX_COLS];
} rd_row;
typedef struct {
    char id[32], title[256];
    char caption[16384]; // sources: every file a number came from
    char missing[16384]; // what is missing, one line each
    int ncols, nrows, higher_better, show_sd, digits;
    char col[RD_MAX_COLS][48];
    rd_row rows[RD_MAX_ROWS];
} rd_table;
void rd_table_bold(rd_table *t); // bolds the best of our rows per column
void rd_table_markdown(const rd_table *t, FILE *out);
int rd_table_csv(const rd_table *t, const char *path);
void rd_appendf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
