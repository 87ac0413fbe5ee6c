// test_world.c: the embedded world's renderer and data sets on in-memory images: meshes
// (closed, normalised, no rotational self-symmetry, distinct silhouettes), determinism, what
// each latent does to the image, keypoints on the object, and the groups' scene changes.
#include "test_util.h"

#include "core/error.h"
#include "data/bitmap_font.h"
#include "data/world_preview.h"
#include "data/world_render.h"
#include "data/world_sets.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static world_model model;
static int model_ok;

static int suite_init(void) {
    model_ok = world_model_init(&model) == INV_OK;
    return model_ok ? 0 : -1;
}

static int suite_clean(void) {
    world_model_free(&model);
    return 0;
}

// A rendered image with its coverage, in linear and sRGB form.
typedef struct {
    int size;
    float *lin, *cov, *depth;
    uint8_t *rgb;
} frame;

static frame render_latents(const float lat[10], int cls, const world_extras *ex, int size) {
    frame f = {size, malloc(sizeof(float) * size * size * 3), malloc(sizeof(float) * size * size),
               malloc(sizeof(float) * size * size), malloc((size_t)size * size * 3)};
    world_scene sc;
    world_scene_from_latents(lat, cls, ex, &sc);
    int rc =
        world_render(&model.mesh[cls], &sc, size, world_supersampling(size), f.lin, f.cov, f.depth);
    CU_ASSERT_EQUAL(rc, INV_OK);
    world_encode_srgb(f.lin, (int64_t)size * size * 3, f.rgb);
    return f;
}

static void frame_free(frame *f) {
    free(f->lin), free(f->cov), free(f->depth), free(f->rgb);
}

static void centroid(const frame *f, float *cx, float *cy) {
    double sx = 0, sy = 0, s = 0;
    for (int y = 0; y < f->size; y++)
        for (int x = 0; x < f->size; x++) {
            double w = f->cov[y * f->size + x];
            sx += w * (x + 0.5), sy += w * (y + 0.5), s += w;
        }
    *cx = (float)(sx / s);
    *cy = (float)(sy / s);
}

static float hue_of(const uint8_t *p) {
    float r = p[0] / 255.0f, g = p[1] / 255.0f, b = p[2] / 255.0f;
    float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b)), d = mx - mn;
    if (d <= 0) return 0;
    float h;
    if (mx == r)
        h = fmodf((g - b) / d, 6.0f);
    else if (mx == g)
        h = (b - r) / d + 2;
    else
        h = (r - g) / d + 4;
    h /= 6.0f;
    return h < 0 ? h + 1 : h;
}

static float hue_dist(float a, float b) {
    float d = fabsf(a - b);
    return d > 0.5f ? 1 - d : d;
}

static const float centre[10] = {0, 0, 0, 0.1f, 0.15f, 0.2f, 0, -0.4f, 0.3f, 0.6f};

static void test_meshes(void) {
    for (int c = 0; c < WORLD_NCLASSES; c++) {
        const world_mesh *m = &model.mesh[c];
        CU_ASSERT_PTR_NOT_NULL(world_class_name(c));
        CU_ASSERT(m->ntri >= 50);
        float rmax = 0;
        for (int i = 0; i < m->ntri * 3; i++) {
            const float *p = m->pos + 3 * i, *n = m->nrm + 3 * i;
            rmax = fmaxf(rmax, sqrtf(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]));
            CU_ASSERT(fabsf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2] - 1) < 1e-3f);
        }
        CU_ASSERT(fabsf(rmax - 1) < 1e-4f);
        // Keypoints are distinct mesh points.
        for (int a = 0; a < WORLD_NKEYPOINTS; a++)
            for (int b = a + 1; b < WORLD_NKEYPOINTS; b++) {
                const float *p = m->keypoints[a], *q = m->keypoints[b];
                float d = sqrtf((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                                (p[2] - q[2]) * (p[2] - q[2]));
                CU_ASSERT(d > 0.05f);
            }
    }
    CU_ASSERT_PTR_NULL(world_class_name(WORLD_NCLASSES));
    world_mesh bad;
    CU_ASSERT_EQUAL(world_mesh_build(&bad, WORLD_NCLASSES), INV_EINVAL);
}

