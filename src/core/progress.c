#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char context[64]; /* set by the CLI between sweeps, read by the one reporting thread */

double op_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void op_progress_context(const char *ctx)
{
    snprintf(context, sizeof context, "%s", ctx ? ctx : "");
}

int op_progress_tty(void) { return isatty(2); }

double op_progress_heartbeat(void)
{
    const char *e = getenv("OVERPARAM_HEARTBEAT");
    double s = e && *e ? atof(e) : 30;
    return s >= 0.1 && s <= 86400 ? s : 30;
}

void op_progress_start(op_progress *p, const char *label, long total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = op_now();
    p->last_draw = p->t0; /* a log's first heartbeat comes one interval in */
    p->enabled = op_progress_tty() ? OP_PROGRESS_TTY : OP_PROGRESS_LOG;
}

void op_progress_fmt_time(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%lds", t);
}

void op_progress_step(op_progress *p, long done)
{
    long before = p->done;
    p->done = done;
    if (p->enabled == OP_PROGRESS_OFF) return;
    double now = op_now();
    int tty = p->enabled == OP_PROGRESS_TTY;
    if (tty && done < p->total && now - p->last_draw < 0.2) return;
    if (!tty && (done == before || now - p->last_draw < op_progress_heartbeat())) return;
    p->last_draw = now;
    double el = now - p->t0;
    char eta[32] = "?", elapsed[32];
    if (done > 0) op_progress_fmt_time(eta, sizeof eta, el / (double)done * (double)(p->total - done));
    const char *sp = context[0] ? " " : "";
    if (tty) {
        int pct = p->total > 0 ? (int)(100 * done / p->total) : 100;
        fprintf(stderr, "\r  %s%s%s %ld/%ld  %3d%%  ETA %s   ", context, sp, p->label, done, p->total, pct, eta);
    } else {
        op_progress_fmt_time(elapsed, sizeof elapsed, el);
        fprintf(stderr, "overparam: progress: %s%s%s %ld/%ld runs, %s elapsed, ETA %s\n", context, sp, p->label, done,
                p->total, elapsed, eta);
    }
    fflush(stderr);
}

void op_progress_finish(op_progress *p)
{
    if (p->enabled != OP_PROGRESS_TTY) return;
    char el[32];
    op_progress_fmt_time(el, sizeof el, op_now() - p->t0);
    fprintf(stderr, "\r  %s%s%s %ld/%ld  done in %s          \n", context, context[0] ? " " : "", p->label, p->done,
            p->total, el);
}
