/* Ratio intervals (stats.c): Fieller's interval solves its defining
 * equation at both ends, holds the ratio, is asymmetric the way the data
 * are, and falls back to the delta method's when the denominator's mean is
 * not clearly above 0. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "special.h"
#include "stats.h"

/* (ybar - R xbar)^2 - t^2 Var(ybar - R xbar) at R: 0 at Fieller's ends. */
static double fieller_gap(const double *y, const double *x, int n, double r)
{
    double my = 0, mx = 0, v = 0;
    for (int i = 0; i < n; i++) my += y[i] / n, mx += x[i] / n;
    for (int i = 0; i < n; i++) {
        double d = (y[i] - my) - r * (x[i] - mx);
        v += d * d / (n - 1);
    }
    double t = cjm_student_t_quantile(0.975, n - 1);
    return (my - r * mx) * (my - r * mx) - t * t * v / n;
}

static void test_fieller_ends(void **state)
{
    (void)state;
    enum { N = 20 };
    double y[N], x[N];
    for (int i = 0; i < N; i++) { /* a skewed ratio: x small and noisy */
        x[i] = 50 + 15 * sin(1.7 * i);
        y[i] = 300 * x[i] + 900 * cos(0.9 * i) + 30 * i;
    }
    cjm_summary s = cjm_summarize_ratio(y, x, N, 1);
    assert_true(s.defined);
    assert_true(s.lo < s.mean && s.mean < s.hi);
    /* the ends are the roots: the gap is 0 there to rounding (its terms are
     * ~1e8; 1e-6 relative of them is far above the doubles' 1e-16) */
    double scale = s.mean * s.mean * 2500;
    assert_true(fabs(fieller_gap(y, x, N, s.lo)) < 1e-6 * scale);
    assert_true(fabs(fieller_gap(y, x, N, s.hi)) < 1e-6 * scale);
    /* and the gap is negative inside: the set is the interval */
    assert_true(fieller_gap(y, x, N, s.mean) < 0);
    /* not the delta method's symmetric interval */
    assert_true(fabs((s.hi - s.mean) - (s.mean - s.lo)) > 1e-6 * (s.hi - s.lo));
}

static void test_fieller_falls_back(void **state)
{
    (void)state;
    enum { N = 6 };
    /* a denominator whose mean is not clearly above 0: no bounded set */
    double x[N] = {0.1, 3, 0.01, 0.02, 2.5, 0.05}, y[N] = {1, 2, 3, 4, 5, 6};
    cjm_summary s = cjm_summarize_ratio(y, x, N, 1);
    double t = cjm_student_t_quantile(0.975, N - 1);
    assert_true(fabs((s.hi - s.mean) - t * s.se) < 1e-12 * fabs(s.mean));
    assert_true(fabs((s.mean - s.lo) - t * s.se) < 1e-12 * fabs(s.mean));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fieller_ends),
        cmocka_unit_test(test_fieller_falls_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
