/* Statistical tests of the samplers, on fixed seeds, every one judged
 * family-wise over this program (testutil.h: alpha 0.001 over all of them).
 *
 * Every sampler must reproduce its distribution's mean and variance (z on
 * the standard error of the mean, and of the sample variance from the true
 * fourth central moment; 100000 draws, so the normal), and:
 *  - continuous samplers: a one-sample Kolmogorov-Smirnov test against the
 *    exact distribution function, n = 100000 (Kolmogorov's limit law);
 *  - discrete samplers: a chi-square goodness-of-fit test against the exact
 *    probability mass function, cells pooled to an expected count >= 5.
 * With fixed seeds the outcome is deterministic; a wrong sampler fails. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"
#include "special.h"
#include "testutil.h"

#define SEED 20240601u
#define N_DRAWS 100000

/* ---------------------------------------------------------------------------
 * Shared checks
 * ------------------------------------------------------------------------ */

struct moments {
    double mean, var, mu4; /* mu4: the fourth central moment */
};

/* Moments from the mean, variance and excess kurtosis. */
static struct moments moments_of(double mean, double var, double exkurt)
{
    return (struct moments){mean, var, var * var * (3 + exkurt)};
}

/* Sample mean and variance against the truth, on their standard errors. The
 * sums run on deviations from the true mean, so huge means lose no digits. */
