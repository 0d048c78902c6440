/* metrics.c: from per-run totals to the summaries every writer prints. */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

const cjm_metric_info cjm_metric_infos[CJM_M_COUNT] = {
    {"conversion", "conversion", CJM_UNIT_SHARE},
    {"converted", "converted", CJM_UNIT_COUNT},
    {"cac", "CAC", CJM_UNIT_MONEY},
    {"ltv", "LTV", CJM_UNIT_MONEY},
    {"retained", "retained at horizon", CJM_UNIT_SHARE},
    {"revenue", "revenue", CJM_UNIT_MONEY},
    {"cost", "cost", CJM_UNIT_MONEY},
    {"profit", "profit", CJM_UNIT_MONEY},
    {"referred", "referred prospects", CJM_UNIT_COUNT},
    {"converted_referred", "converted by referral", CJM_UNIT_COUNT},
    {"cac_organic", "CAC organic", CJM_UNIT_MONEY},
    {"cac_referral", "CAC referral", CJM_UNIT_MONEY},
};

const cjm_series_info cjm_series_infos[CJM_S_COUNT] = {
    {"funnel", "reached", CJM_UNIT_SHARE},
    {"retention", "retention", CJM_UNIT_SHARE},
    {"arrived", "prospects arrived", CJM_UNIT_COUNT},
    {"arrival_conversion", "conversion by arrival step", CJM_UNIT_SHARE},
};

int cjm_metrics_shown(const cjm_model *m)
{
    return m->has_referrals ? CJM_M_COUNT : CJM_M_CORE;
}

int cjm_metric_index(const char *name)
{
    for (int i = 0; i < CJM_M_COUNT; i++)
        if (strcmp(cjm_metric_infos[i].name, name) == 0) return i;
    return -1;
}

/* A plain metric: exact results have no spread, sampled ones are summarised. */
static cjm_summary plain(const cjm_result *r, const double *col)
{
    return cjm_result_is_point(r) ? cjm_summary_exact(col[0], true)
                                  : cjm_summarize(col, r->runs, 1);
}

static cjm_summary ratio(const cjm_result *r, const double *y, const double *x, int stride)
{
    if (cjm_result_is_point(r)) return cjm_summary_exact(x[0] > 0 ? y[0] / x[0] : 0, x[0] > 0);
    return cjm_summarize_ratio(y, x, r->runs, stride);
}

bool cjm_metric_is_ratio(int metric)
{
    return metric == CJM_M_CONVERSION || metric == CJM_M_CAC || metric == CJM_M_LTV ||
           metric == CJM_M_RETAINED || metric == CJM_M_CAC_ORGANIC || metric == CJM_M_CAC_REFERRAL;
}

void cjm_metric_parts(const cjm_result *r, int metric, int run, double *num, double *den)
{
    const double *row = cjm_result_row(r, run);
    *den = 1;
    switch (metric) {
    case CJM_M_CONVERSION: /* prospects vary by run with referrals or uncertain sizes */
        *num = row[CJM_T_CONVERTED];
        *den = row[CJM_T_PROSPECTS];
        break;
    case CJM_M_CONVERTED:
        *num = row[CJM_T_CONVERTED];
        break;
    case CJM_M_CAC:
        *num = row[CJM_T_ACQ_COST];
        *den = row[CJM_T_CONVERTED];
        break;
    case CJM_M_LTV:
        *num = row[CJM_T_CONV_REVENUE];
        *den = row[CJM_T_CONVERTED];
        break;
    case CJM_M_RETAINED:
        *num = row[CJM_T_RETAINED];
        *den = row[CJM_T_CONVERTED];
        break;
    case CJM_M_REVENUE:
        *num = row[CJM_T_REVENUE];
        break;
    case CJM_M_COST:
        *num = row[CJM_T_COST];
        break;
    case CJM_M_REFERRED:
        *num = row[CJM_T_REFERRED];
        break;
    case CJM_M_CONVERTED_REFERRED:
        *num = row[CJM_T_CONVERTED_REFERRED];
        break;
    case CJM_M_CAC_ORGANIC:
        *num = row[CJM_T_ACQ_COST_ORGANIC];
        *den = row[CJM_T_CONVERTED] - row[CJM_T_CONVERTED_REFERRED];
        break;
    case CJM_M_CAC_REFERRAL:
        *num = row[CJM_T_ACQ_COST_REFERRED];
        *den = row[CJM_T_CONVERTED_REFERRED];
        break;
    default:
        *num = row[CJM_T_REVENUE] - row[CJM_T_COST];
        break;
    }
}

/* Headline metric i; a and b: scratch for r->runs values each. */
static cjm_summary metric_with(const cjm_result *r, int i, double *a, double *b)
{
    for (int run = 0; run < r->runs; run++) cjm_metric_parts(r, i, run, &a[run], &b[run]);
    return cjm_metric_is_ratio(i) ? ratio(r, a, b, 1) : plain(r, a);
}

