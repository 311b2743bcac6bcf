#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double op_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void op_progress_start(op_progress *p, const char *label, long total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = op_now();
    p->last_draw = 0;
    p->enabled = isatty(2);
}

static void fmt_time(char *buf, size_t n, double s)
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
    p->done = done;
    if (!p->enabled) return;
    double now = op_now();
    if (done < p->total && now - p->last_draw < 0.2) return;
    p->last_draw = now;
    double el = now - p->t0;
    char eta[32] = "?";
    if (done > 0) fmt_time(eta, sizeof eta, el / (double)done * (double)(p->total - done));
    int pct = p->total > 0 ? (int)(100 * done / p->total) : 100;
    fprintf(stderr, "\r  %s %ld/%ld  %3d%%  ETA %s   ", p->label, done, p->total, pct, eta);
    fflush(stderr);
}

void op_progress_finish(op_progress *p)
{
    if (!p->enabled) return;
    char el[32];
    fmt_time(el, sizeof el, op_now() - p->t0);
    fprintf(stderr, "\r  %s %ld/%ld  done in %s          \n", p->label, p->done, p->total, el);
}
