/* stats.c: means, standard errors, intervals and percentiles across runs. */
#include "stats.h"

#include "special.h"

#include <math.h>
#include <stdlib.h>

double cjm_t975(int df)
{
    return cjm_student_t_quantile(0.975, (double)df);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cjm_percentile_sorted(const double *sorted, int n, double q)
{
    if (n <= 0) return CJM_NAN;
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    if (lo >= n - 1) return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Fills the three percentiles from the n values in v (sorted in place). */
static void set_percentiles(cjm_summary *s, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_doubles);
    s->p5 = cjm_percentile_sorted(v, n, 0.05);
    s->p50 = cjm_percentile_sorted(v, n, 0.50);
    s->p95 = cjm_percentile_sorted(v, n, 0.95);
}

static void set_interval(cjm_summary *s, int n)
{
    if (n < 2) {
        s->se = s->lo = s->hi = CJM_NAN;
        return;
    }
    double half = cjm_t975(n - 1) * s->se;
    s->lo = s->mean - half;
    s->hi = s->mean + half;
}

cjm_summary cjm_summarize(const double *x, int n, int stride)
{
    cjm_summary s = {CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, n > 0};
    if (n <= 0) return s;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return s;
    double mean = 0, m2 = 0;
    for (int i = 0; i < n; i++) { /* Welford: stable for large means */
        v[i] = x[(size_t)i * stride];
        double d = v[i] - mean;
        mean += d / (i + 1);
        m2 += d * (v[i] - mean);
    }
    s.mean = mean;
    s.se = n > 1 ? sqrt(m2 / (n - 1) / n) : CJM_NAN;
    set_interval(&s, n);
    set_percentiles(&s, v, n);
    free(v);
    return s;
}

/* Fieller's interval for the ratio of the means of (y, x): the R with
 * (ybar - R xbar)^2 <= t^2 Var(ybar - R xbar), a quadratic in R. Exact for
 * normal means, it is asymmetric where the ratio's distribution is skewed,
 * which the delta method's symmetric interval misses with few runs
 * (docs/intervals.md). Kept only when the denominator's mean is clearly
 * above 0 (a > 0: the set is an interval); else the delta method's. */
static void fieller(cjm_summary *s, const double *y, const double *x, int n, int stride)
{
    double my = 0, mx = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) my += y[(size_t)i * stride], mx += x[(size_t)i * stride];
    my /= n, mx /= n;
    for (int i = 0; i < n; i++) {
        double dx = x[(size_t)i * stride] - mx, dy = y[(size_t)i * stride] - my;
        sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    double t = cjm_t975(n - 1), q = t * t / n / (n - 1);
    double a = mx * mx - q * sxx, b = -2 * (mx * my - q * sxy), c = my * my - q * syy;
    double disc = b * b - 4 * a * c;
    if (!(a > 0) || !(disc >= 0)) return;
    double r1 = (-b - sqrt(disc)) / (2 * a), r2 = (-b + sqrt(disc)) / (2 * a);
    s->lo = fmin(r1, r2);
    s->hi = fmax(r1, r2);
}

cjm_summary cjm_summarize_ratio(const double *y, const double *x, int n, int stride)
{
    cjm_summary s = {CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, false};
    double sy = 0, sx = 0;
    for (int i = 0; i < n; i++) {
        sy += y[(size_t)i * stride];
        sx += x[(size_t)i * stride];
    }
    if (n <= 0 || sx <= 0) return s;
    s.defined = true;
    s.mean = sy / sx;
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return s;
    double ss = 0, xbar = sx / n;
    int k = 0;
    for (int i = 0; i < n; i++) {
        double yi = y[(size_t)i * stride], xi = x[(size_t)i * stride];
        double resid = yi - s.mean * xi;
        ss += resid * resid;
        if (xi > 0) v[k++] = yi / xi;
    }
    /* Delta method: Var(R) ~ sum (y_i - R x_i)^2 / (n (n-1) xbar^2). */
    s.se = n > 1 ? sqrt(ss / ((double)n * (n - 1))) / xbar : CJM_NAN;
    set_interval(&s, n);
    if (n > 1) fieller(&s, y, x, n, stride);
    if (k > 0) set_percentiles(&s, v, k);
    free(v);
    return s;
}

cjm_summary cjm_summary_exact(double value, bool defined)
{
    if (!defined)
        return (cjm_summary){CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, false};
    return (cjm_summary){value, 0, value, value, value, value, value, true};
}
