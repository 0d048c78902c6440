/* Special functions for statistics; see special.h. Each algorithm is written
 * from the published description named beside it. */
#include "special.h"

#include <float.h>
#include <math.h>

#define CJM_PI 3.14159265358979323846264338327950288
#define LOG_SQRT_2PI 0.918938533204672741780329736405617640 /* log(sqrt(2 pi)) */
#define SQRT1_2 0.707106781186547524400844362104849039
#define EULER_GAMMA 0.577215664901532860606512090082402431
#define TINY 1e-300 /* keeps the Lentz recurrences away from division by 0 */

/* ---------------------------------------------------------------------------
 * Gamma-function building blocks
 * ------------------------------------------------------------------------ */

static double lgamma_stirling(double x);

/* delta(x) = log(Gamma(x + 1)) - [(x + 1/2) log x - x + log sqrt(2 pi)]: the
 * remainder of Stirling's formula. For x >= 10 its asymptotic series (A&S
 * 6.1.41, coefficients B_2k / (2k (2k - 1))) is exact to 3e-17; below, the
 * difference is taken directly, losing ~1e-15 absolute. */
static double stirlerr(double x)
{
    if (x < 10) return cjm_lgamma(x + 1) - (x + 0.5) * log(x) + x - LOG_SQRT_2PI;
    double r = 1 / x, r2 = r * r;
    double s = 1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156);
    s = 1.0 / 1260 - r2 * (1.0 / 1680 - r2 * s);
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * s));
}

/* log(Gamma(x)) for x >= 10: Stirling's formula plus its remainder. */
static double lgamma_stirling(double x)
{
    return (x - 0.5) * log(x) - x + LOG_SQRT_2PI + stirlerr(x);
}

/* log(Gamma(1 + e)) for |e| <= 1/2 from its Taylor series at 1 (A&S
 * 6.1.33): -gamma e + sum_{k>=2} (-1)^k zeta(k) e^k / k. Keeps full relative
 * precision near the zeros of log Gamma at 1 and 2. Past the tabulated
 * values, zeta(k) = 1 + 2^-k + 3^-k to far below the truncation error. */
static double lgamma1p_series(double e)
{
    static const double zeta[22] = {
        1.64493406684822643647, 1.2020569031595942854,  1.08232323371113819152,
        1.03692775514336992633, 1.01734306198444913971, 1.00834927738192282684,
        1.00407735619794433938, 1.00200839282608221442, 1.00099457512781808534,
        1.00049418860411946456, 1.0002460865533080483,  1.00012271334757848915,
        1.00006124813505870483, 1.00003058823630702049, 1.00001528225940865187,
        1.00000763719763789976, 1.00000381729326499984, 1.00000190821271655394,
        1.0000009539620338728,  1.00000047693298678781, 1.00000023845050272773,
        1.00000011921992596531};                                        /* zeta(2) .. zeta(23) */
    double sum = 0, pw = e, p2 = 1.0 / 8388608, p3 = 1.0 / 94143178827; /* 2^-23, 3^-23 */
    for (int k = 2; k <= 60; k++) {
        pw *= -e; /* (-1)^(k-1) e^k */
        double z = zeta[k - 2 < 21 ? k - 2 : 21];
        if (k > 23) {
            p2 *= 0.5;
            p3 *= 1.0 / 3;
            z = 1 + p2 + p3;
        }
        double term = z * pw / k;
        sum -= term;
        if (fabs(term) <= 1e-17 * fabs(sum)) break;
    }
    return -EULER_GAMMA * e + sum;
}

/* Below 2.5 from the series at 1 (with Gamma(x) = Gamma(1 + x) / x below
 * 1/2 and Gamma(x) = (x - 1) Gamma(x - 1) above 3/2); up to 10 by that
 * recurrence down into (1.5, 2.5], which adds logs of positive factors
 * without cancellation; from 10 on by Stirling's series. */
double cjm_lgamma(double x)
{
    if (isnan(x) || x < 0) return ((double)NAN);
    if (x == 0) return ((double)INFINITY);
    if (x >= 10) return lgamma_stirling(x);
    if (x < 0.5) return lgamma1p_series(x) - log(x);
    if (x <= 1.5) return lgamma1p_series(x - 1);
    double prod = 1;
    while (x > 2.5) {
        x -= 1; /* exact in this range */
        prod *= x;
    }
    return lgamma1p_series(x - 2) + log1p(x - 2) + log(prod);
}

/* u - log(1 + u), accurate where the two terms cancel: with v = u / (2 + u),
 * log(1 + u) = 2 atanh(v) = 2 (v + v^3/3 + ...) and u - 2v = u v, so
 * u - log1p(u) = u v - 2 (v^3/3 + v^5/5 + ...). */
