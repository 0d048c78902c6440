/* sampling.h: the uniforms behind uncertain inputs, rank correlation by
 * Iman-Conover, Spearman's rho and Cholesky factors, on plain matrices. */
#ifndef CJM_SAMPLING_H
#define CJM_SAMPLING_H

#include "cjm.h"

#include <stdint.h>

/* FNV-1a of an input's path: the key that names its random streams, so that
 * a variant that changes one input leaves the others' draws as they were. */
uint64_t cjm_path_key(const char *path);

/* u[0 .. runs) on (0, 1) for the input keyed `key`: independent draws, or
 * (Latin hypercube) one in each of runs equal strata in a random order.
 * perm is scratch space for runs ints. */
void cjm_input_uniforms(uint64_t seed, uint64_t key, int runs, cjm_sampling method, int *perm,
                        double *u);

/* Iman and Conover (1982): reorders each of the k columns x[r * stride +
 * col[i]], r < runs, so that their ranks follow normal scores whose rank
 * correlation is the k x k matrix (column i's scores keyed keys[i]). Returns
 * 0, -1 when out of memory, 1 when the matrix is not positive definite
 * after conversion to normal scores. */
int cjm_iman_conover(double *x, int stride, const int *col, const uint64_t *keys, int k,
                     const double *matrix, uint64_t seed, int runs);

/* Cholesky factor of the n x n matrix a into l (lower); 0 if a is not
 * positive definite. */
int cjm_cholesky(const double *a, double *l, int n);

/* Spearman's rank correlation of a[i * stride] and b[i * stride], i < n. */
double cjm_spearman(const double *a, const double *b, int n, int stride);

#endif
