// campaign_config.h: the campaign's INI file as a checked key store. Reads the file with inih,
// follows `include = FILE` in [campaign] (the included file first, this file's keys override
// it), and rejects unknown sections and keys with the file and line. Sections are "KIND" or
// "KIND ID" (model, baseline, fusion, grid, slurm STAGE); values are raw strings.
#ifndef INVAR_REPORT_CAMPAIGN_CONFIG_H
#define INVAR_REPORT_CAMPAIGN_CONFIG_H

#include <stddef.h>

typedef struct {
    char *kind;   // "campaign", "model", ...
    char *id;     // "" for sections without an id
    char *key;    // "epochs", "policy.color_jitter.brightness" ...
    char *value;  // as written, surrounding blanks trimmed
    char *source; // "FILE:LINE" where it was set
} config_entry;

typedef struct {
    config_entry *entries;
    int n, cap;
    char **section_order; // "kind\tid" in first-appearance order (models keep their file order)
    int nsections, section_cap;
} campaign_config;

// Loads PATH (and its includes, depth <= 8). INV_EINVAL/INV_EIO with "FILE:LINE: ..." messages.
int config_load(campaign_config *c, const char *path);
void config_free(campaign_config *c);

// The value of kind/id/key, or NULL. The last assignment wins.
const char *config_get(const campaign_config *c, const char *kind, const char *id, const char *key);
const char *config_source(const campaign_config *c, const char *kind, const char *id,
                          const char *key);
// Typed look-ups with a default; INV_EINVAL naming the key's FILE:LINE on a bad value.
int config_get_int(const campaign_config *c, const char *kind, const char *id, const char *key,
                   long dflt, long min, long max, long *out);
int config_get_double(const campaign_config *c, const char *kind, const char *id, const char *key,
                      double dflt, double *out);
int config_get_bool(const campaign_config *c, const char *kind, const char *id, const char *key,
                    int dflt, int *out);
// The ids of every section of `kind`, in file order. *ids[i] point into the config.
int config_section_ids(const campaign_config *c, const char *kind, const char **ids, int max);
// Every key set in kind/id (file order, overrides collapsed), for grid sections.
int config_section_keys(const campaign_config *c, const char *kind, const char *id,
                        const config_entry **keys, int max);

// Splits a comma (or `sep`) separated list into trimmed items written into `buf`.
// Returns the count (at most max), or -1 when an item is empty.
int config_split(const char *text, char sep, char *buf, size_t bufsize, char **items, int max);

#endif
