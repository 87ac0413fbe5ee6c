// world_scene.c: the mapping from the embedded world's ten raw latents to scene units (object
// pose and colour, spotlight, backdrop, camera and lights), the colour helpers it uses (HSV,
// sRGB decoding, black-body tint), and the text of that mapping for the shards' attributes.
#include "data/world_scene.h"

#include <math.h>
#include <string.h>

static const char mapping_text[] =
    "latent(n,10) raw in [-1,1], Causal3DIdent order; scene units (object bounding radius 1): "
    "x = 0.8*raw (right), y = 0.8*raw (up), z = 1.0*raw (towards the camera); "
    "alpha, beta, gamma = pi*raw radians, object->world rotation R = Ry(gamma) Rx(beta) "
    "Rz(alpha) (gamma turns about the vertical axis: the turntable); "
    "spot_angle: phi = (pi/2)*raw, spotlight at object + 3.5*(sin phi, cos phi, 0.6) aimed "
    "at the object, cone 14 deg full / 30 deg zero; hues: h = (raw+1)/2 of the HSV circle: "
    "object HSV(h, 0.75, 0.9), spotlight HSV(h, 0.6, 1), backdrop HSV(h, 0.55, 0.75); "
    "camera at (0, 0, 7) looking at the origin, vertical field of view 30 deg; white key light "
    "from the upper left front and ambient light, 6500 K unless a group changes it";

static const char names_text[] =
    "x,y,z,alpha,beta,gamma,spot_angle,object_hue,spot_hue,background_hue";

const char *world_latent_mapping(void) {
    return mapping_text;
}
const char *world_latent_names(void) {
    return names_text;
}

float world_angle(float raw) {
    return (float)M_PI * raw;
}

float world_hue(float raw) {
    float h = 0.5f * (raw + 1.0f);
    h -= floorf(h);
    return h;
}

static float srgb_decode(float c) {
    return c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
}

void world_hsv_to_linear(float h, float s, float v, float rgb[3]) {
    float h6 = (h - floorf(h)) * 6.0f;
    int i = (int)h6;
    if (i > 5) i = 5;
    float f = h6 - (float)i;
    float p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    float r, g, b;
    switch (i) {
    case 0:
        r = v, g = t, b = p;
        break;
    case 1:
        r = q, g = v, b = p;
        break;
    case 2:
        r = p, g = v, b = t;
        break;
    case 3:
        r = p, g = q, b = v;
        break;
    case 4:
        r = t, g = p, b = v;
        break;
    default:
        r = v, g = p, b = q;
        break;
    }
    rgb[0] = srgb_decode(r);
    rgb[1] = srgb_decode(g);
    rgb[2] = srgb_decode(b);
}

// Tanner Helland's fit of the black-body colour (sRGB, 0..1), decoded to linear.
static void blackbody_srgb(float kelvin, float rgb[3]) {
    float t = kelvin / 100.0f;
    float r, g, b;
    if (t <= 66) {
        r = 255;
        g = 99.4708025861f * logf(t) - 161.1195681661f;
        b = t <= 19 ? 0 : 138.5177312231f * logf(t - 10) - 305.0447927307f;
    } else {
        r = 329.698727446f * powf(t - 60, -0.1332047592f);
        g = 288.1221695283f * powf(t - 60, -0.0755148492f);
        b = 255;
    }
    float c[3] = {r, g, b};
    for (int k = 0; k < 3; k++) {
        float v = c[k] / 255.0f;
        v = v < 0 ? 0 : (v > 1 ? 1 : v);
        rgb[k] = srgb_decode(v);
    }
}

void world_temperature_rgb(float kelvin, float rgb[3]) {
    float ref[3], c[3];
    blackbody_srgb(6500.0f, ref);
    blackbody_srgb(kelvin, c);
    // Normalise to the 6500 K white, then keep the luminance at 1.
    for (int k = 0; k < 3; k++) c[k] /= ref[k];
    float lum = 0.2126f * c[0] + 0.7152f * c[1] + 0.0722f * c[2];
    for (int k = 0; k < 3; k++) rgb[k] = c[k] / lum;
}

