// import_synthetic.c: the synthetic-invariance image sets and the generic layouts:
//   imagenet-val  val/<wnid>/*.JPEG (ImageFolder), or the flat ILSVRC2012_img_val folder with
//                 the devkit's data/ILSVRC2012_validation_ground_truth.txt and data/meta.mat
//                 (sorted into ImageFolder order: wnid, then file name); official sample 1000
//   coco          val2017/*.jpg (flat, sorted) or one dummy class folder; official sample 100
//   inat          val/<category>/*.jpg (ImageFolder); official sample 100
//   folder        CLASS/*.jpg (ImageFolder), manifest: a CSV (data/manifest.h)
#include "data/import.h"

#include "core/error.h"
#include "data/mat.h"
#include "data/tar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Moves a manifest into the set (labels or targets as listed).
static int from_manifest(import_set *s, manifest *m, int keep_labels) {
    s->list = *m;
    memset(m, 0, sizeof *m);
    s->cap = s->list.n;
    if (!keep_labels) {
        free(s->list.labels);
        s->list.labels = NULL;
    }
    return INV_OK;
}

static int flat_files(import_set *s, const char *src, size_t *nfound) {
    char **names = NULL;
    size_t n = 0;
    INV_TRY(import_list_dir(src, 'f', &names, &n));
    int rc = import_begin(s, 0, 0, 0, 0);
    for (size_t i = 0; !rc && i < n; i++) {
        char *p = import_join(src, names[i]);
        rc = p ? import_push(s, p, 0, 0, NULL, NULL) : inv_fail(INV_ENOMEM, "out of memory");
        free(p);
    }
    import_free_names(names, n);
    *nfound = n;
    return rc;
}

typedef struct {
    char *name;
    int32_t label;
    int64_t offset, size; // inside the tar archive
} val_entry;