static double u_minus_log1p(double u)
{
    if (fabs(u) >= 0.5) return u - log1p(u);
    double v = u / (2 + u), v2 = v * v;
    double sum = u * v, term = 2 * v;
    for (int j = 1; j < 100; j++) {
        term *= v2;
        double next = sum - term / (2 * j + 1);
        if (next == sum) break;
        sum = next;
    }
    return sum;
}

/* Loader's deviance term bd0(x, M) = x log(x / M) + M - x (C. Loader, "Fast
 * and accurate computation of binomial probabilities", 2000), given also
 * d = M - x, which callers often know more exactly than M. When M is near
 * x, x (u - log1p(u)) with u = d / x avoids the cancellation. */
static double bd0_md(double x, double m, double d)
{
    if (x == 0) return m;
    if (fabs(d) < 0.5 * x) return x * u_minus_log1p(d / x);
    return x * log(x / m) + d;
}

static double bd0(double x, double m)
{
    return bd0_md(x, m, m - x);
}

double cjm_lbeta(double a, double b)
{
    if (!(a > 0 && b > 0)) return ((double)NAN);
    double lo = fmin(a, b), hi = fmax(a, b);
    if (hi < 10) return cjm_lgamma(lo) + cjm_lgamma(hi) - cjm_lgamma(lo + hi);
    if (lo < 10) {
        /* lgamma(hi) - lgamma(lo + hi) with Stirling's large terms combined. */
        double diff = -(hi - 0.5) * log1p(lo / hi) - lo * log(lo + hi) + lo + stirlerr(hi) -
                      stirlerr(lo + hi);
        return cjm_lgamma(lo) + diff;
    }
    double s = a + b;
    double big = a * log1p(b / a) + b * log1p(a / b);
    return LOG_SQRT_2PI - 0.5 * log(a * b / s) - big - stirlerr(s) + stirlerr(a) + stirlerr(b);
}

/* ---------------------------------------------------------------------------
 * Normal distribution
 * ------------------------------------------------------------------------ */

double cjm_normal_cdf(double x)
{
    return 0.5 * erfc(-x * SQRT1_2);
}

/* A rational function n(r) / d(r): n of degree 7, d of degree 7 with d(0) = 1. */
static double ratio7(const double *num, const double *den, double r)
{
    double n = num[7], d = den[6];
    for (int i = 6; i >= 0; i--) n = n * r + num[i];
    for (int i = 5; i >= 0; i--) d = d * r + den[i];
    return n / (d * r + 1);
}

/* M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
 * distribution", Applied Statistics 37 (1988) 477-484, PPND16: relative
 * accuracy about 1e-16. */
double cjm_normal_quantile(double p)
{
    static const double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                3.3430575583588128105e+4, 2.5090809287301226727e+3};
    static const double b[7] = {4.2313330701600911252e+1, 6.8718700749205790830e+2,
                                5.3941960214247511077e+3, 2.1213794301586595867e+4,
                                3.9307895800092710610e+4, 2.8729085735721942674e+4,
                                5.2264952788528545610e+3};
    static const double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                5.76949722146069140550e0,  3.64784832476320460504e0,
                                1.27045825245236838258e0,  2.41780725177450611770e-1,
                                2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double d[7] = {2.05319162663775882187e0,  1.67638483018380384940e0,
                                6.89767334985100004550e-1, 1.48103976427480074590e-1,
                                1.51986665636164571966e-2, 5.47593808499534494600e-4,
                                1.05075007164441684324e-9};
    static const double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                1.78482653991729133580e0,  2.96560571828504891230e-1,
                                2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double f[7] = {5.99832206555887937690e-1, 1.36929880922735805310e-1,
                                1.48753612908506148525e-2, 7.86869131145613259100e-4,
                                1.84631831751005468180e-5, 1.42151175831644588870e-7,
                                2.04426310338993978564e-15};
    if (isnan(p) || p < 0 || p > 1) return ((double)NAN);
    if (p == 0) return -((double)INFINITY);
    if (p == 1) return ((double)INFINITY);
    double q = p - 0.5;
    if (fabs(q) <= 0.425) return q * ratio7(a, b, 0.180625 - q * q);
    double r = sqrt(-log(q < 0 ? p : 1 - p));
    double z = r <= 5 ? ratio7(c, d, r - 1.6) : ratio7(e, f, r - 5);
    return q < 0 ? -z : z;
}

/* ---------------------------------------------------------------------------
 * Incomplete beta
 * ------------------------------------------------------------------------ */

