// optim.c: torch.optim.SGD (momentum, dampening, weight decay, Nesterov) as one OpenMP loop
// over the flat parameter buffer, and the learning-rate schedules of MoCo's training script.
#include "nn/optim.h"

#include "core/error.h"
#include "core/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int sgd_init(sgd_state *s, size_t n, double momentum, double dampening, double weight_decay,
             int nesterov) {
    memset(s, 0, sizeof *s);
    if (momentum < 0 || weight_decay < 0 || (nesterov && (momentum <= 0 || dampening != 0)))
        return inv_fail(INV_EINVAL, "SGD: invalid momentum %g / weight decay %g / nesterov",
                        momentum, weight_decay);
    s->momentum = momentum, s->dampening = dampening, s->weight_decay = weight_decay;
    s->nesterov = nesterov;
    s->n = n;
    if (momentum != 0) {
        s->buf = inv_aligned_alloc(sizeof(float) * (n ? n : 1));
        INV_CHECK_ALLOC(s->buf, sizeof(float) * n, "SGD momentum buffer");
    }
    return INV_OK;
}

void sgd_free(sgd_state *s) {
    inv_aligned_free(s->buf);
    memset(s, 0, sizeof *s);
}

void sgd_step(sgd_state *s, float *param, const float *grad, double lr) {
    const float wd = (float)s->weight_decay, mom = (float)s->momentum;
    const float damp = (float)(1.0 - s->dampening), flr = (float)lr;
    const int64_t n = (int64_t)s->n;
    float *buf = s->buf;
    if (mom == 0.0f) {
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < n; i++) param[i] -= flr * (grad[i] + wd * param[i]);
        return;
    }
    const int first = !s->has_buf, nest = s->nesterov;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float d = grad[i] + wd * param[i];
        float b = first ? d : mom * buf[i] + damp * d;
        buf[i] = b;
        float step = nest ? d + mom * b : b;
        param[i] -= flr * step;
    }
    s->has_buf = 1;
}

int lr_schedule_parse(lr_schedule *s, const char *text, double base, double total_epochs) {
    memset(s, 0, sizeof *s);
    s->base = base, s->total_epochs = total_epochs, s->gamma = 0.1;
    if (strcmp(text, "constant") == 0) {
        s->kind = LR_CONSTANT;
    } else if (strcmp(text, "cosine") == 0) {
        if (!(total_epochs > 0)) return inv_fail(INV_EINVAL, "cosine schedule needs epochs > 0");
        s->kind = LR_COSINE;
    } else if (strncmp(text, "step:", 5) == 0) {
        s->kind = LR_STEP;
        const char *p = text + 5;
        while (*p) {
            char *end;
            double v = strtod(p, &end);
            if (end == p || !(v >= 0) || s->nmilestones == 8 ||
                (s->nmilestones && v <= s->milestones[s->nmilestones - 1]))
                return inv_fail(INV_EINVAL,
                                "learning-rate schedule '%s': milestones must be up to "
                                "8 increasing epochs, as step:120,160",
                                text);
            s->milestones[s->nmilestones++] = v;
            p = *end == ',' ? end + 1 : end;
            if (*end && *end != ',') return inv_fail(INV_EINVAL, "bad schedule '%s'", text);
        }
        if (!s->nmilestones) return inv_fail(INV_EINVAL, "schedule '%s' has no milestones", text);
    } else {
        return inv_fail(INV_EINVAL,
                        "unknown learning-rate schedule '%s' (constant, cosine, "
                        "step:E1,E2,...)",
                        text);
    }
    return INV_OK;
}

double lr_at(const lr_schedule *s, double epoch) {
    double lr = s->base;
    if (s->kind == LR_COSINE) {
        double t = epoch / s->total_epochs;
        if (t > 1) t = 1;
        lr = s->base * 0.5 * (1.0 + cos(M_PI * t));
    } else if (s->kind == LR_STEP) {
        for (int i = 0; i < s->nmilestones; i++)
            if (epoch >= s->milestones[i]) lr *= s->gamma;
    }
    if (s->warmup_epochs > 0 && epoch < s->warmup_epochs) lr *= epoch / s->warmup_epochs;
    return lr;
}
