/* allreduce.c - the cost of the all-reduce edgelstm-mpi makes once per batch: MPI_Allreduce
 * (MPI_SUM) of N int64 values (default 69764: the seed's LSTM(128) + Dense(1) over 7 inputs,
 * 69761 parameters, plus the 3 counters), REPS times after WARM warm-up calls; rank 0
 * prints one JSON line: processes, values, bytes, the median and mean seconds per call.
 *   mpicc -O2 bench/allreduce.c -o allreduce && mpirun -np 2 ./allreduce [N] [REPS]  */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? atol(argv[1]) : 69764, reps = argc > 2 ? atol(argv[2]) : 200, warm = 20;
    int64_t *v = malloc((size_t)n * sizeof *v);
    double *t = malloc((size_t)reps * sizeof *t), sum = 0;
    if (!v || !t || n < 1 || reps < 1) MPI_Abort(MPI_COMM_WORLD, 2);
    for (long k = 0; k < n; k++) v[k] = rank + k;
    for (long r = -warm; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
        double dt = MPI_Wtime() - t0;
        for (long k = 0; k < n; k++) v[k] = rank + k;
        if (r >= 0) { t[r] = dt; sum += dt; }
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    if (rank == 0)
        printf("{\"processes\": %d, \"values\": %ld, \"bytes\": %ld, \"median_s\": %.6g, \"mean_s\": %.6g}\n", size, n,
               n * 8, t[reps / 2], sum / (double)reps);
    free(v);
    free(t);
    MPI_Finalize();
    return 0;
}