// No rotation of the 24 axis-aligned rotations (the meshes are built from axis-aligned parts,
// so any self-symmetry would be among them) maps a class onto itself: some mesh point lands
// far from every mesh point.
static void test_no_rotational_symmetry(void) {
    for (int c = 0; c < WORLD_NCLASSES; c++) {
        const world_mesh *m = &model.mesh[c];
        int np = m->ntri * 3;
        float worst = 1e9f; // smallest (over rotations) Hausdorff-like distance
        for (int r = 1; r < 24; r++) {
            // Rotation r: a signed permutation with determinant +1.
            static const int perms[6][3] = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1},
                                            {0, 2, 1}, {2, 1, 0}, {1, 0, 2}};
            int perm = r / 4, sg = r % 4;
            int odd = perm >= 3;
            float s[3] = {(sg & 1) ? -1.0f : 1.0f, (sg & 2) ? -1.0f : 1.0f, 1};
            s[2] = s[0] * s[1] * (odd ? -1.0f : 1.0f);
            if (perm == 0 && sg == 0) continue;
            float far = 0;
            for (int i = 0; i < np; i += 7) {
                const float *p = m->pos + 3 * i;
                float q[3] = {s[0] * p[perms[perm][0]], s[1] * p[perms[perm][1]],
                              s[2] * p[perms[perm][2]]};
                float best = 1e9f;
                for (int j = 0; j < np && best > 1e-6f; j++) {
                    const float *o = m->pos + 3 * j;
                    float d = (q[0] - o[0]) * (q[0] - o[0]) + (q[1] - o[1]) * (q[1] - o[1]) +
                              (q[2] - o[2]) * (q[2] - o[2]);
                    if (d < best) best = d;
                }
                if (best > far) far = best;
            }
            far = sqrtf(far);
            if (far < worst) worst = far;
        }
        if (worst <= 0.2f)
            printf("\nclass %s: a rotation maps it within %g\n", world_class_name(c), worst);
        CU_ASSERT(worst > 0.2f);
    }
}

// Two classes in the same pose have clearly different silhouettes.
static void test_distinct_silhouettes(void) {
    frame f[WORLD_NCLASSES];
    for (int c = 0; c < WORLD_NCLASSES; c++) f[c] = render_latents(centre, c, NULL, 48);
    int n = 48 * 48;
    for (int a = 0; a < WORLD_NCLASSES; a++)
        for (int b = a + 1; b < WORLD_NCLASSES; b++) {
            double inter = 0, uni = 0;
            for (int i = 0; i < n; i++) {
                inter += fminf(f[a].cov[i], f[b].cov[i]);
                uni += fmaxf(f[a].cov[i], f[b].cov[i]);
            }
            CU_ASSERT(inter / uni < 0.8);
        }
    for (int c = 0; c < WORLD_NCLASSES; c++) frame_free(&f[c]);
}

static void test_deterministic_and_sizes(void) {
    frame a = render_latents(centre, 0, NULL, 40), b = render_latents(centre, 0, NULL, 40);
    CU_ASSERT_EQUAL(memcmp(a.rgb, b.rgb, 40 * 40 * 3), 0);
    frame_free(&a), frame_free(&b);
    world_scene sc;
    world_scene_from_latents(centre, 0, NULL, &sc);
    float buf[3];
    CU_ASSERT_EQUAL(world_render(&model.mesh[0], &sc, 31, 2, buf, NULL, NULL), INV_ERANGE);
    CU_ASSERT_EQUAL(world_render(&model.mesh[0], &sc, 225, 2, buf, NULL, NULL), INV_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "225"));
    // Extremes of the range render, with the object on screen.
    int sizes[2] = {32, 224};
    for (int i = 0; i < 2; i++) {
        frame f = render_latents(centre, 5, NULL, sizes[i]);
        double cov = 0;
        for (int p = 0; p < sizes[i] * sizes[i]; p++) cov += f.cov[p];
        CU_ASSERT(cov > 0.01 * sizes[i] * sizes[i]);
        frame_free(&f);
    }
}

