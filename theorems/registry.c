/* The registry of theorem checks. Its table is generated from theorems/checks.list (one
 * line per check; cmake/checks.cmake writes th_checks.h in the build tree), the list the
 * ctests are registered from too. Adding a check = its .c file in theorems/ + one line
 * in that list; nothing here. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/op_error.h"

#define TH_CHECK(sym) extern const th_check sym;
#include "th_checks.h"
#undef TH_CHECK

static const th_check *const registry[] = {
#define TH_CHECK(sym) &sym,
#include "th_checks.h"
#undef TH_CHECK
};
#define NCHECKS (int)(sizeof registry / sizeof registry[0])

/* th_add_checks: the test-only checks of overparam-selftest (tests/selftest/main.c),
 * after the shipped ones. Set once, before any command runs. */
static const th_check *const *added;
static int nadded;

int th_count(void) { return NCHECKS + nadded; }
const th_check *th_at(int i)
{
    if (i >= 0 && i < NCHECKS) return registry[i];
    if (i >= NCHECKS && i < NCHECKS + nadded) return added[i - NCHECKS];
    return NULL;
}

static const th_check *runtime[8]; /* th_register: studies, set once by the CLI */
static int nruntime;

const th_check *th_find(const char *id)
{
    for (int i = 0; i < th_count(); i++)
        if (strcmp(th_at(i)->id, id) == 0) return th_at(i);
    for (int i = 0; i < nruntime; i++)
        if (strcmp(runtime[i]->id, id) == 0) return runtime[i];
    return NULL;
}

int th_add_checks(const th_check *const *list, int n)
{
    if (nadded) OP_ERROR(OP_EINTERNAL, "th_add_checks: called twice");
    for (int i = 0; i < n; i++) {
        int taken = th_find(list[i]->id) != NULL;
        for (int j = 0; j < i; j++) taken |= strcmp(list[j]->id, list[i]->id) == 0;
        if (taken) OP_ERROR(OP_EINTERNAL, "th_add_checks: check id '%s' is taken", list[i]->id);
    }
    added = list;
    nadded = n;
    return OP_OK;
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
    for (int i = 0; i < th_count() && k < len; i++)
        k += snprintf(buf + k, (size_t)(len - k), "%s%s", k ? ", " : "", th_at(i)->id);
}
