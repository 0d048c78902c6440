/* Special functions for statistics: normal, incomplete beta and gamma,
 * Student's t, and the binomial and Poisson probability mass functions.
 *
 * Every function is written from its published description (sources are
 * named beside each one in special.c). Relative error: about 1e-13 or better
 * in the tested ranges (checked against 40-digit arithmetic), except where
 * the argument itself carries less (Phi(x) at x = -37: x^2 eps; a tiny upper
 * tail of I_x(a, b) with a < 0.01: ~1e-12; I_x(a, b) with both shapes above
 * 1e8: ~1e-11). Quantiles solve F(x) = p by Newton's method to a 1e-15
 * relative step, return 0 where the answer underflows and +-inf beyond the
 * double range. Invalid
 * arguments (NaN, a nonpositive shape, a probability outside [0, 1]) give
 * NaN. No state is kept: all are safe to call from several threads. */
#ifndef CJM_SPECIAL_H
#define CJM_SPECIAL_H

#include <stdint.h>

/* log(Gamma(x)) for x > 0; thread-safe, unlike lgamma(), which sets signgam. */
double cjm_lgamma(double x);

/* log(B(a, b)) = lgamma(a) + lgamma(b) - lgamma(a + b), for a, b > 0,
 * without the cancellation of that sum when a or b is large. */
double cjm_lbeta(double a, double b);

/* Standard normal distribution function Phi(x). */
double cjm_normal_cdf(double x);

/* Phi^-1(p) (Wichura's AS 241); -inf at p = 0, +inf at p = 1. */
double cjm_normal_quantile(double p);

/* The largest shape the incomplete beta and its quantile take: beyond it
 * (beta(1, 1e300), beta(1e300, 1e300)) the continued fraction would need
 * more terms than its cap at every Newton step, minutes per quantile. Up
 * to it every quantile takes well under a millisecond. */
#define CJM_BETA_SHAPE_MAX 1e15

/* Regularized incomplete beta I_x(a, b), 0 < a, b <= CJM_BETA_SHAPE_MAX
 * (NaN outside), and its complement 1 - I_x(a, b), computed directly so
 * that upper tails keep their digits. */
double cjm_betainc(double a, double b, double x);
double cjm_betainc_upper(double a, double b, double x);

/* x with I_x(a, b) = p. */
double cjm_beta_quantile(double a, double b, double p);

/* Regularized incomplete gamma: P(a, x) (lower) and Q(a, x) = 1 - P(a, x),
 * a > 0, x >= 0. */
double cjm_gammainc_lower(double a, double x);
double cjm_gammainc_upper(double a, double x);

/* x with P(k, x) = p (unit scale). */
double cjm_gamma_quantile(double k, double p);

/* Student's t with df > 0 degrees of freedom (any real, up to +inf, where it
 * is the normal distribution). */
double cjm_student_t_cdf(double x, double df);
double cjm_student_t_quantile(double p, double df);

/* log of the Poisson(lambda) probability of k, and of the binomial(n, p)
 * probability of k (Loader's saddle-point form, accurate for huge n). Both
 * return -inf where the probability is 0. Exact up to k, n <= 2^53. */
double cjm_lpmf_poisson(uint64_t k, double lambda);
double cjm_lpmf_binomial(uint64_t k, uint64_t n, double p);

#endif