static void normalize3(float v[3]) {
    float l = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (l > 0) {
        v[0] /= l;
        v[1] /= l;
        v[2] /= l;
    }
}

static void mat3_mul(const float *a, const float *b, float *out) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

void world_scene_from_latents(const float latent[WORLD_NLATENTS], int cls,
                              const world_extras *extras, world_scene *sc) {
    world_extras none = {0, 0, {0, 0, 0}};
    if (!extras) extras = &none;
    memset(sc, 0, sizeof *sc);
    sc->cls = cls;
    sc->obj_pos[0] = WORLD_POS_XY * latent[WL_X];
    sc->obj_pos[1] = WORLD_POS_XY * latent[WL_Y];
    sc->obj_pos[2] = WORLD_POS_Z * latent[WL_Z];

    float a = world_angle(latent[WL_ALPHA]), b = world_angle(latent[WL_BETA]),
          g = world_angle(latent[WL_GAMMA]);
    float rz[9] = {cosf(a), -sinf(a), 0, sinf(a), cosf(a), 0, 0, 0, 1};
    float rx[9] = {1, 0, 0, 0, cosf(b), -sinf(b), 0, sinf(b), cosf(b)};
    float ry[9] = {cosf(g), 0, sinf(g), 0, 1, 0, -sinf(g), 0, cosf(g)};
    float t[9];
    mat3_mul(rx, rz, t);
    mat3_mul(ry, t, sc->obj_rot);

    world_hsv_to_linear(world_hue(latent[WL_OBJ_HUE]), 0.75f, 0.9f, sc->obj_albedo);

    // Camera (parallel shift by the extras' offset: stereo baselines and camera motion).
    const float *o = extras->cam_offset;
    sc->eye[0] = o[0];
    sc->eye[1] = o[1];
    sc->eye[2] = WORLD_CAM_DIST + o[2];
    sc->look[0] = o[0];
    sc->look[1] = o[1];
    sc->look[2] = o[2];
    sc->up[1] = 1;
    sc->fov_y = WORLD_FOV_Y_DEG * (float)M_PI / 180.0f;

    // Spotlight on a half circle above the object, tilted towards the camera, aimed at it.
    float phi = 0.5f * (float)M_PI * latent[WL_SPOT_ANGLE];
    float off[3] = {sinf(phi), cosf(phi), 0.6f};
    for (int k = 0; k < 3; k++) {
        sc->spot_pos[k] = sc->obj_pos[k] + WORLD_SPOT_DIST * off[k];
        sc->spot_dir[k] = -off[k];
    }
    normalize3(sc->spot_dir);
    sc->spot_cos_inner = cosf(14.0f * (float)M_PI / 180.0f);
    sc->spot_cos_outer = cosf(30.0f * (float)M_PI / 180.0f);
    float spot[3];
    world_hsv_to_linear(world_hue(latent[WL_SPOT_HUE]), 0.6f, 1.0f, spot);
    for (int k = 0; k < 3; k++) sc->spot_rgb[k] = 1.4f * spot[k];

    // White lights, tinted by the colour temperature.
    float tint[3] = {1, 1, 1};
    if (extras->temperature_k > 0) world_temperature_rgb(extras->temperature_k, tint);
    float key[3] = {-0.45f, 0.6f, 0.65f};
    normalize3(key);
    memcpy(sc->key_dir, key, sizeof key);
    for (int k = 0; k < 3; k++) {
        sc->key_rgb[k] = 0.35f * tint[k];
        sc->amb_rgb[k] = 0.2f * tint[k];
    }
    float bg[3];
    world_hsv_to_linear(world_hue(latent[WL_BG_HUE]), 0.55f, 0.75f, bg);
    for (int k = 0; k < 3; k++) sc->bg_rgb[k] = bg[k] * tint[k];
    sc->gain = exp2f(extras->exposure_ev);
}
