/* Special functions against published reference values and closed forms.
 *
 * Sources of the reference values:
 *  - Wichura, "Algorithm AS 241", Applied Statistics 37 (1988): its test
 *    values of PPND16 at 0.25, 0.001 and 1e-20;
 *  - Abramowitz & Stegun (A&S), Handbook of Mathematical Functions: Table
 *    26.1 (normal), 26.8 (chi-square), 26.10 (Student's t), to the digits
 *    tabulated there; the remaining digits, and values no table lists, were
 *    computed with mpmath 1.3 at 40 significant digits (marked "mpmath") at
 *    the double nearest each argument (so 0.975 means 0.97499999999999997780);
 *  - closed forms: I_x(a, 1) = x^a, I_x(1/2, 1/2) = (2/pi) asin(sqrt x), the
 *    binomial sum for integer a, b (A&S 26.5.24), P(1/2, x) = erf(sqrt x),
 *    the Poisson sum for integer a (A&S 6.5.13), and the t distribution
 *    for 1, 2 and 3 degrees of freedom (A&S 26.7.3-26.7.4).
 *
 * The tolerances are relative and are the accuracy special.h promises (a few
 * ulps, 1e-15, for closed-form and rational approximations; 1e-14 to 1e-13
 * for continued fractions and series, whose terms each round; 1e-12 and
 * 1e-11 where special.h names a weaker case, or where a quantile's Newton
 * step of 1e-15 is multiplied by the density's slope): nothing here is
 * statistical, and none was widened to fit a result. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "special.h"

#define PI 3.14159265358979323846

/* Fails unless got is within rel (relative) of want; exact zeros must match. */
static void check_rel(double got, double want, double rel, const char *what, int line)
{
    double err = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
    if (!(err <= rel))
        fail_msg("line %d: %s = %.17g, want %.17g (rel err %.3g > %.3g)", line, what, got, want,
                 err, rel);
}

#define REL(got, want, rel) check_rel((got), (want), (rel), #got, __LINE__)

static void test_normal_quantile(void **state)
{
    (void)state;
    /* AS 241's own test values. */
    REL(cjm_normal_quantile(0.25), -0.6744897501960817, 1e-15);
    REL(cjm_normal_quantile(0.001), -3.090232306167814, 1e-15);
    REL(cjm_normal_quantile(1e-20), -9.262340089798408, 1e-15);
    /* A&S Table 26.1: 1.959964; mpmath: 1.9599639845400542. */
    REL(cjm_normal_quantile(0.975), 1.9599639845400539, 1e-15);
    REL(cjm_normal_quantile(1e-300), -37.047096299361199, 1e-14); /* mpmath */
    REL(cjm_normal_quantile(0.5), 0, 0);
    for (double p = 0.001; p < 0.5; p *= 1.7)
        REL(cjm_normal_quantile(1 - p), -cjm_normal_quantile(p), 1e-15 / p);
    assert_true(isinf(cjm_normal_quantile(0)) && cjm_normal_quantile(0) < 0);
    assert_true(isinf(cjm_normal_quantile(1)) && cjm_normal_quantile(1) > 0);
    assert_true(isnan(cjm_normal_quantile(-0.1)) && isnan(cjm_normal_quantile((double)NAN)));
}

static void test_normal_cdf(void **state)
{
    (void)state;
    REL(cjm_normal_cdf(1.96), 0.97500210485177956, 1e-15);   /* A&S 26.1: 0.9750021 */
    REL(cjm_normal_cdf(-5), 2.8665157187919391e-7, 1e-14);   /* A&S 26.1: 2.866516e-7 */
    REL(cjm_normal_cdf(-20), 2.7536241186062337e-89, 1e-13); /* mpmath */
    REL(cjm_normal_cdf(0), 0.5, 0);
    /* Round trips, to the conditioning of Phi at z: relative error ~ z^2 eps. */
    for (double p = 1e-300; p < 0.5; p *= 10) {
        double z = cjm_normal_quantile(p);
        REL(cjm_normal_cdf(z), p, 1e-15 * (2 + z * z));
    }
}

