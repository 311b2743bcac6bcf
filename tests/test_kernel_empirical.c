/* Empirical NTK (src/kernel/empirical.c): a hand-computed two-layer case, a
 * finite-difference check of a deeper net, and convergence to the analytic kernel
 * (src/kernel) at the CLT tolerance, which pins the convention factor 2^L d. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"
#include "core/rng.h"
#include "kernel/empirical.h"
#include "kernel/kernel.h"
#include "test_util.h"

static nn_model *make(int d, int depth, int m, nn_param par, int bias, uint64_t seed)
{
    nn_config c = nn_config_mlp(d, depth, m, 1, par);
    c.bias = bias;
    nn_model *net = NULL;
    if (nn_model_create(&c, NN_F64, 4, &net) != OP_OK) return NULL;
    op_rng r;
    op_rng_seed(&r, seed);
    nn_model_init(net, &r);
    return net;
}

static double theta(nn_model *net, const double *x, const double *z)
{
    double *w = malloc(sizeof(double) * kn_empirical_ntk_work(net, 1)), k = NAN;
    if (w && kn_empirical_ntk(net, x, 1, z, 1, &k, w) != OP_OK) k = NAN;
    free(w);
    return k;
}

static void unit(op_rng *r, double *x, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++) {
        x[i] = op_rng_normal(r);
        s += x[i] * x[i];
    }
    for (int i = 0; i < d; i++) x[i] /= sqrt(s);
}

/* f = m^-1/2 sum_r a_r relu(w_r.x / sqrt(d)): the kernel in closed form,
 *   (1/m) sum_r [relu(w_r.x/sqrt d) relu(w_r.z/sqrt d) + a_r^2 1[w_r.x>0] 1[w_r.z>0] x.z/d]. */
static void test_hand(void)
{
    const int d = 2, m = 3;
    nn_model *net = make(d, 1, m, NN_PARAM_NTK, 0, 1);
    CHECK(net != NULL, "create");
    if (!net) return;
    double W[6] = {1.0, -0.5, -2.0, 0.25, 0.5, 0.5}, a[3] = {0.7, -1.3, 2.0};
    double *p = net->params;
    memcpy(p, W, sizeof W);
    memcpy(p + 6, a, sizeof a);
    double x[2] = {1.0, 2.0}, z[2] = {-0.5, 1.5};
    double want = 0, xz = x[0] * z[0] + x[1] * z[1];
    for (int r = 0; r < m; r++) {
        double ux = (W[2 * r] * x[0] + W[2 * r + 1] * x[1]) / sqrt(d);
        double uz = (W[2 * r] * z[0] + W[2 * r + 1] * z[1]) / sqrt(d);
        want += (fmax(ux, 0) * fmax(uz, 0) + a[r] * a[r] * (ux > 0) * (uz > 0) * xz / d) / m;
    }
    double got = theta(net, x, z);
    CHECK(fabs(got - want) < 1e-14, "hand case: %.17g vs %.17g", got, want);
    CHECK(fabs(theta(net, z, x) - got) < 1e-15, "symmetric");
    nn_model_free(net);
}

/* Depth 3, small width: Theta(x,z) against central finite differences of f. */
static void test_fd(void)
{
    const int d = 3, m = 4;
    nn_model *net = make(d, 3, m, NN_PARAM_NTK, 0, 7);
    CHECK(net != NULL, "create");
    if (!net) return;
    double x[3] = {0.3, -1.1, 0.8}, z[3] = {1.2, 0.4, -0.2};
    double *p = net->params, want = 0, h = 1e-6;
    for (size_t i = 0; i < net->nparams; i++) {
        double s = p[i], fx[2], fz[2];
        for (int k = 0; k < 2; k++) {
            p[i] = s + (k ? -h : h);
            nn_forward_f64(net, x, 1, &fx[k]);
            nn_forward_f64(net, z, 1, &fz[k]);
        }
        p[i] = s;
        want += (fx[0] - fx[1]) / (2 * h) * (fz[0] - fz[1]) / (2 * h);
    }
    double got = theta(net, x, z);
    CHECK(fabs(got - want) < 1e-6 * (1 + fabs(want)), "finite differences: %.10g vs %.10g", got, want);
    nn_model_free(net);
}