static void check_moments(const char *name, const double *x, size_t n, struct moments m)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += x[i] - m.mean;
    double dm = s / (double)n;
    for (size_t i = 0; i < n; i++) ss += (x[i] - m.mean - dm) * (x[i] - m.mean - dm);
    double var = ss / (double)(n - 1), nd = (double)n;
    double se_mean = sqrt(m.var / nd);
    double se_var = sqrt((m.mu4 - m.var * m.var * (nd - 3) / (nd - 1)) / nd);
    double z_mean = dm / se_mean, z_var = (var - m.var) / se_var;
    printf("    %-28s mean %-12.6g z=%+5.2f   var %-12.6g z=%+5.2f\n", name, m.mean + dm, z_mean,
           var, z_var);
    char what[96];
    snprintf(what, sizeof what, "%s: mean", name);
    tu_check_z(what, dm, 0, se_mean, 0); /* dm: the mean's deviation from the truth */
    snprintf(what, sizeof what, "%s: variance", name);
    tu_check_z(what, var, m.var, se_var, 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------------------
 * Continuous samplers: moments and Kolmogorov-Smirnov
 * ------------------------------------------------------------------------ */

struct cont_case {
    const char *name;
    double par[3];
    double (*draw)(cjm_rng *rng, const double *par);
    double (*cdf)(double x, const double *par);
    struct moments (*moments)(const double *par);
};

static double draw_normal(cjm_rng *rng, const double *par)
{
    (void)par;
    return cjm_sample_normal(rng);
}

static double cdf_normal(double x, const double *par)
{
    (void)par;
    return cjm_cdf_normal(x, 0, 1);
}

static struct moments mom_normal(const double *par)
{
    (void)par;
    return moments_of(0, 1, 0);
}

static double draw_uniform(cjm_rng *rng, const double *par)
{
    return cjm_sample_uniform(rng, par[0], par[1]);
}

static double cdf_uniform(double x, const double *par)
{
    return cjm_cdf_uniform(x, par[0], par[1]);
}

static struct moments mom_uniform(const double *par)
{
    double w = par[1] - par[0];
    return moments_of((par[0] + par[1]) / 2, w * w / 12, -1.2);
}

static double draw_exponential(cjm_rng *rng, const double *par)
{
    return cjm_sample_exponential(rng, par[0]);
}

static double cdf_exponential(double x, const double *par)
{
    return cjm_cdf_exponential(x, par[0]);
}

static struct moments mom_exponential(const double *par)
{
    return moments_of(1 / par[0], 1 / (par[0] * par[0]), 6);
}

static double draw_gamma(cjm_rng *rng, const double *par)
{
    return cjm_sample_gamma(rng, par[0], par[1]);
}

static double cdf_gamma(double x, const double *par)
{
    return cjm_cdf_gamma(x, par[0], par[1]);
}

static struct moments mom_gamma(const double *par)
{
    double k = par[0], th = par[1];
    return moments_of(k * th, k * th * th, 6 / k);
}

static double draw_beta(cjm_rng *rng, const double *par)
{
    return cjm_sample_beta(rng, par[0], par[1]);
}

static double cdf_beta(double x, const double *par)
{
    return cjm_cdf_beta(x, par[0], par[1]);
}

static struct moments beta_moments(double a, double b)
{
    double s = a + b, var = a * b / (s * s * (s + 1));
    double ex = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
    return moments_of(a / s, var, ex);
}

static struct moments mom_beta(const double *par)
{
    return beta_moments(par[0], par[1]);
}

static double draw_triangular(cjm_rng *rng, const double *par)
{
    return cjm_sample_triangular(rng, par[0], par[1], par[2]);
}

static double cdf_triangular(double x, const double *par)
{
    return cjm_cdf_triangular(x, par[0], par[1], par[2]);
}

static struct moments mom_triangular(const double *par)
{
    double a = par[0], c = par[1], b = par[2];
    double var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18;
    return moments_of((a + b + c) / 3, var, -0.6);
}

static double draw_pert(cjm_rng *rng, const double *par)
{
    return cjm_sample_pert(rng, par[0], par[1], par[2]);
}

static double cdf_pert(double x, const double *par)
{
    return cjm_cdf_pert(x, par[0], par[1], par[2]);
}

/* PERT is lo + w Beta(1 + 4 (mode - lo) / w, 1 + 4 (hi - mode) / w). */
static struct moments mom_pert(const double *par)
{
    double lo = par[0], w = par[2] - par[0];
    struct moments m = beta_moments(1 + 4 * (par[1] - lo) / w, 1 + 4 * (par[2] - par[1]) / w);
    return (struct moments){lo + w * m.mean, w * w * m.var, w * w * w * w * m.mu4};
}

static double draw_lognormal(cjm_rng *rng, const double *par)
{
    return cjm_sample_lognormal(rng, par[0], par[1]);
}

static double cdf_lognormal(double x, const double *par)
{
    return cjm_cdf_lognormal(x, par[0], par[1]);
}

static struct moments mom_lognormal(const double *par)
{
    double mu = par[0], s2 = par[1] * par[1], e = exp(s2);
    double ex = e * e * e * e + 2 * e * e * e + 3 * e * e - 6;
    return moments_of(exp(mu + s2 / 2), (e - 1) * exp(2 * mu + s2), ex);
}

#define CASE(name, p0, p1, p2, fam)                                                                \
    {                                                                                              \
        name, {p0, p1, p2}, draw_##fam, cdf_##fam, mom_##fam                                       \
    }

static struct cont_case cont_cases[] = {
    CASE("normal", 0, 0, 0, normal),
    CASE("uniform(-2, 5)", -2, 5, 0, uniform),
    CASE("exponential(0.7)", 0.7, 0, 0, exponential),
    CASE("gamma(0.3, 1)", 0.3, 1, 0, gamma),
    CASE("gamma(1, 2)", 1, 2, 0, gamma),
    CASE("gamma(2.5, 0.5)", 2.5, 0.5, 0, gamma),
    CASE("gamma(80, 3)", 80, 3, 0, gamma),
    CASE("beta(2, 5)", 2, 5, 0, beta),
    CASE("beta(0.2, 0.3)", 0.2, 0.3, 0, beta),
    CASE("beta(40, 25)", 40, 25, 0, beta),
    CASE("triangular(0, 1, 5)", 0, 1, 5, triangular),
    CASE("triangular(2, 2, 3)", 2, 2, 3, triangular),
    CASE("triangular(-1, 3, 3)", -1, 3, 3, triangular),
    CASE("pert(0, 3, 10)", 0, 3, 10, pert),
    CASE("pert(5, 5, 6)", 5, 5, 6, pert),
    CASE("lognormal(1, 0.5)", 1, 0.5, 0, lognormal),
};

static void test_continuous(void **state)
{
    const struct cont_case *c = *state;
    double *x = malloc(N_DRAWS * sizeof *x);
    assert_non_null(x);
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, (uint64_t)(c - cont_cases), 1);
    for (size_t i = 0; i < N_DRAWS; i++) x[i] = c->draw(&rng, c->par);
    check_moments(c->name, x, N_DRAWS, c->moments(c->par));
    qsort(x, N_DRAWS, sizeof *x, cmp_double);
    double d = 0, n = N_DRAWS;
    for (size_t i = 0; i < N_DRAWS; i++) {
        double f = c->cdf(x[i], c->par);
        d = fmax(d, fmax((double)(i + 1) / n - f, f - (double)i / n));
    }
    double p = tu_ks_p(d, n);
    printf("    %-28s KS D = %.5f (p %.3g)\n", c->name, d, p);
    free(x);
    char what[96];
    snprintf(what, sizeof what, "%s: Kolmogorov-Smirnov D %.5f", c->name, d);
    tu_check_p(what, p);
}