/* log((n - 1)!) by summing logs, for the integers. */
static double log_factorial(int n)
{
    double s = 0;
    for (int i = 2; i <= n; i++) s += log(i);
    return s;
}

static void test_lgamma_lbeta(void **state)
{
    (void)state;
    REL(cjm_lgamma(1), 0, 0);
    REL(cjm_lgamma(2), 0, 0);
    REL(cjm_lgamma(0.5), 0.57236494292470009, 1e-15);       /* log sqrt(pi) */
    REL(cjm_lgamma(100), 359.1342053695754, 1e-15);         /* log 99! */
    REL(cjm_lgamma(1e-8), 18.420680738180209, 1e-15);       /* mpmath */
    REL(cjm_lgamma(1.0001), -5.7713342220471268e-5, 1e-14); /* mpmath, near the zero */
    for (int n = 1; n <= 40; n++) REL(cjm_lgamma(n), log_factorial(n - 1), 1e-14);
    REL(cjm_lbeta(2, 3), log(1.0 / 12), 1e-15);
    REL(cjm_lbeta(0.5, 0.5), log(PI), 1e-15);
    REL(cjm_lbeta(1e6, 1e6), -1386300.0033629211, 1e-15); /* mpmath */
    REL(cjm_lbeta(0.5, 1e8), -8.6379754278014826, 1e-14); /* mpmath */
    REL(cjm_lbeta(7.5, 30), cjm_lgamma(7.5) + cjm_lgamma(30) - cjm_lgamma(37.5), 1e-13);
    assert_true(isnan(cjm_lgamma(-1)) && isnan(cjm_lbeta(0, 1)));
}

/* I_x(a, b) for integers a, b: P(Binomial(a + b - 1, x) >= a) (A&S 26.5.24). */
static double betainc_binomial_sum(int a, int b, double x)
{
    int n = a + b - 1;
    double s = 0, c = 1; /* c = C(n, j) */
    for (int j = 0; j <= n; j++) {
        if (j >= a) s += c * pow(x, j) * pow(1 - x, n - j);
        c = c * (n - j) / (j + 1);
    }
    return s;
}

static void test_betainc(void **state)
{
    (void)state;
    REL(cjm_betainc(2, 3, 0.5), 0.6875, 1e-15);
    for (int a = 1; a <= 12; a += 3)
        for (int b = 1; b <= 12; b += 2)
            for (double x = 0.05; x < 1; x += 0.1)
                REL(cjm_betainc(a, b, x), betainc_binomial_sum(a, b, x), 1e-13);
    for (double x = 1e-6; x < 1; x *= 3) {
        REL(cjm_betainc(3.3, 1, x), pow(x, 3.3), 1e-14);
        REL(cjm_betainc(0.5, 0.5, x), 2 / PI * asin(sqrt(x)), 1e-14);
        REL(cjm_betainc_upper(2.2, 4.7, x) + cjm_betainc(2.2, 4.7, x), 1, 1e-15);
        REL(cjm_betainc(4.7, 2.2, 1 - x), cjm_betainc_upper(2.2, 4.7, x), 1e-13);
    }
    REL(cjm_betainc(2.5, 7.5, 0.3), 0.67894348586618163, 1e-14);           /* mpmath */
    REL(cjm_betainc_upper(1000, 1000, 0.52), 0.036779483278639569, 1e-12); /* mpmath */
    REL(cjm_betainc(0.1, 3, 0.001), 0.57876603308573559, 1e-14);           /* mpmath */
    REL(cjm_betainc(2, 3, 0), 0, 0);
    REL(cjm_betainc(2, 3, 1), 1, 0);
    assert_true(isnan(cjm_betainc(-1, 3, 0.5)) && isnan(cjm_betainc(1, 3, (double)NAN)));
}

