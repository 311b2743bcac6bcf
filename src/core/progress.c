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

static void heartbeat_line(op_progress *p, double now)
{
    char eta[32] = "?", elapsed[32];
    double el = now - p->t0;
    if (p->done > 0) op_progress_fmt_time(eta, sizeof eta, el / (double)p->done * (double)(p->total - p->done));
    op_progress_fmt_time(elapsed, sizeof elapsed, el);
    fprintf(stderr, "overparam: progress: %s%s%s %ld/%ld runs, %s elapsed, ETA %s\n", context, context[0] ? " " : "",
            p->label, p->done, p->total, elapsed, eta);
    fflush(stderr);
}

/* LOG mode: wakes every interval and writes a line, until op_progress_finish. */
static void *heartbeat(void *arg)
{
    op_progress *p = arg;
    const double hb = op_progress_heartbeat();
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        double due = p->last_draw + hb, now = op_now();
        if (now >= due) {
            heartbeat_line(p, now);
            p->last_draw = now;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* pthread_cond_timedwait's default clock */
        double w = due - now;
        ts.tv_sec += (time_t)w;
        ts.tv_nsec += (long)((w - (double)(time_t)w) * 1e9);
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void op_progress_start(op_progress *p, const char *label, long total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = op_now();
    p->last_draw = p->t0; /* a log's first heartbeat comes one interval in */
    p->enabled = op_progress_tty() ? OP_PROGRESS_TTY : OP_PROGRESS_LOG;
    p->beating = p->stopping = 0;
    if (p->enabled != OP_PROGRESS_LOG) return;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->beating = pthread_create(&p->beat, NULL, heartbeat, p) == 0; /* no thread: no heartbeat */
}

void op_progress_disable(op_progress *p)
{
    if (p->enabled != OP_PROGRESS_LOG) {
        p->enabled = OP_PROGRESS_OFF;
        return;
    }
    if (p->beating) {
        pthread_mutex_lock(&p->mu);
        p->stopping = 1;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->beat, NULL);
        p->beating = 0;
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    p->enabled = OP_PROGRESS_OFF;
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
    if (p->enabled == OP_PROGRESS_LOG) { /* the heartbeat thread reads it */
        pthread_mutex_lock(&p->mu);
        p->done = done;
        pthread_mutex_unlock(&p->mu);
        return;
    }
    p->done = done;
    if (p->enabled != OP_PROGRESS_TTY) return;
    double now = op_now();
    if (done < p->total && now - p->last_draw < 0.2) return;
    p->last_draw = now;
    double el = now - p->t0;
    char eta[32] = "?";
    if (done > 0) op_progress_fmt_time(eta, sizeof eta, el / (double)done * (double)(p->total - done));
    int pct = p->total > 0 ? (int)(100 * done / p->total) : 100;
    fprintf(stderr, "\r  %s%s%s %ld/%ld  %3d%%  ETA %s   ", context, context[0] ? " " : "", p->label, done, p->total,
            pct, eta);
    fflush(stderr);
}

void op_progress_finish(op_progress *p)
{
    if (p->enabled == OP_PROGRESS_LOG) {
        op_progress_disable(p);
        return;
    }
    if (p->enabled != OP_PROGRESS_TTY) return;
    char el[32];
    op_progress_fmt_time(el, sizeof el, op_now() - p->t0);
    fprintf(stderr, "\r  %s%s%s %ld/%ld  done in %s          \n", context, context[0] ? " " : "", p->label, p->done,
            p->total, el);
}
