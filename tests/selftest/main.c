/* overparam-selftest: the shipped CLI (src/cli) and library plus the test-only checks
 * of tests/selftest/checks.list (this directory's selftest_*.c: synthetic rates and
 * faults in milliseconds, no training), for the framework and fault tests. They are
 * added to the registry after the shipped checks, so `list`, the report and `verify`
 * with no ids see them last, as the shipped checks keep their order. */
#include "cli/cmds.h"
#include "theorems/check.h"

#define TH_CHECK(sym) extern const th_check sym;
#include "th_selftest_checks.h"
#undef TH_CHECK

static const th_check *const selftests[] = {
#define TH_CHECK(sym) &sym,
#include "th_selftest_checks.h"
#undef TH_CHECK
};

int main(int argc, char **argv)
{
    int s = th_add_checks(selftests, (int)(sizeof selftests / sizeof selftests[0]));
    return s ? cli_fail(s) : cli_main(argc, argv);
}