/* log(x^a y^b / B(a, b)) with y = 1 - x given separately (whichever of x, y
 * is small carries the digits). For a, b >= 10 the Stirling form
 *   a log(x s / a) + b log(y s / b) + log sqrt(a b / (2 pi s)) + deltas,
 * s = a + b, with the two logs as -bd0 terms, avoids the cancellation
 * between a log x and log B(a, b) (as in DiDonato & Morris, ACM TOMS 18
 * (1992) 360-373). */
static double beta_logpref(double a, double b, double x, double y)
{
    if (a >= 10 && b >= 10) {
        double s = a + b;
        double d = x <= y ? fma(x, s, -a) : fma(-y, s, b); /* x s - a = b - y s */
        double dev = bd0_md(a, x * s, d) + bd0_md(b, y * s, -d);
        double corr = stirlerr(s) - stirlerr(a) - stirlerr(b);
        return -dev + 0.5 * log(a * b / s) - LOG_SQRT_2PI + corr;
    }
    double lx = x <= y ? log(x) : log1p(-y);
    double ly = y <= x ? log(y) : log1p(-x);
    return a * lx + b * ly - cjm_lbeta(a, b);
}

/* Terms the series and continued fractions may take: near the transition
 * they need O(sqrt(a)); capped (about 0.1 s) so that absurd shapes still
 * return. */
static int iteration_cap(double a)
{
    return (int)fmin(1000 + 20 * sqrt(a), 2e7);
}

static double nonzero(double v)
{
    return fabs(v) < TINY ? TINY : v;
}

/* The continued fraction of A&S 26.5.8,
 *   I_x(a, b) = x^a y^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...))),
 *   d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 *   d_{2m}   = m (b - m) x / ((a + 2m - 1)(a + 2m)),
 * evaluated by the modified Lentz method (Thompson & Barnett, J. Comput.
 * Phys. 64 (1986) 490-509). Converges quickly for x < (a + 1) / (a + b + 2);
 * returns 1 / (1 + d1 / (1 + ...)). */
static double beta_cf(double a, double b, double x)
{
    double c = 1, d = 1 / nonzero(1 - (a + b) * x / (a + 1));
    double f = d;
    int maxit = iteration_cap(fmax(a, b));
    for (int m = 1; m <= maxit; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 / nonzero(1 + num * d);
        c = nonzero(1 + num / c);
        f *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 / nonzero(1 + num * d);
        c = nonzero(1 + num / c);
        double delta = d * c;
        f *= delta;
        if (fabs(delta - 1) <= DBL_EPSILON) break;
    }
    return f;
}

/* I_x(a, b) into *lower and 1 - I_x(a, b) into *upper, with y = 1 - x. The
 * fraction is evaluated on the side where it converges, the other value
 * following from I_x(a, b) = 1 - I_y(b, a). */
static void betainc_xy(double a, double b, double x, double y, double *lower, double *upper)
{
    if (x <= 0 || y <= 0) {
        *lower = x <= 0 ? 0 : 1;
        *upper = 1 - *lower;
        return;
    }
    int swap = x > (a + 1) / (a + b + 2);
    if (swap) {
        double t = a;
        a = b;
        b = t;
        t = x;
        x = y;
        y = t;
    }
    /* The fraction is at most about (a + b + 2) / (b + 1) on this side, so
     * a prefactor far below the underflow threshold means I = 0: skip the
     * O(sqrt(a)) terms it would take for absurd shapes. */
    double lp = beta_logpref(a, b, x, y);
    double w = lp + log((a + b + 2) / (a * (b + 1))) < -750 ? 0 : exp(lp) * beta_cf(a, b, x) / a;
    w = fmin(w, 1.0);
    *lower = swap ? 1 - w : w;
    *upper = swap ? w : 1 - w;
}

static int beta_args_bad(double a, double b, double x)
{
    return isnan(x) || !(a > 0 && b > 0) || !(a <= CJM_BETA_SHAPE_MAX && b <= CJM_BETA_SHAPE_MAX);
}

double cjm_betainc(double a, double b, double x)
{
    if (beta_args_bad(a, b, x)) return ((double)NAN);
    double lo, up;
    betainc_xy(a, b, x, 1 - x, &lo, &up);
    return lo;
}

double cjm_betainc_upper(double a, double b, double x)
{
    if (beta_args_bad(a, b, x)) return ((double)NAN);
    double lo, up;
    betainc_xy(a, b, x, 1 - x, &lo, &up);
    return up;
}

/* ---------------------------------------------------------------------------
 * Incomplete gamma
 * ------------------------------------------------------------------------ */

/* log(x^a e^-x / Gamma(a)); for a >= 10 as -bd0(a, x) + log sqrt(a / 2 pi)
 * - delta(a), free of the cancellation between a log x - x and lgamma(a). */
