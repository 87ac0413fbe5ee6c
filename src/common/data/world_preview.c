// world_preview.c: lays out and renders the embedded world's contact sheet: a title, then per
// data set a label column and a row of captioned samples (group changes marked by a wider gap,
// keypoints marked on the keypoint set), drawn with the built-in bitmap font.
#include "data/world_preview.h"

#include "core/error.h"
#include "data/bitmap_font.h"
#include "data/world_render.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LABEL_W = 104, GAP = 4, GROUP_GAP = 5, CAPTION_H = 11, ROW_GAP = 7, TITLE_H = 26 };

static const uint8_t bg_colour[3] = {34, 36, 40}, text_colour[3] = {235, 235, 235},
                     dim_colour[3] = {150, 155, 165};
static const uint8_t kp_colours[WORLD_NKEYPOINTS][3] = {
    {255, 60, 60}, {255, 170, 0},  {255, 255, 60}, {60, 230, 60},
    {0, 220, 255}, {70, 110, 255}, {200, 80, 255}, {255, 255, 255},
};

void world_preview_free(image_u8 *sheet) {
    free(sheet->data);
    sheet->data = NULL;
}

static int64_t cell_index(int id, int col) {
    return id == WS_VIEWPOINT ? 6 * col : col;
}

static int cells_in_row(const world_config *cfg, int id) {
    int64_t n = world_set_images(cfg, id), c = 0;
    while (c < WORLD_PREVIEW_COLUMNS && cell_index(id, (int)c) < n) c++;
    return (int)c;
}

static void caption(const world_config *cfg, int id, const world_example *ex, char *buf,
                    size_t size) {
    switch (id) {
    case WS_COLOUR:
        snprintf(buf, size, "bin %d", ex->label);
        break;
    case WS_VIEWPOINT:
        snprintf(buf, size, "%.0f deg", ex->target[0]);
        break;
    case WS_ILLUMINATION:
        snprintf(buf, size, "%+.0f deg", ex->target[0]);
        break;
    case WS_TEMPERATURE:
        snprintf(buf, size, "%.0fK", ex->target[0]);
        break;
    case WS_EXPOSURE:
        snprintf(buf, size, "%+.1f EV", ex->target[0]);
        break;
    case WS_BLUR:
        snprintf(buf, size, "%s", ex->target[0] > 0 ? "blurred" : "sharp");
        break;
    case WS_STEREO:
        snprintf(buf, size, "%s", ex->target[0] < 0 ? "left" : "right");
        break;
    default:
        snprintf(buf, size, "%s", world_class_name(ex->cls));
        break;
    }
    (void)cfg;
}

// Area-average resampling of a (s, s, 3) image into a (d, d, 3) block of the sheet.
static void blit(const uint8_t *src, int s, uint8_t *dst, int stride, int d) {
    for (int y = 0; y < d; y++) {
        int y0 = y * s / d, y1 = (y + 1) * s / d;
        if (y1 <= y0) y1 = y0 + 1;
        for (int x = 0; x < d; x++) {
            int x0 = x * s / d, x1 = (x + 1) * s / d;
            if (x1 <= x0) x1 = x0 + 1;
            for (int k = 0; k < 3; k++) {
                int sum = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++) sum += src[((size_t)yy * s + xx) * 3 + k];
                int n = (y1 - y0) * (x1 - x0);
                dst[((size_t)y * stride + x) * 3 + k] = (uint8_t)((sum + n / 2) / n);
            }
        }
    }
}

static void fill_rect(image_u8 *im, int x0, int y0, int w, int h, const uint8_t c[3]) {
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            if (x >= 0 && y >= 0 && x < im->w && y < im->h)
                memcpy(im->data + ((size_t)y * im->w + x) * 3, c, 3);
}

static void upper(const char *in, char *out, size_t size) {
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++) out[i] = (char)toupper((unsigned char)in[i]);
    out[i] = 0;
}

