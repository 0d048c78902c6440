/* optimize.c: Nelder-Mead (Nelder & Mead 1965, in the form of Lagarias,
 * Reeds, Wright & Wright, "Convergence properties of the Nelder-Mead simplex
 * method in low dimensions", SIAM J. Optim. 9, 1998), central-difference
 * Hessians, Cholesky inversion. */
#include "optimize.h"

#include <math.h>
#include <string.h>

#define NM_MAX (CJM_OPT_MAX_DIM + 1)

static double eval(cjm_objective f, void *ctx, const double *x, long *evals)
{
    (*evals)++;
    double v = f(x, ctx);
    return isnan(v) ? HUGE_VAL : v;
}

/* One Nelder-Mead descent from x; returns the best value, x the best point. */
static double descend(cjm_objective f, void *ctx, int n, double *x, double step, long *evals,
                      long max_evals)
{
    double s[NM_MAX][CJM_OPT_MAX_DIM], fv[NM_MAX];
    for (int i = 0; i <= n; i++) {
        memcpy(s[i], x, (size_t)n * sizeof *x);
        if (i) s[i][i - 1] += step * fmax(1, fabs(x[i - 1]));
        fv[i] = eval(f, ctx, s[i], evals);
    }
    while (*evals < max_evals) {
        /* order: best first */
        for (int i = 1; i <= n; i++)
            for (int j = i; j > 0 && fv[j] < fv[j - 1]; j--) {
                double t = fv[j];
                fv[j] = fv[j - 1], fv[j - 1] = t;
                for (int k = 0; k < n; k++) t = s[j][k], s[j][k] = s[j - 1][k], s[j - 1][k] = t;
            }
        double size = 0;
        for (int i = 1; i <= n; i++)
            for (int k = 0; k < n; k++)
                size = fmax(size, fabs(s[i][k] - s[0][k]) / fmax(1, fabs(s[0][k])));
        if (size < 1e-11 && fabs(fv[n] - fv[0]) <= 1e-14 * fmax(1, fabs(fv[0]))) break;
        double c[CJM_OPT_MAX_DIM], xr[CJM_OPT_MAX_DIM], xe[CJM_OPT_MAX_DIM];
        for (int k = 0; k < n; k++) {
            c[k] = 0;
            for (int i = 0; i < n; i++) c[k] += s[i][k];
            c[k] /= n;
            xr[k] = 2 * c[k] - s[n][k];
        }
        double fr = eval(f, ctx, xr, evals);
        if (fr < fv[0]) {
            for (int k = 0; k < n; k++) xe[k] = 3 * c[k] - 2 * s[n][k];
            double fe = eval(f, ctx, xe, evals);
            int use_e = fe < fr;
            memcpy(s[n], use_e ? xe : xr, (size_t)n * sizeof *x);
            fv[n] = use_e ? fe : fr;
            continue;
        }
        if (fr < fv[n - 1]) {
            memcpy(s[n], xr, (size_t)n * sizeof *x);
            fv[n] = fr;
            continue;
        }
        /* contract: outside if the reflection improved on the worst, else inside */
        int outside = fr < fv[n];
        for (int k = 0; k < n; k++)
            xe[k] = outside ? c[k] + 0.5 * (xr[k] - c[k]) : c[k] + 0.5 * (s[n][k] - c[k]);
        double fc = eval(f, ctx, xe, evals);
        if (fc < (outside ? fr : fv[n])) {
            memcpy(s[n], xe, (size_t)n * sizeof *x);
            fv[n] = fc;
            continue;
        }
        for (int i = 1; i <= n; i++) {
            for (int k = 0; k < n; k++) s[i][k] = s[0][k] + 0.5 * (s[i][k] - s[0][k]);
            fv[i] = eval(f, ctx, s[i], evals);
        }
    }
    int best = 0;
    for (int i = 1; i <= n; i++)
        if (fv[i] < fv[best]) best = i;
    memcpy(x, s[best], (size_t)n * sizeof *x);
    return fv[best];
}