static double gamma_logpref(double a, double x)
{
    if (a < 10) return a * log(x) - x - cjm_lgamma(a);
    return -bd0(a, x) + 0.5 * log(a / (2 * CJM_PI)) - stirlerr(a);
}

/* P(a, x) = x^a e^-x / Gamma(a) * sum_n x^n / (a (a+1) ... (a+n)) (A&S
 * 6.5.29 with 6.5.4); converges quickly for x < a + 1. Returns the sum. */
static double gamma_series(double a, double x)
{
    double term = 1 / a, sum = term;
    int maxit = iteration_cap(a);
    for (int n = 1; n <= maxit; n++) {
        term *= x / (a + n);
        sum += term;
        if (term <= sum * DBL_EPSILON) break;
    }
    return sum;
}

/* Q(a, x) = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a -
 * 2 (2 - a) / (x + 5 - a - ...))) (Legendre's continued fraction, A&S
 * 6.5.31), by the modified Lentz method; for x >= a + 1. Returns the
 * fraction. */
static double gamma_cf(double a, double x)
{
    double bn = x + 1 - a, c = 1 / TINY, d = 1 / nonzero(bn), f = d;
    int maxit = iteration_cap(a);
    for (int i = 1; i <= maxit; i++) {
        double an = -i * (i - a);
        bn += 2;
        d = 1 / nonzero(an * d + bn);
        c = nonzero(bn + an / c);
        double delta = d * c;
        f *= delta;
        if (fabs(delta - 1) <= DBL_EPSILON) break;
    }
    return f;
}

/* Temme's uniform asymptotic expansion for large a (N. M. Temme, SIAM J.
 * Math. Anal. 10 (1979) 757-766; DLMF 8.12.3-8.12.9):
 *   Q(a, x) = erfc(eta sqrt(a/2)) / 2 + e^(-a eta^2/2) / sqrt(2 pi a) (c0 + c1 / a),
 * lambda = x / a, eta^2 / 2 = lambda - 1 - log lambda (so a eta^2 / 2 is
 * Loader's bd0(a, x)), sign(eta) = sign(lambda - 1). Near eta = 0 the
 * coefficients come from their Taylor series (DiDonato & Morris, ACM TOMS
 * 12 (1986) 377-393, Table d0k, d1k), elsewhere from their closed forms. The
 * next term is below 1e-13 relative for a >= 1e5; the cost is constant,
 * where the series and continued fraction need O(sqrt(a)) terms. */
static void gammainc_temme(double a, double x, double *lower, double *upper)
{
    static const double d0[13] = {-1.0 / 3,
                                  1.0 / 12,
                                  -2.0 / 135,
                                  1.0 / 864,
                                  1.0 / 2835,
                                  -139.0 / 777600,
                                  1.0 / 25515,
                                  -571.0 / 261273600,
                                  -281.0 / 151559100,
                                  8.29671134095308601e-7,
                                  -1.76659527368260793e-7,
                                  6.70785354340149857e-9,
                                  1.02618097842403080e-8};
    static const double d1[12] = {-1.0 / 540,
                                  -1.0 / 288,
                                  1.0 / 378,
                                  -9.90226337448559671e-4,
                                  2.05761316872427984e-4,
                                  -4.01877572016460905e-7,
                                  -1.80985503344899778e-5,
                                  7.64916091608111008e-6,
                                  -1.61209008945634460e-6,
                                  4.64712780280743434e-9,
                                  1.37863344691572095e-7,
                                  -5.75254560351770497e-8};
    double dev = bd0(a, x), lm1 = (x - a) / a;
    double eta = copysign(sqrt(2 * dev / a), lm1), c0 = 0, c1 = 0;
    if (fabs(eta) < 0.3) {
        for (int i = 12; i >= 0; i--) c0 = c0 * eta + d0[i];
        for (int i = 11; i >= 0; i--) c1 = c1 * eta + d1[i];
    } else {
        c0 = 1 / lm1 - 1 / eta;
        c1 = 1 / (eta * eta * eta) - 1 / (lm1 * lm1 * lm1) - 1 / (lm1 * lm1) - 1 / (12 * lm1);
    }
    double r = exp(-dev) / sqrt(2 * CJM_PI * a) * (c0 + c1 / a);
    double half_erfc = 0.5 * erfc(sqrt(dev));
    if (lm1 > 0) { /* Q is the smaller */
        *upper = half_erfc + r;
        *lower = 1 - *upper;
    } else {
        *lower = half_erfc - r;
        *upper = 1 - *lower;
    }
}

/* P(a, x) into *lower and Q(a, x) into *upper, each computed directly on the
 * side where its expansion converges. */