static void test_beta_quantile(void **state)
{
    (void)state;
    REL(cjm_beta_quantile(30, 70, 0.05), 0.22729905447104013, 1e-13); /* mpmath */
    REL(cjm_beta_quantile(2, 3, 0.6875), 0.5, 1e-14);
    static const double shapes[][2] = {{0.1, 0.1}, {0.5, 0.5}, {1, 1},     {2, 3},
                                       {0.3, 20},  {20, 0.3},  {200, 400}, {1e4, 3}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double a = shapes[i][0], b = shapes[i][1];
        for (double p = 0x1p-40; p < 0.5; p *= 8) { /* 1 - p exact */
            double x = cjm_beta_quantile(a, b, p);
            if (x > 0)
                REL(cjm_betainc(a, b, x), p, 1e-11);
            else
                assert_true((log(p * a) + cjm_lbeta(a, b)) / a < -744); /* underflows */
            /* The upper tail by the reflection I_x(a, b) = 1 - I_(1-x)(b, a). */
            double xu = cjm_beta_quantile(a, b, 1 - p), xr = cjm_beta_quantile(b, a, p);
            double tol = 1e-12 * fmin(xu, 1 - xu) + 4 * DBL_EPSILON;
            if (!(fabs(xu - (1 - xr)) <= tol))
                fail_msg("beta(%g, %g) quantile of 1 - %g: %.17g vs 1 - %.17g", a, b, p, xu, xr);
        }
    }
    REL(cjm_beta_quantile(2, 3, 0), 0, 0);
    REL(cjm_beta_quantile(2, 3, 1), 1, 0);
    assert_true(isnan(cjm_beta_quantile(2, 3, 1.5)) && isnan(cjm_beta_quantile(0, 3, 0.5)));
}

/* P(n, x) for integer n: 1 - e^-x sum_{k<n} x^k / k! (A&S 6.5.13). */
static double gammainc_poisson_sum(int n, double x)
{
    double term = exp(-x), s = 0;
    for (int k = 0; k < n; k++) {
        s += term;
        term *= x / (k + 1);
    }
    return 1 - s;
}

static void test_gammainc(void **state)
{
    (void)state;
    for (double x = 0.01; x < 60; x *= 1.9) {
        REL(cjm_gammainc_lower(1, x), -expm1(-x), 1e-14);
        REL(cjm_gammainc_lower(0.5, x), erf(sqrt(x)), 1e-14);
        REL(cjm_gammainc_upper(0.5, x), erfc(sqrt(x)), 1e-13);
        REL(cjm_gammainc_lower(4.2, x) + cjm_gammainc_upper(4.2, x), 1, 1e-15);
        if (x > 2) REL(cjm_gammainc_lower(7, x), gammainc_poisson_sum(7, x), 1e-13);
    }
    REL(cjm_gammainc_lower(3.7, 2.1), 0.20770997967764118, 1e-14);    /* mpmath */
    REL(cjm_gammainc_upper(100, 130), 0.0027504083673065263, 1e-13);  /* mpmath */
    REL(cjm_gammainc_lower(1e4, 9500), 1.8624546517951551e-7, 1e-12); /* mpmath */
    /* Shapes from 1e5 up take Temme's uniform expansion. */
    REL(cjm_gammainc_lower(1e6, 1e6), 0.50013298076087259, 1e-14);       /* mpmath */
    REL(cjm_gammainc_upper(1e6, 1003000), 0.0013617406462175915, 1e-13); /* mpmath */
    REL(cjm_gammainc_lower(2e5, 199000), 0.012576006291331174, 1e-13);   /* mpmath */
    REL(cjm_gammainc_lower(1e5, 1e5) + cjm_gammainc_upper(1e5, 1e5), 1, 1e-15);
    REL(cjm_gammainc_lower(2, 0), 0, 0);
    assert_true(isnan(cjm_gammainc_lower(0, 1)) && isnan(cjm_gammainc_upper(1, (double)NAN)));
}

