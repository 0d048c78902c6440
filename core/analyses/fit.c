/* fit.c: maximum-likelihood fits of retention and purchase models to data
 * (docs/fitting.md): the shifted-beta-geometric (Fader & Hardie, "How to
 * project customer retention", J. Interactive Marketing 21(1), 2007,
 * equations (3), (5) and (B3)) and BG/NBD (Fader, Hardie & Lee, "Counting
 * your customers the easy way", Marketing Science 24(2), 2005, equation (6)).
 * The likelihood is maximised over the logs of the parameters (all > 0) by
 * Nelder-Mead; standard errors come from the inverse of the Hessian of
 * -log L there. */
#include "fit.h"
#include "csv.h"
#include "error.h"
#include "optimize.h"
#include "special.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVALS 200000L
#define LOG_BOUND 40.0 /* |log parameter| beyond this: outside the domain */

/* ---- the shifted-beta-geometric ---- */

typedef struct sbg_data {
    int periods;    /* the largest t */
    double *churn;  /* [1..periods]: customers who left in period t */
    double *censor; /* [0..periods]: customers still there after t periods */
} sbg_data;

/* -log L(alpha, beta): sum_t churn_t log P(T = t) + censor_t log S(t), with
 * P(T = t) = B(a + 1, b + t - 1) / B(a, b) and S(t) = B(a, b + t) / B(a, b). */
static double sbg_nll(const double *x, void *ctx)
{
    const sbg_data *d = ctx;
    for (int i = 0; i < 2; i++)
        if (!(fabs(x[i]) < LOG_BOUND)) return HUGE_VAL;
    double a = exp(x[0]), b = exp(x[1]), lab = cjm_lbeta(a, b), ll = 0;
    for (int t = 0; t <= d->periods; t++) {
        if (t > 0 && d->churn[t] > 0) ll += d->churn[t] * (cjm_lbeta(a + 1, b + t - 1) - lab);
        if (d->censor[t] > 0) ll += d->censor[t] * (cjm_lbeta(a, b + t) - lab);
    }
    return -ll;
}

/* ---- BG/NBD ---- */

typedef struct bgnbd_data {
    long n;
    double *x, *tx, *T;
} bgnbd_data;

/* -log L(r, alpha, a, b), equation (6) of Fader, Hardie & Lee (2005):
 * L = Gamma(r + x) alpha^r / Gamma(r) * [B(a, b + x) / B(a, b) (alpha + T)^-(r + x)
 *     + [x > 0] B(a + 1, b + x - 1) / B(a, b) (alpha + t_x)^-(r + x)]. */
static double bgnbd_nll(const double *p, void *ctx)
{
    const bgnbd_data *d = ctx;
    for (int i = 0; i < 4; i++)
        if (!(fabs(p[i]) < LOG_BOUND)) return HUGE_VAL;
    double r = exp(p[0]), alpha = exp(p[1]), a = exp(p[2]), b = exp(p[3]);
    double lab = cjm_lbeta(a, b), lgr = cjm_lgamma(r), lalpha = log(alpha), ll = 0;
    for (long i = 0; i < d->n; i++) {
        double x = d->x[i], rx = r + x;
        double t1 = cjm_lbeta(a, b + x) - lab - rx * log(alpha + d->T[i]), s = t1;
        if (x > 0) {
            double t2 = cjm_lbeta(a + 1, b + x - 1) - lab - rx * log(alpha + d->tx[i]);
            double m = fmax(t1, t2);
            s = m + log(exp(t1 - m) + exp(t2 - m));
        }
        ll += cjm_lgamma(rx) - lgr + r * lalpha + s;
    }
    return -ll;
}

/* ---- the fit ---- */

static cjm_fit *fit_new(const char *model, const char *path, int nparams, const char *const *names)
{
    cjm_fit *f = calloc(1, sizeof *f);
    if (!f || !(f->file = strdup(path))) {
        free(f);
        return NULL;
    }
    f->model = model;
    f->nparams = nparams;
    for (int i = 0; i < nparams; i++) f->names[i] = names[i];
    return f;
}

/* Maximises the likelihood from x0 (log parameters) and fills f's
 * estimates, log-likelihood and standard errors. */
