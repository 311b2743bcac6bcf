/* The registry of theorem checks: one line per check. Adding a check = one file
 * in theorems/ + one line here + one line in tests/theorems.cmake. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"

extern const th_check th_double_descent;
extern const th_check th_extrapolate_lemma;
extern const th_check th_extrapolate_diverse_support;
extern const th_check th_extrapolate_linear_rays;
extern const th_check th_polylog_width;
extern const th_check th_ntk_exact;
extern const th_check th_lazy_training;
extern const th_check th_intrinsic_dim;
extern const th_check th_manifold_rate;
extern const th_check th_smooth_approx;
extern const th_check th_classification_dinv;
extern const th_check th_robust_size;
extern const th_check th_mf_degeneracy;
extern const th_check th_width_independence;
extern const th_check th_approx_blocks;
extern const th_check th_scaling_id;
extern const th_check th_selftest_rate;    /* hidden, tests only: framework, compare */
extern const th_check th_selftest_placebo; /* hidden, tests only: a control that passes */
extern const th_check th_selftest_diverge; /* hidden, tests only: diverged runs (faults) */
extern const th_check th_selftest_slow;    /* hidden, tests only: kill/restart (faults) */
extern const th_check th_selftest_dataset; /* hidden, tests only: --dataset and resume */

static const th_check *const registry[] = {
    &th_double_descent,
    &th_extrapolate_lemma,
    &th_extrapolate_diverse_support,
    &th_extrapolate_linear_rays,
    &th_polylog_width,
    &th_ntk_exact,
    &th_lazy_training,
    &th_intrinsic_dim,
    &th_manifold_rate,
    &th_smooth_approx,
    &th_classification_dinv,
    &th_robust_size,
    &th_mf_degeneracy,
    &th_width_independence,
    &th_approx_blocks,
    &th_scaling_id,
    &th_selftest_rate,
    &th_selftest_placebo,
    &th_selftest_diverge,
    &th_selftest_slow,
    &th_selftest_dataset,
};
#define NCHECKS (int)(sizeof registry / sizeof registry[0])

int th_count(void) { return NCHECKS; }
const th_check *th_at(int i) { return i >= 0 && i < NCHECKS ? registry[i] : NULL; }

static const th_check *runtime[8]; /* th_register: studies, set once by the CLI */
static int nruntime;

const th_check *th_find(const char *id)
{
    for (int i = 0; i < NCHECKS; i++)
        if (strcmp(registry[i]->id, id) == 0) return registry[i];
    for (int i = 0; i < nruntime; i++)
        if (strcmp(runtime[i]->id, id) == 0) return runtime[i];
    return NULL;
}

int th_register(const th_check *c)
{
    if (th_find(c->id)) OP_ERROR(OP_EUSAGE, "check id '%s' is taken (a built-in check or another study)", c->id);
    if (nruntime == (int)(sizeof runtime / sizeof runtime[0])) OP_ERROR(OP_EUSAGE, "too many studies in one call");
    runtime[nruntime++] = c;
    return OP_OK;
}

void th_valid_ids(char *buf, int len)
{
    int k = 0;
    buf[0] = 0;
    for (int i = 0; i < NCHECKS && k < len; i++) {
        if (registry[i]->hidden) continue;
        k += snprintf(buf + k, (size_t)(len - k), "%s%s", k ? ", " : "", registry[i]->id);
    }
}
