// sweep_units.h: the work of a synthetic sweep cut into units (one transform, a block of images,
// a block of its grid points, about one forward batch each) and the resume state: every rank
// appends each finished unit's values to its own journal in OUT.resume/ (beside the output);
// a re-run with the same arguments skips the units found there, rank 0 assembles the results
// from the journals at the end and the directory is removed once the output is committed.
#ifndef INVAR_MEASURE_SWEEP_UNITS_H
#define INVAR_MEASURE_SWEEP_UNITS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    int t;           // transform slot (index into the sweep's transform list)
    int64_t img_lo;  // first image position
    int img_cnt;     // images
    int p_lo, p_cnt; // grid slots [p_lo, p_lo + p_cnt) of the transform's chosen points
} sweep_unit;

// Units for nt transforms with np[t] chosen points each over n images, batch B: point blocks of
// min(np, B) points, image blocks of max(1, B / points) images. *units is malloc'd.
int sweep_units_plan(int nt, const int *np, int64_t n, int batch, sweep_unit **units,
                     int64_t *count);

typedef struct {
    char dir[4096]; // OUT.resume
    uint64_t key;   // hash of the arguments
    FILE *f;        // this rank's journal (rank-R.bin)
} sweep_journal;

// Collective. Creates OUT.resume (rank 0), refuses one written for other arguments (key_text
// differs; the message names the directory), marks done[u] = 1 for every unit with a complete
// record in any journal there (on every rank) and opens this rank's journal for appending,
// cut after its last complete record (a kill -9 can leave half a record).
int sweep_journal_open(sweep_journal *j, const char *out_path, const char *key_text, int64_t nunits,
                       uint8_t *done);
// Appends one unit's values (count doubles) and flushes.
int sweep_journal_append(sweep_journal *j, int64_t unit, const double *values, uint32_t count);
// Closes this rank's journal (collective: a barrier follows, so all records are on disk).
int sweep_journal_close(sweep_journal *j);
// Rank 0: calls fn for every complete record of every journal in the directory.
int sweep_journal_replay(const sweep_journal *j,
                         int (*fn)(int64_t unit, const double *values, uint32_t count, void *ctx),
                         void *ctx);
// Removes the journals and the directory.
void sweep_journal_remove(const sweep_journal *j);

#endif
