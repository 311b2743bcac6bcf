/* Distributing a sweep over processes (MPI ranks). Built with OVERPARAM_MPI
 * (OP_HAVE_MPI), `mpirun -np N overparam verify ...` gives every rank a share of
 * each sweep's runs; each rank uses its OpenMP threads on its share, writes its
 * records atomically into the shared output directory, and after a collective
 * step rank 0 reads all of them and judges. Without MPI (or when the process was
 * not started by an MPI launcher) every function below is the one-process
 * identity: rank 0 of 1.
 *
 * MPI is initialised only when a launcher started the process (mpirun/mpiexec/
 * srun set OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK), so a plain
 * `overparam verify` never touches the MPI runtime. All calls are made from the
 * main thread outside OpenMP regions (MPI_THREAD_FUNNELED). */
#ifndef SW_DIST_H
#define SW_DIST_H

#include <stddef.h>

/* Initialise (idempotent). OP_EIO if MPI_Init fails. */
int sw_dist_init(int *argc, char ***argv);
/* Finalise if sw_dist_init initialised MPI (idempotent). */
void sw_dist_finalize(void);

int sw_dist_rank(void);
int sw_dist_size(void);

/* Broadcast n ints from rank 0. */
void sw_dist_bcast_ints(int *buf, int n);
/* Sum of v over the ranks, on every rank. */
long sw_dist_sum(long v);

/* Agree on the error of a distributed step: each rank passes the plan index of
 * its earliest failed run (-1: none), its status and message; every rank gets
 * back the status and message of the globally earliest failure (OP_OK: none),
 * so the result does not depend on the number of ranks. */
int sw_dist_first_error(int first_run, int status, char *msg, size_t msglen);

#endif
