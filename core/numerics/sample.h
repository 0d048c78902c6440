/* Random variates, and the exact distribution and quantile functions of the
 * continuous distributions, for a scenario's uncertain inputs.
 *
 * Every sampler draws only from the cjm_rng it is given, so the same stream
 * state always yields the same variate. Each is written from the published
 * algorithm named beside it in sample.c and is exact in distribution up to
 * floating-point rounding. At degenerate parameters (a zero width, a zero
 * rate or probability, n = 0) they return the limiting value; invalid ones
 * (NaN, a negative scale, lo > hi) give NaN, or 0 for the integer-valued
 * samplers. None can loop forever. */
#ifndef CJM_SAMPLE_H
#define CJM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* Standard normal, by inversion of a 53-bit uniform (one draw each). */
double cjm_sample_normal(cjm_rng *rng);

/* Uniform on [lo, hi) (hi itself only through rounding, with probability
 * below 2^-53). */
double cjm_sample_uniform(cjm_rng *rng, double lo, double hi);

/* Exponential with the given rate (mean 1 / rate). */
double cjm_sample_exponential(cjm_rng *rng, double rate);

/* Gamma with shape k > 0 and scale theta > 0 (mean k theta). */
double cjm_sample_gamma(cjm_rng *rng, double k, double theta);

/* Beta(a, b), a, b > 0, on [0, 1]. */
double cjm_sample_beta(cjm_rng *rng, double a, double b);

/* Triangular on [lo, hi] with the given mode. */
double cjm_sample_triangular(cjm_rng *rng, double lo, double mode, double hi);

/* Beta-PERT on [lo, hi] with the given mode (lambda = 4): lo + (hi - lo) B,
 * B ~ Beta(1 + 4 (mode - lo) / (hi - lo), 1 + 4 (hi - mode) / (hi - lo)). */
double cjm_sample_pert(cjm_rng *rng, double lo, double mode, double hi);

/* exp(mu + sigma Z), Z standard normal. */
double cjm_sample_lognormal(cjm_rng *rng, double mu, double sigma);

/* An index i in [0, n) drawn with probability proportional to weight i,
 * given the running sums cumulative[i] = w_0 + ... + w_i (nondecreasing; they
 * need not end at 1). Zero-weight indices are never drawn. Returns n if
 * n == 0 or the total weight is not positive. */
size_t cjm_sample_discrete(cjm_rng *rng, size_t n, const double *cumulative);

/* Poisson(lambda), any lambda >= 0 (saturates at UINT64_MAX past 1.8e19). */
uint64_t cjm_sample_poisson(cjm_rng *rng, double lambda);

/* Binomial(n, p) for any n; p is clamped to [0, 1]. Constant expected cost in
 * n for large n p. */
uint64_t cjm_sample_binomial(cjm_rng *rng, uint64_t n, double p);

/* Multinomial: n trials over k categories with probabilities p[0..k-1],
 * summing to at most 1, plus an implicit "stay" category with the rest,
 * 1 - sum p. out has k + 1 cells: out[i] for category i, out[k] for the
 * rest (0 when the p sum to 1). Probabilities summing to more than 1 are
 * scaled to sum to 1; negative or NaN ones count as 0. */
void cjm_sample_multinomial(cjm_rng *rng, uint64_t n, size_t k, const double *p, uint64_t *out);

/* Distribution functions P(X <= x) and quantiles (inverse distribution
 * functions; p in [0, 1]) with the samplers' parameters. */
double cjm_cdf_normal(double x, double mu, double sigma);
double cjm_quantile_normal(double p, double mu, double sigma);
double cjm_cdf_lognormal(double x, double mu, double sigma);
double cjm_quantile_lognormal(double p, double mu, double sigma);
double cjm_cdf_uniform(double x, double lo, double hi);
double cjm_quantile_uniform(double p, double lo, double hi);
double cjm_cdf_exponential(double x, double rate);
double cjm_quantile_exponential(double p, double rate);
double cjm_cdf_gamma(double x, double k, double theta);
double cjm_quantile_gamma(double p, double k, double theta);
double cjm_cdf_beta(double x, double a, double b);
double cjm_quantile_beta(double p, double a, double b);
double cjm_cdf_triangular(double x, double lo, double mode, double hi);
double cjm_quantile_triangular(double p, double lo, double mode, double hi);
double cjm_cdf_pert(double x, double lo, double mode, double hi);
double cjm_quantile_pert(double p, double lo, double mode, double hi);

/* Hypergeometric: successes in n draws without replacement from N items of
 * which K are successes; exact in distribution, cost independent of N
 * (Stadlober's ratio of uniforms, inversion for small means). */
uint64_t cjm_sample_hypergeometric(cjm_rng *rng, uint64_t N, uint64_t K, uint64_t n);

#endif
