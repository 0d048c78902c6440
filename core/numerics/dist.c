/* dist.c: quantile and distribution functions of the run-level distributions.
 * Closed forms where they exist; beta and gamma through special.c. */
#include "dist.h"

#include "sample.h"
#include "special.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"uniform", "triangular", "pert",  "beta",
                                         "normal",  "lognormal",  "gamma", "discrete"};

int cjm_dist_kind_parse(const char *name, cjm_dist_kind *kind)
{
    for (int i = 0; i < (int)(sizeof kind_names / sizeof kind_names[0]); i++)
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (cjm_dist_kind)i;
            return 0;
        }
    return -1;
}

const char *cjm_dist_kind_name(cjm_dist_kind kind)
{
    return kind_names[kind];
}

static double triangular_quantile(double lo, double mode, double hi, double u)
{
    double cut = (mode - lo) / (hi - lo);
    if (u < cut) return lo + sqrt(u * (hi - lo) * (mode - lo));
    return hi - sqrt((1 - u) * (hi - lo) * (hi - mode));
}

static double triangular_cdf(double lo, double mode, double hi, double x)
{
    if (x <= lo) return 0;
    if (x >= hi) return 1;
    if (x <= mode) return (x - lo) * (x - lo) / ((hi - lo) * (mode - lo));
    return 1 - (hi - x) * (hi - x) / ((hi - lo) * (hi - mode));
}

/* Beta-PERT with lambda = 4: a scaled beta(1 + 4 (m-lo)/(hi-lo), 1 + 4 (hi-m)/(hi-lo)). */
static void pert_shape(const double *p, double *a, double *b)
{
    *a = 1 + 4 * (p[1] - p[0]) / (p[2] - p[0]);
    *b = 1 + 4 * (p[2] - p[1]) / (p[2] - p[0]);
}

static double discrete_quantile(const cjm_dist *d, double u)
{
    int lo = 0, hi = d->n - 1;
    while (lo < hi) { /* the first value whose cumulative weight exceeds u */
        int mid = (lo + hi) / 2;
        if (d->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return d->values[lo];
}

double cjm_dist_quantile(const cjm_dist *d, double u)
{
    const double *p = d->p;
    double a, b;
    switch (d->kind) {
    case CJM_DIST_UNIFORM:
        return p[0] + u * (p[1] - p[0]);
    case CJM_DIST_TRIANGULAR:
        return triangular_quantile(p[0], p[1], p[2], u);
    case CJM_DIST_PERT:
        pert_shape(p, &a, &b);
        return p[0] + (p[2] - p[0]) * cjm_beta_quantile(a, b, u);
    case CJM_DIST_BETA:
        return cjm_beta_quantile(p[0], p[1], u);
    case CJM_DIST_NORMAL:
        return p[0] + p[1] * cjm_normal_quantile(u);
    case CJM_DIST_LOGNORMAL:
        return exp(p[0] + p[1] * cjm_normal_quantile(u));
    case CJM_DIST_GAMMA:
        return p[1] * cjm_gamma_quantile(p[0], u);
    case CJM_DIST_DISCRETE:
        return discrete_quantile(d, u);
    }
    return ((double)NAN);
}

double cjm_dist_cdf(const cjm_dist *d, double x)
{
    const double *p = d->p;
    double a, b;
    switch (d->kind) {
    case CJM_DIST_UNIFORM:
        return x <= p[0] ? 0 : x >= p[1] ? 1 : (x - p[0]) / (p[1] - p[0]);
    case CJM_DIST_TRIANGULAR:
        return triangular_cdf(p[0], p[1], p[2], x);
    case CJM_DIST_PERT:
        pert_shape(p, &a, &b);
        return x <= p[0] ? 0 : x >= p[2] ? 1 : cjm_betainc(a, b, (x - p[0]) / (p[2] - p[0]));
    case CJM_DIST_BETA:
        return x <= 0 ? 0 : x >= 1 ? 1 : cjm_betainc(p[0], p[1], x);
    case CJM_DIST_NORMAL:
        return cjm_normal_cdf((x - p[0]) / p[1]);
    case CJM_DIST_LOGNORMAL:
        return x <= 0 ? 0 : cjm_normal_cdf((log(x) - p[0]) / p[1]);
    case CJM_DIST_GAMMA:
        return x <= 0 ? 0 : cjm_gammainc_lower(p[0], x / p[1]);
    case CJM_DIST_DISCRETE: {
        double c = 0;
        for (int i = 0; i < d->n && d->values[i] <= x; i++) c = d->cum[i];
        return c;
    }
    }
    return ((double)NAN);
}

/* The smallest and largest values a distribution can give. */
void cjm_dist_support(const cjm_dist *d, double *lo, double *hi)
{
    const double *p = d->p;
    switch (d->kind) {
    case CJM_DIST_UNIFORM:
        *lo = p[0], *hi = p[1];
        return;
    case CJM_DIST_TRIANGULAR:
    case CJM_DIST_PERT:
        *lo = p[0], *hi = p[2];
        return;
    case CJM_DIST_BETA:
        *lo = 0, *hi = 1;
        return;
    case CJM_DIST_NORMAL:
        *lo = -HUGE_VAL, *hi = HUGE_VAL;
        return;
    case CJM_DIST_LOGNORMAL:
    case CJM_DIST_GAMMA:
        *lo = 0, *hi = HUGE_VAL;
        return;
    case CJM_DIST_DISCRETE:
        *lo = d->values[0], *hi = d->values[d->n - 1];
        return;
    }
}

void cjm_dist_describe(const cjm_dist *d, char *buf, int n)
{
    static const int arity[] = {2, 3, 3, 2, 2, 2, 2, 0};
    int k = arity[d->kind];
    if (d->kind == CJM_DIST_DISCRETE) {
        snprintf(buf, (size_t)n, "discrete(%d values, %g..%g)", d->n, d->values[0],
                 d->values[d->n - 1]);
        return;
    }
    if (k == 2)
        snprintf(buf, (size_t)n, "%s(%g, %g)", kind_names[d->kind], d->p[0], d->p[1]);
    else
        snprintf(buf, (size_t)n, "%s(%g, %g, %g)", kind_names[d->kind], d->p[0], d->p[1], d->p[2]);
}

void cjm_dist_free(cjm_dist *d)
{
    free(d->values);
    free(d->cum);
    d->values = d->cum = NULL;
}

double cjm_dist_sample(const cjm_dist *d, cjm_rng *rng)
{
    const double *p = d->p;
    switch (d->kind) {
    case CJM_DIST_UNIFORM:
        return cjm_sample_uniform(rng, p[0], p[1]);
    case CJM_DIST_TRIANGULAR:
        return cjm_sample_triangular(rng, p[0], p[1], p[2]);
    case CJM_DIST_PERT:
        return cjm_sample_pert(rng, p[0], p[1], p[2]);
    case CJM_DIST_BETA:
        return cjm_sample_beta(rng, p[0], p[1]);
    case CJM_DIST_NORMAL:
        return p[0] + p[1] * cjm_sample_normal(rng);
    case CJM_DIST_LOGNORMAL:
        return cjm_sample_lognormal(rng, p[0], p[1]);
    case CJM_DIST_GAMMA:
        return cjm_sample_gamma(rng, p[0], p[1]);
    case CJM_DIST_DISCRETE:
        return d->values[cjm_sample_discrete(rng, (size_t)d->n, d->cum)];
    }
    return ((double)NAN);
}
