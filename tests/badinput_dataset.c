/* badinput_dataset DIR: loads an IDX image-set directory (src/data/dataset.h) the way
 * a subcommand does and reports like the CLI: one line "overparam: <message>" on
 * stderr and exit op_exit_code (2 usage, 3 I/O). Lets tests/badinput.tsv cover the
 * IDX reader's bad inputs (missing, truncated, corrupt files) while no subcommand
 * takes a --dataset flag yet. */
#include <stdio.h>

#include "core/op_error.h"
#include "data/dataset.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: badinput_dataset DIR\n");
        return 2;
    }
    dt_image_set tr, te;
    int s = dt_dataset_load(argv[1], 0, 0, 0, &tr, &te);
    if (s) {
        fprintf(stderr, "overparam: %s\n", op_error_message());
        return op_exit_code(s);
    }
    printf("%d train, %d test, %d x %d, %d classes\n", tr.n, te.n, tr.rows, tr.cols, tr.nclasses);
    dt_image_set_free(&tr);
    dt_image_set_free(&te);
    return 0;
}