static int cmp_val(const void *a, const void *b) {
    const val_entry *x = a, *y = b;
    if (x->label != y->label) return x->label < y->label ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_wnid(const void *a, const void *b) {
    return strcmp((const char *)a, (const char *)b);
}

// The flat val folder + devkit, put into ImageFolder order.
static int imagenet_flat(import_set *s, const char *src, const import_options *o) {
    char *devkit = o->devkit ? strdup(o->devkit) : NULL;
    if (!devkit) {
        const char *cands[] = {"ILSVRC2012_devkit_t12", "../ILSVRC2012_devkit_t12"};
        for (int i = 0; i < 2 && !devkit; i++) {
            char *d = import_join(src, cands[i]);
            if (d && import_is_dir(d))
                devkit = d;
            else
                free(d);
        }
    }
    if (!devkit)
        return inv_fail(INV_EFORMAT,
                        "%s: a flat ImageNet val folder needs the devkit's labels: give --devkit "
                        "ILSVRC2012_devkit_t12 (or put the val images in val/<wnid>/ folders)",
                        src);
    char *gt = import_join(devkit, "data/ILSVRC2012_validation_ground_truth.txt");
    char *meta = import_join(devkit, "data/meta.mat");
    char *text = NULL, **names = NULL;
    size_t len = 0, n = 0;
    int64_t nsyn = 0, *ids = NULL, *children = NULL, *line_ids = NULL;
    char *wnids = NULL, (*leaves)[64] = NULL;
    val_entry *ent = NULL;
    int nleaves = 0;
    int rc = (!gt || !meta) ? inv_fail(INV_ENOMEM, "out of memory") : INV_OK;
    if (!rc && !import_is_file(gt)) rc = inv_fail(INV_EIO, "%s: label file missing", gt);
    if (!rc && !import_is_file(meta)) rc = inv_fail(INV_EIO, "%s: label file missing", meta);
    if (!rc) rc = import_read_text(gt, &text, &len);
    if (!rc)
        rc = mat_read_struct_fields(meta, "synsets", "ILSVRC2012_ID", "num_children", "WNID", &nsyn,
                                    &ids, &children, &wnids);
    // ILSVRC2012_ID -> leaf index in sorted-WNID order.
    int32_t *id_label = rc ? NULL : calloc((size_t)nsyn + 2, sizeof(int32_t));
    if (!rc && !id_label) rc = inv_fail(INV_ENOMEM, "out of memory");
    if (!rc) {
        leaves = malloc(64 * (size_t)(nsyn ? nsyn : 1));
        if (!leaves) rc = inv_fail(INV_ENOMEM, "out of memory");
        for (int64_t i = 0; !rc && i < nsyn; i++)
            if (children[i] == 0) memcpy(leaves[nleaves++], wnids + i * 64, 64);
        if (!rc) qsort(leaves, (size_t)nleaves, 64, cmp_wnid);
        for (int64_t i = 0; !rc && i < nsyn; i++) {
            if (ids[i] < 1 || ids[i] > nsyn) {
                rc = inv_fail(INV_EFORMAT, "%s: synset %lld has ILSVRC2012_ID %lld", meta,
                              (long long)i, (long long)ids[i]);
                break;
            }
            id_label[ids[i]] = -1;
            if (children[i] != 0) continue;
            char(*hit)[64] = bsearch(wnids + i * 64, leaves, (size_t)nleaves, 64, cmp_wnid);
            id_label[ids[i]] = (int32_t)(hit - leaves);
        }
    }
    // Ground truth: line k = ILSVRC2012_ID of image k (1-based).
    int64_t nlines = 0;
    if (!rc) {
        line_ids = malloc(sizeof(int64_t) * (len / 2 + 2));
        if (!line_ids) rc = inv_fail(INV_ENOMEM, "out of memory");
        for (char *p = text; !rc && *p;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p) {
                while (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t') p++;
                if (*p)
                    rc = inv_fail(INV_EFORMAT, "%s: line %lld is not an ILSVRC2012_ID", gt,
                                  (long long)nlines + 1);
                break;
            }
            if (v < 1 || v > nsyn || id_label[v] < 0)
                rc =
                    inv_fail(INV_EFORMAT, "%s: line %lld: %ld is not the ID of a leaf synset of %s",
                             gt, (long long)nlines + 1, v, meta);
            line_ids[nlines++] = v;
            p = end;
        }
    }
    int archive = import_is_file(src);
    tar_member *members = NULL;
    if (!rc && archive) {
        rc = tar_list_file(src, &members, &n);
        names = rc ? NULL : calloc(n ? n : 1, sizeof *names);
        if (!rc && !names) rc = inv_fail(INV_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) { // names move to `names`, positions stay
            names[i] = members[i].name;
            members[i].name = NULL;
        }
    } else if (!rc)
        rc = import_list_dir(src, 'f', &names, &n);
    if (!rc) {
        ent = calloc(n ? n : 1, sizeof *ent);
        if (!ent) rc = inv_fail(INV_ENOMEM, "out of memory");
    }
    size_t kept = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned long k = 0;
        char tail[16];
        const char *base = strrchr(names[i], '/') ? strrchr(names[i], '/') + 1 : names[i];
        if (archive && !strstr(base, ".JPEG")) continue; // e.g. a directory entry's files
        if (sscanf(base, "ILSVRC2012_val_%8lu.%15s", &k, tail) != 2 || k < 1) {
            rc = inv_fail(INV_EFORMAT, "%s/%s: not an ILSVRC2012_val_NNNNNNNN.JPEG name", src,
                          names[i]);
            break;
        }
        if ((int64_t)k > nlines) {
            rc = inv_fail(INV_EFORMAT, "%s/%s: image %lu but %s has %lld lines", src, names[i], k,
                          gt, (long long)nlines);
            break;
        }
        ent[kept].name = names[i];
        ent[kept].label = id_label[line_ids[k - 1]];
        ent[kept].offset = archive ? members[i].offset : 0;
        ent[kept++].size = archive ? members[i].size : 0;
    }
    if (!rc) qsort(ent, kept, sizeof *ent, cmp_val);
    if (!rc) rc = import_begin(s, 1, 0, 0, 0);
    for (size_t i = 0; !rc && i < kept; i++) {
        char *p = archive ? strdup(ent[i].name) : import_join(src, ent[i].name);
        rc = p ? import_push(s, p, ent[i].label, 0, NULL, NULL) : inv_fail(INV_ENOMEM, "oom");
        free(p);
    }
    if (!rc && archive) {
        s->archive = strdup(src);
        s->member_offset = malloc(sizeof(int64_t) * (kept ? kept : 1));
        s->member_size = malloc(sizeof(int64_t) * (kept ? kept : 1));
        if (!s->archive || !s->member_offset || !s->member_size)
            rc = inv_fail(INV_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < kept; i++) {
            s->member_offset[i] = ent[i].offset;
            s->member_size[i] = ent[i].size;
        }
    }
    if (!rc) {
        s->list.class_names = calloc((size_t)(nleaves ? nleaves : 1), sizeof(char *));
        if (!s->list.class_names) rc = inv_fail(INV_ENOMEM, "out of memory");
        for (int c = 0; !rc && c < nleaves; c++) {
            s->list.class_names[c] = strdup(leaves[c]);
            s->list.nclasses = c + 1;
            if (!s->list.class_names[c]) rc = inv_fail(INV_ENOMEM, "out of memory");
        }
    }
    if (!rc)
        rc = import_attr(s, "labels", "%s + %s (sorted-WNID index of the leaf synsets)", gt, meta);
    free(ent);
    import_free_names(names, n);
    tar_free(members, n);
    free(line_ids);
    free(id_label);
    free(leaves);
    free(ids);
    free(children);
    free(wnids);
    free(text);
    free(gt);
    free(meta);
    free(devkit);
    return rc;
}