/* ---------------------------------------------------------------------------
 * Discrete samplers: moments and chi-square
 * ------------------------------------------------------------------------ */

/* A pmf over k = 0, 1, ... walked upward: exact at the start of every block
 * of 256 (Loader's log-pmf), by the ratio p(k+1) / p(k) in between. */
struct pmf_walk {
    int poisson;
    double lambda, p;
    uint64_t n;
};

static double pmf_exact(const struct pmf_walk *w, uint64_t k)
{
    return exp(w->poisson ? cjm_lpmf_poisson(k, w->lambda) : cjm_lpmf_binomial(k, w->n, w->p));
}

static double pmf_next(const struct pmf_walk *w, uint64_t k, double pk)
{
    if ((k + 1) % 256 == 0) return pmf_exact(w, k + 1);
    if (w->poisson) return pk * w->lambda / (double)(k + 1);
    return pk * (double)(w->n - k) / (double)(k + 1) * (w->p / (1 - w->p));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Records a chi-square test of `cells` cells (cells - 1 degrees of freedom). */
static void check_chi2(const char *name, double chi, size_t cells)
{
    double p = tu_chi2_p(chi, (double)cells - 1);
    printf("    %-28s chi2 = %.1f on %zu cells (p %.3g)\n", name, chi, cells, p);
    char what[96];
    snprintf(what, sizeof what, "%s: chi-square %.1f on %zu cells", name, chi, cells);
    tu_check_p(what, p);
}

/* Pearson's chi-square of sorted draws k[0..n) against the pmf on [lo, hi]
 * (the window holds all but ~1e-15 of the mass; draws outside it join the
 * end cells). Cells are closed once their expected count reaches 5. */
static void chi_square(const char *name, const struct pmf_walk *w, const uint64_t *k, size_t n,
                       uint64_t lo, uint64_t hi)
{
    double chi = 0, e = 0, o = 0, pk = pmf_exact(w, lo), nd = (double)n;
    size_t j = 0, cells = 0;
    while (j < n && k[j] < lo) j++, o++;
    for (uint64_t v = lo;; v++) {
        e += nd * pk;
        while (j < n && k[j] == v) j++, o++;
        if (v == hi) break;
        if (e >= 5) {
            chi += (o - e) * (o - e) / e;
            cells++;
            e = o = 0;
        }
        pk = pmf_next(w, v, pk);
    }
    o += (double)(n - j); /* draws above the window */
    if (e >= 5 || cells == 0) {
        chi += (o - e) * (o - e) / e;
        cells++;
    } else { /* too small for a cell of its own: the caller's window is wide */
        chi += (o - e) * (o - e) / fmax(e, 1e-300);
        cells++;
    }
    check_chi2(name, chi, cells);
}

struct disc_case {
    const char *name;
    int poisson;
    double lambda;
    uint64_t n;
    double p;
};

static struct disc_case disc_cases[] = {
    {"poisson(3.5) inversion", 1, 3.5, 0, 0},
    {"poisson(9.99) inversion", 1, 9.99, 0, 0},
    {"poisson(10) PTRS", 1, 10, 0, 0},
    {"poisson(1234.5) PTRS", 1, 1234.5, 0, 0},
    {"poisson(1e12) PTRS", 1, 1e12, 0, 0},
    {"binomial(20, 0.3) inversion", 0, 0, 20, 0.3},
    {"binomial(1000, 0.005) inv.", 0, 0, 1000, 0.005},
    {"binomial(1e12, 5e-12) inv.", 0, 0, 1000000000000ULL, 5e-12},
    {"binomial(100, 0.1) BTRD", 0, 0, 100, 0.1},
    {"binomial(1000, 0.7) BTRD", 0, 0, 1000, 0.7},
    {"binomial(40, 0.5) BTRD", 0, 0, 40, 0.5},
    {"binomial(1e12, 0.3) BTRD", 0, 0, 1000000000000ULL, 0.3},
};

static void test_discrete(void **state)
{
    const struct disc_case *c = *state;
    uint64_t *k = malloc(N_DRAWS * sizeof *k);
    double *x = malloc(N_DRAWS * sizeof *x);
    assert_true(k && x);
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, (uint64_t)(c - disc_cases), 2);
    for (size_t i = 0; i < N_DRAWS; i++) {
        k[i] = c->poisson ? cjm_sample_poisson(&rng, c->lambda)
                          : cjm_sample_binomial(&rng, c->n, c->p);
        x[i] = (double)k[i];
    }
    double nd = (double)c->n, mean = c->poisson ? c->lambda : nd * c->p;
    double var = c->poisson ? c->lambda : nd * c->p * (1 - c->p);
    double mu4 = c->poisson ? mean * (1 + 3 * mean) : var * (1 + 3 * (nd - 2) * c->p * (1 - c->p));
    check_moments(c->name, x, N_DRAWS, (struct moments){mean, var, mu4});
    qsort(k, N_DRAWS, sizeof *k, cmp_u64);
    double half = 8 * sqrt(var) + 10;
    uint64_t lo = mean > half ? (uint64_t)(mean - half) : 0;
    uint64_t hi = (uint64_t)(mean + half);
    if (!c->poisson && hi > c->n) hi = c->n;
    struct pmf_walk w = {c->poisson, c->lambda, c->p, c->n};
    chi_square(c->name, &w, k, N_DRAWS, lo, hi);
    free(k);
    free(x);
}

