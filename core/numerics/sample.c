/* Random variates and distribution functions; see sample.h. Each sampler is
 * written from the published algorithm named beside it. */
#include "sample.h"

#include <math.h>

#include "special.h"

#define TWO_POW_53 9007199254740992.0
#define TWO_POW_64 18446744073709551616.0

/* ---------------------------------------------------------------------------
 * Continuous samplers
 * ------------------------------------------------------------------------ */

/* Inversion, Z = Phi^-1(U), with Wichura's AS 241 (full double precision)
 * and U a 53-bit uniform in (0, 1): one uniform per variate, no state kept
 * between calls, tails to |z| = 8.2. */
double cjm_sample_normal(cjm_rng *rng)
{
    return cjm_normal_quantile(cjm_rng_uniform_pos(rng));
}

double cjm_sample_uniform(cjm_rng *rng, double lo, double hi)
{
    if (!(lo <= hi)) return ((double)NAN);
    return lo + (hi - lo) * cjm_rng_uniform(rng);
}

/* Inversion: -log(U) / rate. */
double cjm_sample_exponential(cjm_rng *rng, double rate)
{
    if (!(rate > 0)) return rate == 0 ? ((double)INFINITY) : ((double)NAN);
    return -log(cjm_rng_uniform_pos(rng)) / rate;
}

/* G. Marsaglia and W. W. Tsang, "A simple method for generating gamma
 * variables", ACM TOMS 26 (2000) 363-372: for k >= 1, d = k - 1/3,
 * c = 1 / sqrt(9 d); accept d v, v = (1 + c Z)^3, when U < 1 - 0.0331 Z^4
 * (squeeze) or log U < Z^2 / 2 + d (1 - v + log v). */
static double gamma_mt(cjm_rng *rng, double k)
{
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z, v;
        do {
            z = cjm_sample_normal(rng);
            v = 1 + c * z;
        } while (v <= 0);
        v = v * v * v;
        double u = cjm_rng_uniform_pos(rng), z2 = z * z;
        if (u < 1 - 0.0331 * z2 * z2) return d * v;
        if (log(u) < 0.5 * z2 + d * (1 - v + log(v))) return d * v;
    }
}

/* log of a Gamma(k, 1) variate. For k < 1, Marsaglia & Tsang's boost
 * G(k) = G(k + 1) U^(1/k), taken in logs because U^(1/k) underflows for
 * small k. */
static double log_gamma_variate(cjm_rng *rng, double k)
{
    if (k >= 1) return log(gamma_mt(rng, k));
    double g = gamma_mt(rng, k + 1);
    return log(g) + log(cjm_rng_uniform_pos(rng)) / k;
}

double cjm_sample_gamma(cjm_rng *rng, double k, double theta)
{
    if (!(k >= 0 && theta >= 0) || isinf(k)) return ((double)NAN);
    if (k == 0 || theta == 0) return 0;
    if (k >= 1) return gamma_mt(rng, k) * theta;
    return exp(log_gamma_variate(rng, k)) * theta;
}

/* X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (e.g. Devroye, Non-Uniform
 * Random Variate Generation, 1986, IX.4), from the logs of X and Y so that
 * tiny shapes, whose gamma variates underflow, still give a valid ratio. */
double cjm_sample_beta(cjm_rng *rng, double a, double b)
{
    if (!(a > 0 && b > 0) || isinf(a) || isinf(b)) return ((double)NAN);
    double lx = log_gamma_variate(rng, a), ly = log_gamma_variate(rng, b);
    if (lx < ly) {
        double t = exp(lx - ly);
        return t / (1 + t);
    }
    return 1 / (1 + exp(ly - lx));
}

static int tri_bad(double lo, double mode, double hi)
{
    return !(lo <= mode && mode <= hi);
}

/* Inversion of the triangular distribution function (closed form). */
double cjm_quantile_triangular(double p, double lo, double mode, double hi)
{
    if (tri_bad(lo, mode, hi) || !(p >= 0 && p <= 1)) return ((double)NAN);
    double w = hi - lo;
    if (w == 0) return lo;
    if (p * w < mode - lo) return lo + sqrt(p * w * (mode - lo));
    return hi - sqrt((1 - p) * w * (hi - mode));
}

double cjm_sample_triangular(cjm_rng *rng, double lo, double mode, double hi)
{
    return cjm_quantile_triangular(cjm_rng_uniform(rng), lo, mode, hi);
}

/* Beta-PERT shapes (lambda = 4); returns the width hi - lo (the shapes are
 * 1, 1 when it is 0). */