static void test_position_moves_centroid(void) {
    for (int c = 0; c < WORLD_NCLASSES; c++) {
        float l[10];
        memcpy(l, centre, sizeof l);
        l[WL_X] = -0.6f;
        frame a = render_latents(l, c, NULL, 48);
        l[WL_X] = 0.6f;
        frame b = render_latents(l, c, NULL, 48);
        float ax, ay, bx, by;
        centroid(&a, &ax, &ay);
        centroid(&b, &bx, &by);
        CU_ASSERT(bx > ax + 5);
        CU_ASSERT(fabsf(by - ay) < 2);
        frame_free(&a), frame_free(&b);
        // y up moves the centroid up (smaller row), z towards the camera makes it larger.
        memcpy(l, centre, sizeof l);
        l[WL_Y] = 0.6f;
        frame u = render_latents(l, c, NULL, 48);
        l[WL_Y] = -0.6f;
        frame d = render_latents(l, c, NULL, 48);
        float ux, uy, dx, dy;
        centroid(&u, &ux, &uy);
        centroid(&d, &dx, &dy);
        CU_ASSERT(uy < dy - 5);
        frame_free(&u), frame_free(&d);
        memcpy(l, centre, sizeof l);
        l[WL_Z] = 1;
        frame nr = render_latents(l, c, NULL, 48);
        l[WL_Z] = -1;
        frame fr = render_latents(l, c, NULL, 48);
        double cn = 0, cf = 0;
        for (int p = 0; p < 48 * 48; p++) cn += nr.cov[p], cf += fr.cov[p];
        CU_ASSERT(cn > 1.3 * cf);
        frame_free(&nr), frame_free(&fr);
    }
}

static void test_background_hue(void) {
    for (int k = 0; k < 12; k++) {
        float l[10];
        memcpy(l, centre, sizeof l);
        l[WL_BG_HUE] = -1 + 2 * (k + 0.5f) / 12;
        frame f = render_latents(l, k % WORLD_NCLASSES, NULL, 40);
        int corners[4] = {0, 39, 39 * 40, 40 * 40 - 1};
        for (int i = 0; i < 4; i++) {
            CU_ASSERT_EQUAL(f.cov[corners[i]], 0);
            float h = hue_of(f.rgb + 3 * corners[i]);
            CU_ASSERT(hue_dist(h, world_hue(l[WL_BG_HUE])) < 0.02f);
        }
        frame_free(&f);
    }
}

static void test_object_hue_changes_object_only(void) {
    for (int c = 0; c < WORLD_NCLASSES; c++) {
        float l[10];
        memcpy(l, centre, sizeof l);
        l[WL_OBJ_HUE] = -0.8f;
        frame a = render_latents(l, c, NULL, 40);
        l[WL_OBJ_HUE] = 0.3f;
        frame b = render_latents(l, c, NULL, 40);
        int changed = 0, outside_changed = 0;
        for (int p = 0; p < 40 * 40; p++) {
            int diff = memcmp(a.rgb + 3 * p, b.rgb + 3 * p, 3) != 0;
            CU_ASSERT_EQUAL(a.cov[p], b.cov[p]);
            if (a.cov[p] == 0)
                outside_changed += diff;
            else if (a.cov[p] == 1)
                changed += diff;
        }
        CU_ASSERT_EQUAL(outside_changed, 0);
        CU_ASSERT(changed > 10);
        frame_free(&a), frame_free(&b);
    }
}

// x of the mean position of the brightest tenth of the fully covered object pixels.
static float bright_x(const frame *f) {
    int n = f->size * f->size, m = 0;
    float *lum = malloc(sizeof(float) * n);
    for (int p = 0; p < n; p++) {
        if (f->cov[p] < 1) continue;
        const float *c = f->lin + 3 * p;
        lum[m++] = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
    }
    // Threshold: the 90th percentile (partial selection by sorting a copy).
    float *s = malloc(sizeof(float) * (m ? m : 1));
    memcpy(s, lum, sizeof(float) * m);
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
            float t = s[j];
            s[j] = s[j - 1], s[j - 1] = t;
        }
    float thr = m ? s[(int)(0.9f * m)] : 0;
    double sx = 0, k = 0;
    for (int p = 0, q = 0; p < n; p++) {
        if (f->cov[p] < 1) continue;
        if (lum[q++] >= thr) sx += p % f->size + 0.5, k++;
    }
    free(lum), free(s);
    return (float)(sx / k);
}

