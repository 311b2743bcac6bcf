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
 *     "identity": {"format": 2, "base_seed": "0", "preset": "quick", "conv": "auto",
 *                  "dataset": "/usr/share/datasets/fashion-mnist",
 *                  "dataset_fingerprint": "crc32:1a2b3c4d/30878551", "isa": "fma"},
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
 * ran with (nn_conv_path_name: "auto", "im2col" or "direct"; absent in older records).
 *
 * "identity" is everything besides the check and the key that the run's numbers
 * depend on and that one invocation fixes for all its runs: resume reuses a record
 * only when check, key and identity all equal the invocation's (src/sweep/sweep.c),
 * so records of another --seed, preset, data set, --conv path, instruction-set class
 * (OVERPARAM_ISA=base against avx512/avx2, which give the same bits) or record format
 * are never judged with this one's. "isa" came after the other fields within format 2:
 * a format-2 record without it takes the class of its provenance "isa" (every format-2
 * record names the set that ran). The data set belongs to every check's identity, not
 * only to the checks that read it today: a check that starts reading data is then
 * covered without a second list to keep in step. Records written before the identity
 * existed read back as format 1 with the other fields empty, so they never match. */
#ifndef REC_RECORD_H
#define REC_RECORD_H

#include <stdint.h>

#include "core/fsutil.h"

#define REC_MAX_PARAMS 8
#define REC_MAX_METRICS 16
#define REC_NAME 32
#define REC_KEY 256

enum { REC_OK = 0, REC_DIVERGED = 1 };

/* Format of the records rec_write writes: 2 added "identity" (1: the records before). */
#define REC_FORMAT 2
#define REC_DATASET 256 /* the JSON reader keeps 255 bytes of a string */

typedef struct {
    int format;                  /* REC_FORMAT when written; as read (1 without "identity") */
    uint64_t base_seed;          /* --seed (as a string in JSON) */
    char preset[8];              /* "quick" or "full" */
    char conv[16];               /* the --conv path: "auto@<rule>" (NN_CONV_RULE), "im2col" or "direct" */
    char dataset[REC_DATASET];   /* the data-set directory, resolved (dt_dataset_identity): where
                                  * the run read it (provenance; resume compares dataset_fp) */
    char dataset_fp[64];         /* its content fingerprint, "missing" if absent */
    char isa[8];                 /* the convolution kernels' class of results (nn_isa_class):
                                  * "fma" (avx512 or avx2, the same bits) or "base" */
} rec_identity;

typedef struct {
    char check[64];
    char key[REC_KEY];
    char control[REC_NAME]; /* "" for the theorem's own variant */
    int seed_index;
    uint64_t seed;
    rec_identity id;
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
/* The "provenance" object of a record (rec_write) and of train's record.json
 * (src/cli/cmd_train.c), one writer for both: {"version", "git_commit", "compiler",
 * "blas_core", "isa", "conv", "threads"[, "blas_threads" when blas_threads >= 0]},
 * strings JSON-escaped, no trailing newline. */
void rec_provenance_json(op_buf *b, const char *conv, int threads, int blas_threads);
/* Reads a record. Returns OP_OK, or OP_EIO for a missing, truncated or malformed
 * file (which the sweep treats as "not done": the run is redone). */
int rec_read(const char *path, rec_record *r);
/* Parse a record from a NUL-terminated JSON text. */
int rec_parse(const char *text, rec_record *r);

/* 1 if every field of the two identities (format included) is equal, the data set
 * compared by its fingerprint alone (the same files under another path are the same
 * data set), by path too when its files are "missing". */
int rec_identity_equal(const rec_identity *a, const rec_identity *b);
/* One phrase for messages naming what differs in `old` from `cur`, field by field:
 * "seed 0, not 1", "preset quick, not full", "data set /a, not /b",
 * "data set files in /a changed: <fingerprint>, now <fingerprint>", "conv direct, not
 * auto", "instruction set base, not fma", "record format 1, not 2: written before ...". */
void rec_identity_diff(const rec_identity *old, const rec_identity *cur, char *buf, int len);

double rec_param(const rec_record *r, const char *name); /* NaN if absent */
const char *rec_param_str(const rec_record *r, const char *name); /* NULL if absent */
double rec_metric(const rec_record *r, const char *name);  /* NaN if absent */

#endif