static double pert_shapes(double lo, double mode, double hi, double *a, double *b)
{
    double w = hi - lo;
    *a = w > 0 ? 1 + 4 * (mode - lo) / w : 1;
    *b = w > 0 ? 1 + 4 * (hi - mode) / w : 1;
    return w;
}

double cjm_sample_pert(cjm_rng *rng, double lo, double mode, double hi)
{
    double a, b;
    if (tri_bad(lo, mode, hi)) return ((double)NAN);
    double w = pert_shapes(lo, mode, hi, &a, &b);
    return w == 0 ? lo : lo + w * cjm_sample_beta(rng, a, b);
}

double cjm_sample_lognormal(cjm_rng *rng, double mu, double sigma)
{
    if (!(sigma >= 0)) return ((double)NAN);
    return exp(mu + sigma * cjm_sample_normal(rng));
}

/* ---------------------------------------------------------------------------
 * Discrete samplers
 * ------------------------------------------------------------------------ */

/* Inversion by binary search for the first running sum above U * total. */
size_t cjm_sample_discrete(cjm_rng *rng, size_t n, const double *cumulative)
{
    if (n == 0 || !(cumulative[n - 1] > 0)) return n;
    double x = cjm_rng_uniform(rng) * cumulative[n - 1];
    size_t lo = 0, hi = n - 1; /* the answer is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cumulative[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    /* U * total can round up to total: step back past zero-weight tails. */
    while (lo > 0 && cumulative[lo] == cumulative[lo - 1]) lo--;
    return lo;
}

/* Sequential-search inversion (e.g. Devroye 1986, X.3): walk the
 * probabilities p0, p1 = p0 (num / 1 - step), ... down from U. Rounding can
 * leave U above the computed total; a walk past last (beyond any real
 * mass) restarts, and after 100 restarts (probability ~1e-1500) the
 * result is last. */
static uint64_t invert_walk(cjm_rng *rng, double p0, double num, double step, uint64_t last)
{
    for (int tries = 0; tries < 100; tries++) {
        double u = cjm_rng_uniform(rng), pk = p0;
        uint64_t k = 0;
        while (u > pk && k <= last) {
            u -= pk;
            k++;
            pk *= num / (double)k - step; /* p_k / p_{k-1} */
        }
        if (k <= last) return k;
    }
    return last;
}

/* W. Hoermann, "The transformed rejection method for generating Poisson
 * random variables", Insurance: Mathematics and Economics 12 (1993) 39-45,
 * algorithm PTRS, for lambda >= 10. Variates are k = floor(lambda) + j with
 * j computed from small numbers, so the hat is sampled without rounding
 * for any lambda; the acceptance test uses Loader's log-pmf, accurate
 * where -lambda + k log(lambda) - log k! would cancel catastrophically. */
static uint64_t poisson_ptrs(cjm_rng *rng, double lambda)
{
    double b = 0.931 + 2.53 * sqrt(lambda), a = -0.059 + 0.02483 * b;
    double log_inv_alpha = log(1.1239 + 1.1328 / (b - 3.4));
    double vr = 0.9277 - 3.6224 / (b - 2);
    double base = floor(lambda), shift = lambda - base + 0.43;
    for (;;) {
        double u = cjm_rng_uniform(rng) - 0.5, v = cjm_rng_uniform(rng);
        double us = 0.5 - fabs(u);
        if (us <= 0) continue; /* u = -0.5: a zero-width sliver of the hat */
        double j = floor((2 * a / us + b) * u + shift);
        if (base + j < 0 || base + j >= 1.8e19) continue; /* f(k) is 0 there */
        uint64_t k = j >= 0 ? (uint64_t)base + (uint64_t)j : (uint64_t)base - (uint64_t)-j;
        if (us >= 0.07 && v <= vr) return k;
        if (us < 0.013 && v > us) continue;
        if (log(v) + log_inv_alpha - log(a / (us * us) + b) <= cjm_lpmf_poisson(k, lambda))
            return k;
    }
}

uint64_t cjm_sample_poisson(cjm_rng *rng, double lambda)
{
    if (!(lambda > 0)) return 0;
    if (lambda >= 1.8e19) return UINT64_MAX;
    if (lambda >= 10) return poisson_ptrs(rng, lambda);
    return invert_walk(rng, exp(-lambda), lambda, 0, 1000);
}

/* W. Hoermann, "The generation of binomial random variables", J. Statist.
 * Comput. Simul. 46 (1993) 101-110, algorithm BTRD, for p <= 1/2 and
 * n p >= 10 (exact integers: n <= 2^53). Variates are k = m + j with the
 * offset j computed from small numbers, so the hat is sampled without
 * rounding even for huge n; step 3.3's log f(k) / f(m) uses Loader's
 * log-pmf, whose large terms cancel exactly, where the paper's Stirling
 * formula loses up to 1e-4 at n = 1e12. */