static void test_gamma_quantile(void **state)
{
    (void)state;
    /* Chi-square points, A&S Table 26.8: 3.84146, 18.3070, 29.5883. */
    REL(2 * cjm_gamma_quantile(0.5, 0.95), 3.8414588206941245, 1e-13);
    REL(2 * cjm_gamma_quantile(5, 0.95), 18.307038053275144, 1e-13);
    REL(2 * cjm_gamma_quantile(5, 0.999), 29.588298445074416, 1e-13);
    REL(cjm_gamma_quantile(2.5, 0.999), 10.257502826216438, 1e-13); /* mpmath */
    static const double shapes[] = {0.01, 0.3, 1, 2.5, 40, 1e4};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double k = shapes[i];
        for (double p = 0x1p-40; p < 0.5; p *= 8) { /* 1 - p exact */
            double x = cjm_gamma_quantile(k, p);
            if (x > 0)
                REL(cjm_gammainc_lower(k, x), p, 1e-11);
            else
                assert_true((log(p) + cjm_lgamma(k + 1)) / k < -744); /* underflows */
            REL(cjm_gammainc_upper(k, cjm_gamma_quantile(k, 1 - p)), p, 1e-11);
        }
    }
    /* The median of a huge shape: k - 1/3 + 8 / (405 k) + O(k^-2). */
    REL(cjm_gamma_quantile(1e10, 0.5), 1e10 - 1.0 / 3, 1e-15);
    REL(cjm_gamma_quantile(3, 0), 0, 0);
    assert_true(isinf(cjm_gamma_quantile(3, 1)) && isnan(cjm_gamma_quantile(-3, 0.5)));
}

/* Closed forms for 1, 2 and 3 degrees of freedom (A&S 26.7.3-26.7.4), in
 * long double so that their 1/2 + ... loses no digits in the lower tail. */
static double t_closed_cdf(double t, int df)
{
    long double x = (long double)t, pi = 3.141592653589793238462643383279502884L;
    if (df == 1) return (double)(0.5L + atanl(x) / pi);
    if (df == 2) return (double)(0.5L + x / (2 * sqrtl(2 + x * x)));
    long double th = atanl(x / sqrtl(3));
    return (double)(0.5L + (th + sinl(th) * cosl(th)) / pi);
}

static void test_t_cdf(void **state)
{
    (void)state;
    for (double t = -50; t <= 50; t += 0.7) {
        REL(cjm_student_t_cdf(t, 1), t_closed_cdf(t, 1), 1e-13);
        REL(cjm_student_t_cdf(t, 2), t_closed_cdf(t, 2), 1e-13);
        REL(cjm_student_t_cdf(t, 3), t_closed_cdf(t, 3), 1e-12);
        REL(cjm_student_t_cdf(t, 3.0000001), cjm_student_t_cdf(t, 3), 1e-6);
    }
    REL(cjm_student_t_cdf(-3, 0.7), 0.14168566965051292, 1e-13);       /* mpmath */
    REL(cjm_student_t_cdf(-1e10, 1.5), 3.7708524320162464e-16, 1e-12); /* mpmath */
    REL(cjm_student_t_cdf(-40, 25), 1.7349901388795789e-24, 1e-12);    /* mpmath */
    REL(cjm_student_t_cdf(2.5, 7.3), 0.98017488266719976, 1e-14);      /* mpmath */
    REL(cjm_student_t_cdf(-5, 1e6), 2.8669989354453708e-7, 1e-12);     /* mpmath */
    REL(cjm_student_t_cdf(-2, 1e6), 0.022750266925659604, 1e-13);      /* mpmath */
    REL(cjm_student_t_cdf(-10, 1e8), 7.6200473151239207e-24, 1e-12);   /* mpmath */
    /* Large df agrees with the normal: the difference is O(t^4 / df). */
    for (double t = -6; t <= 6; t += 0.25) {
        double gap = (t * t * t * t + 2 * t * t + 1) / 2; /* times 1 / df */
        REL(cjm_student_t_cdf(t, 1e6), cjm_normal_cdf(t), gap / 1e6);
        REL(cjm_student_t_cdf(t, 1e12), cjm_normal_cdf(t), gap / 1e12 + 1e-14);
        REL(cjm_student_t_cdf(t, (double)INFINITY), cjm_normal_cdf(t), 0);
    }
    assert_true(isnan(cjm_student_t_cdf(1, 0)) && isnan(cjm_student_t_cdf((double)NAN, 3)));
}

