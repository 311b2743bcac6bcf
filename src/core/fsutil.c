#define _GNU_SOURCE
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "op_error.h"

int op_mkdir_p(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) OP_ERROR(OP_EIO, "bad directory path '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                OP_ERROR(OP_EIO, "cannot create directory '%s': %s", buf, strerror(errno));
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                OP_ERROR(OP_EIO, "'%s' exists and is not a directory", buf);
            buf[i] = c;
        }
    }
    return OP_OK;
}

int op_write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%ld", path, (long)getpid(), (long)gettid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) OP_ERROR(OP_EIO, "cannot write '%s': %s", path, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            OP_ERROR(OP_EIO, "cannot write '%s': %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        OP_ERROR(OP_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        OP_ERROR(OP_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        OP_ERROR(OP_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    return OP_OK;
}

int op_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int op_read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) OP_ERROR(OP_EIO, "cannot read '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        OP_ERROR(OP_ENOMEM, "out of memory reading '%s'", path);
    }
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                OP_ERROR(OP_ENOMEM, "out of memory reading '%s'", path);
            }
            buf = nb;
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        OP_ERROR(OP_EIO, "error reading '%s'", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return OP_OK;
}

int op_check_writable_dir(const char *dir)
{
    OP_TRY(op_mkdir_p(dir));
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.write-probe.%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) OP_ERROR(OP_EIO, "output directory '%s' is not writable: %s", dir, strerror(errno));
    int ok = write(fd, "x", 1) == 1;
    int e = errno;
    close(fd);
    unlink(probe);
    if (!ok) OP_ERROR(OP_EIO, "output directory '%s' is not writable: %s", dir, strerror(e));
    return OP_OK;
}

void op_buf_init(op_buf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void op_buf_free(op_buf *b)
{
    free(b->s);
    op_buf_init(b);
}

static int buf_reserve(op_buf *b, size_t extra)
{
    if (b->oom) return 0;
    if (b->len + extra + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void op_buf_printf(op_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n)) return;
    if ((size_t)n < sizeof small) {
        memcpy(b->s + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void op_buf_puts(op_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (!buf_reserve(b, n)) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void op_buf_json_str(op_buf *b, const char *s)
{
    op_buf_puts(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            op_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            op_buf_puts(b, "\\n");
        else if (c == '\t')
            op_buf_puts(b, "\\t");
        else if (c < 0x20)
            op_buf_printf(b, "\\u%04x", c);
        else
            op_buf_printf(b, "%c", c);
    }
    op_buf_puts(b, "\"");
}

void op_buf_json_num(op_buf *b, double v)
{
    if (!isfinite(v))
        op_buf_puts(b, "null");
    else
        op_buf_printf(b, "%.17g", v);
}