static double binomial_btrd(cjm_rng *rng, double n, double p)
{
    double q = 1 - p, np = n * p, npq = np * q, spq = sqrt(npq);
    double m = floor(fma(n, p, p));              /* the mode, floor((n + 1) p) */
    double cm = (np - m) + fma(n, p, -np) + 0.5; /* c - m, c = n p + 1/2 */
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p;
    double alpha = (2.83 + 5.1 / b) * spq, vr = 0.92 - 4.2 / b, urvr = 0.86 * vr;
    double r = p / q, nr = (n + 1) * r, lfm = ((double)NAN);
    for (;;) {
        double v = cjm_rng_uniform(rng), u, k;
        if (v <= urvr) { /* step 1: inside the box, accept at once */
            u = v / vr - 0.43;
            k = m + floor((2 * a / (0.5 - fabs(u)) + b) * u + cm);
            if (k >= 0 && k <= n) return k;
            continue;
        }
        if (v >= vr) { /* step 2: a point of the hat outside the box */
            u = cjm_rng_uniform(rng) - 0.5;
        } else {
            u = v / vr - 0.93;
            u = copysign(0.5, u) - u;
            v = cjm_rng_uniform(rng) * vr;
        }
        double us = 0.5 - fabs(u); /* step 3.0 */
        if (us <= 0) continue;
        k = m + floor((2 * a / us + b) * u + cm);
        if (k < 0 || k > n) continue;
        v = v * alpha / (a / (us * us) + b);
        double km = fabs(k - m);
        if (km <= 15) { /* step 3.1: f(k) / f(m) by the recurrence */
            double f = 1;
            if (m < k)
                for (double i = m + 1; i <= k; i++) f *= nr / i - r;
            else
                for (double i = k + 1; i <= m; i++) v *= nr / i - r;
            if (v <= f) return k;
            continue;
        }
        v = log(v); /* step 3.2: squeeze on log f(k) / f(m) */
        double rho = (km / npq) * (((km / 3 + 0.625) * km + 1.0 / 6) / npq + 0.5);
        double t = -km * km / (2 * npq);
        if (v < t - rho) return k;
        if (v > t + rho) continue;
        if (isnan(lfm)) lfm = cjm_lpmf_binomial((uint64_t)m, (uint64_t)n, p);
        if (v <= cjm_lpmf_binomial((uint64_t)k, (uint64_t)n, p) - lfm) return k; /* 3.3 */
    }
}

/* p <= 1/2, n <= 2^53: inversion (BINV) for means below 10, else BTRD. */
static uint64_t binomial_small_p(cjm_rng *rng, uint64_t n, double p)
{
    double nd = (double)n, s = p / (1 - p);
    if (nd * p >= 10) return (uint64_t)binomial_btrd(rng, nd, p);
    return invert_walk(rng, exp(nd * log1p(-p)), (nd + 1) * s, s, n < 1000 ? n : 1000);
}

/* Symmetry for p > 1/2; past 2^53 trials (where doubles stop counting
 * exactly) the sum of binomials of at most 2^53 trials each, at most 2048. */
