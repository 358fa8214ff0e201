#ifndef WARROOM_CNCURSESW_SHIM_H
#define WARROOM_CNCURSESW_SHIM_H

// SwiftPM drops the feature macros pkg-config suggests; without them the wide-character
// API (cchar_t, wget_wch, setcchar) stays hidden.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Macros and C globals do not import into Swift 6; these wrap them as functions.
static inline WINDOW *warroom_stdscr(void) { return stdscr; }
static inline int warroom_lines(void) { return LINES; }
static inline int warroom_cols(void) { return COLS; }
static inline int warroom_colors(void) { return COLORS; }
static inline int warroom_color_pairs(void) { return COLOR_PAIRS; }

static inline attr_t warroom_a_bold(void) { return A_BOLD; }
static inline attr_t warroom_a_dim(void) { return A_DIM; }
static inline attr_t warroom_a_reverse(void) { return A_REVERSE; }
static inline attr_t warroom_a_underline(void) { return A_UNDERLINE; }

/// Starts curses on the process's own stdin and stdout (C globals Swift 6 cannot touch).
/// Returns NULL, rather than exiting as initscr does, when TERM is unknown.
static inline SCREEN *warroom_newterm(void) { return newterm(NULL, stdout, stdin); }

/// Paints one cell: a base character plus any combining marks, with attributes and a pair.
static inline int warroom_put_cell(int y, int x, const wchar_t *text, attr_t attrs, short pair) {
  cchar_t cell;
  if (setcchar(&cell, text, attrs, pair, NULL) != OK) return ERR;
  return mvadd_wch(y, x, &cell);
}

#endif