/* Two-layer net at large width: 2 d Theta_E -> Theta^(1) = 2 (K1 + K2). Per unit r the
 * summand xi_r has E[xi^2] <= 16 for unit inputs (4 at x = z times the factor 2^2),
 * so the standard deviation is at most 4/sqrt(m); tolerance 5 of those. */
static void test_limit_two_layer(nn_param par)
{
    const int d = 8, m = 40000;
    nn_model *net = make(d, 1, m, par, 0, 11);
    CHECK(net != NULL, "create");
    if (!net) return;
    double c;
    CHECK(kn_empirical_ntk_factor(net, &c) == OP_OK && c == 16, "factor 2^1 * 8 = %g", c);
    if (par == NN_PARAM_MF) c *= m; /* the mean-field kernel is Theta / m */
    op_rng r;
    op_rng_seed(&r, 5);
    double tol = 5 * 4 / sqrt((double)m);
    for (int k = 0; k < 4; k++) {
        double x[8], z[8];
        unit(&r, x, d);
        unit(&r, z, d);
        if (k == 0) memcpy(z, x, sizeof x);
        double got = c * theta(net, x, z), want = kn_eval(KN_NTK, x, z, d, 1, 0);
        double k12 = 2 * kn_eval(KN_K12, x, z, d, 1, 0);
        CHECK(fabs(want - k12) < 1e-12, "Theta^(1) = 2 (K1 + K2)");
        CHECK(fabs(got - want) < tol, "%s pair %d: empirical %.5f vs analytic %.5f (tol %.3f)",
              nn_param_name(par), k, got, want, tol);
    }
    nn_model_free(net);
}

/* Depth 2: the mean over seeds of 4 d Theta_E approaches Theta^(2) (3 at x = z).
 * Tolerance: 5 standard errors over the seeds plus 2/m for the O(1/m) finite-width
 * bias. A convention error by a factor 2 per layer would be off by >= 1.5. */
static void test_limit_deep(void)
{
    const int d = 8, m = 256, S = 12;
    op_rng r;
    op_rng_seed(&r, 9);
    double x[8], z[8];
    unit(&r, x, d);
    unit(&r, z, d);
    double want = kn_eval(KN_NTK, x, z, d, 2, 0), v[12], s = 0, s2 = 0;
    for (int k = 0; k < S; k++) {
        nn_model *net = make(d, 2, m, NN_PARAM_NTK, 0, 100 + (uint64_t)k);
        if (!net) return;
        double c;
        kn_empirical_ntk_factor(net, &c);
        v[k] = c * theta(net, x, z);
        s += v[k];
        nn_model_free(net);
    }
    s /= S;
    for (int k = 0; k < S; k++) s2 += (v[k] - s) * (v[k] - s);
    double se = sqrt(s2 / (S - 1) / S), tol = 5 * se + 2.0 / m;
    CHECK(fabs(s - want) < tol, "depth 2: mean empirical %.4f vs Theta^(2) %.4f (tol %.4f)", s, want, tol);
    CHECK(se < 0.1, "depth 2: seed s.e. %.4f small enough to test the factor", se);
}

static void test_errors(void)
{
    nn_model *net = make(3, 1, 4, NN_PARAM_NTK, 1, 1);
    double c;
    CHECK(net && kn_empirical_ntk_factor(net, &c) == OP_EUSAGE, "bias refused");
    nn_model_free(net);
    net = make(3, 1, 4, NN_PARAM_STANDARD, 0, 1);
    CHECK(net && kn_empirical_ntk_factor(net, &c) == OP_EUSAGE, "standard refused");
    nn_model_free(net);
    nn_config cf = nn_config_mlp(3, 1, 4, 1, NN_PARAM_NTK);
    cf.bias = 0;
    nn_model *n32 = NULL;
    double x[3] = {1, 0, 0}, k, w[64];
    CHECK(nn_model_create(&cf, NN_F32, 1, &n32) == OP_OK, "create f32");
    CHECK(kn_empirical_ntk(n32, x, 1, x, 1, &k, w) == OP_EUSAGE, "f32 refused");
    nn_model_free(n32);
    op_error_clear();
}

int main(void)
{
    test_hand();
    test_fd();
    test_limit_two_layer(NN_PARAM_NTK);
    test_limit_two_layer(NN_PARAM_MF);
    test_limit_deep();
    test_errors();
    return test_summary("test_kernel_empirical");
}