static void gammainc_both(double a, double x, double *lower, double *upper)
{
    if (x <= 0 || isinf(x)) {
        *lower = x <= 0 ? 0 : 1;
        *upper = 1 - *lower;
        return;
    }
    if (a >= 1e5) {
        gammainc_temme(a, x, lower, upper);
        return;
    }
    double pref = exp(gamma_logpref(a, x));
    if (x < a + 1) {
        *lower = fmin(pref * gamma_series(a, x), 1.0);
        *upper = 1 - *lower;
    } else {
        *upper = fmin(pref * gamma_cf(a, x), 1.0);
        *lower = 1 - *upper;
    }
}

double cjm_gammainc_lower(double a, double x)
{
    if (isnan(x) || !(a > 0) || isinf(a)) return ((double)NAN);
    double lo, up;
    gammainc_both(a, x, &lo, &up);
    return lo;
}

double cjm_gammainc_upper(double a, double x)
{
    if (isnan(x) || !(a > 0) || isinf(a)) return ((double)NAN);
    double lo, up;
    gammainc_both(a, x, &lo, &up);
    return up;
}

/* ---------------------------------------------------------------------------
 * Inversion: safeguarded Newton on a log-scale residual
 * ------------------------------------------------------------------------ */

/* h(u) and h'(u) of an increasing residual in a transformed variable u. */
typedef double (*resid_fn)(double u, const void *ctx, double *dh);

/* log(num / den), to full relative precision when num and den are close. */
static double log_ratio(double num, double den)
{
    if (num > 0.5 * den && num < 2 * den) return log1p((num - den) / den);
    return log(num) - log(den);
}

/* Newton's method inside a bracket [lo, hi] that every evaluation shrinks;
 * a step that would leave the bracket becomes a bisection, so the
 * iteration always converges. The residuals are logs of tail probabilities
 * in log-like variables, nearly linear in the tails, so Newton is fast
 * there too. Stops once a step is below 1e-15 relative, returning the last
 * point evaluated and, in *step, the final Newton step from it: u itself
 * holds only |u| eps, so callers apply the step to x = x(u) directly. */
static double solve_increasing(resid_fn f, const void *ctx, double lo, double hi, double u,
                               double *step)
{
    *step = 0;
    if (!(u > lo && u < hi)) u = 0.5 * (lo + hi);
    for (int it = 0; it < 300; it++) {
        double dh, h = f(u, ctx, &dh);
        if (h == 0) return u;
        if (h < 0 || isnan(h)) lo = u;
        if (h > 0) hi = u;
        double next = u - h / dh;
        double tol = 1e-15 * fmax(1.0, fabs(u));
        if (dh > 0 && isfinite(dh) && fabs(next - u) <= tol) {
            *step = -h / dh; /* often below the spacing of doubles at u */
            return u;
        }
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (hi - lo <= tol) return next;
        u = next;
    }
    return u;
}

struct tail_target {
    double a, b;   /* the distribution's parameters */
    double target; /* the probability to reach */
    int upper;     /* 1: the value solved for is an upper tail (falls in u) */
};

/* The residual h = log(F / target) for a rising F, log(target / Q) for a
 * falling Q; dlog = log |dF/du|. */
static double tail_resid(const struct tail_target *t, double lower, double upper, double dlog,
                         double *dh)
{
    double tail = t->upper ? upper : lower;
    *dh = exp(dlog - log(tail));
    if (tail <= 0) return t->upper ? ((double)INFINITY) : -((double)INFINITY);
    return t->upper ? log_ratio(t->target, tail) : log_ratio(tail, t->target);
}

/* ---------------------------------------------------------------------------
 * Beta quantile
 * ------------------------------------------------------------------------ */

/* In u = logit(x), both x and 1 - x keep their digits near either end, and
 * dI/du = x^a y^b / B(a, b). */
static double beta_resid(double u, const void *ctx, double *dh)
{
    const struct tail_target *t = ctx;
    double e = exp(-fabs(u)); /* never overflows */
    double x = u < 0 ? e / (1 + e) : 1 / (1 + e), y = u < 0 ? 1 / (1 + e) : e / (1 + e);
    double lo, up;
    betainc_xy(t->a, t->b, x, y, &lo, &up);
    return tail_resid(t, lo, up, beta_logpref(t->a, t->b, x, y), dh);
}

/* Starting value of AS 109 (Cran, Martin & Thomas, Applied Statistics 26
 * (1977) 111-114, after Carter 1947) for alpha <= 0.5, with the exact
 * normal deviate in place of its rough rational approximation. */
