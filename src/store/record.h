/* One JSON record per run (DESIGN.md "Outputs"), written atomically at
 * DIR/<check-id>/runs/<sanitised run key>.json, and read back for resume and for
 * judging from records. The format is flat and fixed:
 *
 *   {
 *     "check": "double-descent",
 *     "key": "ratio=1/seed=3",
 *     "control": null,                 (or "ridge": the variant the run belongs to)
 *     "seed_index": 3,
 *     "seed": "1234567890123",         (uint64 as a string: JSON numbers lose bits)
 *     "status": "ok",                  ("ok" or "diverged")
 *     "message": "",
 *     "params": {"ratio": 1, "n": 100},
 *     "metrics": {"test_mse": 0.123},  (null for a NaN/Inf value)
 *     "provenance": {"version": ..., "git_commit": ..., "compiler": ...,
 *                    "blas_core": ..., "conv": "auto", "threads": 1},
 *     "timing": {"seconds": 0.0123, "rank": 0, "sweep_threads": 2}
 *   }
 *
 * Everything that depends on scheduling (wall time, the MPI rank that ran it,
 * how many threads the sweep used) lives in the "timing" object, which is written on its own line, so a
 * determinism comparison can drop that one line (grep -v '"timing"').
 * "threads" in provenance is the thread count of the run's own work (always 1:
 * a run is single-threaded, BLAS included); "conv" is the convolution path the process
 * ran with (nn_conv_path_name: "auto", "im2col" or "direct"; absent in older records). */
#ifndef REC_RECORD_H
#define REC_RECORD_H

#include <stdint.h>

#define REC_MAX_PARAMS 8
#define REC_MAX_METRICS 16
#define REC_NAME 32
#define REC_KEY 256

enum { REC_OK = 0, REC_DIVERGED = 1 };

typedef struct {
    char check[64];
    char key[REC_KEY];
    char control[REC_NAME]; /* "" for the theorem's own variant */
    int seed_index;
    uint64_t seed;
    int status;
    char message[256];
    int nparams;
    char pname[REC_MAX_PARAMS][REC_NAME];
    double pval[REC_MAX_PARAMS];     /* numeric value, NaN for a string parameter */
    char pstr[REC_MAX_PARAMS][64];   /* string value, "" for a numeric parameter */
    int nmetrics;
    char mname[REC_MAX_METRICS][REC_NAME];
    double mval[REC_MAX_METRICS];    /* NaN where the record says null */
    double seconds;
    int rank;          /* MPI rank that ran it (0 without MPI; optional when read) */
    int sweep_threads;
} rec_record;

/* File name of a run key: '/' becomes '_', characters outside [A-Za-z0-9._=+-]
 * become '~'. The record stores the full key, and a reader checks it. */
void rec_sanitise_key(const char *key, char *out, int outlen);
/* "<dir>/<check>/runs/<sanitised key>.json" */
int rec_path(const char *dir, const char *check, const char *key, char *out, int outlen);

/* Serialise and write atomically (temp file + fsync + rename). */
int rec_write(const char *path, const rec_record *r);
/* Reads a record. Returns OP_OK, or OP_EIO for a missing, truncated or malformed
 * file (which the sweep treats as "not done": the run is redone). */
int rec_read(const char *path, rec_record *r);
/* Parse a record from a NUL-terminated JSON text. */
int rec_parse(const char *text, rec_record *r);

double rec_param(const rec_record *r, const char *name); /* NaN if absent */
const char *rec_param_str(const rec_record *r, const char *name); /* NULL if absent */
double rec_metric(const rec_record *r, const char *name);  /* NaN if absent */

#endif