static void test_spotlight_moves_highlight(void) {
    int classes[3] = {0, 3, 4};
    for (int i = 0; i < 3; i++) {
        float l[10];
        memcpy(l, centre, sizeof l);
        l[WL_SPOT_ANGLE] = -0.9f;
        frame a = render_latents(l, classes[i], NULL, 64);
        l[WL_SPOT_ANGLE] = 0.9f;
        frame b = render_latents(l, classes[i], NULL, 64);
        CU_ASSERT(bright_x(&b) > bright_x(&a) + 4);
        // The spotlight does not light the backdrop.
        for (int p = 0; p < 64 * 64; p++)
            if (a.cov[p] == 0) CU_ASSERT_EQUAL(memcmp(a.rgb + 3 * p, b.rgb + 3 * p, 3), 0);
        frame_free(&a), frame_free(&b);
    }
}

static void test_keypoints_on_object(void) {
    world_config cfg;
    CU_ASSERT_EQUAL(world_preset("tiny", &cfg), INV_OK);
    cfg.size = 64;
    int visible = 0;
    for (int cls = 0; cls < WORLD_NCLASSES; cls++) {
        cfg.keypoint_class = cls;
        for (int64_t i = 0; i < 6; i++) {
            world_example ex;
            world_example_make(&model, &cfg, WS_KEYPOINTS, i, &ex);
            CU_ASSERT_EQUAL(ex.cls, cls);
            frame f = render_latents(ex.latent, cls, NULL, 64);
            world_scene sc;
            world_scene_from_latents(ex.latent, cls, NULL, &sc);
            for (int k = 0; k < WORLD_NKEYPOINTS; k++) {
                float w[3], px, py, d;
                world_object_to_world(&sc, model.mesh[cls].keypoints[k], w);
                world_project(&sc, 64, w, &px, &py, &d);
                CU_ASSERT(fabsf(px / 64 - ex.target[2 * k]) < 1e-6f);
                CU_ASSERT(fabsf(py / 64 - ex.target[2 * k + 1]) < 1e-6f);
                int x = (int)floorf(px), y = (int)floorf(py);
                if (x < 1 || y < 1 || x > 62 || y > 62) continue;
                // Visible: no object surface nearer than the point in the pixel's neighbourhood.
                float dmin = INFINITY, cov = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int p = (y + dy) * 64 + x + dx;
                        dmin = fminf(dmin, f.depth[p]);
                        cov = fmaxf(cov, f.cov[p]);
                    }
                if (d <= dmin + 0.05f) {
                    visible++;
                    CU_ASSERT(cov > 0);
                }
                CU_ASSERT(f.cov[y * 64 + x] > 0 || d > dmin + 0.05f ||
                          f.cov[(y - 1) * 64 + x] + f.cov[(y + 1) * 64 + x] +
                                  f.cov[y * 64 + x - 1] + f.cov[y * 64 + x + 1] >
                              0);
            }
            frame_free(&f);
        }
    }
    CU_ASSERT(visible > 100);
}

static double lum_mean(const frame *f, int object) {
    double s = 0, n = 0;
    for (int p = 0; p < f->size * f->size; p++)
        if ((f->cov[p] == 1) == object && (object || f->cov[p] == 0)) {
            const uint8_t *c = f->rgb + 3 * p;
            s += 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
            n++;
        }
    return s / n;
}