static void test_t_quantile(void **state)
{
    (void)state;
    /* A&S Table 26.10 (t_0.975): 12.706, 4.303, 2.571, 2.228, 2.042. */
    REL(cjm_student_t_quantile(0.975, 1), 12.706204736174693, 1e-14);
    REL(cjm_student_t_quantile(0.975, 2), 4.3026527297494618, 1e-14);
    REL(cjm_student_t_quantile(0.975, 5), 2.5705818356363148, 1e-14);
    REL(cjm_student_t_quantile(0.975, 10), 2.2281388519862742, 1e-14);
    REL(cjm_student_t_quantile(0.975, 30), 2.0422724563012379, 1e-14);
    REL(cjm_student_t_quantile(0.995, 3.5), 5.085702223091257, 1e-13);  /* mpmath */
    REL(cjm_student_t_quantile(0.975, 1e6), 1.9599663568141067, 1e-13); /* mpmath */
    for (double p = 1e-10; p < 1; p += p < 0.5 ? p : 0.05) {
        REL(cjm_student_t_quantile(p, 1e12), cjm_normal_quantile(p), 1e-10);
        REL(cjm_student_t_quantile(p, 1e6), cjm_normal_quantile(p), 1e-4);
        REL(cjm_student_t_quantile(p, 1e300), cjm_normal_quantile(p), 1e-13);
    }
    static const double dfs[] = {0.3, 1, 1.5, 2, 4.5, 29, 1e3, 2e4, 1e7};
    for (size_t i = 0; i < sizeof dfs / sizeof dfs[0]; i++)
        for (double p = 0x1p-40; p < 0.5; p *= 4) { /* 1 - p exact */
            double t = cjm_student_t_quantile(p, dfs[i]);
            REL(cjm_student_t_cdf(t, dfs[i]), p, 1e-11);
            REL(cjm_student_t_quantile(1 - p, dfs[i]), -t, 1e-12);
        }
    /* Near the median the digits of p - 1/2 are kept. */
    double t = cjm_student_t_quantile(0.5 + 1e-9, 4.5);
    REL(cjm_student_t_cdf(t, 4.5) - 0.5, 1e-9, 1e-6);
    REL(cjm_student_t_quantile(0.5, 7), 0, 0);
    assert_true(isinf(cjm_student_t_quantile(0, 3)) && isnan(cjm_student_t_quantile(0.5, -1)));
}

static void test_lpmf(void **state)
{
    (void)state;
    double lam = 3.5, sum = 0, term = exp(-lam);
    for (uint64_t k = 0; k < 60; k++) {
        REL(cjm_lpmf_poisson(k, lam), log(term), 1e-13);
        sum += exp(cjm_lpmf_poisson(k, lam));
        term *= lam / (double)(k + 1);
    }
    REL(sum, 1, 1e-14);
    sum = 0;
    for (uint64_t k = 0; k <= 1000; k++) sum += exp(cjm_lpmf_binomial(k, 1000, 0.37));
    REL(sum, 1, 1e-13);
    REL(cjm_lpmf_binomial(3, 10, 0.3), log(120 * pow(0.3, 3) * pow(0.7, 7)), 1e-14);
    REL(cjm_lpmf_binomial(0, 10, 0.3), 10 * log(0.7), 1e-15);
    REL(cjm_lpmf_poisson(1000001000000ULL, 1e12), -15.234449424502197, 1e-13); /* mpmath */
    REL(cjm_lpmf_binomial(300000500000ULL, 1000000000000ULL, 0.3), -14.549363599526843, 1e-13);
    assert_true(isinf(cjm_lpmf_binomial(11, 10, 0.3)) && isinf(cjm_lpmf_poisson(1, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_quantile), cmocka_unit_test(test_normal_cdf),
        cmocka_unit_test(test_lgamma_lbeta),    cmocka_unit_test(test_betainc),
        cmocka_unit_test(test_beta_quantile),   cmocka_unit_test(test_gammainc),
        cmocka_unit_test(test_gamma_quantile),  cmocka_unit_test(test_t_cdf),
        cmocka_unit_test(test_t_quantile),      cmocka_unit_test(test_lpmf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
