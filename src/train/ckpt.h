// ckpt.h: invar-train's checkpoints (safetensors). MoCo: the official MoCo state_dict names
// without "module." (queue (dim, K), queue_ptr I64 (1,), encoder_q.<torchvision name>,
// encoder_q.fc.0/2.*, encoder_k.*), then optimizer.momentum_buffer.encoder_q.<name> (F32, once
// a step has run). Supervised: torchvision names (conv1.weight ... fc.weight, fc.bias) and
// optimizer.momentum_buffer.<name>. Metadata: epoch (the 0-based epoch of the next step),
// step_in_epoch, global_step, config (JSON), invar_version, objective. In RUNDIR:
// checkpoint_init (--save-initial), checkpoint_EEEE (after 0-based epoch E, as the official
// checkpoint_{E:04d}), checkpoint_stepNNNNNNNN (mid-epoch: signal or --max-steps), and the
// symlink checkpoint_last.safetensors to the newest complete one.
#ifndef INVAR_TRAIN_CKPT_H
#define INVAR_TRAIN_CKPT_H

#include "model.h"

#include <stdint.h>

typedef struct {
    int epoch;           // epoch of the next step
    int64_t step;        // step within that epoch
    int64_t global_step; // steps done
} train_pos;

// Writes the whole training state to path (atomically).
int ckpt_save(const train_model *m, const train_pos *pos, const char *path);
// Loads a checkpoint into m (strict: every tensor present with its shape and dtype); checks its
// configuration against this run's unless force. Fills *pos.
int ckpt_load(train_model *m, const char *path, int force, train_pos *pos);
// backbone.safetensors: encoder_q's backbone (MoCo) or the whole network (supervised) with
// torchvision names, loadable by invar-measure features and torchvision.
int ckpt_save_backbone(const train_model *m, const char *path);
// Points RUNDIR/checkpoint_last.safetensors at `name` (a file in RUNDIR), atomically.
int ckpt_link_last(const char *rundir, const char *name);

#endif
