// params.h: all of a model's parameters in one contiguous float buffer (trainable tensors
// first, then BN running statistics), all gradients in a second buffer of the trainable size,
// and a table of named views with torchvision names in state_dict order.
#ifndef INVAR_NN_PARAMS_H
#define INVAR_NN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    PARAM_TRAINABLE = 0, // weights and biases: have gradients, the optimizer updates them
    PARAM_BUFFER = 1,    // running_mean / running_var: saved, not trained
    PARAM_COUNT = 2      // num_batches_tracked: int64, one value, stored in `counts`
} nn_param_kind;

enum { NN_PARAM_NAME_MAX = 96 };

typedef struct {
    char name[NN_PARAM_NAME_MAX]; // "layer1.0.downsample.1.running_var"
    nn_param_kind kind;
    int ndim;
    int64_t shape[4];
    int64_t numel;
    size_t offset; // into data (floats) or counts (PARAM_COUNT)
} nn_param_info;

typedef struct {
    nn_param_info *info; // in torchvision state_dict order
    int count, cap;
    float *data;     // [trainable | buffers], 64-byte aligned
    float *grad;     // (n_trainable), same offsets as the trainable part of data
    int64_t *counts; // num_batches_tracked values
    size_t n_trainable, n_buffer, n_counts;
    int finalized;
} nn_params;

void params_init(nn_params *p);
// Declares a tensor (before params_finalize). Returns its index in the table.
int params_add(nn_params *p, const char *name, nn_param_kind kind, int ndim, const int64_t *shape,
               int *index);
// Lays out and allocates (zeroed) data, grad and counts.
int params_finalize(nn_params *p);
void params_free(nn_params *p);
// Pointers of a declared tensor (after finalize).
float *params_data(const nn_params *p, int index);
float *params_grad(const nn_params *p, int index); // NULL unless trainable
int64_t *params_count(const nn_params *p, int index);
// Index of a name, or -1.
int params_find(const nn_params *p, const char *name);

#endif
