// world_preview.h: the embedded world's contact sheet: one labelled row of samples per data
// set and group, captions with each sample's class, label or group factor, and keypoints drawn
// on the keypoint set, so that a person can see what the world looks like.
#ifndef INVAR_DATA_WORLD_PREVIEW_H
#define INVAR_DATA_WORLD_PREVIEW_H

#include "data/world_sets.h"
#include "io/image.h"

enum { WORLD_PREVIEW_COLUMNS = 12 };

// Renders the sheet into sheet (RGB, data malloc'd; free with world_preview_free). The samples
// are the sets' first examples (every 6th step of the first turntable group for viewpoint),
// the same pixels as in the shards, shown at 64..112 pixels. Returns an inv_code.
int world_preview_build(const world_model *model, const world_config *cfg, image_u8 *sheet);
void world_preview_free(image_u8 *sheet);

#endif
