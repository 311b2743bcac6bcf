/* Files written so that an interrupted run never leaves a partial result:
 * write to "<path>.tmp.<pid>.<tid>", fsync, rename. Plus a growable text buffer
 * for JSON/CSV building. */
#ifndef OP_FSUTIL_H
#define OP_FSUTIL_H

#include <stddef.h>

int op_mkdir_p(const char *path);                           /* OP_EIO with a clear message */
int op_write_atomic(const char *path, const void *data, size_t len);
int op_file_exists(const char *path);
int op_read_file(const char *path, char **data, size_t *len); /* caller frees *data */
/* OP_EIO unless `dir` can be created and written (checked by writing a probe file). */
int op_check_writable_dir(const char *dir);

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} op_buf;

void op_buf_init(op_buf *b);
void op_buf_free(op_buf *b);
void op_buf_printf(op_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void op_buf_puts(op_buf *b, const char *s);
/* JSON string literal with escapes, including the quotes. */
void op_buf_json_str(op_buf *b, const char *s);
/* JSON number: shortest round-trip form ("%.17g"), null for NaN/Inf. */
void op_buf_json_num(op_buf *b, double v);

#endif
