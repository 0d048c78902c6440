/* optimize.h: minimising a smooth function of a few variables (maximum
 * likelihood): Nelder-Mead, a central-difference Hessian, and the inverse of
 * a small symmetric positive definite matrix. No state is kept; safe to call
 * from several threads. */
#ifndef CJM_OPTIMIZE_H
#define CJM_OPTIMIZE_H

#define CJM_OPT_MAX_DIM 8

/* f(x[0..n-1], ctx); +inf (or NaN) where x is outside the domain. */
typedef double (*cjm_objective)(const double *x, void *ctx);

/* Minimises f from x[0..n-1] (n <= CJM_OPT_MAX_DIM) by Nelder-Mead (Lagarias
 * et al. 1998's coefficients: reflection 1, expansion 2, contraction 1/2,
 * shrink 1/2), restarted from the best point with a fresh simplex (initial
 * step `step` in each coordinate) until a restart no longer improves f by
 * more than 1e-12 relative. x receives the minimum; returns f there, or NaN
 * when f is not finite at the start or max_evals is reached first. */
double cjm_minimize(cjm_objective f, void *ctx, int n, double *x, double step, long max_evals);

/* The Hessian of f at x by central differences with steps h * max(1, |x_i|):
 * H[i * n + j]. Returns 0, or -1 when f is not finite at a point needed. */
int cjm_hessian(cjm_objective f, void *ctx, int n, const double *x, double h, double *H);

/* inv = A^-1 for a symmetric positive definite n x n matrix, by Cholesky.
 * Returns 0, or -1 when A is not positive definite. */
int cjm_spd_inverse(int n, const double *A, double *inv);

/* Solves A x = b in place for an n x n matrix A (row-major, destroyed) by
 * Gaussian elimination with partial pivoting; b becomes x. Returns 0, or -1
 * when A is singular (a pivot below 1e-300 or not finite). */
int cjm_solve_linear(int n, double *A, double *b);

#endif
