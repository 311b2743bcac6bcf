#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blas.h"
#include "core/fsutil.h"
#include "core/op_error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "dist.h"

int sw_grid_naxes(const sw_grid *g)
{
    int k = 0;
    while (k < SW_MAX_AXES && g->axes[k].name) k++;
    return k;
}

long sw_grid_size(const sw_grid *g)
{
    long n = g->seeds;
    for (int a = 0; a < sw_grid_naxes(g); a++) n *= g->axes[a].n;
    return n;
}

int sw_plan(const char *check_id, const sw_grid *g, const char *control, const char *tag,
            uint64_t base_seed, sw_run **runs, int *nruns)
{
    int na = sw_grid_naxes(g);
    if (g->seeds < 1) OP_ERROR(OP_EUSAGE, "%s: a grid needs at least one seed", check_id);
    for (int a = 0; a < na; a++)
        if (g->axes[a].n < 1 || g->axes[a].n > SW_MAX_VALUES)
            OP_ERROR(OP_EUSAGE, "%s: axis '%s' has %d values (allowed 1..%d)", check_id,
                     g->axes[a].name, g->axes[a].n, SW_MAX_VALUES);
    long total = sw_grid_size(g);
    if (total > 1000000) OP_ERROR(OP_EUSAGE, "%s: grid of %ld runs is too large", check_id, total);
    sw_run *r = op_calloc((unsigned long)total, sizeof *r);
    if (!r) return OP_ENOMEM;
    int idx[SW_MAX_AXES] = {0};
    for (long i = 0; i < total; i++) {
        long rest = i;
        int s = (int)(rest % g->seeds);
        rest /= g->seeds;
        for (int a = na - 1; a >= 0; a--) {
            idx[a] = (int)(rest % g->axes[a].n);
            rest /= g->axes[a].n;
        }
        sw_run *u = &r[i];
        u->naxes = na;
        u->seed_index = s;
        char key[REC_KEY] = "";
        size_t len = 0;
        for (int a = 0; a < na; a++) {
            const sw_axis *ax = &g->axes[a];
            u->name[a] = ax->name;
            if (ax->labels[0]) {
                u->label[a] = ax->labels[idx[a]];
                u->value[a] = NAN;
                len += (size_t)snprintf(key + len, sizeof key - len, "%s=%s/", ax->name, u->label[a]);
            } else {
                u->label[a] = NULL;
                u->value[a] = ax->values[idx[a]];
                len += (size_t)snprintf(key + len, sizeof key - len, "%s=%.10g/", ax->name, u->value[a]);
            }
            if (len >= sizeof key) {
                free(r);
                OP_ERROR(OP_EUSAGE, "%s: run key too long", check_id);
            }
        }
        snprintf(key + len, sizeof key - len, "seed=%d", s);
        char full[2 * REC_KEY];
        snprintf(full, sizeof full, "%s/%s", check_id, key);
        u->seed = op_seed_from_key(full, base_seed);
        snprintf(full, sizeof full, "%s/seed=%d", check_id, s);
        u->data_seed = op_seed_from_key(full, base_seed);
        if (control && *control) snprintf(u->control, sizeof u->control, "%s", control);
        char ck[3 * REC_KEY];
        snprintf(ck, sizeof ck, "%s%s%s%s%s%s", tag && *tag ? tag : "", tag && *tag ? "/" : "",
                 u->control[0] ? "control=" : "", u->control, u->control[0] ? "/" : "", key);
        if (strlen(ck) >= sizeof u->key) {
            free(r);
            OP_ERROR(OP_EUSAGE, "%s: run key too long", check_id);
        }
        memcpy(u->key, ck, strlen(ck) + 1);
    }
    *runs = r;
    *nruns = (int)total;
    return OP_OK;
}

/* What a run's record file holds, for resume (sweep.h "Resume"). */
enum { RUN_MISSING, RUN_DONE, RUN_FOREIGN };

