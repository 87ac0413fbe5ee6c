// world_render.c: z-buffer rasterisation of the world's triangle meshes at ss x ss samples per
// pixel (G-buffer of triangle, screen barycentrics and 1/depth), then deferred Phong shading
// with perspective-correct interpolation, a vignetted backdrop, and a box-filter downsample.
#include "data/world_render.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int world_supersampling(int size) {
    return size <= 48 ? 4 : (size <= 112 ? 3 : 2);
}

typedef struct {
    float right[3], up[3], fwd[3];
    float eye[3];
    float focal; // 1 / tan(fov / 2)
} camera;

static void normalize3(float v[3]) {
    float l = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (l > 0) {
        v[0] /= l;
        v[1] /= l;
        v[2] /= l;
    }
}

static float dot3(const float *a, const float *b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void camera_make(const world_scene *sc, camera *c) {
    for (int k = 0; k < 3; k++) {
        c->fwd[k] = sc->look[k] - sc->eye[k];
        c->eye[k] = sc->eye[k];
    }
    normalize3(c->fwd);
    const float *u = sc->up, *f = c->fwd;
    c->right[0] = f[1] * u[2] - f[2] * u[1];
    c->right[1] = f[2] * u[0] - f[0] * u[2];
    c->right[2] = f[0] * u[1] - f[1] * u[0];
    normalize3(c->right);
    const float *r = c->right;
    c->up[0] = r[1] * f[2] - r[2] * f[1];
    c->up[1] = r[2] * f[0] - r[0] * f[2];
    c->up[2] = r[0] * f[1] - r[1] * f[0];
    c->focal = 1.0f / tanf(0.5f * sc->fov_y);
}

// World point -> (x, y) in units of the image side (0..1 from the top-left), depth.
static void camera_project(const camera *c, const float p[3], float *x, float *y, float *z) {
    float d[3] = {p[0] - c->eye[0], p[1] - c->eye[1], p[2] - c->eye[2]};
    float xc = dot3(d, c->right), yc = dot3(d, c->up), zc = dot3(d, c->fwd);
    *z = zc;
    float iz = zc > 0 ? 1.0f / zc : 0.0f;
    *x = 0.5f + 0.5f * c->focal * xc * iz;
    *y = 0.5f - 0.5f * c->focal * yc * iz;
}

void world_object_to_world(const world_scene *sc, const float p[3], float out[3]) {
    const float *r = sc->obj_rot;
    for (int i = 0; i < 3; i++)
        out[i] = r[3 * i] * p[0] + r[3 * i + 1] * p[1] + r[3 * i + 2] * p[2] + sc->obj_pos[i];
}

int world_project(const world_scene *sc, int size, const float p[3], float *px, float *py,
                  float *depth) {
    camera c;
    camera_make(sc, &c);
    float x, y, z;
    camera_project(&c, p, &x, &y, &z);
    *px = x * (float)size;
    *py = y * (float)size;
    *depth = z;
    return z > 0;
}

// Linear value at which the 8-bit sRGB code steps from k to k + 1 (the decoded midpoint).
static float srgb_steps[255];

static void srgb_steps_init(void) {
    for (int k = 0; k < 255; k++) {
        double c = (k + 0.5) / 255.0;
        srgb_steps[k] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
    }
}

void world_encode_srgb(const float *lin, int64_t n, uint8_t *out) {
    static int ready; // the table is the same whichever thread fills it first
#pragma omp critical(world_srgb_table)
    if (!ready) {
        srgb_steps_init();
        ready = 1;
    }
    for (int64_t i = 0; i < n; i++) {
        float v = lin[i];
        // Binary search for the number of steps at or below v: the rounded sRGB code.
        int lo = 0, hi = 255;
        while (lo < hi) {
            int mid = (lo + hi) >> 1;
            if (srgb_steps[mid] <= v)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[i] = (uint8_t)lo;
    }
}

static float smoothstep(float e0, float e1, float x) {
    float t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    return t * t * (3 - 2 * t);
}

static float pow32(float x) {
    x = x * x;
    x = x * x;
    x = x * x;
    x = x * x;
    return x * x;
}

// Phong shading of the object at world point P with normal N; adds radiance into c.
static void shade(const world_scene *sc, const float P[3], const float N_in[3], float c[3]) {
    float V[3] = {sc->eye[0] - P[0], sc->eye[1] - P[1], sc->eye[2] - P[2]};
    normalize3(V);
    float N[3] = {N_in[0], N_in[1], N_in[2]};
    normalize3(N);
    if (dot3(N, V) < 0) N[0] = -N[0], N[1] = -N[1], N[2] = -N[2];
    const float *alb = sc->obj_albedo;
    float diff[3], spec[3];
    for (int k = 0; k < 3; k++) {
        diff[k] = sc->amb_rgb[k];
        spec[k] = 0;
    }
    float ndl = dot3(N, sc->key_dir);
    if (ndl > 0) {
        float H[3] = {sc->key_dir[0] + V[0], sc->key_dir[1] + V[1], sc->key_dir[2] + V[2]};
        normalize3(H);
        float nh = dot3(N, H);
        float s = nh > 0 ? 0.3f * pow32(nh) : 0.0f;
        for (int k = 0; k < 3; k++) {
            diff[k] += sc->key_rgb[k] * ndl;
            spec[k] += sc->key_rgb[k] * s;
        }
    }
    float L[3] = {sc->spot_pos[0] - P[0], sc->spot_pos[1] - P[1], sc->spot_pos[2] - P[2]};
    float d2 = dot3(L, L);
    normalize3(L);
    float cone = -dot3(L, sc->spot_dir);
    float f = smoothstep(sc->spot_cos_outer, sc->spot_cos_inner, cone);
    ndl = dot3(N, L);
    if (f > 0 && ndl > 0) {
        float att = f * (WORLD_SPOT_DIST * WORLD_SPOT_DIST * 1.36f) / d2; // 1 at the object
        float H[3] = {L[0] + V[0], L[1] + V[1], L[2] + V[2]};
        normalize3(H);
        float nh = dot3(N, H);
        float s = nh > 0 ? 0.4f * pow32(nh) : 0.0f;
        for (int k = 0; k < 3; k++) {
            diff[k] += sc->spot_rgb[k] * att * ndl;
            spec[k] += sc->spot_rgb[k] * att * s;
        }
    }
    for (int k = 0; k < 3; k++) c[k] = sc->gain * (alb[k] * diff[k] + spec[k]);
}

// Shades triangle t at screen barycentrics (b1, b2) with interpolated 1/depth izp, with
// perspective-correct interpolation of the world position and normal.
static void shade_point(const world_scene *sc, const float *wpos, const float *wnrm,
                        const float *viz, int t, float b1, float b2, float izp, float c[3]) {
    float b0 = 1.0f - b1 - b2;
    const float *iz = viz + 3 * t;
    float l[3] = {b0 * iz[0] / izp, b1 * iz[1] / izp, b2 * iz[2] / izp};
    const float *wp = wpos + (size_t)t * 9, *wn = wnrm + (size_t)t * 9;
    float P[3], N[3];
    for (int k = 0; k < 3; k++) {
        P[k] = l[0] * wp[k] + l[1] * wp[3 + k] + l[2] * wp[6 + k];
        N[k] = l[0] * wn[k] + l[1] * wn[3 + k] + l[2] * wn[6 + k];
    }
    shade(sc, P, N, c);
}

int world_render(const world_mesh *mesh, const world_scene *sc, int size, int ss, float *rgb,
                 float *coverage, float *depth) {
    if (size < WORLD_MIN_SIZE || size > WORLD_MAX_SIZE)
        return inv_fail(INV_ERANGE, "world: image size %d outside [%d, %d]", size, WORLD_MIN_SIZE,
                        WORLD_MAX_SIZE);
    if (ss < 1 || ss > 8) return inv_fail(INV_ERANGE, "world: supersampling %d outside [1, 8]", ss);
    const int S = size * ss;
    const size_t ns = (size_t)S * (size_t)S;
    const int nt = mesh->ntri;
    float *izbuf = malloc(ns * sizeof(float));
    float *bary = malloc(2 * ns * sizeof(float));
    int *tbuf = malloc(ns * sizeof(int));
    float *wpos = malloc((size_t)nt * 9 * sizeof(float));
    float *wnrm = malloc((size_t)nt * 9 * sizeof(float));
    float *viz = malloc((size_t)nt * 3 * sizeof(float));
    if (!izbuf || !bary || !tbuf || !wpos || !wnrm || !viz) {
        free(izbuf), free(bary), free(tbuf), free(wpos), free(wnrm), free(viz);
        return inv_fail(INV_ENOMEM, "world: out of memory rendering %dx%d", size, size);
    }
    for (size_t i = 0; i < ns; i++) {
        izbuf[i] = 0.0f;
        tbuf[i] = -1;
    }
    camera cam;
    camera_make(sc, &cam);
    const float *R = sc->obj_rot;
    const float fS = (float)S;
    for (int t = 0; t < nt; t++) {
        float sx[3], sy[3], z[3];
        int ok = 1;
        for (int v = 0; v < 3; v++) {
            const float *p = mesh->pos + (size_t)t * 9 + 3 * v;
            const float *n = mesh->nrm + (size_t)t * 9 + 3 * v;
            float *wp = wpos + (size_t)t * 9 + 3 * v, *wn = wnrm + (size_t)t * 9 + 3 * v;
            world_object_to_world(sc, p, wp);
            for (int i = 0; i < 3; i++)
                wn[i] = R[3 * i] * n[0] + R[3 * i + 1] * n[1] + R[3 * i + 2] * n[2];
            camera_project(&cam, wp, &sx[v], &sy[v], &z[v]);
            if (z[v] < 0.05f) ok = 0;
            sx[v] *= fS;
            sy[v] *= fS;
            viz[3 * t + v] = ok ? 1.0f / z[v] : 0.0f;
        }
        if (!ok) continue;
        // Back faces of the closed parts are hidden behind front faces: skip them. The
        // geometric normal is oriented outwards by the corner normals.
        {
            const float *p = wpos + (size_t)t * 9, *n = wnrm + (size_t)t * 9;
            float e1[3] = {p[3] - p[0], p[4] - p[1], p[5] - p[2]};
            float e2[3] = {p[6] - p[0], p[7] - p[1], p[8] - p[2]};
            float g[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2],
                          e1[0] * e2[1] - e1[1] * e2[0]};
            float ns[3] = {n[0] + n[3] + n[6], n[1] + n[4] + n[7], n[2] + n[5] + n[8]};
            float view[3] = {p[0] - cam.eye[0], p[1] - cam.eye[1], p[2] - cam.eye[2]};
            float out = dot3(g, ns) >= 0 ? 1.0f : -1.0f;
            if (out * dot3(g, view) > 0) continue;
        }
        float area = (sx[1] - sx[0]) * (sy[2] - sy[0]) - (sy[1] - sy[0]) * (sx[2] - sx[0]);
        if (fabsf(area) < 1e-9f) continue;
        float sgn = area > 0 ? 1.0f : -1.0f;
        float inv_area = 1.0f / (area * sgn);
        float minx = fminf(sx[0], fminf(sx[1], sx[2])), maxx = fmaxf(sx[0], fmaxf(sx[1], sx[2]));
        float miny = fminf(sy[0], fminf(sy[1], sy[2])), maxy = fmaxf(sy[0], fmaxf(sy[1], sy[2]));
        int i0 = (int)ceilf(minx - 0.5f), i1 = (int)floorf(maxx - 0.5f);
        int j0 = (int)ceilf(miny - 0.5f), j1 = (int)floorf(maxy - 0.5f);
        if (i0 < 0) i0 = 0;
        if (j0 < 0) j0 = 0;
        if (i1 > S - 1) i1 = S - 1;
        if (j1 > S - 1) j1 = S - 1;
        if (i0 > i1 || j0 > j1) continue;
        // Edge functions e_k(p) = A_k x + B_k y + C_k, opposite vertex k, signed so inside >= 0.
        float A[3], B[3], C[3];
        for (int k = 0; k < 3; k++) {
            int a = (k + 1) % 3, b = (k + 2) % 3;
            A[k] = -(sy[b] - sy[a]) * sgn;
            B[k] = (sx[b] - sx[a]) * sgn;
            C[k] = ((sy[b] - sy[a]) * sx[a] - (sx[b] - sx[a]) * sy[a]) * sgn;
        }
        const float *iz = viz + 3 * t;
        for (int j = j0; j <= j1; j++) {
            float py = (float)j + 0.5f;
            for (int i = i0; i <= i1; i++) {
                float px = (float)i + 0.5f;
                float e0 = A[0] * px + B[0] * py + C[0];
                float e1 = A[1] * px + B[1] * py + C[1];
                float e2 = A[2] * px + B[2] * py + C[2];
                if (e0 < 0 || e1 < 0 || e2 < 0) continue;
                float b0 = e0 * inv_area, b1 = e1 * inv_area, b2 = e2 * inv_area;
                float izp = b0 * iz[0] + b1 * iz[1] + b2 * iz[2];
                size_t s = (size_t)j * S + (size_t)i;
                if (izp > izbuf[s]) {
                    izbuf[s] = izp;
                    tbuf[s] = t;
                    bary[2 * s] = b1;
                    bary[2 * s + 1] = b2;
                }
            }
        }
    }
    // Shade each sample once and box-filter into the pixels.
    const float inv_n = 1.0f / (float)(ss * ss);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            float acc[3] = {0, 0, 0}, cov = 0, dmin = INFINITY;
            // A pixel whose samples all lie on one triangle is shaded once, at the mean of
            // their positions (as multisampling does); other pixels sample by sample.
            size_t s00 = (size_t)(y * ss) * S + (size_t)(x * ss);
            int t0 = tbuf[s00], uniform = 1;
            for (int sj = 0; sj < ss && uniform; sj++)
                for (int si = 0; si < ss && uniform; si++)
                    uniform = tbuf[s00 + (size_t)sj * S + (size_t)si] == t0;
            if (uniform && t0 < 0) { // backdrop only: its vignette at the pixel centre
                float u = ((float)x + 0.5f) / (float)size - 0.5f;
                float v = ((float)y + 0.5f) / (float)size - 0.5f;
                float vig = sc->gain * (1.0f - 0.5f * (u * u + v * v));
                for (int k = 0; k < 3; k++) acc[k] = sc->bg_rgb[k] * vig;
            } else if (uniform) {
                float b1 = 0, b2 = 0, izp = 0;
                for (int sj = 0; sj < ss; sj++)
                    for (int si = 0; si < ss; si++) {
                        size_t s = s00 + (size_t)sj * S + (size_t)si;
                        b1 += bary[2 * s];
                        b2 += bary[2 * s + 1];
                        izp += izbuf[s];
                        float d = 1.0f / izbuf[s];
                        if (d < dmin) dmin = d;
                    }
                b1 *= inv_n, b2 *= inv_n, izp *= inv_n;
                shade_point(sc, wpos, wnrm, viz, t0, b1, b2, izp, acc);
                cov = 1;
            } else {
                for (int sj = 0; sj < ss; sj++)
                    for (int si = 0; si < ss; si++) {
                        int j = y * ss + sj, i = x * ss + si;
                        size_t s = (size_t)j * S + (size_t)i;
                        float c[3];
                        int t = tbuf[s];
                        if (t >= 0) {
                            shade_point(sc, wpos, wnrm, viz, t, bary[2 * s], bary[2 * s + 1],
                                        izbuf[s], c);
                            cov += 1;
                            float d = 1.0f / izbuf[s];
                            if (d < dmin) dmin = d;
                        } else {
                            float u = ((float)i + 0.5f) / fS - 0.5f;
                            float v = ((float)j + 0.5f) / fS - 0.5f;
                            float vig = sc->gain * (1.0f - 0.5f * (u * u + v * v));
                            for (int k = 0; k < 3; k++) c[k] = sc->bg_rgb[k] * vig;
                        }
                        acc[0] += c[0];
                        acc[1] += c[1];
                        acc[2] += c[2];
                    }
                for (int k = 0; k < 3; k++) acc[k] *= inv_n;
                cov *= inv_n;
            }
            size_t p = (size_t)y * size + (size_t)x;
            for (int k = 0; k < 3; k++) rgb[3 * p + k] = acc[k];
            if (coverage) coverage[p] = cov;
            if (depth) depth[p] = dmin;
        }
    free(izbuf), free(bary), free(tbuf), free(wpos), free(wnrm), free(viz);
    return INV_OK;
}
