/* Placeholder until the subcommand lands: says so and exits 2, never pretends. */
#include <stdio.h>

#include "cmds.h"

int cmd_kernel(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "overparam: 'kernel' is not available in this build yet\n");
    return 2;
}