static int record_state(const char *out_dir, const char *check_id, const sw_run *u, const rec_identity *id,
                        rec_record *rec)
{
    char path[4096];
    if (rec_path(out_dir, check_id, u->key, path, sizeof path)) return RUN_MISSING;
    if (!op_file_exists(path)) return RUN_MISSING;
    int ok = rec_read(path, rec) == OP_OK && strcmp(rec->key, u->key) == 0 &&
             strcmp(rec->check, check_id) == 0;
    op_error_clear(); /* an unreadable record only means "redo the run" */
    if (!ok) return RUN_MISSING;
    return rec_identity_equal(&rec->id, id) ? RUN_DONE : RUN_FOREIGN;
}

static void fill_header(rec_record *rec, const char *check_id, const sw_run *u, const rec_identity *id)
{
    memset(rec, 0, sizeof *rec);
    snprintf(rec->check, sizeof rec->check, "%s", check_id);
    rec->id = *id;
    rec->id.format = REC_FORMAT;
    snprintf(rec->key, sizeof rec->key, "%s", u->key);
    snprintf(rec->control, sizeof rec->control, "%s", u->control);
    rec->seed_index = u->seed_index;
    rec->seed = u->seed;
    rec->nparams = u->naxes;
    for (int a = 0; a < u->naxes; a++) {
        snprintf(rec->pname[a], REC_NAME, "%s", u->name[a]);
        rec->pval[a] = u->value[a];
        if (u->label[a]) snprintf(rec->pstr[a], sizeof rec->pstr[a], "%s", u->label[a]);
    }
}

