/* numpy-readable dumps of a model (export) and of one forward/backward (grad), used by
 * `overparam model export|grad`. Layout in docs/engine.md. */
#ifndef NN_DUMP_H
#define NN_DUMP_H

#include "nn.h"

/* DIR/hparams.json and DIR/param.<tensor>.npy. Creates DIR. */
int nn_export(const nn_model *m, const char *dir);
/* One forward/backward on x [B][in_dim] (B <= max_batch). Objective: the mean loss l when
 * y != NULL (targets [B][nn_loss_target_dim]), else the sum over the batch of output
 * `out_index`. Writes input, target, output, input_grad, param.*, grad.* (.npy) and
 * hparams.json (with the objective and the loss) into DIR. */
int nn_grad_dump(nn_model *m, const double *x, const double *y, int B, nn_loss l, int out_index,
                 const char *dir, double *loss_out);

#endif