uint64_t cjm_sample_binomial(cjm_rng *rng, uint64_t n, double p)
{
    if (n == 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    const uint64_t chunk = 1ULL << 53;
    uint64_t total = 0;
    while (n > chunk) {
        total += cjm_sample_binomial(rng, chunk, p);
        n -= chunk;
    }
    if (p > 0.5) return total + n - binomial_small_p(rng, n, 1 - p);
    return total + binomial_small_p(rng, n, p);
}

/* Sequential conditional binomials (e.g. Devroye 1986, XI.1): category i
 * takes Binomial(trials left, p_i / probability mass left). */
void cjm_sample_multinomial(cjm_rng *rng, uint64_t n, size_t k, const double *p, uint64_t *out)
{
    double total = 0;
    for (size_t i = 0; i < k; i++)
        if (p[i] > 0) total += p[i];
    double rest = total < 1 ? 1 - total : 0, mass = total + rest;
    uint64_t left = n;
    for (size_t i = 0; i < k; i++) {
        double pi = p[i] > 0 ? p[i] : 0;
        double c = pi >= mass || (i + 1 == k && rest == 0) ? 1 : pi / mass;
        out[i] = left > 0 && pi > 0 ? cjm_sample_binomial(rng, left, c) : 0;
        left -= out[i];
        mass -= pi;
    }
    out[k] = left;
}

/* ---------------------------------------------------------------------------
 * Distribution and quantile functions
 * ------------------------------------------------------------------------ */

double cjm_cdf_normal(double x, double mu, double sigma)
{
    if (!(sigma >= 0) || isnan(x) || isnan(mu)) return ((double)NAN);
    if (sigma == 0) return x < mu ? 0 : 1;
    return cjm_normal_cdf((x - mu) / sigma);
}

double cjm_quantile_normal(double p, double mu, double sigma)
{
    if (!(sigma >= 0) || !(p >= 0 && p <= 1)) return ((double)NAN);
    return sigma == 0 ? mu : mu + sigma * cjm_normal_quantile(p);
}

double cjm_cdf_lognormal(double x, double mu, double sigma)
{
    if (isnan(x)) return ((double)NAN);
    if (x <= 0) return sigma >= 0 ? 0 : (double)((double)NAN);
    return cjm_cdf_normal(log(x), mu, sigma);
}

double cjm_quantile_lognormal(double p, double mu, double sigma)
{
    return exp(cjm_quantile_normal(p, mu, sigma));
}

double cjm_cdf_uniform(double x, double lo, double hi)
{
    if (!(lo <= hi) || isnan(x)) return ((double)NAN);
    if (x < lo) return 0;
    if (x >= hi) return 1;
    return (x - lo) / (hi - lo);
}

double cjm_quantile_uniform(double p, double lo, double hi)
{
    if (!(lo <= hi) || !(p >= 0 && p <= 1)) return ((double)NAN);
    return lo + p * (hi - lo);
}

double cjm_cdf_exponential(double x, double rate)
{
    if (!(rate >= 0) || isnan(x)) return ((double)NAN);
    return x <= 0 ? 0 : -expm1(-rate * x);
}

double cjm_quantile_exponential(double p, double rate)
{
    if (!(rate >= 0) || !(p >= 0 && p <= 1)) return ((double)NAN);
    return -log1p(-p) / rate;
}

double cjm_cdf_gamma(double x, double k, double theta)
{
    if (!(k > 0 && theta > 0) || isnan(x)) return ((double)NAN);
    return x <= 0 ? 0 : cjm_gammainc_lower(k, x / theta);
}

double cjm_quantile_gamma(double p, double k, double theta)
{
    if (!(theta > 0)) return ((double)NAN);
    return theta * cjm_gamma_quantile(k, p);
}

double cjm_cdf_beta(double x, double a, double b)
{
    if (!(a > 0 && b > 0) || isnan(x)) return ((double)NAN);
    if (x <= 0 || x >= 1) return x <= 0 ? 0 : 1;
    return cjm_betainc(a, b, x);
}

double cjm_quantile_beta(double p, double a, double b)
{
    return cjm_beta_quantile(a, b, p);
}

double cjm_cdf_triangular(double x, double lo, double mode, double hi)
{
    if (tri_bad(lo, mode, hi) || isnan(x)) return ((double)NAN);
    if (x < lo) return 0;
    if (x >= hi) return 1;
    double w = hi - lo;
    if (x <= mode) return (x - lo) * (x - lo) / (w * (mode - lo));
    return 1 - (hi - x) * (hi - x) / (w * (hi - mode));
}

double cjm_cdf_pert(double x, double lo, double mode, double hi)
{
    double a, b;
    if (tri_bad(lo, mode, hi) || isnan(x)) return ((double)NAN);
    if (x < lo) return 0;
    if (x >= hi) return 1;
    double w = pert_shapes(lo, mode, hi, &a, &b);
    return cjm_cdf_beta((x - lo) / w, a, b);
}

double cjm_quantile_pert(double p, double lo, double mode, double hi)
{
    double a, b;
    if (tri_bad(lo, mode, hi) || !(p >= 0 && p <= 1)) return ((double)NAN);
    double w = pert_shapes(lo, mode, hi, &a, &b);
    return w == 0 ? lo : lo + w * cjm_beta_quantile(a, b, p);
}

/* ---- hypergeometric ---- */

/* log f(k) + c, f the hypergeometric probability of k successes in s draws
 * from N items with m successes, c not depending on k: from binomial
 * log-probabilities (Loader's form, as R's dhyper), so that the differences
 * keep their digits for huge N. */
static double hyper_log(uint64_t k, uint64_t N, uint64_t m, uint64_t s, double p)
{
    return cjm_lpmf_binomial(k, m, p) + cjm_lpmf_binomial(s - k, N - m, p);
}

/* Inversion by sequential search from 0 (e.g. Devroye 1986, X.3), with
 * f(k + 1) / f(k) = (m - k) (s - k) / ((k + 1) (N - m - s + k + 1)); a walk
 * past the support (rounding) restarts. */
static uint64_t hyper_inversion(cjm_rng *rng, uint64_t N, uint64_t m, uint64_t s, double p)
{
    uint64_t last = m < s ? m : s;
    double f0 = exp(hyper_log(0, N, m, s, p) - cjm_lpmf_binomial(s, N, p));
    double md = (double)m, sd = (double)s, rest = (double)(N - m - s);
    for (int tries = 0; tries < 100; tries++) {
        double u = cjm_rng_uniform(rng), f = f0;
        uint64_t k = 0;
        while (u > f && k < last) {
            u -= f;
            double kd = (double)k;
            f *= (md - kd) * (sd - kd) / ((kd + 1) * (rest + kd + 1));
            k++;
        }
        if (u <= f) return k;
    }
    return last;
}

/* E. Stadlober, "The ratio of uniforms approach for generating discrete
 * random variates", J. Comput. Appl. Math. 31 (1990) 181-189, algorithm
 * HRUA (as in numpy), for m, s <= N / 2 with a mean of at least 10: a table
 * mountain hat of width h = 2 sqrt(2/e) sqrt(var + 1/2) + 3 - 2 sqrt(3/e)
 * around the mean, over the whole support (no truncation of the tail), and
 * log f(k) / f(mode) from binomial log-probabilities. */
static uint64_t hyper_hrua(cjm_rng *rng, uint64_t N, uint64_t m, uint64_t s, double p)
{
    double Nd = (double)N, md = (double)m, sd = (double)s;
    double mu = sd * md / Nd, var = (Nd - sd) * sd * (md / Nd) * ((Nd - md) / Nd) / (Nd - 1);
    double a = mu + 0.5, c = sqrt(var + 0.5), h = 1.7155277699214135 * c + 0.8989161620588988;
    uint64_t last = m < s ? m : s;
    /* the mode, floor((s + 1)(m + 1) / (N + 2)), settled by the ratio f(k+1)/f(k) */
    double mode = floor((sd + 1) * (md + 1) / (Nd + 2));
    if (mode > (double)last) mode = (double)last;
    while (mode > 0 && (md - mode + 1) * (sd - mode + 1) < mode * (Nd - md - sd + mode)) mode--;
    while (mode < (double)last &&
           (md - mode) * (sd - mode) > (mode + 1) * (Nd - md - sd + mode + 1))
        mode++;
    double g = hyper_log((uint64_t)mode, N, m, s, p), b = (double)last + 1;
    for (;;) {
        double u = cjm_rng_uniform_pos(rng), v = cjm_rng_uniform(rng);
        double X = a + h * (v - 0.5) / u;
        if (!(X >= 0 && X < b)) continue;
        uint64_t k = (uint64_t)X;
        double t = hyper_log(k, N, m, s, p) - g;
        if (u * (4 - u) - 3 <= t) return k; /* squeeze: accept */
        if (u * (u - t) >= 1) continue;     /* squeeze: reject */
        if (2 * log(u) <= t) return k;
    }
}

/* Symmetries bring both the successes and the draws to at most N / 2 (the
 * distribution is symmetric in them, and counting failures or items not drawn
 * gives the complements); then draw by draw when either is at most 16,
 * inversion for means below 10, else HRUA. */
uint64_t cjm_sample_hypergeometric(cjm_rng *rng, uint64_t N, uint64_t K, uint64_t n)
{
    if (K > N) K = N;
    if (n > N) n = N;
    if (n == 0 || K == 0) return 0;
    if (K == N) return n;
    if (n == N) return K;
    uint64_t s = n < N - n ? n : N - n, m = K < N - K ? K : N - K, x;
    double p = (double)s / (double)N;
    if ((s <= 16 || m <= 16) && N < (1ULL << 32)) {
        /* few draws (the distribution is symmetric in m and s): one at a time,
         * each a success with probability successes left / items left */
        uint64_t draws = s < m ? s : m, succ = s < m ? m : s, left = N;
        x = 0;
        for (uint64_t i = 0; i < draws; i++, left--)
            if (cjm_rng_bounded(rng, (uint32_t)left) < succ - x) x++;
    } else if ((double)s * ((double)m / (double)N) < 10)
        x = hyper_inversion(rng, N, m, s, p);
    else
        x = hyper_hrua(rng, N, m, s, p);
    if (K > N - K) x = s - x;
    return s < n ? K - x : x;
}
