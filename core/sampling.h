/* sampling.h: the draws of a model's uncertain inputs, one row per run. */
#ifndef CJM_SAMPLING_H
#define CJM_SAMPLING_H

#include "model.h"

/* Fills x[runs][uncertain_count] with each run's draws: plain random or Latin
 * hypercube, then rank correlation (Iman-Conover) within each correlation
 * group. Each input's draws come from a stream keyed by the seed and the
 * input's path, so a variant that changes one input leaves the others'
 * draws as they were (common random numbers across variants). */
cjm_status cjm_sample_inputs(const cjm_model *m, int runs, uint64_t seed, cjm_sampling method,
                             double *x, cjm_error *err);

/* Cholesky factor of the n x n matrix a into l (lower); 0 if a is not
 * positive definite. */
int cjm_cholesky(const double *a, double *l, int n);

/* Spearman's rank correlation of a[i * stride] and b[i * stride], i < n. */
double cjm_spearman(const double *a, const double *b, int n, int stride);

#endif
