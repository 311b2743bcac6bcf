/* overparam figures: full presets, every figure (.dat, .gp, .png, .pdf) and the
 * report; the same engine as verify (src/cli/cmd_verify.c). */
#include "cmds.h"

int cmd_figures(int argc, char **argv) { return verify_main(argc, argv, 1); }
