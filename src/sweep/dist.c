#include "dist.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/op_error.h"

#ifdef OP_HAVE_MPI
#include <mpi.h>

static int g_inited, g_rank, g_size = 1;

/* Did an MPI launcher start this process? (OpenMPI, MPICH/Hydra or Slurm PMI2, PMIx) */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int sw_dist_init(int *argc, char ***argv)
{
    int flag = 0;
    if (g_inited || !launched()) return OP_OK;
    MPI_Initialized(&flag);
    if (!flag) {
        int provided;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            OP_ERROR(OP_EIO, "MPI_Init failed");
    }
    g_inited = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    return OP_OK;
}

void sw_dist_finalize(void)
{
    if (!g_inited) return;
    g_inited = 0;
    MPI_Finalize();
    g_rank = 0;
    g_size = 1;
}

int sw_dist_rank(void) { return g_rank; }
int sw_dist_size(void) { return g_size; }

void sw_dist_bcast_ints(int *buf, int n)
{
    if (g_size > 1) MPI_Bcast(buf, n, MPI_INT, 0, MPI_COMM_WORLD);
}

long sw_dist_sum(long v)
{
    long s = v;
    if (g_size > 1) MPI_Allreduce(&v, &s, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    return s;
}

int sw_dist_first_error(int first_run, int status, char *msg, size_t msglen)
{
    if (g_size <= 1) return status;
    struct {
        int run, rank;
    } in = {status && first_run >= 0 ? first_run : INT_MAX, g_rank}, out;
    if (status && first_run < 0) in.run = INT_MAX - 1; /* a failure outside any run */
    MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    if (out.run == INT_MAX) return OP_OK;
    int st = status;
    MPI_Bcast(&st, 1, MPI_INT, out.rank, MPI_COMM_WORLD);
    MPI_Bcast(msg, (int)msglen, MPI_CHAR, out.rank, MPI_COMM_WORLD);
    msg[msglen - 1] = 0;
    return st;
}

#else /* one process */

int sw_dist_init(int *argc, char ***argv) { return OP_OK; }
void sw_dist_finalize(void) {}
int sw_dist_rank(void) { return 0; }
int sw_dist_size(void) { return 1; }
void sw_dist_bcast_ints(int *buf, int n) {}
long sw_dist_sum(long v) { return v; }
int sw_dist_first_error(int first_run, int status, char *msg, size_t msglen) { return status; }

#endif
