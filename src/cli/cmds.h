/* One function per subcommand, each in src/cli/cmd_<name>.c. argv[0] is the
 * subcommand name; the return value is the process exit code (DESIGN.md):
 * 0 ok / all PASS, 1 a check FAILed, 2 usage or config error, 3 runtime error,
 * 4 (verify, figures, compare) no check (compare: row) FAILed but one is MARGINAL. */
#ifndef OP_CMDS_H
#define OP_CMDS_H

/* verify/figures: no check FAILed, at least one is MARGINAL; compare: the same over
 * its rows. Not 0, because a MARGINAL is not a confirmation (a script or CI testing
 * `$? == 0` must not read it as one); not 1, so a caller can tell "unresolved" from
 * "refuted". 4 because 2 and 3 are the error codes. */
#define OP_EXIT_MARGINAL 4

/* The whole CLI: the command table and dispatch (main.c). main() only calls it: the
 * shipped binary's in overparam.c; tests' overparam-selftest (tests/selftest/main.c)
 * first adds its test-only checks to the registry. */
int cli_main(int argc, char **argv);

int cmd_list(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_figures(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_manifolds(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_kernel(int argc, char **argv);

/* verify, figures and study share one engine (cmd_verify.c); mode 0 verify, 1 figures
 * (the full presets and every figure), 2 study (a study file instead of check ids). */
int verify_main(int argc, char **argv, int mode);

/* The one exit path for errors: prints "overparam: <message>" for the recorded error
 * and returns the exit code (op_exit_code: usage 2, runtime 3). */
int cli_fail(int status);
/* A usage error (exit 2) with a printf-style message: records it as OP_EUSAGE and
 * returns cli_fail's code. Every command reports a bad flag or combination this way. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The status of reading a user's data file (CSV, raw float32) for the exit code: a
 * malformed or corrupt file is an input-file error, exit 3 like a truncated IDX or
 * model file (docs/running.md, "Exit codes"), while library readers such as nn_csv_read report
 * it as OP_EUSAGE; the message is kept. Other statuses pass through. */
int cli_data_status(int status);

#endif
