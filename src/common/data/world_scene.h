// world_scene.h: the embedded world's ten latents (Causal3DIdent order, raw in [-1, 1]) and
// their documented mapping to a scene: object pose and colour, camera, a coloured spotlight,
// white key and ambient light, and a coloured backdrop; plus the scene changes that the
// real-world groups make (exposure, light colour temperature, camera offset).
#ifndef INVAR_DATA_WORLD_SCENE_H
#define INVAR_DATA_WORLD_SCENE_H

enum {
    WORLD_NLATENTS = 10,
    WL_X = 0,          // object position x (right)
    WL_Y = 1,          // object position y (up)
    WL_Z = 2,          // object position z (towards the camera)
    WL_ALPHA = 3,      // rotation about the object's z axis (applied first)
    WL_BETA = 4,       // rotation about the world x axis (second)
    WL_GAMMA = 5,      // rotation about the world vertical y axis (last: the turntable)
    WL_SPOT_ANGLE = 6, // spotlight position on a half circle above the object
    WL_OBJ_HUE = 7,
    WL_SPOT_HUE = 8,
    WL_BG_HUE = 9,
};

// Scene units of the mapping (also written into every shard's `latent_mapping` attribute).
#define WORLD_POS_XY    0.8f  // x, y: raw * 0.8 units (the object's bounding radius is 1)
#define WORLD_POS_Z     1.0f  // z: raw * 1.0 units towards the camera
#define WORLD_CAM_DIST  7.0f  // camera on +z looking at the origin
#define WORLD_FOV_Y_DEG 30.0f // vertical field of view
#define WORLD_SPOT_DIST 3.5f  // spotlight distance from the object in its half circle

// Scene changes beyond the latents, made by the real-world groups (zero = the plain world).
typedef struct {
    float exposure_ev;   // camera exposure in stops (gain 2^ev)
    float temperature_k; // colour temperature of the white lights; 0 means 6500 K (neutral)
    float cam_offset[3]; // camera translation in camera axes (right, up, back), units
} world_extras;

typedef struct {
    int cls;
    float obj_pos[3];
    float obj_rot[9];    // object -> world rotation, row-major
    float obj_albedo[3]; // linear RGB
    float eye[3], look[3], up[3];
    float fov_y; // radians
    float spot_pos[3], spot_dir[3], spot_rgb[3];
    float spot_cos_inner, spot_cos_outer; // full intensity inside, none outside the cone
    float key_dir[3];                     // unit vector towards the key light
    float key_rgb[3], amb_rgb[3];
    float bg_rgb[3]; // linear backdrop radiance before exposure
    float gain;      // exposure gain applied to all radiance
} world_scene;

// latent: 10 raw values in [-1, 1]; cls: object class; extras may be NULL.
void world_scene_from_latents(const float latent[WORLD_NLATENTS], int cls,
                              const world_extras *extras, world_scene *sc);
// The mapping in words, for the shards' attributes.
const char *world_latent_mapping(void);
const char *world_latent_names(void); // "x,y,z,alpha,beta,gamma,spot_angle,..."
// Rotation angle in radians of a raw rotation latent (pi * raw).
float world_angle(float raw);
// HSV (h in [0, 1), s, v in [0, 1]) to linear RGB (sRGB primaries, decoded).
void world_hsv_to_linear(float h, float s, float v, float rgb[3]);
// Hue in [0, 1) of a raw hue latent: (raw + 1) / 2, wrapped.
float world_hue(float raw);
// RGB tint of a black body at `kelvin`, normalised so 6500 K gives (1, 1, 1).
void world_temperature_rgb(float kelvin, float rgb[3]);

#endif
