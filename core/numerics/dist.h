/* dist.h: the distributions a scenario's uncertain numbers are drawn from,
 * by their quantile functions (so that plain sampling, Latin hypercube and
 * rank correlation all work the same way: x = Q(u)). */
#ifndef CJM_DIST_H
#define CJM_DIST_H

typedef enum cjm_dist_kind {
    CJM_DIST_UNIFORM,
    CJM_DIST_TRIANGULAR,
    CJM_DIST_PERT,
    CJM_DIST_BETA,
    CJM_DIST_NORMAL,
    CJM_DIST_LOGNORMAL,
    CJM_DIST_GAMMA,
    CJM_DIST_DISCRETE,
} cjm_dist_kind;

typedef struct cjm_dist {
    cjm_dist_kind kind;
    double p[3];    /* parameters, in the order the constructor takes them */
    int n;          /* discrete: number of values */
    double *values; /* discrete: sorted ascending */
    double *cum;    /* discrete: cumulative normalised weights */
} cjm_dist;

/* Parses a kind name ("beta", ...); returns 0 on success. */
int cjm_dist_kind_parse(const char *name, cjm_dist_kind *kind);
const char *cjm_dist_kind_name(cjm_dist_kind kind);

/* The tail beyond which a distribution's values count as never met: range
 * checks use the quantiles CJM_TAIL and 1 - CJM_TAIL. */
#define CJM_TAIL 1e-9

/* The value with P(X <= x) = u, u in (0, 1). */
double cjm_dist_quantile(const cjm_dist *d, double u);

/* P(X <= x). */
double cjm_dist_cdf(const cjm_dist *d, double x);

/* The smallest and largest values it can give (may be infinite). */
void cjm_dist_support(const cjm_dist *d, double *lo, double *hi);

/* "beta(30, 70)" into buf. */
void cjm_dist_describe(const cjm_dist *d, char *buf, int n);

/* One draw, by the distribution's own sampler (sample.c). */
struct cjm_rng;
double cjm_dist_sample(const cjm_dist *d, struct cjm_rng *rng);

void cjm_dist_free(cjm_dist *d);

#endif