/* The full joint law of a small multinomial, by chi-square over its 84
 * outcomes (n = 6 over 3 categories plus the remainder). */
static void test_multinomial_joint(void **state)
{
    (void)state;
    const double p[3] = {0.2, 0.3, 0.1}, prest = 0.4;
    enum { N = 6 };
    static long count[N + 1][N + 1][N + 1];
    memset(count, 0, sizeof count);
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 100, 3);
    for (int i = 0; i < N_DRAWS; i++) {
        uint64_t out[4];
        cjm_sample_multinomial(&rng, N, 3, p, out);
        assert_int_equal(out[0] + out[1] + out[2] + out[3], N);
        count[out[0]][out[1]][out[2]]++;
    }
    double chi = 0, e = 0, o = 0, fact[N + 1] = {1};
    size_t cells = 0;
    for (int i = 1; i <= N; i++) fact[i] = fact[i - 1] * i;
    for (int a = 0; a <= N; a++)
        for (int b = 0; a + b <= N; b++)
            for (int c = 0; a + b + c <= N; c++) {
                int d = N - a - b - c;
                double pr = fact[N] / (fact[a] * fact[b] * fact[c] * fact[d]) * pow(p[0], a) *
                            pow(p[1], b) * pow(p[2], c) * pow(prest, d);
                e += N_DRAWS * pr;
                o += (double)count[a][b][c];
                if (e >= 5) {
                    chi += (o - e) * (o - e) / e;
                    cells++;
                    e = o = 0;
                }
            }
    if (e > 0) chi += (o - e) * (o - e) / e, cells++;
    check_chi2("multinomial(6; .2,.3,.1,+.4)", chi, cells);
}

/* Large n: the categories' marginals are binomial; probabilities summing
 * to exactly 1 leave nothing in the remainder cell. */
