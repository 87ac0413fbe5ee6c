// mat.c: .mat variables through libmatio (mat.h).
#include "data/mat.h"

#include "core/error.h"

#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mat_array_free(mat_array *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

static int64_t var_count(const matvar_t *v) {
    int64_t n = 1;
    for (int d = 0; d < v->rank; d++) n *= (int64_t)v->dims[d];
    return n;
}

// Element i of a numeric variable as double; 0 = ok, -1 = not a numeric class.
static int numeric_at(const matvar_t *v, int64_t i, double *x) {
    const void *p = v->data;
    switch (v->class_type) {
    case MAT_C_DOUBLE:
        *x = ((const double *)p)[i];
        break;
    case MAT_C_SINGLE:
        *x = ((const float *)p)[i];
        break;
    case MAT_C_INT8:
        *x = ((const int8_t *)p)[i];
        break;
    case MAT_C_UINT8:
        *x = ((const uint8_t *)p)[i];
        break;
    case MAT_C_INT16:
        *x = ((const int16_t *)p)[i];
        break;
    case MAT_C_UINT16:
        *x = ((const uint16_t *)p)[i];
        break;
    case MAT_C_INT32:
        *x = ((const int32_t *)p)[i];
        break;
    case MAT_C_UINT32:
        *x = ((const uint32_t *)p)[i];
        break;
    case MAT_C_INT64:
        *x = (double)((const int64_t *)p)[i];
        break;
    case MAT_C_UINT64:
        *x = (double)((const uint64_t *)p)[i];
        break;
    default:
        return -1;
    }
    return 0;
}

static int check_numeric(const char *path, const char *var, const matvar_t *v) {
    if (v->isComplex || numeric_at(v, 0, &(double){0}) != 0 || !v->data)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' is not a real numeric array", path, var);
    if (v->rank > MAT_MAX_RANK)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' has %d dimensions (at most %d)", path, var,
                        v->rank, MAT_MAX_RANK);
    size_t esize = Mat_SizeOfClass(v->class_type);
    if (esize == 0 || v->nbytes / esize < (size_t)var_count(v))
        return inv_fail(INV_EFORMAT, "%s: variable '%s' holds fewer values than its dimensions",
                        path, var);
    return INV_OK;
}

static int open_var(const char *path, const char *var, mat_t **mat, matvar_t **v) {
    *v = NULL;
    *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!*mat) return inv_fail(INV_EFORMAT, "%s: cannot open as a MATLAB .mat file", path);
    *v = Mat_VarRead(*mat, var);
    if (!*v) {
        Mat_Close(*mat);
        return inv_fail(INV_EFORMAT, "%s: no variable '%s' in this .mat file", path, var);
    }
    return INV_OK;
}

int mat_read_numeric(const char *path, const char *var, mat_array *out) {
    memset(out, 0, sizeof *out);
    mat_t *mat;
    matvar_t *v;
    INV_TRY(open_var(path, var, &mat, &v));
    int rc = check_numeric(path, var, v);
    if (!rc) {
        out->rank = v->rank;
        for (int d = 0; d < v->rank; d++) out->dims[d] = v->dims[d];
        out->count = var_count(v);
        out->data = malloc(sizeof(double) * (size_t)(out->count ? out->count : 1));
        if (!out->data) rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        for (int64_t i = 0; !rc && i < out->count; i++) numeric_at(v, i, &out->data[i]);
    }
    Mat_VarFree(v);
    Mat_Close(mat);
    return rc;
}

// A char field as ASCII (UTF-8/16 code units truncated to bytes).
static int field_string(const char *path, const char *var, const char *f, const matvar_t *v,
                        char *buf, size_t size) {
    if (!v || v->class_type != MAT_C_CHAR || !v->data)
        return inv_fail(INV_EFORMAT, "%s: %s.%s is not a string", path, var, f);
    int64_t n = var_count(v);
    size_t unit = v->data_type == MAT_T_UINT16 || v->data_type == MAT_T_UTF16   ? 2
                  : v->data_type == MAT_T_UTF32 || v->data_type == MAT_T_UINT32 ? 4
                                                                                : 1;
    if ((size_t)n >= size || v->nbytes < (size_t)n * unit)
        return inv_fail(INV_EFORMAT, "%s: %s.%s is too long or truncated", path, var, f);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *p = (const uint8_t *)v->data + i * unit;
        buf[i] = (char)p[0];
    }
    buf[n] = '\0';
    return INV_OK;
}

static int field_number(const char *path, const char *var, const char *f, const matvar_t *v,
                        int64_t *x) {
    double d;
    if (!v || !v->data || var_count(v) < 1 || numeric_at(v, 0, &d) != 0)
        return inv_fail(INV_EFORMAT, "%s: %s.%s is not a number", path, var, f);
    *x = (int64_t)d;
    return INV_OK;
}

int mat_read_struct_fields(const char *path, const char *var, const char *num_field,
                           const char *num_field2, const char *str_field, int64_t *n,
                           int64_t **nums, int64_t **nums2, char **strs) {
    *n = 0;
    *nums = *nums2 = NULL;
    *strs = NULL;
    mat_t *mat;
    matvar_t *v;
    INV_TRY(open_var(path, var, &mat, &v));
    int rc = INV_OK;
    if (v->class_type != MAT_C_STRUCT)
        rc = inv_fail(INV_EFORMAT, "%s: variable '%s' is not a struct array", path, var);
    int64_t count = rc ? 0 : var_count(v);
    if (!rc) {
        *nums = malloc(sizeof(int64_t) * (size_t)(count ? count : 1));
        *nums2 = malloc(sizeof(int64_t) * (size_t)(count ? count : 1));
        *strs = malloc(64 * (size_t)(count ? count : 1));
        if (!*nums || !*nums2 || !*strs) rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
    }
    for (int64_t i = 0; !rc && i < count; i++) {
        matvar_t *a = Mat_VarGetStructFieldByName(v, num_field, (size_t)i);
        matvar_t *b = Mat_VarGetStructFieldByName(v, num_field2, (size_t)i);
        matvar_t *c = Mat_VarGetStructFieldByName(v, str_field, (size_t)i);
        rc = field_number(path, var, num_field, a, &(*nums)[i]);
        if (!rc) rc = field_number(path, var, num_field2, b, &(*nums2)[i]);
        if (!rc) rc = field_string(path, var, str_field, c, *strs + i * 64, 64);
    }
    Mat_VarFree(v);
    Mat_Close(mat);
    if (rc) {
        free(*nums);
        free(*nums2);
        free(*strs);
        *nums = *nums2 = NULL;
        *strs = NULL;
        return rc;
    }
    *n = count;
    return INV_OK;
}