int import_open_synthetic(const char *kind, const char *src, const import_options *o,
                          import_set *s) {
    manifest m;
    if (strcmp(kind, "folder") == 0 || strcmp(kind, "manifest") == 0) {
        if (o->sample || o->split)
            return inv_fail(INV_EINVAL, "--sample/--split do not apply to %s imports", kind);
        INV_TRY(strcmp(kind, "folder") == 0 ? manifest_scan_folder(src, &m)
                                            : manifest_read_csv(src, &m));
        return from_manifest(s, &m, 1);
    }
    if (strcmp(kind, "imagenet-val") == 0 && import_is_file(src)) { // ILSVRC2012_img_val.tar
        int rc = imagenet_flat(s, src, o);
        if (!rc) rc = import_attr(s, "layout", "ILSVRC2012_img_val.tar + devkit");
        if (!rc && o->split) rc = inv_fail(INV_EINVAL, "--split does not apply to %s", kind);
        if (!rc) rc = import_sample(s, o, 1000);
        return rc;
    }
    if (!import_is_dir(src)) return inv_fail(INV_EIO, "%s: no such folder", src);
    char **dirs = NULL;
    size_t nd = 0, nf = 0;
    INV_TRY(import_list_dir(src, 'd', &dirs, &nd));
    int rc = INV_OK;
    int64_t official = 100;
    if (strcmp(kind, "imagenet-val") == 0) {
        official = 1000;
        int flat = 0;
        char **files = NULL;
        rc = import_list_dir(src, 'f', &files, &nf);
        flat = nf > 0;
        import_free_names(files, nf);
        if (!rc) rc = flat ? imagenet_flat(s, src, o) : manifest_scan_folder(src, &m);
        if (!rc && !flat) rc = from_manifest(s, &m, 1);
        if (!rc)
            rc = import_attr(s, "layout", "%s",
                             flat ? "flat val folder + devkit" : "val/<wnid>/ (ImageFolder)");
    } else if (strcmp(kind, "coco") == 0) {
        rc = flat_files(s, src, &nf);
        if (!rc && nf == 0) {
            manifest_free(&s->list);
            s->cap = 0;
            rc = manifest_scan_folder(src, &m);
            if (!rc) rc = from_manifest(s, &m, 0);
        }
        if (!rc)
            rc = import_attr(s, "layout", "%s",
                             nf ? "val2017/*.jpg, sorted by name"
                                : "ImageFolder (dummy class folders), labels dropped");
    } else if (strcmp(kind, "inat") == 0) {
        rc = manifest_scan_folder(src, &m);
        if (!rc) rc = from_manifest(s, &m, 1);
    } else
        rc = inv_fail(INV_EINVAL, "import_open_synthetic: unknown kind %s", kind);
    import_free_names(dirs, nd);
    if (!rc && o->split) rc = inv_fail(INV_EINVAL, "--split does not apply to %s", kind);
    if (!rc) rc = import_sample(s, o, official);
    return rc;
}
