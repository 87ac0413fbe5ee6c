// mat.h: reading MATLAB .mat variables (v4, v5, v7 compressed and v7.3, through libmatio):
// a numeric array of any class converted to double, and the string and numeric fields of a
// struct array (ImageNet's meta.mat synsets). Every problem names the file and the variable.
#ifndef INVAR_DATA_MAT_H
#define INVAR_DATA_MAT_H

#include <stddef.h>
#include <stdint.h>

enum { MAT_MAX_RANK = 4 };

typedef struct {
    int rank;
    size_t dims[MAT_MAX_RANK]; // MATLAB dimensions (column-major: element (i, j, k) sits at
                               // i + dims[0] * (j + dims[1] * k))
    int64_t count;
    double *data;
} mat_array;

int mat_read_numeric(const char *path, const char *var, mat_array *out);
void mat_array_free(mat_array *a);

// Struct array `var`: for each of its n elements, field `num_field` as an integer and field
// `str_field` as a string (at most 63 characters). *ids, *strs are malloc'd (n and n * 64).
int mat_read_struct_fields(const char *path, const char *var, const char *num_field,
                           const char *num_field2, const char *str_field, int64_t *n,
                           int64_t **nums, int64_t **nums2, char **strs);

#endif