static void test_multinomial_large(void **state)
{
    (void)state;
    const double p[3] = {0.5, 0.25, 0.25};
    const uint64_t n = 1000000000;
    enum { M = 20000 };
    double *x = malloc(3 * M * sizeof *x);
    assert_non_null(x);
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 101, 3);
    for (int i = 0; i < M; i++) {
        uint64_t out[4];
        cjm_sample_multinomial(&rng, n, 3, p, out);
        assert_int_equal(out[0] + out[1] + out[2], n);
        assert_int_equal(out[3], 0);
        for (int j = 0; j < 3; j++) x[j * M + i] = (double)out[j];
    }
    static const char *names[3] = {"multinomial(1e9) cell 0", "multinomial(1e9) cell 1",
                                   "multinomial(1e9) cell 2"};
    for (int j = 0; j < 3; j++) {
        double nd = (double)n, var = nd * p[j] * (1 - p[j]);
        double mu4 = var * (1 + 3 * (nd - 2) * p[j] * (1 - p[j]));
        check_moments(names[j], x + j * M, M, (struct moments){nd * p[j], var, mu4});
    }
    free(x);
}

static void test_multinomial_edges(void **state)
{
    (void)state;
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 102, 3);
    uint64_t out[4];
    const double over[2] = {0.6, 0.6}; /* sums past 1: scaled to 1/2, 1/2 */
    uint64_t total0 = 0;
    for (int i = 0; i < 1000; i++) {
        cjm_sample_multinomial(&rng, 100, 2, over, out);
        assert_true(out[0] + out[1] == 100 && out[2] == 0);
        total0 += out[0];
    }
    /* 1000 x 100 trials at 1/2: binomial(10^5, 1/2), sd sqrt(10^5 / 4) = 158 */
    tu_check_z("multinomial scaled to 1/2, 1/2: cell 0", (double)total0, 50000, sqrt(100000 * 0.25),
               0);
    const double bad[3] = {-1, (double)NAN, 0.5}; /* count as 0, 0, 0.5 */
    cjm_sample_multinomial(&rng, 1000, 3, bad, out);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] + out[3] == 1000);
    cjm_sample_multinomial(&rng, 0, 3, bad, out);
    assert_true(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    cjm_sample_multinomial(&rng, 7, 0, bad, out);
    assert_int_equal(out[0], 7);
    const double one[1] = {1};
    cjm_sample_multinomial(&rng, 1000000000000ULL, 1, one, out);
    assert_true(out[0] == 1000000000000ULL && out[1] == 0);
}

/* Weights 0.3, 0, 1.5, 1.2, 0 as unnormalised running sums. */
static void test_discrete_index(void **state)
{
    (void)state;
    const double cum[5] = {0.3, 0.3, 1.8, 3.0, 3.0}, w[5] = {0.1, 0, 0.5, 0.4, 0};
    long count[5] = {0};
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 103, 3);
    for (int i = 0; i < N_DRAWS; i++) {
        size_t j = cjm_sample_discrete(&rng, 5, cum);
        assert_true(j < 5);
        count[j]++;
    }
    assert_true(count[1] == 0 && count[4] == 0);
    double chi = 0;
    for (int j = 0; j < 5; j++)
        if (w[j] > 0)
            chi += (count[j] - N_DRAWS * w[j]) * (count[j] - N_DRAWS * w[j]) / (N_DRAWS * w[j]);
    check_chi2("discrete(.1,0,.5,.4,0)", chi, 3);
    assert_int_equal(cjm_sample_discrete(&rng, 0, cum), 0);
    const double zero[2] = {0, 0};
    assert_int_equal(cjm_sample_discrete(&rng, 2, zero), 2);
    const double single[1] = {2.5};
    assert_int_equal(cjm_sample_discrete(&rng, 1, single), 0);
}

/* Beyond 2^53 trials the binomial is a sum of chunks; its moments hold. */
static void test_binomial_huge_n(void **state)
{
    (void)state;
    enum { M = 2000 };
    double x[M];
    const uint64_t n = 1ULL << 60;
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 104, 3);
    for (int i = 0; i < M; i++) x[i] = (double)cjm_sample_binomial(&rng, n, 0.25);
    double nd = (double)n, var = nd * 0.25 * 0.75;
    check_moments("binomial(2^60, 0.25)", x, M,
                  (struct moments){nd * 0.25, var, var * (1 + 3 * (nd - 2) * 0.1875)});
    for (int i = 0; i < M; i++) x[i] = (double)cjm_sample_poisson(&rng, 1e17);
    check_moments("poisson(1e17)", x, M, (struct moments){1e17, 1e17, 1e17 * (1 + 3e17)});
}

