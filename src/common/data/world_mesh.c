// world_mesh.c: the embedded world's object classes, built from transformed primitives
// (box, cylinder, cone, sphere, torus) into triangle soups with per-corner normals, normalised
// to the unit bounding sphere, with eight fixed keypoints per class (extreme mesh corners).
#include "data/world_mesh.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[WORLD_NCLASSES] = {
    "teapot", "hammer", "chair", "duck", "polycube", "airplane", "key",
};

const char *world_class_name(int cls) {
    return cls >= 0 && cls < WORLD_NCLASSES ? class_names[cls] : NULL;
}

// An affine placement of a primitive: p' = m p + t; normals by the inverse transpose of m.
typedef struct {
    float m[9];  // row-major 3x3
    float it[9]; // inverse transpose of m
    float t[3];
} xform;

typedef struct {
    world_mesh *mesh;
    int failed;
} builder;

static void mat3_mul(const float *a, const float *b, float *out) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

// Rotation taking +y onto the unit vector d (Rodrigues about y x d).
static void rot_y_to(const float d_in[3], float *r) {
    float len = sqrtf(d_in[0] * d_in[0] + d_in[1] * d_in[1] + d_in[2] * d_in[2]);
    float d[3] = {d_in[0] / len, d_in[1] / len, d_in[2] / len};
    float c = d[1];
    if (c > 0.999999f) {
        const float id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        memcpy(r, id, sizeof id);
        return;
    }
    if (c < -0.999999f) {
        const float flip[9] = {1, 0, 0, 0, -1, 0, 0, 0, -1};
        memcpy(r, flip, sizeof flip);
        return;
    }
    float ax[3] = {d[2], 0.0f, -d[0]}; // y x d
    float s = sqrtf(ax[0] * ax[0] + ax[2] * ax[2]);
    ax[0] /= s;
    ax[2] /= s;
    float k = 1.0f - c;
    float x = ax[0], y = ax[1], z = ax[2];
    float rr[9] = {c + x * x * k,     x * y * k - z * s, x * z * k + y * s,
                   y * x * k + z * s, c + y * y * k,     y * z * k - x * s,
                   z * x * k - y * s, z * y * k + x * s, c + z * z * k};
    memcpy(r, rr, sizeof rr);
}

