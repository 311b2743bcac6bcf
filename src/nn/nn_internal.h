/* Internals shared by the nn sources (not part of the public API). */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn.h"
#include "nn_layers.h"

#define NN_MAX_OUTPUTS 100000
#define NN_MAX_DIM (1 << 22)
#define NN_MAX_L 16
/* Below this many elements a loop runs on one thread (fork/join costs more). */
#define NN_OMP_MIN 32768

int nn_tensor_count(const nn_config *c);

/* Per-precision helpers defined in the templates. */
int nn_predict_f32(nn_model *m, const double *x, long n, double *out);
int nn_predict_f64(nn_model *m, const double *x, long n, double *out);
int nn_input_grad_output_f32(nn_model *m, const double *x, long n, int o, double *dx);
int nn_input_grad_output_f64(nn_model *m, const double *x, long n, int o, double *dx);
int nn_input_grad_loss_f32(nn_model *m, nn_loss l, const double *x, const double *y, long n,
                           double *dx, double *loss_out);
int nn_input_grad_loss_f64(nn_model *m, nn_loss l, const double *x, const double *y, long n,
                           double *dx, double *loss_out);
int nn_eval_f32(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
                double *err);
int nn_eval_f64(nn_model *m, nn_loss l, const double *x, const double *y, long n, double *loss,
                double *err);
int nn_attack_run_f32(nn_model *m, const nn_attack *a, nn_loss l, const double *x,
                      const double *y, long n, op_rng *rng, double *x_adv);
int nn_attack_run_f64(nn_model *m, const nn_attack *a, nn_loss l, const double *x,
                      const double *y, long n, op_rng *rng, double *x_adv);
int nn_train_f32(nn_model *m, const nn_dataset *train, const nn_dataset *val,
                 const nn_train_opts *o, nn_train_result *res);
int nn_train_f64(nn_model *m, const nn_dataset *train, const nn_dataset *val,
                 const nn_train_opts *o, nn_train_result *res);

#endif
