// optim.h: SGD with momentum and weight decay exactly as torch.optim.SGD, over one flat
// parameter/gradient buffer, and the learning-rate schedules (cosine, step, constant).
#ifndef INVAR_NN_OPTIM_H
#define INVAR_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    double momentum;     // 0.9 in MoCo
    double dampening;    // 0 (PyTorch's default)
    double weight_decay; // 1e-4 in MoCo
    int nesterov;
    float *buf; // momentum buffer (n), allocated by sgd_init
    size_t n;
    int has_buf; // 0 until the first step (then buf = d_p, as PyTorch)
} sgd_state;

int sgd_init(sgd_state *s, size_t n, double momentum, double dampening, double weight_decay,
             int nesterov);
void sgd_free(sgd_state *s);
// One step: d = g + wd p; buf = momentum buf + (1 - dampening) d (buf = d on the first step);
// d = nesterov ? d + momentum buf : buf; p -= lr d.
void sgd_step(sgd_state *s, float *param, const float *grad, double lr);

typedef enum { LR_CONSTANT = 0, LR_COSINE = 1, LR_STEP = 2 } lr_kind;

typedef struct {
    lr_kind kind;
    double base;         // the initial learning rate
    double total_epochs; // cosine: the schedule's length
    double gamma;        // step: factor at each milestone (0.1)
    int nmilestones;
    double milestones[8]; // step: epochs at which the rate is multiplied by gamma
    double warmup_epochs; // linear warm-up from 0 over this many epochs (0: none)
} lr_schedule;

// "constant" | "cosine" | "step:120,160" (milestones); INV_EINVAL otherwise.
int lr_schedule_parse(lr_schedule *s, const char *text, double base, double total_epochs);
// The rate at a (fractional) epoch, e.g. epoch + step / steps_per_epoch. MoCo's schedules use the
// integer epoch: cosine base * 0.5 (1 + cos(pi epoch / epochs)), step base * gamma^(#milestones
// <= epoch).
double lr_at(const lr_schedule *s, double epoch);

#endif
