/* The finite-width (empirical) NTK of an nn engine model:
 *   Theta_m(x, z) = sum over every parameter theta of df(x)/dtheta * df(z)/dtheta
 * for output 0, by per-sample backprop (one forward + backward with batch 1 per
 * point; parameter gradients copied out). Used by the ntk-exact, lazy-training
 * checks to compare a network at initialisation with the analytic kernel.
 *
 * Convention bridge to src/kernel/kernel.h (Arora et al. 2019, c_sigma = 2):
 * the engine's NN_PARAM_NTK MLP without bias computes
 *   f_E(x) = m^-1/2 W_{L+1} relu(m^-1/2 W_L relu(... relu(d^-1/2 W_1 x)))
 * while the analytic kernel's network is
 *   f_A(x) = W_{L+1} sqrt(2/m) relu(W_L sqrt(2/m) relu(... sqrt(2/m) relu(W_1 x))).
 * ReLU is positively homogeneous, so for EVERY parameter value
 * f_A = 2^(L/2) sqrt(d) f_E, hence grad f_A = 2^(L/2) sqrt(d) grad f_E and
 *   Theta_A = 2^L d Theta_E  (kn_empirical_ntk_factor).
 * With biases no such identity exists (the engine adds beta b after the 1/sqrt(fan_in)
 * scale, the analytic net after the sqrt(2) gain), so the factor is refused.
 * NN_PARAM_MF uses 1/m at the output: f_MF = f_E / sqrt(m), so the same factor
 * gives 2^L d Theta_MF = Theta_A / m (the mean-field kernel vanishes at init). */
#ifndef KN_EMPIRICAL_H
#define KN_EMPIRICAL_H

#include <stddef.h>

#include "nn/nn.h"

/* Doubles of workspace kn_empirical_ntk needs for n "left" points: (n + 1) * nparams. */
size_t kn_empirical_ntk_work(const nn_model *m, int n);

/* out[i*p + j] = Theta_m(X_i, Z_j) in the engine's own convention, for an F64 MLP
 * (or any F64 model with outputs = 1). X is n x in_dim, Z is p x in_dim, row-major.
 * work holds kn_empirical_ntk_work(m, n) doubles. Dot products are summed in
 * parameter order (deterministic). The model's gradient buffer is overwritten. */
int kn_empirical_ntk(nn_model *m, const double *X, int n, const double *Z, int p, double *out,
                     double *work);

/* The factor c with Theta_A = c Theta_E (see above): 2^depth * in_dim for an MLP with
 * NN_PARAM_NTK or NN_PARAM_MF and no bias; OP_EUSAGE otherwise. */
int kn_empirical_ntk_factor(const nn_model *m, double *factor);

#endif