int world_preview_build(const world_model *model, const world_config *cfg, image_u8 *sheet) {
    memset(sheet, 0, sizeof *sheet);
    const int s = cfg->size;
    const int d = s < 64 ? 64 : (s > 112 ? 112 : s); // cell side on the sheet
    const int row_h = d + CAPTION_H + ROW_GAP;
    const int w = LABEL_W + WORLD_PREVIEW_COLUMNS * (d + GAP) + 5 * GROUP_GAP + GAP;
    const int h = TITLE_H + WS_COUNT * row_h + GAP;
    sheet->w = w;
    sheet->h = h;
    sheet->c = 3;
    sheet->data = malloc((size_t)w * h * 3);
    INV_CHECK_ALLOC(sheet->data, (size_t)w * h * 3, "world contact sheet");
    fill_rect(sheet, 0, 0, w, h, bg_colour);

    // Render every cell (in parallel; each cell is one example, as in the shards).
    const int ncell = WS_COUNT * WORLD_PREVIEW_COLUMNS;
    const size_t img_bytes = (size_t)s * s * 3;
    uint8_t *cells = malloc((size_t)ncell * img_bytes);
    world_example *ex = calloc((size_t)ncell, sizeof *ex);
    if (!cells || !ex) {
        free(cells), free(ex), world_preview_free(sheet);
        return inv_fail(INV_ENOMEM, "world contact sheet: out of memory");
    }
    int rc = INV_OK;
    char msg[512] = "";
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < ncell; c++) {
        int id = c / WORLD_PREVIEW_COLUMNS, col = c % WORLD_PREVIEW_COLUMNS;
        if (col >= cells_in_row(cfg, id)) continue;
        world_example_make(model, cfg, id, cell_index(id, col), &ex[c]);
        int r = world_example_render(model, cfg, &ex[c], cells + (size_t)c * img_bytes);
        if (r) {
#pragma omp critical(world_preview_error)
            if (!rc) rc = r, snprintf(msg, sizeof msg, "%s", inv_errmsg());
        }
    }
    if (rc) {
        free(cells), free(ex), world_preview_free(sheet);
        return inv_fail(rc, "%s", msg);
    }

    char title[256], buf[128], name[64];
    snprintf(title, sizeof title, "INVAR WORLD   PRESET %s   SEED %llu   %dX%d PX   %d CLASSES",
             cfg->preset, (unsigned long long)cfg->seed, s, s, WORLD_NCLASSES);
    upper(title, buf, sizeof buf);
    font_draw(sheet->data, w, h, GAP + 2, 6, buf, 2, text_colour);
    for (int id = 0; id < WS_COUNT; id++) {
        const world_set_info *info = world_set(id);
        int y = TITLE_H + id * row_h;
        upper(info->name, name, sizeof name);
        font_draw(sheet->data, w, h, GAP + 2, y + d / 2 - 12, name, 1, text_colour);
        int64_t n = world_set_images(cfg, id);
        if (info->group_size > 0)
            snprintf(buf, sizeof buf, "%lld X %d", (long long)cfg->count[id], info->group_size);
        else
            snprintf(buf, sizeof buf, "%lld IMAGES", (long long)n);
        font_draw(sheet->data, w, h, GAP + 2, y + d / 2, buf, 1, dim_colour);
        int x = LABEL_W, ncol = cells_in_row(cfg, id);
        for (int col = 0; col < ncol; col++) {
            const world_example *e = &ex[id * WORLD_PREVIEW_COLUMNS + col];
            if (col > 0 && e->group != ex[id * WORLD_PREVIEW_COLUMNS + col - 1].group)
                x += GROUP_GAP; // at most 5 group changes in a row (pairs)
            blit(cells + (size_t)(id * WORLD_PREVIEW_COLUMNS + col) * img_bytes, s,
                 sheet->data + ((size_t)y * w + x) * 3, w, d);
            if (id == WS_KEYPOINTS)
                for (int k = 0; k < WORLD_NKEYPOINTS; k++) {
                    int px = x + (int)(e->target[2 * k] * (float)d),
                        py = y + (int)(e->target[2 * k + 1] * (float)d);
                    if (px < x || py < y || px >= x + d || py >= y + d) continue;
                    const uint8_t black[3] = {0, 0, 0};
                    fill_rect(sheet, px - 2, py - 2, 5, 5, black);
                    fill_rect(sheet, px - 1, py - 1, 3, 3, kp_colours[k]);
                }
            caption(cfg, id, e, buf, sizeof buf);
            upper(buf, name, sizeof name);
            int tw = font_text_width(name, 1);
            font_draw(sheet->data, w, h, x + (d - tw) / 2, y + d + 2, name, 1, dim_colour);
            x += d + GAP;
        }
    }
    free(cells), free(ex);
    return INV_OK;
}
