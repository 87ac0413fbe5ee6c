// stats_input.h: the --stats set of a sweep: a features file (feature(n, d), as `invar-measure
// features` writes) or an image shard whose clean features are computed here, and the
// whitening fitted to it.
#ifndef INVAR_MEASURE_STATS_INPUT_H
#define INVAR_MEASURE_STATS_INPUT_H

#include "backbone.h"
#include "whiten.h"

// Collective. resize/crop: the clean preprocessing for a shard. official: the code's
// precision; random_model: its 1e-10 I (official only). A features file of another dimension
// than the network's is INV_EINVAL naming both.
int stats_whitening(backbone *b, const char *path, int resize, int crop, int official,
                    int random_model, whitening *w);

#endif