static void test_group_changes(void) {
    world_config cfg;
    CU_ASSERT_EQUAL(world_preset("tiny", &cfg), INV_OK);
    cfg.seed = 7;
    // Within a group only the group's own latent changes; other groups differ.
    for (int id = WS_VIEWPOINT; id < WS_COUNT; id++) {
        int g = world_set(id)->group_size;
        CU_ASSERT(g >= 2);
        world_example first, ex, other;
        world_example_make(&model, &cfg, id, 0, &first);
        world_example_make(&model, &cfg, id, g, &other);
        CU_ASSERT_EQUAL(other.group, 1);
        CU_ASSERT(memcmp(first.latent, other.latent, sizeof first.latent) != 0);
        for (int k = 1; k < g; k++) {
            world_example_make(&model, &cfg, id, k, &ex);
            CU_ASSERT_EQUAL(ex.group, 0);
            CU_ASSERT_EQUAL(ex.cls, first.cls);
            CU_ASSERT(ex.target[0] != first.target[0]);
            for (int j = 0; j < WORLD_NLATENTS; j++) {
                int own = (id == WS_VIEWPOINT && j == WL_GAMMA) ||
                          (id == WS_ILLUMINATION && j == WL_SPOT_ANGLE);
                if (!own) CU_ASSERT_EQUAL(ex.latent[j], first.latent[j]);
                if (own) CU_ASSERT(ex.latent[j] != first.latent[j]);
                CU_ASSERT(ex.latent[j] >= -1 && ex.latent[j] <= 1);
            }
        }
    }
    // Viewpoint: 72 steps of 5 degrees make a full turn.
    world_example a, b;
    world_example_make(&model, &cfg, WS_VIEWPOINT, 0, &a);
    world_example_make(&model, &cfg, WS_VIEWPOINT, 36, &b);
    float d = fabsf(a.latent[WL_GAMMA] - b.latent[WL_GAMMA]);
    CU_ASSERT(fabsf(d - 1) < 1e-5f);
    CU_ASSERT_EQUAL(b.target[0], 180.0f);

    // Exposure: a higher exposure is brighter everywhere.
    world_example_make(&model, &cfg, WS_EXPOSURE, 1, &a); // -1.5 EV
    world_example_make(&model, &cfg, WS_EXPOSURE, 5, &b); // +1 EV
    frame fa = render_latents(a.latent, a.cls, &a.extras, 48);
    frame fb = render_latents(b.latent, b.cls, &b.extras, 48);
    CU_ASSERT(lum_mean(&fb, 0) > 1.5 * lum_mean(&fa, 0));
    CU_ASSERT(lum_mean(&fb, 1) > 1.3 * lum_mean(&fa, 1));
    frame_free(&fa), frame_free(&fb);
    // Temperature: warm light makes the backdrop redder relative to blue than cold light.
    world_example_make(&model, &cfg, WS_TEMPERATURE, 0, &a);  // 2500 K
    world_example_make(&model, &cfg, WS_TEMPERATURE, 11, &b); // 10000 K
    fa = render_latents(a.latent, a.cls, &a.extras, 40);
    fb = render_latents(b.latent, b.cls, &b.extras, 40);
    CU_ASSERT(fa.lin[0] / fa.lin[2] > 1.5f * fb.lin[0] / fb.lin[2]);
    frame_free(&fa), frame_free(&fb);
    // Stereo: the right camera sees the object further left.
    world_example_make(&model, &cfg, WS_STEREO, 0, &a);
    world_example_make(&model, &cfg, WS_STEREO, 1, &b);
    fa = render_latents(a.latent, a.cls, &a.extras, 64);
    fb = render_latents(b.latent, b.cls, &b.extras, 64);
    float ax, ay, bx, by;
    centroid(&fa, &ax, &ay);
    centroid(&fb, &bx, &by);
    CU_ASSERT(bx < ax - 1 && bx > ax - 8);
    CU_ASSERT(fabsf(ay - by) < 0.5f);
    frame_free(&fa), frame_free(&fb);
}

static double gradient_energy(const uint8_t *rgb, int n) {
    double e = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x + 1 < n; x++)
            for (int k = 0; k < 3; k++) {
                double d = (double)rgb[(y * n + x + 1) * 3 + k] - rgb[(y * n + x) * 3 + k];
                double v = y + 1 < n
                               ? (double)rgb[((y + 1) * n + x) * 3 + k] - rgb[(y * n + x) * 3 + k]
                               : 0;
                e += d * d + v * v;
            }
    return e;
}

