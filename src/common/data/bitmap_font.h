// bitmap_font.h: a small built-in 5x7 bitmap font (upper-case letters, digits, common
// punctuation; lower case is drawn as upper case) for labelling contact sheets.
#ifndef INVAR_DATA_BITMAP_FONT_H
#define INVAR_DATA_BITMAP_FONT_H

#include <stdint.h>

enum { FONT_W = 5, FONT_H = 7, FONT_ADVANCE = 6 };

// Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale block, into
// an RGB image (w, h, 3); clipped at the image edges. Returns the x after the last character.
int font_draw(uint8_t *rgb, int w, int h, int x, int y, const char *text, int scale,
              const uint8_t colour[3]);
// Width in pixels of `text` at `scale`.
int font_text_width(const char *text, int scale);

#endif