/* Degenerate and invalid parameters give limits or NaN, never a hang. */
static void test_boundaries(void **state)
{
    (void)state;
    cjm_rng rng;
    cjm_rng_stream(&rng, SEED, 105, 3);
    assert_int_equal(cjm_sample_poisson(&rng, 0), 0);
    assert_int_equal(cjm_sample_poisson(&rng, -1), 0);
    assert_int_equal(cjm_sample_poisson(&rng, (double)NAN), 0);
    assert_true(cjm_sample_poisson(&rng, 1e20) == UINT64_MAX);
    assert_int_equal(cjm_sample_binomial(&rng, 0, 0.5), 0);
    assert_int_equal(cjm_sample_binomial(&rng, 50, 0), 0);
    assert_int_equal(cjm_sample_binomial(&rng, 50, 1), 50);
    assert_int_equal(cjm_sample_binomial(&rng, 50, (double)NAN), 0);
    assert_int_equal(cjm_sample_binomial(&rng, 1000000000000ULL, 1e-300), 0);
    assert_true(cjm_sample_binomial(&rng, UINT64_MAX, 1 - 1e-16) <= UINT64_MAX);
    /* Extreme shapes: a twelfth of Beta(0.05, 0.05) lies within 1e-16 of 1 and
     * rounds to 1.0, so only its moments are checked (no KS). */
    double *x = malloc(N_DRAWS * sizeof *x);
    assert_non_null(x);
    for (int i = 0; i < N_DRAWS; i++) x[i] = cjm_sample_beta(&rng, 0.05, 0.05);
    check_moments("beta(0.05, 0.05)", x, N_DRAWS, beta_moments(0.05, 0.05));
    for (int i = 0; i < N_DRAWS; i++) x[i] = cjm_sample_gamma(&rng, 0.01, 1);
    check_moments("gamma(0.01, 1)", x, N_DRAWS, moments_of(0.01, 0.01, 600));
    free(x);
    for (int i = 0; i < 1000; i++) {
        assert_true(cjm_sample_binomial(&rng, 7, 0.5) <= 7);
        double g = cjm_sample_gamma(&rng, 1e-3, 1);
        assert_true(g >= 0 && isfinite(g));
        double b = cjm_sample_beta(&rng, 1e-3, 1e-3);
        assert_true(b >= 0 && b <= 1);
        double u = cjm_sample_uniform(&rng, 1, 2);
        assert_true(u >= 1 && u < 2);
    }
    assert_true(cjm_sample_gamma(&rng, 0, 1) == 0 && cjm_sample_gamma(&rng, 2, 0) == 0);
    assert_true(isnan(cjm_sample_gamma(&rng, -1, 1)) && isnan(cjm_sample_beta(&rng, 0, 1)));
    assert_true(cjm_sample_triangular(&rng, 3, 3, 3) == 3 && cjm_sample_pert(&rng, 3, 3, 3) == 3);
    assert_true(isnan(cjm_sample_triangular(&rng, 0, 5, 1)) &&
                isnan(cjm_sample_pert(&rng, 2, 1, 0)));
    assert_true(cjm_sample_lognormal(&rng, 1, 0) == exp(1));
    assert_true(isnan(cjm_sample_lognormal(&rng, 0, -1)) && isnan(cjm_sample_uniform(&rng, 2, 1)));
    assert_true(cjm_sample_exponential(&rng, (double)INFINITY) == 0);
    assert_true(isinf(cjm_sample_exponential(&rng, 0)));
    /* Distribution functions at their edges. */
    assert_true(cjm_cdf_triangular(3, 3, 3, 3) == 1 && cjm_cdf_triangular(2.9, 3, 3, 3) == 0);
    assert_true(cjm_quantile_pert(0.3, 3, 3, 3) == 3 && cjm_cdf_pert(4, 0, 1, 4) == 1);
    assert_true(cjm_quantile_triangular(0, 1, 2, 4) == 1 &&
                cjm_quantile_triangular(1, 1, 2, 4) == 4);
    assert_true(cjm_cdf_gamma(-1, 2, 1) == 0 && cjm_cdf_lognormal(0, 0, 1) == 0);
    assert_true(cjm_quantile_exponential(0, 2) == 0 && isinf(cjm_quantile_exponential(1, 2)));
    assert_true(cjm_quantile_normal(0.3, 5, 0) == 5 && cjm_cdf_normal(4.9, 5, 0) == 0);
}

