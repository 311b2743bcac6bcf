/* A progress line on stderr ("  37/120 runs  31%  ETA 1m12s") when stderr is a
 * terminal; silent otherwise, so logs and CI output stay clean. Not thread-safe:
 * call op_progress_step from one thread (or inside a critical section). */
#ifndef OP_PROGRESS_H
#define OP_PROGRESS_H

typedef struct {
    const char *label;
    long total, done;
    double t0, last_draw;
    int enabled;
} op_progress;

void op_progress_start(op_progress *p, const char *label, long total);
void op_progress_step(op_progress *p, long done);
void op_progress_finish(op_progress *p);
double op_now(void); /* monotonic seconds */

#endif
