/* overparam list: the theorem checks with id, citation, claim and controls. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "core/args.h"
#include "core/op_error.h"
#include "theorems/check.h"

int cmd_list(int argc, char **argv)
{
    int all = 0;
    op_arg spec[] = {{"all", OP_ARG_FLAG, &all, 0, 0, "also list hidden test-only checks", 0}};
    int ns = (int)(sizeof spec / sizeof spec[0]);
    int s = op_args_parse("list", argc - 1, argv + 1, spec, ns, NULL, NULL, 0);
    if (s == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam list [--all]",
                           "Lists the theorem checks: id, citation, claim, prediction and controls (each marked\n"
                           "[near-miss] or [not near-miss]).", spec, ns);
        return 0;
    }
    if (s) return cli_fail(s);
    int first = 1;
    for (int i = 0; i < th_count(); i++) {
        const th_check *c = th_at(i);
        if (c->hidden && !all) continue;
        if (!first) printf("\n");
        first = 0;
        printf("%s%s\n", c->id, c->hidden ? "  (hidden: tests only)" : "");
        printf("  citation:   %s\n", c->citation);
        printf("  claim:      %s\n", c->claim);
        printf("  prediction: %s\n", c->prediction);
        for (int k = 0; k < th_ncontrols(c); k++)
            printf("  control:    %s [%s] -- %s\n", c->controls[k].name,
                   c->controls[k].near_miss ? "near-miss" : "not near-miss", c->controls[k].what);
        if (c->compare.manifold_axis) printf("  compare:    supported (manifolds: %s)\n", c->compare.valid_manifolds);
    }
    return 0;
}
