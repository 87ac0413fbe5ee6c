// stats_input.c: --stats as a features file or a shard, to a whitening.
#include "stats_input.h"

#include "core/error.h"
#include "core/log.h"
#include "data/features.h"
#include "data/shard.h"
#include "io/ncio.h"

#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

int stats_whitening(backbone *b, const char *path, int resize, int crop, int official,
                    int random_model, whitening *w) {
    int ncid;
    INV_TRY(nc_open_read(path, &ncid));
    char kind[64] = "";
    if (nc_get_text(ncid, NC_GLOBAL, "invar_kind", kind, sizeof kind, path)) {
        inv_error_clear();
        kind[0] = 0;
    }
    nc_close(ncid);
    float *x = NULL;
    int64_t n = 0, d = 0;
    int rc = INV_OK;
    if (strcmp(kind, "shard") == 0) {
        shard s;
        INV_TRY(shard_open(&s, path));
        preprocess_plan pp;
        rc = preprocess_plan_init(&pp, (int)s.spec.h, (int)s.spec.w, (int)s.spec.c, resize, crop);
        n = s.n, d = b->d;
        if (!rc && !(x = malloc(sizeof(float) * (size_t)(n ? n : 1) * d)))
            rc = inv_fail(INV_ENOMEM, "%s: out of memory for %lld features", path, (long long)n);
        if (!rc) rc = backbone_shard_features(b, &s, &pp, NULL, n, x, "stats features");
        shard_close(&s);
    } else if (strcmp(kind, "features") == 0) {
        char src[1024];
        rc = features_read(path, &x, &n, &d, src, sizeof src);
        if (!rc && d != b->d)
            rc = inv_fail(INV_EINVAL,
                          "--stats %s holds %lld-dimensional features but the network gives %d "
                          "(features of another model?)",
                          path, (long long)d, b->d);
    } else {
        rc = inv_fail(INV_EFORMAT,
                      "--stats %s is neither a features file nor an image shard (invar_kind "
                      "'%s')",
                      path, kind);
    }
    if (!rc) rc = whiten_fit(w, x, n, (int)d, official, official && random_model, path);
    if (!rc) log_info("whitening from %lld features of %s: %s", (long long)n, path, w->method);
    free(x);
    return rc;
}