double cjm_minimize(cjm_objective f, void *ctx, int n, double *x, double step, long max_evals)
{
    long evals = 0;
    if (n < 1 || n > CJM_OPT_MAX_DIM) return (double)NAN;
    double best = eval(f, ctx, x, &evals);
    if (!isfinite(best)) return (double)NAN;
    for (int round = 0; round < 50; round++) {
        double v = descend(f, ctx, n, x, round ? step * 0.1 : step, &evals, max_evals);
        if (evals >= max_evals) return (double)NAN;
        int done = best - v <= 1e-12 * fmax(1, fabs(v));
        best = fmin(best, v);
        if (done && round) break;
    }
    return best;
}

int cjm_hessian(cjm_objective f, void *ctx, int n, const double *x, double h, double *H)
{
    double y[CJM_OPT_MAX_DIM], d[CJM_OPT_MAX_DIM];
    if (n < 1 || n > CJM_OPT_MAX_DIM) return -1;
    memcpy(y, x, (size_t)n * sizeof *x);
    double f0 = f(y, ctx);
    if (!isfinite(f0)) return -1;
    for (int i = 0; i < n; i++) d[i] = h * fmax(1, fabs(x[i]));
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) {
            double v;
            if (i == j) {
                y[i] = x[i] + d[i];
                double fp = f(y, ctx);
                y[i] = x[i] - d[i];
                double fm = f(y, ctx);
                y[i] = x[i];
                v = (fp - 2 * f0 + fm) / (d[i] * d[i]);
            } else {
                double s[4];
                for (int k = 0; k < 4; k++) {
                    y[i] = x[i] + (k & 1 ? -d[i] : d[i]);
                    y[j] = x[j] + (k & 2 ? -d[j] : d[j]);
                    s[k] = f(y, ctx);
                }
                y[i] = x[i], y[j] = x[j];
                v = (s[0] - s[1] - s[2] + s[3]) / (4 * d[i] * d[j]);
            }
            if (!isfinite(v)) return -1;
            H[i * n + j] = H[j * n + i] = v;
        }
    }
    return 0;
}

int cjm_spd_inverse(int n, const double *A, double *inv)
{
    double L[CJM_OPT_MAX_DIM][CJM_OPT_MAX_DIM] = {{0}};
    if (n < 1 || n > CJM_OPT_MAX_DIM) return -1;
    for (int j = 0; j < n; j++) {
        double s = A[j * n + j];
        for (int k = 0; k < j; k++) s -= L[j][k] * L[j][k];
        if (!(s > 0) || !isfinite(s)) return -1;
        L[j][j] = sqrt(s);
        for (int i = j + 1; i < n; i++) {
            double t = A[i * n + j];
            for (int k = 0; k < j; k++) t -= L[i][k] * L[j][k];
            L[i][j] = t / L[j][j];
        }
    }
    /* columns of A^-1: solve L L^T x = e_c */
    for (int c = 0; c < n; c++) {
        double z[CJM_OPT_MAX_DIM];
        for (int i = 0; i < n; i++) {
            double t = i == c;
            for (int k = 0; k < i; k++) t -= L[i][k] * z[k];
            z[i] = t / L[i][i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double t = z[i];
            for (int k = i + 1; k < n; k++) t -= L[k][i] * inv[k * n + c];
            inv[i * n + c] = t / L[i][i];
        }
    }
    return 0;
}

int cjm_solve_linear(int n, double *A, double *b)
{
    for (int k = 0; k < n; k++) {
        int piv = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[(size_t)i * n + k]) > fabs(A[(size_t)piv * n + k])) piv = i;
        double pv = A[(size_t)piv * n + k];
        if (!(fabs(pv) > 1e-300) || !isfinite(pv)) return -1;
        if (piv != k) {
            for (int j = 0; j < n; j++) {
                double t = A[(size_t)k * n + j];
                A[(size_t)k * n + j] = A[(size_t)piv * n + j];
                A[(size_t)piv * n + j] = t;
            }
            double t = b[k];
            b[k] = b[piv], b[piv] = t;
        }
        for (int i = k + 1; i < n; i++) {
            double f = A[(size_t)i * n + k] / pv;
            if (f == 0) continue;
            for (int j = k; j < n; j++) A[(size_t)i * n + j] -= f * A[(size_t)k * n + j];
            b[i] -= f * b[k];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double t = b[i];
        for (int j = i + 1; j < n; j++) t -= A[(size_t)i * n + j] * b[j];
        b[i] = t / A[(size_t)i * n + i];
    }
    return 0;
}