static cjm_status maximise(cjm_fit *f, cjm_objective nll, void *ctx, cjm_error *err)
{
    int n = f->nparams;
    double x[CJM_FIT_MAX_PARAMS] = {0}, H[CJM_FIT_MAX_PARAMS * CJM_FIT_MAX_PARAMS];
    double v = cjm_minimize(nll, ctx, n, x, 0.5, MAX_EVALS);
    if (!isfinite(v))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: the %s likelihood has no maximum the search could find (is "
                             "the data degenerate?)",
                             f->file, f->model);
    for (int i = 0; i < n; i++)
        if (fabs(x[i]) > LOG_BOUND - 5)
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s: the %s fit runs off to %s = %g: the data does not pin the "
                                 "model down",
                                 f->file, f->model, f->names[i], exp(x[i]));
    f->loglik = -v;
    if (cjm_hessian(nll, ctx, n, x, 1e-4, H) || cjm_spd_inverse(n, H, f->cov_log))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: the %s likelihood is flat at its maximum: the parameters are "
                             "not identified by this data",
                             f->file, f->model);
    for (int i = 0; i < n; i++) {
        f->est[i] = exp(x[i]);
        f->se_log[i] = sqrt(f->cov_log[i * n + i]);
        f->se[i] = f->est[i] * f->se_log[i];
    }
    return CJM_OK;
}

static cjm_status fragment(cjm_fit *f, const char *text, cjm_error *err)
{
    if (!(f->fragment = strdup(text))) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    return CJM_OK;
}

/* A survival table (t, alive) into counts. */
static cjm_status sbg_from_table(const cjm_csv *t, int ct, int ca, int periods, sbg_data *d,
                                 cjm_fit *f, cjm_error *err)
{
    int rows = t->rows;
    double prev = 0, first = 0;
    for (int r = 0; r < rows; r++) {
        double tv, alive;
        cjm_status st = cjm_csv_number(t, r, ct, &tv, err);
        if (!st) st = cjm_csv_number(t, r, ca, &alive, err);
        if (st) return st;
        if (tv != r)
            return cjm_csv_error(t, r, ct, err, "expected t = %d (t counts 0, 1, 2, ...), got %g",
                                 r, tv);
        if (alive < 0 || alive != floor(alive))
            return cjm_csv_error(t, r, ca, err, "expected a whole number of customers >= 0, got %g",
                                 alive);
        if (r == 0 && !(alive > 0)) return cjm_csv_error(t, r, ca, err, "no customers at t = 0");
        if (r > 0 && alive > prev)
            return cjm_csv_error(t, r, ca, err,
                                 "%g alive at t = %d, more than the %g at t = %d (survivors "
                                 "cannot grow)",
                                 alive, r, prev, r - 1);
        if (r == 0) first = alive;
        if (periods && r > periods) break;
        if (r > 0) d->churn[r] = prev - alive;
        d->periods = r;
        prev = alive;
    }
    if (d->periods < 1)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: the survival table needs t = 0 and t = 1 "
                             "at least",
                             t->name);
    if (periods > d->periods)
        return cjm_error_set(err, CJM_ESCENARIO, "%s: --periods %d, but the table ends at t = %d",
                             t->name, periods, d->periods);
    d->censor[d->periods] = prev;
    f->observations = (long)first;
    snprintf(f->data, sizeof f->data, "survival table, t = 0..%d, %.0f customers", d->periods,
             first);
    return CJM_OK;
}

/* One row per customer (tenure, churned) into counts. */
static cjm_status sbg_from_customers(const cjm_csv *t, int cten, int cch, sbg_data *d, cjm_fit *f,
                                     cjm_error *err)
{
    for (int r = 0; r < t->rows; r++) {
        double ten, ch;
        cjm_status st = cjm_csv_number(t, r, cten, &ten, err);
        if (!st) st = cjm_csv_number(t, r, cch, &ch, err);
        if (st) return st;
        if (ch != 0 && ch != 1) return cjm_csv_error(t, r, cch, err, "expected 0 or 1, got %g", ch);
        if (ten != floor(ten) || ten < ch || ten > d->periods)
            return cjm_csv_error(t, r, cten, err,
                                 "expected a whole number of periods from %d to %d, got %g",
                                 (int)ch, d->periods, ten);
        if (ch)
            d->churn[(int)ten] += 1;
        else
            d->censor[(int)ten] += 1;
    }
    int last = 0;
    for (int i = 0; i <= d->periods; i++)
        if (d->censor[i] > 0 || (i && d->churn[i] > 0)) last = i;
    d->periods = last;
    f->observations = t->rows;
    snprintf(f->data, sizeof f->data, "%d customers (tenure, churned), tenures up to %d", t->rows,
             last);
    if (last < 1)
        return cjm_error_set(err, CJM_ESCENARIO, "%s: no customer has a tenure of 1 or more",
                             t->name);
    return CJM_OK;
}

