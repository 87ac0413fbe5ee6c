// policy.h: augmentation policies: an ordered list of torchvision-style operations with their
// parameters and probabilities, ending in ToTensor + Normalize. The paper's three policies
// (Appendix A: default = MoCo-v2, spatial, appearance) are built in by name; any other policy is
// read from a small text file (one operation per line, see policy_parse).
#ifndef INVAR_IMAGE_POLICY_H
#define INVAR_IMAGE_POLICY_H

#include "image/resample.h"

#include <stddef.h>

typedef enum {
    AUG_RESIZED_CROP,  // RandomResizedCrop(size, scale, ratio, interpolation)
    AUG_RESIZE,        // Resize(size): shorter side
    AUG_CENTER_CROP,   // CenterCrop(size)
    AUG_HFLIP,         // RandomHorizontalFlip(p)
    AUG_VFLIP,         // RandomVerticalFlip(p)
    AUG_COLOR_JITTER,  // RandomApply([ColorJitter(b, c, s, h)], p)
    AUG_GRAYSCALE,     // RandomGrayscale(p)
    AUG_GAUSSIAN_BLUR, // RandomApply([moco.loader.GaussianBlur(sigma)], p): PIL radius = sigma
    AUG_OP_COUNT
} aug_op_kind;

enum { AUG_MAX_OPS = 16, AUG_MAX_SIZE = 4096 };

typedef struct {
    aug_op_kind kind;
    double p;               // probability that the op fires (1 for the deterministic ops)
    int size;               // resized_crop, resize, center_crop: output size (square crops)
    double scale[2];        // resized_crop: area fraction range
    double ratio[2];        // resized_crop: aspect ratio (width / height) range
    double range[4][2];     // color_jitter: brightness, contrast, saturation factors; hue shift
    int active[4];          // color_jitter: which of the four are on (torchvision's None = off)
    double sigma[2];        // gaussian_blur: sigma (PIL radius) range
    resample_filter filter; // resized_crop, resize: bilinear (default) or bicubic
} aug_op;

typedef struct {
    char name[64];
    int nops;
    aug_op ops[AUG_MAX_OPS];
    int out_size;          // final square output size (set by policy_validate)
    float mean[3], std[3]; // Normalize (ImageNet by default)
} aug_policy;

// "random_resized_crop", "resize", ... (the names policy files use).
const char *aug_op_name(aug_op_kind kind);
// The built-in policies: "default" (MoCo-v2), "spatial", "appearance". INV_EINVAL otherwise.
int policy_builtin(const char *name, aug_policy *p);
// Parses a policy file's text. Format, one operation per line, '#' starts a comment:
//   random_resized_crop size=224 scale=0.2,1 ratio=0.75,1.3333333 interpolation=bilinear
//   resize size=256            center_crop size=224
//   color_jitter brightness=0.4 contrast=0.4 saturation=0.4 hue=0.1 p=0.8
//   grayscale p=0.2            gaussian_blur sigma=0.1,2 p=0.5
//   hflip p=0.5                vflip p=0.5
//   normalize mean=0.485,0.456,0.406 std=0.229,0.224,0.225
// Jitter values: v means [max(0, 1 - v), 1 + v] (hue: [-v, v]); "lo,hi" gives the range.
// Errors name `source`, the line and the problem.
int policy_parse(const char *text, const char *source, aug_policy *p);
// A built-in name, or else a policy file's path.
int policy_load(const char *name_or_path, aug_policy *p);
// Checks ranges and that the policy ends in a fixed square size; sets out_size.
int policy_validate(aug_policy *p, const char *source);
// Sets the output size of every crop and resize to `size` (a model trained at 32 px: its views
// at 32 px); call before policy_validate. INV_EINVAL when the policy has none.
int policy_set_size(aug_policy *p, int size);
// Writes the policy in the file format (parseable by policy_parse). Returns chars needed.
size_t policy_format(const aug_policy *p, char *buf, size_t size);

#endif
