/* Progress of a sweep on stderr. On a terminal, a redrawn line
 * ("  check 3/15 robust-size 37/120  31%  ETA 1m12s"); otherwise (nohup, Slurm, CI
 * logs) a heartbeat line at most every op_progress_heartbeat() seconds (30; env
 * OVERPARAM_HEARTBEAT=S for tests), written when a run finishes:
 *   overparam: progress: check 3/15 robust-size 37/120 runs, 5m12s elapsed, ETA 8m30s
 * Not thread-safe: call op_progress_step from one thread (or inside a critical section). */
#ifndef OP_PROGRESS_H
#define OP_PROGRESS_H

#include <stddef.h>

enum { OP_PROGRESS_OFF = 0, OP_PROGRESS_TTY = 1, OP_PROGRESS_LOG = 2 };

typedef struct {
    const char *label;
    long total, done;
    double t0, last_draw;
    int enabled; /* OP_PROGRESS_TTY or OP_PROGRESS_LOG (stderr not a terminal) */
} op_progress;

void op_progress_start(op_progress *p, const char *label, long total);
void op_progress_step(op_progress *p, long done);
void op_progress_finish(op_progress *p);
double op_now(void); /* monotonic seconds */

/* "check 3/15": where the current sweep stands in the invocation (verify sets it per
 * check); prefixes the bar and the heartbeat lines. NULL or "" clears it. Copied. */
void op_progress_context(const char *ctx);
/* 1 when stderr is a terminal (the bar), 0 for a log. */
int op_progress_tty(void);
double op_progress_heartbeat(void);
/* "4m12s", "37s", "1h02m" */
void op_progress_fmt_time(char *buf, size_t n, double seconds);

#endif
