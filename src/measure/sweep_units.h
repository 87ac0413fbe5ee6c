// sweep_units.h: the work of a synthetic sweep cut into units and the resume state. The items
// (transform slot, image, grid point) are ordered transform by transform, image by image, point by
// point; a unit is a run of `batch` consecutive items (the last may be shorter), so every forward
// batch is full whatever the grids (one transform's points, many images, or the end of one
// transform and the start of the next) and the batches do not depend on the number of ranks.
// Every rank appends each finished unit's values to its own journal in OUT.resume/ (beside the
// output); a re-run with the same arguments skips the units found there, rank 0 assembles the
// results from the journals at the end and the directory is removed once the output is committed.
#ifndef INVAR_MEASURE_SWEEP_UNITS_H
#define INVAR_MEASURE_SWEEP_UNITS_H

#include <stdint.h>
#include <stdio.h>

enum { SWEEP_MAX_T = 64 };

typedef struct {
    int nt;                       // transform slots
    int64_t n;                    // images
    int np[SWEEP_MAX_T];          // chosen grid points of each slot
    int64_t off[SWEEP_MAX_T + 1]; // first item of each slot; off[nt] = all items
} sweep_items;

typedef struct {
    int64_t lo; // first item
    int cnt;    // items
} sweep_unit;

// Items of nt (<= SWEEP_MAX_T) transform slots with np[t] points each over n images.
void sweep_items_init(sweep_items *it, int nt, const int *np, int64_t n);
// Item q -> its transform slot, image position and grid slot.
void sweep_item(const sweep_items *it, int64_t q, int *t, int64_t *image, int *p);
// Units of `batch` consecutive items. *units is malloc'd.
int sweep_units_plan(const sweep_items *it, int batch, sweep_unit **units, int64_t *count);

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