#define SBG_MAX_PERIODS 100000

cjm_status cjm_fit_sbg(const char *path, const cjm_fit_options *o, cjm_fit **out, cjm_error *err)
{
    static const char *const names[] = {"alpha", "beta"};
    cjm_csv *t = NULL;
    sbg_data d = {0};
    cjm_fit *f = NULL;
    int periods = o ? o->periods : 0, ct, ca;
    *out = NULL;
    cjm_status st = cjm_csv_read(path, 0, &t, err);
    if (st) return st;
    if (!(f = fit_new("sbg", path, 2, names))) {
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        goto out;
    }
    int table = cjm_csv_find(t, "t") >= 0 || cjm_csv_find(t, "alive") >= 0;
    if (!table && (cjm_csv_find(t, "tenure") < 0 && cjm_csv_find(t, "churned") < 0)) {
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s:1: expected columns t,alive (a survival table) or tenure,churned "
                           "(one row per customer)",
                           path);
        goto out;
    }
    if (!table && periods) {
        st = cjm_error_set(err, CJM_EUSAGE, "--periods is for a survival table (t,alive)");
        goto out;
    }
    d.periods = table ? t->rows : SBG_MAX_PERIODS;
    if ((st = cjm_csv_require(t, table ? "t" : "tenure", &ct, err)) ||
        (st = cjm_csv_require(t, table ? "alive" : "churned", &ca, err)))
        goto out;
    d.churn = calloc((size_t)d.periods + 1, sizeof *d.churn);
    d.censor = calloc((size_t)d.periods + 1, sizeof *d.censor);
    if (!d.churn || !d.censor) {
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        goto out;
    }
    st = table ? sbg_from_table(t, ct, ca, periods, &d, f, err)
               : sbg_from_customers(t, ct, ca, &d, f, err);
    if (!st) st = maximise(f, sbg_nll, &d, err);
    if (!st) {
        char text[512];
        snprintf(text, sizeof text,
                 "-- sBG fitted to %s (%s): log-likelihood %.1f\n"
                 "-- each customer's probability of leaving per period ~ beta(alpha, beta)\n"
                 "lost = cjm.per_customer(cjm.beta(%.6g, %.6g)),\n",
                 path, f->data, f->loglik, f->est[0], f->est[1]);
        st = fragment(f, text, err);
    }
out:
    free(d.churn);
    free(d.censor);
    cjm_csv_free(&t);
    if (st)
        cjm_fit_free(&f);
    else
        *out = f;
    return st;
}

