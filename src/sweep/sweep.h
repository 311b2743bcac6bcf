/* Sweeps: a grid expands into runs, each with a stable key and a derived seed;
 * runs execute in parallel over OpenMP threads, each writing its record
 * atomically when it finishes; runs whose record already exists are skipped, so a
 * killed sweep restarts where it stopped (DESIGN.md "Data flow", "Determinism").
 *
 * Keys: "<axis>=<value>/.../seed=<s>" in axis order, e.g. "n=512/D=16/seed=3";
 * a control variant prefixes "control=<name>/", and a tag (a setting of the whole
 * sweep that changes results but is not a grid axis, e.g. "conv=direct") prefixes
 * "<tag>/" before that. Numbers print with %.10g.
 * Seeds: seed = op_seed_from_key("<check>/<key without the tag and control prefixes>",
 * base) so a control, or a tagged sweep, runs on exactly the data of the theorem's own
 * untagged variant (common random numbers); data_seed = op_seed_from_key("<check>/seed=<s>",
 * base) is shared by every grid point with seed index s (nested training sets, one test set).
 * Resume: a run is done when its record parses and carries the run's check, key and the
 * sweep's identity (store/record.h: base seed, preset, data set, conv path, record
 * format). The key alone does not say which seed, preset or data set made a record, so
 * a record of another identity is never reused: the run is redone and its record
 * replaced (it is the same file). Replacing, not refusing: --out holds the last
 * invocation (summary.csv, figures and report are rewritten by every call), and
 * `verify` (quick) then `figures` (full) into the default results/ must keep working.
 * A refusal would keep the other records but stop the two main jobs; a replacement
 * costs run time, never a wrong number. The caller says how many records it replaces
 * (sw_foreign) before the first run, and that another --out keeps both. */
#ifndef SW_SWEEP_H
#define SW_SWEEP_H

#include <stdint.h>

#include "store/record.h"

#define SW_MAX_AXES 6
#define SW_MAX_VALUES 48

/* One axis of a grid: numeric values, or string labels when labels[0] != NULL. */
typedef struct {
    const char *name; /* NULL ends the axis list */
    int n;
    double values[SW_MAX_VALUES];
    const char *labels[SW_MAX_VALUES];
} sw_axis;

/* The product of the axes times `seeds` seed indices. */
typedef struct {
    sw_axis axes[SW_MAX_AXES];
    int seeds;
} sw_grid;

typedef struct {
    char key[REC_KEY];
    char control[REC_NAME];
    int naxes;
    const char *name[SW_MAX_AXES];
    double value[SW_MAX_AXES];  /* NaN for a string axis */
    const char *label[SW_MAX_AXES]; /* NULL for a numeric axis */
    int seed_index;
    uint64_t seed, data_seed;
} sw_run;

int sw_grid_naxes(const sw_grid *g);
long sw_grid_size(const sw_grid *g); /* number of runs */

/* Expands the grid (last axis fastest, seed index fastest of all) into *runs
 * (malloc'd, caller frees). control: NULL or "" for the theorem's own variant.
 * tag: NULL or "" for none, else the key prefix "<tag>/" (see Keys above). */
int sw_plan(const char *check_id, const sw_grid *g, const char *control, const char *tag,
            uint64_t base_seed, sw_run **runs, int *nruns);

/* Does one run: fills rec->metrics (names and values) and returns OP_OK,
 * OP_EDIVERGE (NaN/Inf: recorded as diverged) or another error (not recorded;
 * the sweep stops after the runs in flight and reports it). Called concurrently
 * from several threads: must not touch shared mutable state. */
typedef int (*sw_run_fn)(void *user, const sw_run *run, rec_record *rec);

typedef struct {
    int total, skipped, done, diverged;
    int replaced; /* of the runs to do: those whose record of another identity they replace */
    double seconds;
} sw_stats;

/* Executes the runs whose record under out_dir/check_id/runs/ is missing,
 * unreadable or of another identity than *id (see Resume above), in parallel (threads <= 0: the OpenMP default), BLAS single-threaded
 * inside. Shows a progress bar on stderr if it is a terminal. A diverged run is
 * written with status "diverged" and reported on stderr with its key. */
int sw_execute(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
               const rec_identity *id, sw_run_fn fn, void *user, int threads, const char *label,
               sw_stats *st);

/* Counts the runs whose record exists, parses and carries the run's check and key but
 * another identity than *id: the records sw_execute will replace. *first (if not NULL)
 * gets the identity of the first of them in plan order. Reads only; rank 0's view. */
int sw_foreign(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
               const rec_identity *id, int *count, rec_identity *first);

/* Reads the records of the runs back (in plan order). have[i] = 1 if run i's
 * record exists, parses and carries the run's check, key and the identity *id. */
int sw_load(const char *out_dir, const char *check_id, const sw_run *runs, int nruns,
            const rec_identity *id, rec_record *recs, int *have);

#endif
