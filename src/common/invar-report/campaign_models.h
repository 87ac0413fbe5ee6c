// campaign_models.h: expands the model-side sections of a campaign (models with seed lists,
// baselines, grids, fusions) into plan_model / plan_fusion entries (campaign_models.c).
#ifndef INVAR_REPORT_CAMPAIGN_MODELS_H
#define INVAR_REPORT_CAMPAIGN_MODELS_H

#include "campaign_plan.h"

// Fills p->models and p->fusions from p->cfg (p->run_dir already set).
int plan_models(campaign_plan *p);

#endif