int cjm_series_length(const cjm_result *r, int series)
{
    switch (series) {
    case CJM_S_FUNNEL:
        return r->stage_count;
    case CJM_S_RETENTION:
        return r->horizon + 1;
    case CJM_S_ARRIVED:
    case CJM_S_ARRIVAL_CONVERSION:
        return r->model->has_arrivals ? r->horizon : 0;
    default:
        return 0;
    }
}

/* Item i of a series; a: scratch for r->runs values. The funnel is a share
 * of prospects, who may vary by run; retention[k] and the conversion of
 * those arriving at step t are ratios of totals over runs. */
static cjm_summary series_with(const cjm_result *r, int series, int i, double *a)
{
    int S = r->stage_count, H = r->horizon;
    const double *retained = r->totals + CJM_T_FIXED + S, *observed = retained + H + 1;
    const double *prospects = observed + H + 1, *converted = prospects + H;
    switch (series) {
    case CJM_S_FUNNEL:
        return ratio(r, r->totals + CJM_T_FIXED + i, r->totals + CJM_T_PROSPECTS, r->width);
    case CJM_S_RETENTION:
        return ratio(r, retained + i, observed + i, r->width);
    case CJM_S_ARRIVED:
        for (int run = 0; run < r->runs; run++)
            a[run] = cjm_result_row(r, run)[prospects - r->totals + i];
        return plain(r, a);
    default:
        return ratio(r, converted + i, prospects + i, r->width);
    }
}

static void headline(const cjm_result *r, cjm_metrics *mt, double *a, double *b)
{
    for (int i = 0; i < CJM_M_COUNT; i++) mt->m[i] = metric_with(r, i, a, b);
}

/* Cohorts by arrival step: how many arrived, and what share of them converted. */
static cjm_status by_arrival(const cjm_result *r, cjm_metrics *mt, double *a, cjm_error *err)
{
    int H = r->horizon;
    mt->by_arrival = true;
    mt->arrived = calloc((size_t)H, sizeof *mt->arrived);
    mt->arrival_conversion = calloc((size_t)H, sizeof *mt->arrival_conversion);
    if (!mt->arrived || !mt->arrival_conversion)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int t = 0; t < H; t++) {
        mt->arrived[t] = series_with(r, CJM_S_ARRIVED, t, a);
        mt->arrival_conversion[t] = series_with(r, CJM_S_ARRIVAL_CONVERSION, t, a);
    }
    return CJM_OK;
}

cjm_status cjm_metrics_compute(const cjm_result *r, cjm_metrics *mt, cjm_error *err)
{
    memset(mt, 0, sizeof *mt);
    mt->stage_count = r->stage_count;
    mt->horizon = r->horizon;
    mt->reached = calloc((size_t)r->stage_count, sizeof *mt->reached);
    mt->retention = calloc((size_t)r->horizon + 1, sizeof *mt->retention);
    double *a = malloc((size_t)r->runs * sizeof *a), *b = malloc((size_t)r->runs * sizeof *b);
    if (!mt->reached || !mt->retention || !a || !b) {
        free(a);
        free(b);
        cjm_metrics_free(mt);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    headline(r, mt, a, b);
    for (int s = 0; s < r->stage_count; s++) mt->reached[s] = series_with(r, CJM_S_FUNNEL, s, a);
    for (int k = 0; k <= r->horizon; k++) mt->retention[k] = series_with(r, CJM_S_RETENTION, k, a);
    cjm_status st = r->model->has_arrivals ? by_arrival(r, mt, a, err) : CJM_OK;
    free(a);
    free(b);
    if (st != CJM_OK) cjm_metrics_free(mt);
    return st;
}

void cjm_metrics_free(cjm_metrics *mt)
{
    free(mt->reached);
    free(mt->retention);
    free(mt->arrived);
    free(mt->arrival_conversion);
    mt->reached = mt->retention = mt->arrived = mt->arrival_conversion = NULL;
}

cjm_status cjm_metric_summary(const cjm_result *r, int metric, cjm_summary *out, cjm_error *err)
{
    double *a = malloc((size_t)r->runs * sizeof *a), *b = malloc((size_t)r->runs * sizeof *b);
    if (a && b) *out = metric_with(r, metric, a, b);
    free(a);
    free(b);
    return a && b ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
}

cjm_status cjm_series_summary(const cjm_result *r, int series, int i, cjm_summary *out,
                              cjm_error *err)
{
    double *a = malloc((size_t)r->runs * sizeof *a);
    if (!a) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    *out = series_with(r, series, i, a);
    free(a);
    return CJM_OK;
}
