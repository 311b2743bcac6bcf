/* Error handling in the GSL style: functions return an int status; the first
 * failure records "file:line: message" in a per-thread slot that the CLI prints.
 * The library never calls exit() or abort(). */
#ifndef OP_ERROR_H
#define OP_ERROR_H

enum {
    OP_OK = 0,
    OP_EUSAGE = 2,    /* bad flag, bad value, bad config: CLI exit 2 */
    OP_EIO = 3,       /* file missing, unwritable, corrupt: CLI exit 3 */
    OP_ENOMEM = 4,    /* allocation failed: CLI exit 3 */
    OP_EDIVERGE = 5,  /* NaN/Inf loss: the run is counted as failed */
    OP_ENUM = 6,      /* numerical failure (singular matrix, LAPACK info != 0) */
    OP_EINTERNAL = 7  /* a bug: should never happen */
};

/* Records the message (printf-style) with its origin and returns status.
 * A second error on the same thread before op_error_clear() keeps the first
 * message (the root cause), like GSL's handler. */
int op_error_set(int status, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Returns from the calling function with the recorded status. */
#define OP_ERROR(status, ...) \
    return op_error_set((status), __FILE__, __LINE__, __VA_ARGS__)

/* Propagates a non-zero status from a call. */
#define OP_TRY(expr)                 \
    do {                             \
        int op_try_s_ = (expr);      \
        if (op_try_s_) return op_try_s_; \
    } while (0)

const char *op_error_message(void); /* message without the file:line origin */
const char *op_error_origin(void);  /* "file.c:123" of the first error */
void op_error_clear(void);

/* CLI exit code for a status: 0, 2 for usage errors, 3 for runtime errors. */
int op_exit_code(int status);

/* malloc that records OP_ENOMEM; returns NULL on failure. Only for set-up code:
 * training steps allocate nothing (arenas). */
void *op_malloc(unsigned long bytes);
/* malloc without the error record; a block of OP_HUGE_MIN bytes or more comes 2 MiB-aligned
 * and advised for transparent huge pages (error.c). Release with free(). */
#define OP_HUGE_MIN (4UL << 20)
void *op_malloc_hint(unsigned long bytes);
void *op_calloc(unsigned long n, unsigned long size);

#endif