cjm_status cjm_fit_bgnbd(const char *path, const cjm_fit_options *o, cjm_fit **out, cjm_error *err)
{
    static const char *const names[] = {"r", "alpha", "a", "b"};
    cjm_csv *t = NULL;
    bgnbd_data d = {0};
    cjm_fit *f = NULL;
    int cx, ctx, cT;
    (void)o;
    *out = NULL;
    cjm_status st = cjm_csv_read(path, 0, &t, err);
    if (st) return st;
    if (!(f = fit_new("bgnbd", path, 4, names))) {
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        goto out;
    }
    if ((st = cjm_csv_require(t, "frequency", &cx, err)) ||
        (st = cjm_csv_require(t, "recency", &ctx, err)) || (st = cjm_csv_require(t, "T", &cT, err)))
        goto out;
    d.n = t->rows;
    d.x = malloc((size_t)d.n * sizeof *d.x + 1);
    d.tx = malloc((size_t)d.n * sizeof *d.tx + 1);
    d.T = malloc((size_t)d.n * sizeof *d.T + 1);
    if (!d.x || !d.tx || !d.T) {
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        goto out;
    }
    double purchases = 0;
    for (long i = 0; i < d.n && !st; i++) {
        int r = (int)i;
        if ((st = cjm_csv_number(t, r, cx, &d.x[i], err)) ||
            (st = cjm_csv_number(t, r, ctx, &d.tx[i], err)) ||
            (st = cjm_csv_number(t, r, cT, &d.T[i], err)))
            break;
        if (d.x[i] < 0 || d.x[i] != floor(d.x[i]))
            st = cjm_csv_error(t, r, cx, err,
                               "expected a whole number of repeat purchases >= 0, "
                               "got %g",
                               d.x[i]);
        else if (!(d.T[i] > 0))
            st = cjm_csv_error(t, r, cT, err, "expected a time observed > 0, got %g", d.T[i]);
        else if (d.tx[i] < 0 || d.tx[i] > d.T[i])
            st = cjm_csv_error(t, r, ctx, err, "expected a recency from 0 to T = %g, got %g",
                               d.T[i], d.tx[i]);
        else if (d.x[i] == 0 && d.tx[i] != 0)
            st = cjm_csv_error(t, r, ctx, err,
                               "expected 0 with no repeat purchase (frequency 0), got %g", d.tx[i]);
        purchases += d.x[i];
    }
    if (st) goto out;
    if (d.n < 2 || purchases == 0) {
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s: BG/NBD needs customers with repeat purchases (%ld rows, %g "
                           "repeat purchases)",
                           path, d.n, purchases);
        goto out;
    }
    f->observations = d.n;
    snprintf(f->data, sizeof f->data, "%ld customers, %.0f repeat purchases", d.n, purchases);
    if (!(st = maximise(f, bgnbd_nll, &d, err))) {
        char text[1024];
        double r = f->est[0], alpha = f->est[1], a = f->est[2], b = f->est[3];
        snprintf(text, sizeof text,
                 "-- BG/NBD fitted to %s (%s): log-likelihood %.1f\n"
                 "-- while active, a customer buys at rate lambda per unit of T, lambda ~\n"
                 "-- gamma(r, scale 1/alpha) (mean %.4g); after each purchase it becomes\n"
                 "-- inactive with probability p ~ beta(a, b) (mean %.4g)\n"
                 "local bgnbd = { r = %.6g, alpha = %.6g, a = %.6g, b = %.6g }\n"
                 "local purchase_rate = cjm.gamma(%.6g, %.6g) -- lambda\n"
                 "local dropout = cjm.beta(%.6g, %.6g)        -- p\n",
                 path, f->data, f->loglik, r / alpha, a / (a + b), r, alpha, a, b, r, 1 / alpha, a,
                 b);
        st = fragment(f, text, err);
    }
out:
    free(d.x);
    free(d.tx);
    free(d.T);
    cjm_csv_free(&t);
    if (st)
        cjm_fit_free(&f);
    else
        *out = f;
    return st;
}

/* ---- accessors ---- */

const char *cjm_fit_model(const cjm_fit *f)
{
    return f ? f->model : NULL;
}

int cjm_fit_param_count(const cjm_fit *f)
{
    return f ? f->nparams : 0;
}

cjm_fit_param cjm_fit_param_at(const cjm_fit *f, int i)
{
    cjm_fit_param p = {NULL, (double)NAN, (double)NAN, (double)NAN, (double)NAN};
    if (!f || i < 0 || i >= f->nparams) return p;
    double z = cjm_normal_quantile(0.975), l = log(f->est[i]);
    p.name = f->names[i];
    p.estimate = f->est[i];
    p.se = f->se[i];
    p.lo = exp(l - z * f->se_log[i]);
    p.hi = exp(l + z * f->se_log[i]);
    return p;
}

double cjm_fit_loglik(const cjm_fit *f)
{
    return f ? f->loglik : (double)NAN;
}

long cjm_fit_observations(const cjm_fit *f)
{
    return f ? f->observations : 0;
}

const char *cjm_fit_fragment(const cjm_fit *f)
{
    return f ? f->fragment : NULL;
}

void cjm_fit_free(cjm_fit **fp)
{
    cjm_fit *f = fp ? *fp : NULL;
    if (!f) return;
    free(f->file);
    free(f->fragment);
    free(f);
    *fp = NULL;
}