/* Removes temp files that a killed sweep left behind ("<record>.tmp.<pid>.<tid>"
 * from op_write_atomic) when their writer process no longer exists. */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *t = strstr(e->d_name, ".json.tmp.");
        if (!t) continue;
        long pid = strtol(t + 10, NULL, 10);
        if (pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* writer may be alive */
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

int sw_execute(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
               const rec_identity *id, sw_run_fn fn, void *user, int threads, const char *label,
               sw_stats *st)
{
    memset(st, 0, sizeof *st);
    st->total = nruns;
    double t0 = op_now();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s/runs", out_dir, check_id);
    int rank = sw_dist_rank(), size = sw_dist_size();

    int *todo = op_calloc((unsigned long)(nruns ? nruns : 1), sizeof *todo);
    int *mine = op_calloc((unsigned long)(nruns ? nruns : 1), sizeof *mine);
    rec_record *scratch = op_malloc(sizeof *scratch);
    int s0 = todo && mine && scratch ? OP_OK : OP_ENOMEM;
    int ntodo = 0, nreplace = 0;
    char first_msg[1024] = "";
    /* Rank 0 alone looks at the directory (before any rank writes in this sweep),
     * so every rank works from the same list of unfinished runs. */
    if (rank == 0 && s0 == OP_OK) {
        s0 = op_mkdir_p(dir);
        if (s0 == OP_OK) {
            remove_stale_temps(dir);
            for (int i = 0; i < nruns; i++) {
                int state = record_state(out_dir, check_id, &runs[i], id, scratch);
                if (state != RUN_DONE) todo[ntodo++] = i;
                nreplace += state == RUN_FOREIGN;
            }
        }
    }
    if (s0) snprintf(first_msg, sizeof first_msg, "%s", op_error_message());
    s0 = sw_dist_first_error(-1, s0, first_msg, sizeof first_msg);
    free(scratch);
    if (s0) {
        free(todo);
        free(mine);
        OP_ERROR(s0, "%s", first_msg);
    }
    sw_dist_bcast_ints(&ntodo, 1);
    sw_dist_bcast_ints(&nreplace, 1);
    sw_dist_bcast_ints(todo, ntodo);
    st->skipped = nruns - ntodo;
    /* Rank r does the r-th, (r+N)-th, ... unfinished runs: deterministic, and the
     * plan order (seed index fastest) mixes cheap and costly runs in every share. */
    int nmine = 0;
    for (int t = rank; t < ntodo; t += size) mine[nmine++] = todo[t];
    free(todo);

    op_progress bar;
    op_progress_start(&bar, label, nruns);
    if (rank != 0) op_progress_disable(&bar); /* in a log, rank 0's lines only */
    op_progress_step(&bar, st->skipped);
    long done = st->skipped;
    int first_err_run = -1, first_err = OP_OK;
    int diverged = 0;
    int saved_blas = op_blas_threads();
    op_blas_set_threads(1); /* runs are the unit of parallelism; each is single-threaded */
    int nthreads = threads > 0 ? threads : omp_get_max_threads();
    int stop = 0;

#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int t = 0; t < nmine; t++) {
        /* Keep each run single-threaded: with one sweep thread this region is
         * inactive, and the engine's inner OpenMP loops would otherwise start
         * OMP_NUM_THREADS threads of their own (oversubscription, seen as 1 s runs
         * taking 60-200 s under load). */
        omp_set_num_threads(1);
        int stop_now;
#pragma omp atomic read
        stop_now = stop;
        if (stop_now) continue;
        const sw_run *u = &runs[mine[t]];
        rec_record *rec = malloc(sizeof *rec);
        int s = rec ? OP_OK : OP_ENOMEM;
        if (rec) {
            fill_header(rec, check_id, u, id);
            double r0 = op_now();
            s = fn(user, u, rec);
            for (int m = 0; s == OP_OK && m < rec->nmetrics; m++)
                if (!isfinite(rec->mval[m])) s = OP_EDIVERGE;
            rec->seconds = op_now() - r0;
            rec->sweep_threads = nthreads;
            rec->rank = rank;
            if (s == OP_EDIVERGE) {
                rec->status = REC_DIVERGED;
                snprintf(rec->message, sizeof rec->message, "%s",
                         strcmp(op_error_message(), "no error") ? op_error_message()
                                                                 : "NaN or Inf metric");
                op_error_clear();
                s = OP_OK;
#pragma omp critical(sw_report)
                {
                    diverged++;
                    fprintf(stderr, "%soverparam: %s run %s diverged (%s); counted as failed\n",
                            bar.enabled == OP_PROGRESS_TTY ? "\n" : "", check_id, u->key, rec->message);
                }
            }
            if (s == OP_OK) {
                char path[4096];
                s = rec_path(out_dir, check_id, u->key, path, sizeof path);
                if (s == OP_OK) s = rec_write(path, rec);
            }
            free(rec);
        }
#pragma omp critical(sw_report)
        {
            if (s != OP_OK) {
                /* Keep the error of the earliest run in plan order: deterministic. */
                if (first_err_run < 0 || mine[t] < first_err_run) {
                    first_err_run = mine[t];
                    first_err = s;
                    snprintf(first_msg, sizeof first_msg, "%s run %s: %s", check_id, u->key,
                             op_error_message());
                }
#pragma omp atomic write
                stop = 1;
            }
            op_error_clear();
            done++;
            op_progress_step(&bar, done);
        }
    }
    op_blas_set_threads(saved_blas);
    op_progress_finish(&bar);
    free(mine);
    /* Collective: after this every rank's records are on disk (or it failed). */
    first_err = sw_dist_first_error(first_err_run, first_err, first_msg, sizeof first_msg);
    st->done = (int)sw_dist_sum(done - st->skipped);
    st->diverged = (int)sw_dist_sum(diverged);
    st->replaced = nreplace;
    st->seconds = op_now() - t0;
    if (first_err) OP_ERROR(first_err, "%s", first_msg);
    return OP_OK;
}

int sw_foreign(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
               const rec_identity *id, int *count, rec_identity *first)
{
    *count = 0;
    rec_record *scratch = op_malloc(sizeof *scratch);
    if (!scratch) return OP_ENOMEM;
    for (int i = 0; i < nruns; i++)
        if (record_state(out_dir, check_id, &runs[i], id, scratch) == RUN_FOREIGN) {
            if (*count == 0 && first) *first = scratch->id;
            ++*count;
        }
    free(scratch);
    return OP_OK;
}

int sw_load(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
            const rec_identity *id, rec_record *recs, int *have)
{
    for (int i = 0; i < nruns; i++)
        have[i] = record_state(out_dir, check_id, &runs[i], id, &recs[i]) == RUN_DONE;
    return OP_OK;
}
