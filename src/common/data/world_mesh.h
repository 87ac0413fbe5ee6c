// world_mesh.h: the object classes of the embedded world as triangle meshes, built
// procedurally from primitives (boxes, cylinders, cones, spheres, tori), each asymmetric so
// that its pose can be read from the image; and each class's fixed keypoints.
#ifndef INVAR_DATA_WORLD_MESH_H
#define INVAR_DATA_WORLD_MESH_H

enum {
    WORLD_NCLASSES = 7,   // teapot, hammer, chair, duck, polycube, airplane, key
    WORLD_NKEYPOINTS = 8, // keypoints per class (target(n, 2 * WORLD_NKEYPOINTS))
};

// A triangle soup with per-corner normals. Object coordinates: y up, centred on the bounding
// box centre and scaled so that the bounding sphere (about that centre) has radius 1.
typedef struct {
    int ntri;
    int cap;
    float *pos;                           // (ntri, 3 corners, 3) positions
    float *nrm;                           // (ntri, 3 corners, 3) unit normals
    float keypoints[WORLD_NKEYPOINTS][3]; // fixed surface points (mesh corners), object coords
} world_mesh;

// Builds the mesh of class `cls` (0 .. WORLD_NCLASSES-1). Returns an inv_code.
int world_mesh_build(world_mesh *m, int cls);
void world_mesh_free(world_mesh *m);
// "teapot", "hammer" ...; NULL outside the range.
const char *world_class_name(int cls);

#endif
