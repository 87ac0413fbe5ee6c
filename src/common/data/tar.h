// tar.h: the regular-file members of an uncompressed tar archive (POSIX ustar, GNU long names
// and base-256 sizes, pax headers skipped), e.g. ImageNet's ILSVRC2012_img_val.tar, so images
// can be decoded straight from it. Every header's checksum, size and position are checked
// against the archive's length before they are used.
#ifndef INVAR_DATA_TAR_H
#define INVAR_DATA_TAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *name;     // path inside the archive
    int64_t offset; // of the member's bytes
    int64_t size;
} tar_member;

// Lists an archive held in memory (the fuzzer) or on disk; *m is malloc'd (tar_free).
int tar_list_memory(const uint8_t *bytes, size_t len, const char *name, tar_member **m, size_t *n);
int tar_list_file(const char *path, tar_member **m, size_t *n);
void tar_free(tar_member *m, size_t n);
// Reads member bytes [offset, offset + size) of the archive at path into a malloc'd buffer.
int tar_read_member(const char *path, const tar_member *m, uint8_t **bytes);

#endif
