/* Progress of a sweep on stderr. On a terminal, a redrawn line
 * ("  check 3/15 robust-size 37/120  31%  ETA 1m12s"); otherwise (nohup, Slurm, CI
 * logs) a heartbeat line every op_progress_heartbeat() seconds (30; env
 * OVERPARAM_HEARTBEAT=S for tests) while the sweep runs, from a helper thread, so a
 * log shows life even while one long run is in progress:
 *   overparam: progress: check 3/15 robust-size 37/120 runs, 5m12s elapsed, ETA 8m30s
 * op_progress_step may be called from any one thread at a time (a critical section);
 * op_progress_finish must follow op_progress_start (it stops the helper thread). */
#ifndef OP_PROGRESS_H
#define OP_PROGRESS_H

#include <pthread.h>
#include <stddef.h>

enum { OP_PROGRESS_OFF = 0, OP_PROGRESS_TTY = 1, OP_PROGRESS_LOG = 2 };

typedef struct {
    const char *label;
    long total, done;
    double t0, last_draw;
    int enabled; /* OP_PROGRESS_TTY or OP_PROGRESS_LOG (stderr not a terminal) */
    /* LOG: the heartbeat thread, and the lock and wake-up it shares with step/finish */
    pthread_t beat;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int beating, stopping;
} op_progress;

/* Turns a LOG progress off (say on MPI ranks other than 0) before any step. */
void op_progress_disable(op_progress *p);

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