static double beta_guess_lower(double pp, double qq, double alpha)
{
    double y = -cjm_normal_quantile(alpha);
    double lb = cjm_lbeta(pp, qq);
    if (pp > 1 && qq > 1) {
        double r = (y * y - 3) / 6, s = 1 / (2 * pp - 1), t = 1 / (2 * qq - 1);
        double h = 2 / (s + t);
        double w = y * sqrt(h + r) / h - (t - s) * (r + 5.0 / 6 - 2 / (3 * h));
        return pp / (pp + qq * exp(2 * w));
    }
    double r = 2 * qq, t = 1 / (9 * qq);
    t = r * pow(1 - t + y * sqrt(t), 3);
    if (t <= 0) return 1 - exp((log1p(-alpha) + log(qq) + lb) / qq);
    t = (4 * pp + r - 2) / t;
    if (t <= 1) return exp((log(alpha * pp) + lb) / pp);
    return 1 - 2 / (t + 1);
}

static double logit_clamped(double x)
{
    if (!(x > 0)) return -700;
    if (!(x < 1)) return 700;
    return log(x) - log1p(-x);
}

double cjm_beta_quantile(double a, double b, double p)
{
    if (beta_args_bad(a, b, p) || p < 0 || p > 1) return ((double)NAN);
    if (p == 0 || p == 1) return p;
    struct tail_target t = {a, b, p <= 0.5 ? p : 1 - p, p > 0.5};
    double guess = p <= 0.5 ? beta_guess_lower(a, b, p) : 1 - beta_guess_lower(b, a, 1 - p);
    double du, u = solve_increasing(beta_resid, &t, -745, 745, logit_clamped(guess), &du);
    if (u < -740 && p <= 0.5) return exp((log(p * a) + cjm_lbeta(a, b)) / a); /* I ~ x^a/(a B) */
    double e = exp(-fabs(u)); /* as in beta_resid; d log x / du = 1 - x */
    return u < 0 ? e / (1 + e) * exp(du / (1 + e)) : 1 / (1 + e) * exp(du * e / (1 + e));
}

/* ---------------------------------------------------------------------------
 * Gamma quantile
 * ------------------------------------------------------------------------ */

/* In u = log x, dP/du = x^k e^-x / Gamma(k). */
static double gamma_resid(double u, const void *ctx, double *dh)
{
    const struct tail_target *t = ctx;
    double x = exp(u), lo, up;
    gammainc_both(t->a, x, &lo, &up);
    return tail_resid(t, lo, up, gamma_logpref(t->a, x), dh);
}

/* Two starting values: Wilson & Hilferty's cube-root normal approximation
 * (1931), good unless k or p is small, and the small-x limit P(k, x) ~
 * x^k / Gamma(k + 1); the one with the smaller residual wins. */
static double gamma_guess(const struct tail_target *t, double p)
{
    double k = t->a, z = cjm_normal_quantile(p);
    double c = 1 - 1 / (9 * k) + z / (3 * sqrt(k));
    double wh = c > 0 ? log(k) + 3 * log(c) : -700;
    double small = (log(p) + cjm_lgamma(k + 1)) / k;
    double dh, h1 = gamma_resid(wh, t, &dh), h2 = gamma_resid(small, t, &dh);
    return fabs(h2) < fabs(h1) ? small : wh;
}

double cjm_gamma_quantile(double k, double p)
{
    if (isnan(p) || p < 0 || p > 1 || !(k > 0) || isinf(k)) return ((double)NAN);
    if (p == 0) return 0;
    if (p == 1) return ((double)INFINITY);
    struct tail_target t = {k, 0, p <= 0.5 ? p : 1 - p, p > 0.5};
    double u0 = fmax(-740.0, fmin(709.0, gamma_guess(&t, p)));
    double du, u = solve_increasing(gamma_resid, &t, -745, 709.7, u0, &du);
    if (u < -740 && p <= 0.5) return exp((log(p) + cjm_lgamma(k + 1)) / k); /* P ~ x^k/k! */
    return exp(u) * exp(du);
}

/* ---------------------------------------------------------------------------
 * Student's t
 * ------------------------------------------------------------------------ */

/* Large a, fixed b: DLMF 8.18.3-8.18.7 (Temme's expansion),
 *   I_x(a, b) = Gamma(a + b) / Gamma(a) * (d0 F0 + d1 F1 + d2 F2 + O(a^-3) F0),
 * xi = -log x, F0 = a^-b Q(b, a xi), a F_{k+1} = (k + b - a xi) F_k + k xi
 * F_{k-1}, d_k the Taylor coefficients at xi of ((1 - e^-t) / t)^(b-1).
 * Everything depends on xi and y = 1 - x, never on x near 1, so the digits
 * of a tiny y survive; with three terms the relative error is below 1e-13
 * for a >= 5000 (checked against 40-digit arithmetic). */