static void test_blur_and_example_render(void) {
    world_config cfg;
    CU_ASSERT_EQUAL(world_preset("tiny", &cfg), INV_OK);
    cfg.size = 64;
    uint8_t *a = malloc(64 * 64 * 3), *b = malloc(64 * 64 * 3), *c = malloc(64 * 64 * 3);
    for (int64_t g = 0; g < 3; g++) {
        world_example sharp, blurred;
        world_example_make(&model, &cfg, WS_BLUR, 2 * g, &sharp);
        world_example_make(&model, &cfg, WS_BLUR, 2 * g + 1, &blurred);
        CU_ASSERT_EQUAL(sharp.target[0], 0);
        CU_ASSERT(blurred.target[0] >= 0.15f && blurred.target[0] <= 0.4f);
        CU_ASSERT_EQUAL(world_example_render(&model, &cfg, &sharp, a), INV_OK);
        CU_ASSERT_EQUAL(world_example_render(&model, &cfg, &blurred, b), INV_OK);
        CU_ASSERT_EQUAL(world_example_render(&model, &cfg, &blurred, c), INV_OK);
        CU_ASSERT_EQUAL(memcmp(b, c, 64 * 64 * 3), 0);
        CU_ASSERT(gradient_energy(b, 64) < 0.85 * gradient_energy(a, 64));
    }
    free(a), free(b), free(c);
}

static void test_sets_table(void) {
    world_config cfg;
    CU_ASSERT_EQUAL(world_preset("nope", &cfg), INV_EINVAL);
    const char *presets[3] = {"tiny", "default", "paper"};
    for (int p = 0; p < 3; p++) {
        CU_ASSERT_EQUAL(world_preset(presets[p], &cfg), INV_OK);
        for (int id = 0; id < WS_COUNT; id++) CU_ASSERT(world_set_images(&cfg, id) > 0);
    }
    CU_ASSERT_EQUAL(cfg.size, 224);
    CU_ASSERT_EQUAL(cfg.count[WS_IDENT_TRAIN], 20480);
    CU_ASSERT_EQUAL(cfg.count[WS_IDENT_TEST], 40960);
    CU_ASSERT_EQUAL(world_set_images(&cfg, WS_VIEWPOINT), 100 * 72);
    // Examples: deterministic, latents in range, labels as documented.
    CU_ASSERT_EQUAL(world_preset("tiny", &cfg), INV_OK);
    int bins[8] = {0};
    for (int64_t i = 0; i < 400; i++) {
        world_example a, b;
        world_example_make(&model, &cfg, WS_COLOUR, i, &a);
        world_example_make(&model, &cfg, WS_COLOUR, i, &b);
        CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
        CU_ASSERT(a.label >= 0 && a.label < 8);
        CU_ASSERT_EQUAL(a.label, (int)(world_hue(a.latent[WL_OBJ_HUE]) * 8));
        bins[a.label]++;
        world_example_make(&model, &cfg, WS_POSE, i, &a);
        for (int k = 0; k < 3; k++) {
            float s = a.target[2 * k], co = a.target[2 * k + 1];
            CU_ASSERT(fabsf(s * s + co * co - 1) < 1e-5f);
            CU_ASSERT(fabsf(atan2f(s, co) - world_angle(a.latent[WL_ALPHA + k])) < 1e-4f ||
                      fabsf(fabsf(atan2f(s, co) - world_angle(a.latent[WL_ALPHA + k])) -
                            2 * (float)M_PI) < 1e-4f);
        }
        world_example_make(&model, &cfg, WS_IDENT_TRAIN, i, &a);
        world_example_make(&model, &cfg, WS_IDENT_TEST, i, &b);
        CU_ASSERT(memcmp(a.latent, b.latent, sizeof a.latent) != 0);
        CU_ASSERT(a.cls >= 0 && a.cls < WORLD_NCLASSES && a.label == a.cls);
        world_example_make(&model, &cfg, WS_PRETRAIN, i, &a); // supervised baseline's label
        CU_ASSERT(a.cls >= 0 && a.cls < WORLD_NCLASSES && a.label == a.cls);
    }
    for (int k = 0; k < 8; k++) CU_ASSERT(bins[k] > 20);
}

