// manifest.h: lists of images on disk with their labels or targets: a CSV manifest
// (path,label or path,t1,...,tk; optional header; paths relative to the CSV's folder) or an
// image folder (root/CLASS/*.{jpg,jpeg,png}, classes sorted by name as torchvision's
// ImageFolder). Labels may be integers or class names (names are sorted and numbered).
// CSV rules: quoted fields ("a,b", "" for a quote), CRLF, blank lines and #-lines skipped; line 1
// is a header when its 2nd field is not a number while every other line's is, or when its 1st
// field is a usual column name (path, file, filename, image, img, filepath, file_name,
// image_path). Two columns of integers >= 0 are labels; two columns of numbers not all integers
// are one regression target (k = 1); 3+ columns are targets (finite float32). Image folders walk
// each class folder recursively (links followed) and refuse torchvision's other extensions
// (.bmp, .ppm, .pgm, .tif, .tiff, .webp), which invar cannot decode.
#ifndef INVAR_DATA_MANIFEST_H
#define INVAR_DATA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t n;          // entries
    char **paths;       // n resolved paths
    int32_t *labels;    // n labels (NULL for a regression manifest)
    int k;              // targets per entry (0 for a labelled manifest)
    float *targets;     // n * k
    char **class_names; // nclasses names when labels came from names or folders, else NULL
    int nclasses;
} manifest;

int manifest_read_csv(const char *csv_path, manifest *m);
// Parses CSV text (for the fuzzer and tests); `name` for messages, `base_dir` to resolve paths.
int manifest_parse_csv(const char *text, size_t len, const char *name, const char *base_dir,
                       manifest *m);
int manifest_scan_folder(const char *root, manifest *m);
void manifest_free(manifest *m);

#endif