static double betainc_large_a(double a, double b, double xi, double x, double y)
{
    double w = a * xi;
    double g0 = b == 0.5 ? erfc(sqrt(w)) : cjm_gammainc_upper(b, w); /* a^b F0 */
    double g1 = ((b - w) * g0 + exp(gamma_logpref(b, w))) / a;
    double g2 = ((1 + b - w) * g1 + xi * g0) / a;
    /* h = log((1 - e^-t) / t): h' = 1/(e^t - 1) - 1/t, h'' = 1/t^2 - e^t/(e^t - 1)^2;
     * near 0 from log(sinh(t/2) / (t/2)) - t/2, avoiding their cancellation. */
    double h1, h2;
    if (xi < 0.1) {
        double s = xi * xi;
        h1 = -0.5 + xi * (1.0 / 12 - s * (1.0 / 720 - s * (1.0 / 30240 - s / 1209600)));
        h2 = 1.0 / 12 - s * (1.0 / 240 - s * (1.0 / 6048 - s / 172800));
    } else {
        h1 = x / y - 1 / xi;
        h2 = 1 / (xi * xi) - x / (y * y);
    }
    double d0 = pow(y / xi, b - 1);
    double d1 = (b - 1) * h1 * d0;
    double d2 = 0.5 * ((b - 1) * h2 + (b - 1) * (b - 1) * h1 * h1) * d0;
    /* Gamma(a + b) / (Gamma(a) a^b) by Stirling, without cancellation. */
    double lr = (a + b - 0.5) * log1p(b / a) - b + stirlerr(a + b) - stirlerr(a);
    return exp(lr) * (d0 * g0 + d1 * g1 + d2 * g2);
}

/* x = df / (df + t^2), y = 1 - x and xi = -log x for t > 0, from
 * r = t^2 / df without ever forming 1 - x. */
static void t_xy(double t, double df, double *x, double *y, double *xi)
{
    double r = t * t / df;
    if (isfinite(r)) {
        *x = 1 / (1 + r);
        *y = r / (1 + r);
        *xi = log1p(r);
    } else { /* t^2 overflows */
        double iz = sqrt(df) / t;
        *x = iz * iz;
        *y = 1;
        *xi = -2 * log(iz);
    }
}

/* P(T < -t) for t > 0, = I_x(df/2, 1/2) / 2. */
static double t_lower_tail(double t, double df)
{
    if (isinf(t)) return 0;
    if (df == 1) return atan(1 / t) / CJM_PI;
    if (df == 2) {
        double s = sqrt(2 + t * t);
        return 1 / (s * (s + t));
    }
    double x, y, xi, lo, up, a = 0.5 * df;
    t_xy(t, df, &x, &y, &xi);
    /* x below ~1e-300, where it may underflow: I_x(a, b) = x^a / (a B(a, b))
     * to within a factor 1 + O(x). */
    if (xi > 690) return 0.5 * exp(-a * xi - log(a) - cjm_lbeta(a, 0.5));
    if (df >= 1e4) return 0.5 * betainc_large_a(a, 0.5, xi, x, y);
    betainc_xy(a, 0.5, x, y, &lo, &up);
    return 0.5 * lo;
}

/* P(0 < T < t) for t > 0, = I_y(1/2, df/2) / 2, computed directly rather
 * than as 1/2 - tail, so that quantiles near the median keep their digits. */
static double t_center(double t, double df)
{
    double x, y, xi, lo, up;
    t_xy(t, df, &x, &y, &xi);
    betainc_xy(0.5, 0.5 * df, y, x, &lo, &up);
    return 0.5 * lo;
}

double cjm_student_t_cdf(double x, double df)
{
    if (isnan(x) || !(df > 0)) return ((double)NAN);
    if (isinf(df)) return cjm_normal_cdf(x);
    if (x == 0) return 0.5;
    double tail = t_lower_tail(fabs(x), df);
    return x < 0 ? tail : 1 - tail;
}

/* log of the density at t plus log(dt/du) = log t (u = log t). */
static double t_log_dens_u(double t, double df)
{
    double r = t * t / df;
    double l = isfinite(r) ? log1p(r) : 2 * log(t) - log(df);
    return log(t) - 0.5 * (df + 1) * l - 0.5 * log(df) - cjm_lbeta(0.5 * df, 0.5);
}

/* In u = log t (t > 0): the tail P(T < -t) falls, h = log(r / tail); near
 * the median the centre mass P(0 < T < t) rises, h = log(mass / c). */
static double t_resid(double u, const void *ctx, double *dh)
{
    const struct tail_target *tt = ctx;
    double t = exp(u), dlog = t_log_dens_u(t, tt->a);
    if (tt->upper) return tail_resid(tt, 0, t_lower_tail(t, tt->a), dlog, dh);
    return tail_resid(tt, t_center(t, tt->a), 0, dlog, dh);
}