static void test_font(void) {
    uint8_t img[20 * 10 * 3];
    memset(img, 0, sizeof img);
    const uint8_t white[3] = {255, 255, 255};
    int x = font_draw(img, 20, 10, 1, 1, "a1", 1, white);
    CU_ASSERT_EQUAL(x, 1 + 2 * FONT_ADVANCE);
    CU_ASSERT_EQUAL(font_text_width("a1", 2), 22);
    // 'A' row 0 is ".###.", row 3 is "#####"; '1' row 6 is ".###.".
    CU_ASSERT_EQUAL(img[(1 * 20 + 1) * 3], 0);
    CU_ASSERT_EQUAL(img[(1 * 20 + 2) * 3], 255);
    for (int c = 0; c < 5; c++) CU_ASSERT_EQUAL(img[(4 * 20 + 1 + c) * 3], 255);
    CU_ASSERT_EQUAL(img[(7 * 20 + 7) * 3], 0);
    CU_ASSERT_EQUAL(img[(7 * 20 + 8) * 3], 255);
    // Clipped at the edges without writing outside.
    font_draw(img, 20, 10, 17, 8, "WW", 3, white);
    font_draw(img, 20, 10, -9, -9, "?", 3, white);
}

static void test_preview_sheet(void) {
    world_config cfg;
    CU_ASSERT_EQUAL(world_preset("tiny", &cfg), INV_OK);
    image_u8 sheet;
    CU_ASSERT_EQUAL(world_preview_build(&model, &cfg, &sheet), INV_OK);
    CU_ASSERT(sheet.w > 12 * 64 && sheet.h > WS_COUNT * 64);
    CU_ASSERT_EQUAL(sheet.c, 3);
    // The first cell of the shape row is the shape set's first image, upscaled 2x.
    world_example ex;
    world_example_make(&model, &cfg, WS_SHAPE, 0, &ex);
    uint8_t img[32 * 32 * 3];
    CU_ASSERT_EQUAL(world_example_render(&model, &cfg, &ex, img), INV_OK);
    int found = 0;
    // Search the row for the cell: the label column is narrower than 200 pixels.
    for (int y0 = 0; y0 < sheet.h - 64 && !found; y0++)
        for (int x0 = 0; x0 < 200 && !found; x0++) {
            int same = 1;
            for (int y = 0; y < 32 && same; y += 3)
                for (int x = 0; x < 32 && same; x += 3)
                    same = memcmp(sheet.data + ((size_t)(y0 + 2 * y) * sheet.w + x0 + 2 * x) * 3,
                                  img + (y * 32 + x) * 3, 3) == 0;
            found = same;
        }
    CU_ASSERT(found);
    // Text is drawn: light pixels in the label column.
    int light = 0;
    for (int y = 0; y < sheet.h; y++)
        for (int x = 0; x < 90; x++) light += sheet.data[((size_t)y * sheet.w + x) * 3] > 200;
    CU_ASSERT(light > 500);
    world_preview_free(&sheet);
}

int test_world_register(void) {
    CU_pSuite s = CU_add_suite("world", suite_init, suite_clean);
    if (!s) return -1;
    TEST_ADD(s, test_meshes);
    TEST_ADD(s, test_no_rotational_symmetry);
    TEST_ADD(s, test_distinct_silhouettes);
    TEST_ADD(s, test_deterministic_and_sizes);
    TEST_ADD(s, test_position_moves_centroid);
    TEST_ADD(s, test_background_hue);
    TEST_ADD(s, test_object_hue_changes_object_only);
    TEST_ADD(s, test_spotlight_moves_highlight);
    TEST_ADD(s, test_keypoints_on_object);
    TEST_ADD(s, test_group_changes);
    TEST_ADD(s, test_blur_and_example_render);
    TEST_ADD(s, test_sets_table);
    TEST_ADD(s, test_font);
    TEST_ADD(s, test_preview_sheet);
    return 0;
}
