/* overparam manifolds: the registry of manifolds (name, intrinsic dimension,
 * natural dimension, parameters, sampled measure), one per line; with specs as
 * arguments, the dimensions of those specs; --targets lists the target specs. */
#include <stdio.h>
#include <string.h>

#include "core/args.h"
#include "core/op_error.h"
#include "manifolds/manifold.h"
#include "cmds.h"

static const char *TARGETS[][2] = {
    {"matern:s=1[,ell=1,kc=K,nmax=16384,basis=fourier]",
     "Matern-s random Fourier series on a flat torus (exact unit L2 norm)"},
    {"matern:s=1[,ell=1,features=4096,basis=rff]",
     "Matern-s field of the natural space restricted to the manifold (random Fourier features)"},
    {"sign:s=1,margin=0.1[,matern parameters]", "labels sign(g) of a Matern field g, |g| >= margin"},
    {"teacher:m=8[,act=relu|tanh]", "two-layer teacher network on centred natural coordinates"},
};

int cmd_manifolds(int argc, char **argv)
{
    int targets = 0;
    op_arg spec[] = {{"targets", OP_ARG_FLAG, &targets, 0, 0, "list the target specs instead", 0}};
    const char *pos[32];
    int npos = 0;
    int st = op_args_parse("manifolds", argc - 1, argv + 1, spec, 1, pos, &npos, 32);
    if (st == OP_ARGS_HELP) {
        op_args_print_help(stdout, "overparam manifolds [SPEC...] [--targets]",
                           "Lists the manifolds: name, intrinsic dimension d, natural dimension N (the\n"
                           "Euclidean space the manifold lives in before the random isometry into R^D),\n"
                           "parameters with defaults, and the measure the sampler draws from. With SPEC\n"
                           "arguments (e.g. torus:d=3 'sphere:d=1*torus:d=1'), prints their d and N.",
                           spec, 1);
        return 0;
    }
    if (st) return cli_fail(st);
    if (targets && npos > 0) {
        return cli_usage("manifolds: --targets lists every target and takes no manifold spec (got '%s')",
                         pos[0]);
    }
    if (targets) {
        printf("%-52s %s\n", "target", "description");
        for (size_t i = 0; i < sizeof TARGETS / sizeof TARGETS[0]; i++)
            printf("%-52s %s\n", TARGETS[i][0], TARGETS[i][1]);
        return 0;
    }
    if (npos > 0) {
        /* Validate every spec first: a bad one prints one line and nothing else. */
        for (int i = 0; i < npos; i++) {
            mf_manifold *m = NULL;
            if ((st = mf_manifold_parse(pos[i], &m))) return cli_fail(st);
            mf_manifold_free(m);
        }
        printf("%-32s %4s %8s\n", "manifold", "d", "natural");
        for (int i = 0; i < npos; i++) {
            mf_manifold *m = NULL;
            if ((st = mf_manifold_parse(pos[i], &m))) return cli_fail(st);
            printf("%-32s %4d %8d\n", mf_manifold_name(m), mf_manifold_dim(m), mf_manifold_natural_dim(m));
            mf_manifold_free(m);
        }
        return 0;
    }
    printf("%-10s %-12s %-9s %-58s %s\n", "name", "d", "natural", "parameters (default, range)", "measure");
    for (int i = 0; i < mf_registry_count(); i++) {
        const char *name, *dim, *nat, *meas;
        char params[256];
        mf_registry_entry(i, &name, &dim, &nat, params, sizeof params, &meas);
        printf("%-10s %-12s %-9s %-58s %s\n", name, dim, nat, params, meas);
    }
    printf("products: join specs with '*', e.g. 'sphere:d=1*torus:d=1' (quote it in a shell)\n");
    return 0;
}