// Scale (sx, sy, sz), then rotate +y onto `dir` (NULL: no rotation), then translate.
static xform place(float sx, float sy, float sz, const float *dir, float tx, float ty, float tz) {
    xform x;
    float r[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    if (dir) rot_y_to(dir, r);
    float s[9] = {sx, 0, 0, 0, sy, 0, 0, 0, sz};
    float si[9] = {1 / sx, 0, 0, 0, 1 / sy, 0, 0, 0, 1 / sz};
    mat3_mul(r, s, x.m);
    mat3_mul(r, si, x.it); // (R S)^-T = R S^-1 for a rotation R
    x.t[0] = tx;
    x.t[1] = ty;
    x.t[2] = tz;
    return x;
}

static void apply_p(const xform *x, const float p[3], float out[3]) {
    for (int i = 0; i < 3; i++)
        out[i] = x->m[3 * i] * p[0] + x->m[3 * i + 1] * p[1] + x->m[3 * i + 2] * p[2] + x->t[i];
}

static void apply_n(const xform *x, const float n[3], float out[3]) {
    for (int i = 0; i < 3; i++)
        out[i] = x->it[3 * i] * n[0] + x->it[3 * i + 1] * n[1] + x->it[3 * i + 2] * n[2];
    float l = sqrtf(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
    if (l > 0) {
        out[0] /= l;
        out[1] /= l;
        out[2] /= l;
    }
}

static void tri(builder *b, const xform *x, const float *p0, const float *p1, const float *p2,
                const float *n0, const float *n1, const float *n2) {
    world_mesh *m = b->mesh;
    if (b->failed) return;
    if (m->ntri == m->cap) {
        int cap = m->cap ? 2 * m->cap : 1024;
        float *pos = realloc(m->pos, (size_t)cap * 9 * sizeof(float));
        if (!pos) {
            b->failed = 1;
            return;
        }
        m->pos = pos;
        float *nrm = realloc(m->nrm, (size_t)cap * 9 * sizeof(float));
        if (!nrm) {
            b->failed = 1;
            return;
        }
        m->nrm = nrm;
        m->cap = cap;
    }
    float *P = m->pos + (size_t)m->ntri * 9, *N = m->nrm + (size_t)m->ntri * 9;
    apply_p(x, p0, P);
    apply_p(x, p1, P + 3);
    apply_p(x, p2, P + 6);
    apply_n(x, n0, N);
    apply_n(x, n1, N + 3);
    apply_n(x, n2, N + 6);
    m->ntri++;
}

static void quad(builder *b, const xform *x, const float *a, const float *bb, const float *c,
                 const float *d, const float *na, const float *nb, const float *nc,
                 const float *nd) {
    tri(b, x, a, bb, c, na, nb, nc);
    tri(b, x, a, c, d, na, nc, nd);
}

// Unit cube [-0.5, 0.5]^3 with flat faces.
static void prim_box(builder *b, const xform *x) {
    for (int axis = 0; axis < 3; axis++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            int u = (axis + 1) % 3, v = (axis + 2) % 3;
            float n[3] = {0, 0, 0}, c[4][3];
            n[axis] = (float)sgn;
            const float su[4] = {-0.5f, 0.5f, 0.5f, -0.5f}, sv[4] = {-0.5f, -0.5f, 0.5f, 0.5f};
            for (int k = 0; k < 4; k++) {
                c[k][axis] = 0.5f * (float)sgn;
                c[k][u] = su[k];
                c[k][v] = sv[k] * (float)sgn;
            }
            quad(b, x, c[0], c[1], c[2], c[3], n, n, n, n);
        }
}

// Cylinder of radius 1 around +y, from y = 0 to y = 1, with flat caps.
static void prim_cylinder(builder *b, const xform *x, int nseg) {
    const float up[3] = {0, 1, 0}, down[3] = {0, -1, 0}, c0[3] = {0, 0, 0}, c1[3] = {0, 1, 0};
    for (int i = 0; i < nseg; i++) {
        float a0 = 2.0f * (float)M_PI * (float)i / (float)nseg;
        float a1 = 2.0f * (float)M_PI * (float)(i + 1) / (float)nseg;
        float n0[3] = {cosf(a0), 0, sinf(a0)}, n1[3] = {cosf(a1), 0, sinf(a1)};
        float p00[3] = {n0[0], 0, n0[2]}, p01[3] = {n0[0], 1, n0[2]};
        float p10[3] = {n1[0], 0, n1[2]}, p11[3] = {n1[0], 1, n1[2]};
        quad(b, x, p00, p01, p11, p10, n0, n0, n1, n1);
        tri(b, x, c1, p11, p01, up, up, up);
        tri(b, x, c0, p00, p10, down, down, down);
    }
}

// Cone: base circle of radius 1 at y = 0 (capped), apex at y = 1.
static void prim_cone(builder *b, const xform *x, int nseg) {
    const float down[3] = {0, -1, 0}, c0[3] = {0, 0, 0}, apex[3] = {0, 1, 0};
    const float k = (float)M_SQRT1_2;
    for (int i = 0; i < nseg; i++) {
        float a0 = 2.0f * (float)M_PI * (float)i / (float)nseg;
        float a1 = 2.0f * (float)M_PI * (float)(i + 1) / (float)nseg;
        float am = 0.5f * (a0 + a1);
        float p0[3] = {cosf(a0), 0, sinf(a0)}, p1[3] = {cosf(a1), 0, sinf(a1)};
        float n0[3] = {k * p0[0], k, k * p0[2]}, n1[3] = {k * p1[0], k, k * p1[2]};
        float nm[3] = {k * cosf(am), k, k * sinf(am)};
        tri(b, x, p0, apex, p1, n0, nm, n1);
        tri(b, x, c0, p0, p1, down, down, down);
    }
}

// Sphere of radius 1.
static void prim_sphere(builder *b, const xform *x, int nlon, int nlat) {
    for (int j = 0; j < nlat; j++) {
        float t0 = (float)M_PI * (float)j / (float)nlat;
        float t1 = (float)M_PI * (float)(j + 1) / (float)nlat;
        for (int i = 0; i < nlon; i++) {
            float a0 = 2.0f * (float)M_PI * (float)i / (float)nlon;
            float a1 = 2.0f * (float)M_PI * (float)(i + 1) / (float)nlon;
            float p[4][3] = {
                {sinf(t0) * cosf(a0), cosf(t0), sinf(t0) * sinf(a0)},
                {sinf(t1) * cosf(a0), cosf(t1), sinf(t1) * sinf(a0)},
                {sinf(t1) * cosf(a1), cosf(t1), sinf(t1) * sinf(a1)},
                {sinf(t0) * cosf(a1), cosf(t0), sinf(t0) * sinf(a1)},
            };
            if (j > 0) tri(b, x, p[0], p[2], p[1], p[0], p[2], p[1]);
            if (j < nlat - 1) tri(b, x, p[0], p[3], p[2], p[0], p[3], p[2]);
        }
    }
}

// Torus around +y: ring radius `major`, tube radius `minor`.
static void prim_torus(builder *b, const xform *x, float major, float minor, int nu, int nv) {
    for (int i = 0; i < nu; i++)
        for (int j = 0; j < nv; j++) {
            float p[4][3], n[4][3];
            for (int k = 0; k < 4; k++) {
                int ii = i + (k == 1 || k == 2), jj = j + (k >= 2);
                float u = 2.0f * (float)M_PI * (float)ii / (float)nu;
                float v = 2.0f * (float)M_PI * (float)jj / (float)nv;
                n[k][0] = cosf(v) * cosf(u);
                n[k][1] = sinf(v);
                n[k][2] = cosf(v) * sinf(u);
                p[k][0] = (major + minor * cosf(v)) * cosf(u);
                p[k][1] = minor * sinf(v);
                p[k][2] = (major + minor * cosf(v)) * sinf(u);
            }
            quad(b, x, p[0], p[1], p[2], p[3], n[0], n[1], n[2], n[3]);
        }
}

// Helpers placing primitives in object space.
static void box(builder *b, float sx, float sy, float sz, float cx, float cy, float cz) {
    xform x = place(sx, sy, sz, NULL, cx, cy, cz);
    prim_box(b, &x);
}

static void rod(builder *b, float r, float x0, float y0, float z0, float x1, float y1, float z1) {
    float d[3] = {x1 - x0, y1 - y0, z1 - z0};
    float len = sqrtf(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    xform x = place(r, len, r, d, x0, y0, z0);
    prim_cylinder(b, &x, 20);
}

static void cone(builder *b, float r, float x0, float y0, float z0, float x1, float y1, float z1) {
    float d[3] = {x1 - x0, y1 - y0, z1 - z0};
    float len = sqrtf(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    xform x = place(r, len, r, d, x0, y0, z0);
    prim_cone(b, &x, 20);
}

static void ellipsoid(builder *b, float rx, float ry, float rz, float cx, float cy, float cz) {
    xform x = place(rx, ry, rz, NULL, cx, cy, cz);
    prim_sphere(b, &x, 24, 12);
}

// Torus whose axis points along `axis`.
static void ring(builder *b, float major, float minor, const float axis[3], float cx, float cy,
                 float cz) {
    xform x = place(1, 1, 1, axis, cx, cy, cz);
    prim_torus(b, &x, major, minor, 24, 10);
}

static void build_class(builder *b, int cls) {
    const float zaxis[3] = {0, 0, 1};
    switch (cls) {
    case 0: // teapot: body, lid and knob, spout on +x, handle on -x
        ellipsoid(b, 1.0f, 0.72f, 1.0f, 0, 0, 0);
        rod(b, 0.45f, 0, 0.6f, 0, 0, 0.74f, 0);
        ellipsoid(b, 0.13f, 0.13f, 0.13f, 0, 0.86f, 0);
        rod(b, 0.12f, 0.75f, -0.15f, 0, 1.45f, 0.55f, 0);
        ellipsoid(b, 0.12f, 0.12f, 0.12f, 1.45f, 0.55f, 0);
        ring(b, 0.4f, 0.085f, zaxis, -1.02f, 0.05f, 0);
        break;
    case 1: // hammer: handle with a grip, head with a flat face on +x and a claw on -x
        rod(b, 0.085f, 0, -1.1f, 0, 0, 0.6f, 0);
        rod(b, 0.11f, 0, -1.1f, 0, 0, -0.45f, 0);
        box(b, 1.1f, 0.28f, 0.28f, 0.1f, 0.7f, 0);
        rod(b, 0.17f, 0.62f, 0.7f, 0, 0.82f, 0.7f, 0);
        cone(b, 0.13f, -0.43f, 0.7f, 0, -0.95f, 0.38f, 0);
        break;
    case 2: // chair: seat, back on -z, four legs, one armrest on +x
        box(b, 1.0f, 0.12f, 1.0f, 0, 0, 0);
        box(b, 1.0f, 1.0f, 0.1f, 0, 0.56f, -0.45f);
        for (int i = 0; i < 4; i++) {
            float lx = (i & 1) ? 0.42f : -0.42f, lz = (i & 2) ? 0.42f : -0.42f;
            rod(b, 0.06f, lx, -0.9f, lz, lx, -0.05f, lz);
        }
        box(b, 0.1f, 0.08f, 0.8f, 0.45f, 0.38f, 0.0f);
        rod(b, 0.04f, 0.45f, 0.05f, 0.35f, 0.45f, 0.36f, 0.35f);
        break;
    case 3: // duck: body, neck and head on +x with a beak, tail up on -x
        ellipsoid(b, 1.0f, 0.55f, 0.65f, 0, 0, 0);
        rod(b, 0.2f, 0.5f, 0.15f, 0, 0.68f, 0.55f, 0);
        ellipsoid(b, 0.33f, 0.33f, 0.33f, 0.72f, 0.65f, 0);
        cone(b, 0.12f, 0.98f, 0.6f, 0, 1.38f, 0.52f, 0);
        cone(b, 0.25f, -0.8f, 0.1f, 0, -1.25f, 0.5f, 0);
        break;
    case 4: // polycube: five cubes, a chiral bent rod
        box(b, 0.98f, 0.98f, 0.98f, 0, 0, 0);
        box(b, 0.98f, 0.98f, 0.98f, 1, 0, 0);
        box(b, 0.98f, 0.98f, 0.98f, 2, 0, 0);
        box(b, 0.98f, 0.98f, 0.98f, 2, 1, 0);
        box(b, 0.98f, 0.98f, 0.98f, 2, 1, 1);
        break;
    case 5: // airplane: fuselage along x, nose on +x, wings, tail fin on top at -x
        rod(b, 0.17f, -1.1f, 0, 0, 0.8f, 0, 0);
        cone(b, 0.17f, 0.8f, 0, 0, 1.25f, 0, 0);
        cone(b, 0.17f, -1.1f, 0, 0, -1.45f, 0.12f, 0);
        box(b, 0.45f, 0.05f, 2.2f, 0.05f, -0.03f, 0);
        box(b, 0.25f, 0.04f, 0.8f, -1.2f, 0.05f, 0);
        box(b, 0.35f, 0.5f, 0.04f, -1.2f, 0.3f, 0);
        break;
    default: // 6, key: ring on -x, shaft, three teeth of different lengths below +x
        ring(b, 0.32f, 0.11f, zaxis, -0.85f, 0, 0);
        ellipsoid(b, 0.11f, 0.11f, 0.11f, -0.48f, 0, 0);
        rod(b, 0.1f, -0.53f, 0, 0, 1.0f, 0, 0);
        box(b, 0.14f, 0.3f, 0.12f, 0.55f, -0.2f, 0);
        box(b, 0.14f, 0.2f, 0.12f, 0.75f, -0.15f, 0);
        box(b, 0.12f, 0.36f, 0.12f, 0.93f, -0.22f, 0);
        break;
    }
}

int world_mesh_build(world_mesh *m, int cls) {
    memset(m, 0, sizeof *m);
    if (cls < 0 || cls >= WORLD_NCLASSES)
        return inv_fail(INV_EINVAL, "world: object class %d out of range [0, %d)", cls,
                        WORLD_NCLASSES);
    builder b = {m, 0};
    build_class(&b, cls);
    if (b.failed) {
        world_mesh_free(m);
        return inv_fail(INV_ENOMEM, "world: out of memory building the %s mesh", class_names[cls]);
    }
    // Centre on the bounding box, scale to the unit bounding sphere.
    float lo[3] = {1e30f, 1e30f, 1e30f}, hi[3] = {-1e30f, -1e30f, -1e30f};
    int64_t nc = (int64_t)m->ntri * 3;
    for (int64_t i = 0; i < nc; i++)
        for (int k = 0; k < 3; k++) {
            float v = m->pos[3 * i + k];
            if (v < lo[k]) lo[k] = v;
            if (v > hi[k]) hi[k] = v;
        }
    float c[3] = {0.5f * (lo[0] + hi[0]), 0.5f * (lo[1] + hi[1]), 0.5f * (lo[2] + hi[2])};
    float r2 = 0;
    for (int64_t i = 0; i < nc; i++) {
        float d2 = 0;
        for (int k = 0; k < 3; k++) {
            m->pos[3 * i + k] -= c[k];
            d2 += m->pos[3 * i + k] * m->pos[3 * i + k];
        }
        if (d2 > r2) r2 = d2;
    }
    float s = 1.0f / sqrtf(r2);
    for (int64_t i = 0; i < 3 * nc; i++) m->pos[i] *= s;
    // Keypoints: the mesh corner furthest along each of the eight diagonal directions, among
    // the corners at least 0.2 from the keypoints already chosen (so that no two coincide).
    for (int k = 0; k < WORLD_NKEYPOINTS; k++) {
        float d[3] = {(k & 1) ? 1.0f : -1.0f, (k & 2) ? 1.0f : -1.0f, (k & 4) ? 1.0f : -1.0f};
        float best = -1e30f;
        for (int64_t i = 0; i < nc; i++) {
            const float *p = m->pos + 3 * i;
            float v = p[0] * d[0] + p[1] * d[1] + p[2] * d[2];
            if (v <= best) continue;
            int near = 0;
            for (int j = 0; j < k && !near; j++) {
                const float *q = m->keypoints[j];
                float e = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                          (p[2] - q[2]) * (p[2] - q[2]);
                near = e < 0.04f;
            }
            if (near) continue;
            best = v;
            memcpy(m->keypoints[k], p, 3 * sizeof(float));
        }
    }
    return INV_OK;
}

void world_mesh_free(world_mesh *m) {
    free(m->pos);
    free(m->nrm);
    memset(m, 0, sizeof *m);
}
