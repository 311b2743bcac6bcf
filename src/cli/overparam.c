/* The shipped binary: the CLI (main.c) with the checks of theorems/checks.list only.
 * Tests build overparam-selftest from the same CLI plus test-only checks
 * (tests/selftest/main.c), so those never ship. */
#include "cmds.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
