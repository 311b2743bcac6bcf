/* Intrinsic-dimension estimators on a point cloud X (n x D, row-major), from exact
 * (brute-force) nearest-neighbour distances. Both are consistent for data with a
 * smooth, positive density on a d-dimensional manifold and both underestimate when
 * d is large relative to log n (the neighbourhoods are then too big to be flat and
 * too sparse to fill); see docs/engine.md, "Intrinsic dimension", for measured values.
 *
 * Levina & Bickel (NIPS 2004) MLE, averaged as MacKay & Ghahramani (2005) advise:
 * for each k in [k1, k2], with T_j(x) the distance to the j-th neighbour,
 *   1/d_k = mean over x of (1/(k-1)) sum_{j<k} log(T_k(x)/T_j(x))
 * (averaging the inverse is unbiased under the local Poisson model, averaging d_k(x)
 * is not), and the estimate is the mean of d_k over k = k1..k2 (k1 = k2 for a fixed
 * k). Typical k1 = 10, k2 = 20.
 *
 * TwoNN (Facco, d'Errico, Rodriguez, Laio, Sci. Rep. 2017): mu = T_2/T_1 is Pareto
 * with index d, so -log(1 - F(mu)) = d log mu. Exact duplicates are removed, mu is
 * sorted, F_i = i/N, the top 10% of mu are discarded and d is the least-squares
 * slope through the origin of -log(1 - F_i) against log mu_i.
 *
 * Exact duplicates (distance 0) are dropped: a point equal to an earlier one
 * (found by a lexicographic sort of the rows) is neither a query nor a neighbour. Parallel over query points (one writer each),
 * so results are identical for any thread count. Cost O(n^2 D). */
#ifndef MF_INTDIM_H
#define MF_INTDIM_H

/* dist (n x k): distances to the k nearest distinct other points, ascending
 * (INFINITY when fewer exist). dup (n, optional): 1 for a duplicate point. */
int mf_knn(const double *X, long n, int D, int k, double *dist, unsigned char *dup);
int mf_intdim_mle(const double *X, long n, int D, int k1, int k2, double *est);
int mf_intdim_twonn(const double *X, long n, int D, double *est);

#endif
