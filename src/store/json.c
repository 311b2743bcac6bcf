#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    js_entry *e;
    int n, max, bad;
} js_parser;

static void skip_ws(js_parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r') ps->p++;
}

/* Reads a string literal into out (truncating at outlen-1); non-ASCII \u escapes
 * become '?'. */
static void parse_string(js_parser *ps, char *out, int outlen)
{
    if (*ps->p != '"') {
        ps->bad = 1;
        return;
    }
    ps->p++;
    int k = 0;
    for (;;) {
        char c = *ps->p;
        if (c == 0 || (unsigned char)c < 0x20) {
            ps->bad = 1;
            return;
        }
        ps->p++;
        if (c == '"') break;
        if (c == '\\') {
            char esc = *ps->p++;
            switch (esc) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *ps->p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else {
                        ps->bad = 1;
                        return;
                    }
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default: ps->bad = 1; return;
            }
        }
        if (k < outlen - 1) out[k++] = c;
    }
    out[k] = 0;
}

static js_entry *new_entry(js_parser *ps, const char *path, int type)
{
    if (ps->n >= ps->max || strlen(path) >= sizeof ps->e[0].path) {
        ps->bad = 1;
        return NULL;
    }
    js_entry *e = &ps->e[ps->n++];
    memset(e, 0, sizeof *e);
    strcpy(e->path, path);
    e->type = type;
    return e;
}

static void parse_value(js_parser *ps, const char *path, int depth);

static void parse_object(js_parser *ps, const char *path, int depth)
{
    if (depth > 4) {
        ps->bad = 1;
        return;
    }
    ps->p++; /* '{' */
    skip_ws(ps);
    if (*ps->p == '}') {
        ps->p++;
        return;
    }
    for (;;) {
        skip_ws(ps);
        char key[64];
        parse_string(ps, key, sizeof key);
        if (ps->bad) return;
        skip_ws(ps);
        if (*ps->p != ':') {
            ps->bad = 1;
            return;
        }
        ps->p++;
        char sub[128];
        if (path[0])
            snprintf(sub, sizeof sub, "%s.%s", path, key);
        else
            snprintf(sub, sizeof sub, "%s", key);
        parse_value(ps, sub, depth + 1);
        if (ps->bad) return;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == '}') {
            ps->p++;
            return;
        }
        ps->bad = 1;
        return;
    }
}

static void parse_value(js_parser *ps, const char *path, int depth)
{
    skip_ws(ps);
    char c = *ps->p;
    if (c == '{') {
        parse_object(ps, path, depth);
    } else if (c == '"') {
        js_entry *e = new_entry(ps, path, JS_STR);
        char tmp[256];
        parse_string(ps, e ? e->str : tmp, sizeof tmp);
    } else if (strncmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        new_entry(ps, path, JS_NULL);
    } else if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        int t = c == 't';
        ps->p += t ? 4 : 5;
        js_entry *e = new_entry(ps, path, JS_BOOL);
        if (e) e->num = t;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        double v = strtod(ps->p, &end);
        if (end == ps->p) {
            ps->bad = 1;
            return;
        }
        ps->p = end;
        js_entry *e = new_entry(ps, path, JS_NUM);
        if (e) e->num = v;
    } else {
        ps->bad = 1; /* arrays, truncation, garbage */
    }
}

int js_parse_flat(const char *text, js_entry *e, int maxe)
{
    js_parser ps = {text, e, 0, maxe, 0};
    skip_ws(&ps);
    if (*ps.p != '{') return -1;
    parse_value(&ps, "", 0);
    if (ps.bad) return -1;
    skip_ws(&ps);
    if (*ps.p) return -1;
    return ps.n;
}

const js_entry *js_find(const js_entry *e, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].path, path) == 0) return &e[i];
    return NULL;
}
