// checkpoint.h: model parameters to and from safetensors with torchvision names
// ("conv1.weight", "layer1.0.downsample.1.running_var", "fc.weight" ...; num_batches_tracked as
// I64). Loading accepts plain torchvision state dicts and MoCo-style ones ("module.encoder_q.",
// "encoder_q." or "module." prefixes) converted to safetensors.
#ifndef INVAR_NN_CHECKPOINT_H
#define INVAR_NN_CHECKPOINT_H

#include "io/safetensors.h"
#include "nn/params.h"

// Adds every entry of `p` to a writer under `prefix` + name (F32; I64 for num_batches_tracked).
// The writer references p's buffers: write before changing or freeing them.
int nn_checkpoint_add(st_writer *w, const nn_params *p, const char *prefix);
// Writes `p` alone (prefix "") with metadata arch=`arch` (may be NULL) to `path`, atomically.
int nn_checkpoint_save(const nn_params *p, const char *path, const char *arch);

// Flags of the loaders below.
enum {
    // tensors named fc.* under the prefix (a classifier or a MoCo projection head) are skipped
    // when `p` has no fc
    NN_LOAD_IGNORE_HEAD = 1,
    // strict: every tensor exactly as nn_checkpoint_add writes it (F32; I64 counts), no dtype
    // conversion, so a training run resumes from the very bits it saved
    NN_LOAD_EXACT = 2,
};

// Loads a backbone into `p` from an open file. prefix NULL: the first of "", "module.encoder_q.",
// "encoder_q.", "module." under which conv1.weight exists. Without NN_LOAD_EXACT, F16, BF16 and
// F64 weights are converted and counts may be I32 or F32. Fails (INV_EFORMAT) with a message
// naming every missing, unexpected or mis-shaped tensor (up to 8 of each, and the counts); `p` is
// unchanged then. *used_prefix (may be NULL) receives the prefix found (static storage).
int nn_checkpoint_load_file(nn_params *p, const st_file *f, const char *prefix, unsigned flags,
                            const char **used_prefix);
int nn_checkpoint_load(nn_params *p, const char *path, const char *prefix, unsigned flags,
                       const char **used_prefix);

#endif
