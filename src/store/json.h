/* A minimal JSON reader for the project's own flat files (run records): objects
 * nested at most a few levels, strings, numbers, true/false/null; no arrays.
 * It flattens the document into (dotted path, value) entries, e.g.
 * "params.ratio" -> 1. Anything else (truncated file, stray bytes, arrays) is an
 * error, so a half-written or foreign file is treated as missing, never half-read. */
#ifndef REC_JSON_H
#define REC_JSON_H

enum { JS_NULL, JS_NUM, JS_STR, JS_BOOL };

typedef struct {
    char path[64];
    int type;
    double num;    /* JS_NUM, JS_BOOL (0/1) */
    char str[256]; /* JS_STR (truncated to 255 bytes) */
} js_entry;

/* Parses text into at most maxe entries. Returns the number of entries, or -1 on
 * malformed input (including trailing garbage and too many entries). */
int js_parse_flat(const char *text, js_entry *e, int maxe);
const js_entry *js_find(const js_entry *e, int n, const char *path);

#endif
