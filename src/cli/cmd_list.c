/* overparam list: the theorem checks with id, citation, claim and controls. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "core/args.h"
#include "core/op_error.h"
#include "theorems/check.h"

#define LIST_MAX_IDS 64

/* --bibtex: the entries of the named checks (all by default), each key once, in check
 * order. An unknown key is an internal error, caught by ctest. */
static int print_bibtex(const char **ids, int nids)
{
    const char *done[4 * LIST_MAX_IDS + 64];
    int ndone = 0;
    for (int i = 0; i < th_count(); i++) {
        const th_check *c = th_at(i);
        int want = nids == 0;
        for (int k = 0; k < nids; k++) want |= strcmp(ids[k], c->id) == 0;
        if (!want) continue;
        for (int k = 0; k < TH_MAX_CITES && c->cite[k]; k++) {
            int seen = 0;
            for (int j = 0; j < ndone; j++) seen |= strcmp(done[j], c->cite[k]) == 0;
            if (seen) continue;
            const char *e = th_bibtex(c->cite[k]);
            if (!e) OP_ERROR(OP_EINTERNAL, "list: check %s cites the unknown BibTeX key %s", c->id, c->cite[k]);
            if ((size_t)ndone < sizeof done / sizeof done[0]) done[ndone++] = c->cite[k];
            printf("%% %s\n%s\n\n", c->id, e);
        }
    }
    return OP_OK;
}

int cmd_list(int argc, char **argv)
{
    int bib = 0;
    op_arg spec[] = {{"bibtex", OP_ARG_FLAG, &bib, 0, 0, "print the BibTeX entries of the papers the checks test", 0}};
    int ns = (int)(sizeof spec / sizeof spec[0]);
    const char *ids[LIST_MAX_IDS];
    int nids = 0;
    int s = op_args_parse("list", argc - 1, argv + 1, spec, ns, ids, &nids, LIST_MAX_IDS);
    if (s == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam list [ID...] [--bibtex]",
                           "Lists the theorem checks (all, or the named ones): id, citation, claim,\n"
                           "prediction and controls (each marked [near-miss] or [not near-miss]). With --bibtex,\n"
                           "prints instead the BibTeX entries of the papers those checks test, each once, so a\n"
                           "figure can be cited: overparam list polylog-width --bibtex > refs.bib", spec, ns);
        return 0;
    }
    if (s) return cli_fail(s);
    for (int k = 0; k < nids; k++)
        if (!th_find(ids[k])) {
            char valid[1024];
            th_valid_ids(valid, sizeof valid);
            return cli_fail(op_error_set(OP_EUSAGE, __FILE__, __LINE__, "list: unknown check '%s' (valid: %s)",
                                         ids[k], valid));
        }
    if (bib) {
        int st = print_bibtex(ids, nids);
        return st ? cli_fail(st) : 0;
    }
    int first = 1;
    for (int i = 0; i < th_count(); i++) {
        const th_check *c = th_at(i);
        int want = nids == 0;
        for (int k = 0; k < nids; k++) want |= strcmp(ids[k], c->id) == 0;
        if (!want) continue;
        if (!first) printf("\n");
        first = 0;
        printf("%s\n", c->id);
        printf("  citation:   %s\n", c->citation);
        printf("  claim:      %s\n", c->claim);
        printf("  prediction: %s\n", c->prediction);
        for (int k = 0; k < th_ncontrols(c); k++)
            printf("  control:    %s [%s] -- %s\n", c->controls[k].name,
                   c->controls[k].near_miss ? "near-miss" : "not near-miss", c->controls[k].what);
        if (c->compare.ambient_axis && c->compare.manifold_axis)
            printf("  compare:    supported (manifolds: %s)\n", c->compare.valid_manifolds);
        else if (c->compare.ambient_axis)
            printf("  compare:    supported (fixed manifold %s; --ambient only)\n", c->compare.fixed_manifold);
    }
    return 0;
}