/* Starting values for t > 0 with P(T < -t) = r: the Cornish-Fisher expansion
 * of t in the normal deviate z (Fisher 1925; A&S 26.7.5), good for large
 * df, and the tail limit P ~ (df / t^2)^(df/2) / (df B(df/2, 1/2)), good
 * for small r; the one with the smaller residual wins. */
static double t_guess(const struct tail_target *tt, double r)
{
    double df = tt->a, z = -cjm_normal_quantile(r), z2 = z * z;
    double g1 = (z2 + 1) * z / 4;
    double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
    double cf = z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
    double lt = 0.5 * log(df) - (log(r * df) + cjm_lbeta(0.5 * df, 0.5)) / df;
    double u1 = cf > 0 && isfinite(cf) ? log(cf) : lt;
    double dh, h1 = t_resid(u1, tt, &dh), h2 = t_resid(lt, tt, &dh);
    return fabs(h2) < fabs(h1) || isnan(h1) ? lt : u1;
}

double cjm_student_t_quantile(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || !(df > 0)) return ((double)NAN);
    if (isinf(df)) return cjm_normal_quantile(p);
    if (p == 0 || p == 1) return p == 0 ? -((double)INFINITY) : ((double)INFINITY);
    if (p == 0.5) return 0;
    double r = p < 0.5 ? p : 1 - p, t; /* t > 0 with P(T < -t) = r */
    if (df == 1) {
        t = r < 0.25 ? 1 / tan(CJM_PI * r) : tan(CJM_PI * (0.5 - r));
    } else if (df == 2) {
        t = (1 - 2 * r) / sqrt(2 * r * (1 - r));
    } else {
        /* The tail or the centre equation, whichever keeps p's digits. */
        struct tail_target tt = {df, 0, r < 0.25 ? r : 0.5 - r, r < 0.25};
        double u0 = fmax(-740.0, fmin(709.0, t_guess(&tt, r)));
        double du, u = solve_increasing(t_resid, &tt, -745, 709.7, u0, &du);
        t = exp(u) * exp(du);
        if (t > 1e308 && t_lower_tail(t, df) > r) t = ((double)INFINITY); /* beyond double range */
    }
    return p < 0.5 ? -t : t;
}

/* ---------------------------------------------------------------------------
 * Discrete probability mass functions (Loader 2000)
 * ------------------------------------------------------------------------ */

/* lambda - k without rounding k: past 2^53 (where (double)k rounds) as
 * (lambda - floor(lambda)) - (k - floor(lambda)), both parts exact. */
static double poisson_diff(uint64_t k, double lambda)
{
    double base = floor(lambda);
    if (k <= (1ULL << 53) || base >= 18446744073709551616.0) return lambda - (double)k;
    uint64_t b = (uint64_t)base;
    double j = k >= b ? (double)(k - b) : -(double)(b - k);
    return (lambda - base) - j;
}

/* log p(k) = -delta(k) - bd0(k, lambda) - log sqrt(2 pi k). */
double cjm_lpmf_poisson(uint64_t k, double lambda)
{
    if (!(lambda >= 0)) return ((double)NAN);
    if (lambda == 0) return k == 0 ? 0 : -((double)INFINITY);
    if (isinf(lambda)) return -((double)INFINITY);
    if (k == 0) return -lambda;
    double x = (double)k;
    return -stirlerr(x) - bd0_md(x, lambda, poisson_diff(k, lambda)) - 0.5 * log(2 * CJM_PI * x);
}

/* log b(k; n, p) = delta(n) - delta(k) - delta(n - k) - bd0(k, n p)
 *                  - bd0(n - k, n q) + log sqrt(n / (2 pi k (n - k))). */
double cjm_lpmf_binomial(uint64_t k, uint64_t n, double p)
{
    if (isnan(p) || p < 0 || p > 1) return ((double)NAN);
    if (k > n) return -((double)INFINITY);
    if (p == 0 || p == 1) return k == (p == 0 ? 0 : n) ? 0 : -((double)INFINITY);
    double nd = (double)n, kd = (double)k;
    if (k == 0) return nd * log1p(-p);
    if (k == n) return nd * log(p);
    double nk = (double)(n - k);
    /* d = n p - k to full precision from the two halves of the product n p;
     * then n q - (n - k) = -d, so both deviances use the same n p. */
    double np = nd * p, d = (np - kd) + fma(nd, p, -np);
    double dev = bd0_md(kd, np, d) + bd0_md(nk, nd - np, -d);
    return stirlerr(nd) - stirlerr(kd) - stirlerr(nk) - dev +
           0.5 * log(nd / (2 * CJM_PI * kd * nk));
}
