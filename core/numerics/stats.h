/* stats.h: summaries of a metric across runs. */
#ifndef CJM_STATS_H
#define CJM_STATS_H

#include <math.h>
#include <stdbool.h>

#define CJM_NAN ((double)NAN)

/* A metric across runs. se, the interval and the percentiles are NaN where
 * they do not exist (one run; a ratio with nothing in its denominator), and
 * the writers print them as null / "-": never as a number. */
typedef struct cjm_summary {
    double mean, se, lo, hi; /* lo, hi: the 95% interval */
    double p5, p50, p95;     /* of the per-run values */
    bool defined;            /* false: no value at all (e.g. CAC with no conversion) */
} cjm_summary;

/* Plain per-run values x[0..n-1] (stride apart): mean, standard error, a
 * Student-t 95% interval and percentiles. */
cjm_summary cjm_summarize(const double *x, int n, int stride);

/* Ratio of totals sum(y)/sum(x) over runs, standard error by the delta method,
 * percentiles of the per-run ratios that exist. */
cjm_summary cjm_summarize_ratio(const double *y, const double *x, int n, int stride);

/* The exact engine's value: standard error 0, every percentile the value. */
cjm_summary cjm_summary_exact(double value, bool defined);

/* Percentile q in [0, 1] of sorted[0..n-1], linear interpolation (type 7). */
double cjm_percentile_sorted(const double *sorted, int n, double q);

/* The 97.5% quantile of Student's t with df degrees of freedom. */
double cjm_t975(int df);

#endif