/* Each quantile function inverts its distribution function: to a few ulps of
 * p (1e-14, 45 ulps of 1) where both are closed forms; to 1e-12 where the
 * quantile solves F(x) = p by Newton's method to a 1e-15 relative step and F
 * is an incomplete beta or gamma accurate to ~1e-13 (special.h). */
static void test_quantiles(void **state)
{
    (void)state;
    for (double p = 0.001; p < 1; p += 0.0373) {
        assert_true(fabs(cjm_cdf_triangular(cjm_quantile_triangular(p, 0, 1, 5), 0, 1, 5) - p) <
                    1e-14);
        assert_true(fabs(cjm_cdf_pert(cjm_quantile_pert(p, 0, 3, 10), 0, 3, 10) - p) < 1e-12);
        assert_true(fabs(cjm_cdf_beta(cjm_quantile_beta(p, 2, 5), 2, 5) - p) < 1e-12);
        assert_true(fabs(cjm_cdf_gamma(cjm_quantile_gamma(p, 2.5, 3), 2.5, 3) - p) < 1e-12);
        assert_true(fabs(cjm_cdf_lognormal(cjm_quantile_lognormal(p, 1, 0.5), 1, 0.5) - p) < 1e-14);
        assert_true(fabs(cjm_cdf_normal(cjm_quantile_normal(p, 3, 2), 3, 2) - p) < 1e-14);
        assert_true(fabs(cjm_cdf_uniform(cjm_quantile_uniform(p, -1, 4), -1, 4) - p) < 1e-14);
        assert_true(fabs(cjm_cdf_exponential(cjm_quantile_exponential(p, 0.7), 0.7) - p) < 1e-14);
    }
    /* PERT(0, 3, 10) is 10 Beta(2.2, 3.8); its median from the beta. */
    assert_true(fabs(cjm_quantile_pert(0.5, 0, 3, 10) - 10 * cjm_beta_quantile(2.2, 3.8, 0.5)) <
                1e-12);
}

/* The same stream gives the same variates. */
static void test_deterministic(void **state)
{
    (void)state;
    cjm_rng a, b;
    cjm_rng_stream(&a, SEED, 7, 7);
    cjm_rng_stream(&b, SEED, 7, 7);
    for (int i = 0; i < 1000; i++) {
        assert_true(cjm_sample_gamma(&a, 0.7, 1) == cjm_sample_gamma(&b, 0.7, 1));
        assert_true(cjm_sample_binomial(&a, 1000000, 0.4) == cjm_sample_binomial(&b, 1000000, 0.4));
        assert_true(cjm_sample_poisson(&a, 55.5) == cjm_sample_poisson(&b, 55.5));
        assert_true(cjm_sample_normal(&a) == cjm_sample_normal(&b));
    }
}

int main(void)
{
    enum { NC = sizeof cont_cases / sizeof cont_cases[0] };
    enum { ND = sizeof disc_cases / sizeof disc_cases[0] };
    struct CMUnitTest tests[NC + ND + 10];
    size_t t = 0;
    for (size_t i = 0; i < NC; i++)
        tests[t++] =
            (struct CMUnitTest){cont_cases[i].name, test_continuous, NULL, NULL, &cont_cases[i]};
    for (size_t i = 0; i < ND; i++)
        tests[t++] =
            (struct CMUnitTest){disc_cases[i].name, test_discrete, NULL, NULL, &disc_cases[i]};
    const struct CMUnitTest more[] = {
        cmocka_unit_test(test_multinomial_joint), cmocka_unit_test(test_multinomial_large),
        cmocka_unit_test(test_multinomial_edges), cmocka_unit_test(test_discrete_index),
        cmocka_unit_test(test_binomial_huge_n),   cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_quantiles),         cmocka_unit_test(test_deterministic),
        cmocka_unit_test(tu_fw_verdict),
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) tests[t++] = more[i];
    return _cmocka_run_group_tests("sample", tests, t, NULL, NULL);
}
