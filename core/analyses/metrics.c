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
    {"gross_margin", "gross margin", CJM_UNIT_MONEY},
    {"ltv_margin", "LTV margin", CJM_UNIT_MONEY},
    {"ltv_cac", "LTV margin / CAC", CJM_UNIT_RATIO},
    {"npv", "NPV", CJM_UNIT_MONEY},
    {"ltv_discounted", "LTV discounted", CJM_UNIT_MONEY},
    {"purchases", "purchases", CJM_UNIT_COUNT},
    {"referred", "referred prospects", CJM_UNIT_COUNT},
    {"converted_referred", "converted by referral", CJM_UNIT_COUNT},
    {"cac_organic", "CAC organic", CJM_UNIT_MONEY},
    {"cac_referral", "CAC referral", CJM_UNIT_MONEY},
};

const char *const cjm_cashflow_names[CJM_CF_SERIES] = {
    "revenue",
    "cogs",
    "cost",
    "profit",
    "cumulative_profit",
    "discounted_profit",
    "cumulative_discounted_profit",
};

const cjm_series_info cjm_series_infos[CJM_S_COUNT] = {
    {"funnel", "reached", CJM_UNIT_SHARE},
    {"retention", "retention", CJM_UNIT_SHARE},
    {"arrived", "prospects arrived", CJM_UNIT_COUNT},
    {"arrival_conversion", "conversion by arrival step", CJM_UNIT_SHARE},
    {"cashflow_revenue", "revenue paid at t", CJM_UNIT_MONEY},
    {"cashflow_cogs", "cogs paid at t", CJM_UNIT_MONEY},
    {"cashflow_cost", "cost paid at t", CJM_UNIT_MONEY},
    {"cashflow_profit", "profit at t", CJM_UNIT_MONEY},
    {"cashflow_cumulative_profit", "cumulative profit", CJM_UNIT_MONEY},
    {"cashflow_discounted_profit", "discounted profit at t", CJM_UNIT_MONEY},
    {"cashflow_cumulative_discounted_profit", "cumulative discounted profit", CJM_UNIT_MONEY},
    {"breakdown", "money line", CJM_UNIT_MONEY},
    {"loyalty_members", "members", CJM_UNIT_COUNT},
    {"loyalty_tier_share", "share of members in the tier", CJM_UNIT_SHARE},
    {"loyalty", "loyalty program", CJM_UNIT_COUNT},
    {"loyalty_class_customers", "converted customers", CJM_UNIT_COUNT},
    {"loyalty_class_revenue", "revenue at and after conversion", CJM_UNIT_MONEY},
    {"loyalty_class_gross_margin", "gross margin at and after conversion", CJM_UNIT_MONEY},
    {"loyalty_class_ltv", "LTV", CJM_UNIT_MONEY},
    {"loyalty_class_ltv_margin", "LTV margin", CJM_UNIT_MONEY},
    {"loyalty_class_retained", "retained at horizon", CJM_UNIT_SHARE},
    {"loyalty_class_purchases", "purchases per customer", CJM_UNIT_COUNT},
    {"transitions", "customers who took the transition", CJM_UNIT_COUNT},
    {"by_source_prospects", "prospects", CJM_UNIT_COUNT},
    {"by_source_converted", "converted", CJM_UNIT_COUNT},
    {"by_source_conversion", "conversion", CJM_UNIT_SHARE},
    {"by_source_revenue", "revenue", CJM_UNIT_MONEY},
    {"by_source_ltv", "LTV", CJM_UNIT_MONEY},
    {"by_source_cac", "CAC", CJM_UNIT_MONEY},
};

const char *const cjm_loyalty_items[CJM_LOYALTY_ITEMS] = {
    "members_joined", "members_active",     "points_issued", "points_redeemed",
    "points_expired", "points_outstanding", "breakage",      "liability",
    "reward_cost",    "join_cost",          "member_cost",   "purchases_per_customer",
};

bool cjm_metric_shown(const cjm_model *m, int i)
{
    switch (i) {
    case CJM_M_GROSS_MARGIN:
    case CJM_M_LTV_MARGIN:
        return m->has_cogs;
    case CJM_M_NPV:
    case CJM_M_LTV_DISCOUNTED:
        return m->has_discount;
    case CJM_M_PURCHASES:
        return m->has_purchases;
    case CJM_M_REFERRED:
    case CJM_M_CONVERTED_REFERRED:
    case CJM_M_CAC_ORGANIC:
    case CJM_M_CAC_REFERRAL:
        return m->has_referrals;
    default:
        return true;
    }
}

int cjm_metrics_shown(const cjm_model *m, int *out)
{
    int n = 0;
    for (int i = 0; i < CJM_M_COUNT; i++)
        if (cjm_metric_shown(m, i)) out[n++] = i;
    return n;
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
           metric == CJM_M_RETAINED || metric == CJM_M_CAC_ORGANIC ||
           metric == CJM_M_CAC_REFERRAL || metric == CJM_M_LTV_MARGIN || metric == CJM_M_LTV_CAC ||
           metric == CJM_M_LTV_DISCOUNTED;
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
    case CJM_M_GROSS_MARGIN:
        *num = row[CJM_T_REVENUE] - row[CJM_T_COGS];
        break;
    case CJM_M_LTV_MARGIN:
        *num = row[CJM_T_CONV_REVENUE] - row[CJM_T_CONV_COGS];
        *den = row[CJM_T_CONVERTED];
        break;
    case CJM_M_LTV_CAC: /* (margin / converted) / (acquisition cost / converted) */
        *num = row[CJM_T_CONV_REVENUE] - row[CJM_T_CONV_COGS];
        *den = row[CJM_T_ACQ_COST];
        break;
    case CJM_M_NPV:
        *num = row[CJM_T_NPV];
        break;
    case CJM_M_LTV_DISCOUNTED:
        *num = row[CJM_T_DISC_CONV_REVENUE];
        *den = row[CJM_T_CONVERTED];
        break;
    case CJM_M_PURCHASES:
        *num = row[CJM_T_PURCHASES];
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
    case CJM_S_BREAKDOWN:
        return r->line_count;
    case CJM_S_MEMBERS:
        return r->model->loyalty.present ? r->horizon + 1 : 0;
    case CJM_S_TIER_SHARE:
        return r->model->loyalty.present ? r->model->loyalty.tier_count * (r->horizon + 1) : 0;
    case CJM_S_LOYALTY:
        return r->model->loyalty.present ? CJM_LOYALTY_ITEMS : 0;
    case CJM_S_TRANSITIONS:
        return r->model->edge_count;
    default:
        if (series >= CJM_S_SOURCE) return r->model->has_referrals ? CJM_SOURCES : 0;
        if (series >= CJM_S_CLASS)
            return r->model->loyalty.present ? r->model->loyalty.tier_count + 1 : 0;
        return series >= CJM_S_CASHFLOW && series < CJM_S_BREAKDOWN ? r->horizon + 1 : 0;
    }
}

/* The value of cash-flow series k at step t in one run; the cumulative ones
 * sum steps 0..t in order (as cashflow() below, bit for bit). */
static double cashflow_value(const cjm_result *r, int k, int run, int t)
{
    const double *row = cjm_result_row(r, run);
    const cjm_row_layout *w = &r->row;
    double sum = 0;
    switch (k) {
    case CJM_CF_REVENUE:
        return row[w->revenue_t + t];
    case CJM_CF_COGS:
        return row[w->cogs_t + t];
    case CJM_CF_COST:
        return row[w->cost_t + t];
    case CJM_CF_PROFIT:
        return row[w->revenue_t + t] - row[w->cost_t + t];
    case CJM_CF_CUMULATIVE:
        for (int u = 0; u <= t; u++) sum += row[w->revenue_t + u] - row[w->cost_t + u];
        return sum;
    case CJM_CF_DISCOUNTED:
        return row[w->dprofit_t + t];
    default:
        for (int u = 0; u <= t; u++) sum += row[w->dprofit_t + u];
        return sum;
    }
}

cjm_status cjm_payback(const cjm_result *r, int *step, double *share, cjm_error *err)
{
    double *acc = calloc((size_t)r->runs, sizeof *acc), *a = malloc((size_t)r->runs * sizeof *a);
    if (!acc || !a) {
        free(acc), free(a);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    *step = -1;
    for (int t = 0; t <= r->horizon && *step < 0; t++) {
        for (int run = 0; run < r->runs; run++) {
            const double *row = cjm_result_row(r, run);
            a[run] = acc[run] += row[r->row.revenue_t + t] - row[r->row.cost_t + t];
        }
        if (plain(r, a).mean >= 0) *step = t;
    }
    double paid = 0;
    for (int run = 0; run < r->runs; run++) paid += cjm_result_row(r, run)[CJM_T_PAID_BACK];
    *share = paid / r->runs;
    free(acc), free(a);
    return CJM_OK;
}

/* Column `off` of the rows, summarised. */
static cjm_summary column(const cjm_result *r, int off, double *a)
{
    for (int run = 0; run < r->runs; run++) a[run] = cjm_result_row(r, run)[off];
    return plain(r, a);
}

/* num / den of two columns, as a ratio of totals (den_off < 0: converted). */
static cjm_summary column_ratio(const cjm_result *r, int num_off, int den_off)
{
    return ratio(r, r->totals + num_off, r->totals + (den_off < 0 ? CJM_T_CONVERTED : den_off),
                 r->width);
}

/* Item i of the "loyalty" series: members, points, breakage (expired /
 * issued, a ratio of totals), the liability (outstanding points at the
 * cheapest reward's cost per point), the program's costs, purchases per
 * converted customer. */
static cjm_summary loyalty_item(const cjm_result *r, int i, double *a)
{
    int base = r->row.loyalty;
    static const int column_of[] = {
        [CJM_LOY_JOINED] = CJM_L_JOINED,           [CJM_LOY_ACTIVE] = CJM_L_ACTIVE,
        [CJM_LOY_ISSUED] = CJM_L_ISSUED,           [CJM_LOY_REDEEMED] = CJM_L_REDEEMED,
        [CJM_LOY_EXPIRED] = CJM_L_EXPIRED,         [CJM_LOY_OUTSTANDING] = CJM_L_OUTSTANDING,
        [CJM_LOY_REWARD_COST] = CJM_L_REWARD_COST, [CJM_LOY_JOIN_COST] = CJM_L_JOIN_COST,
        [CJM_LOY_MEMBER_COST] = CJM_L_MEMBER_COST,
    };
    switch (i) {
    case CJM_LOY_BREAKAGE:
        return column_ratio(r, base + CJM_L_EXPIRED, base + CJM_L_ISSUED);
    case CJM_LOY_LIABILITY:
        for (int run = 0; run < r->runs; run++)
            a[run] =
                cjm_result_row(r, run)[base + CJM_L_OUTSTANDING] * r->model->loyalty.point_cost;
        return plain(r, a);
    case CJM_LOY_PURCHASES_PER_CUSTOMER:
        return column_ratio(r, CJM_T_PURCHASES, -1);
    default:
        return column(r, base + column_of[i], a);
    }
}

/* Field f of class c: money at and after conversion per customer of it. */
static cjm_summary class_item(const cjm_result *r, int f, int c, double *a)
{
    int base = r->row.classes + c * CJM_LC_FIELDS;
    switch (f) {
    case CJM_CLASS_CUSTOMERS:
        return column(r, base + CJM_LC_CUSTOMERS, a);
    case CJM_CLASS_REVENUE:
        return column(r, base + CJM_LC_REVENUE, a);
    case CJM_CLASS_LTV:
        return column_ratio(r, base + CJM_LC_REVENUE, base + CJM_LC_CUSTOMERS);
    case CJM_CLASS_RETAINED:
        return column_ratio(r, base + CJM_LC_RETAINED, base + CJM_LC_CUSTOMERS);
    case CJM_CLASS_PURCHASES:
        return column_ratio(r, base + CJM_LC_PURCHASES, base + CJM_LC_CUSTOMERS);
    default: { /* gross margin, and per customer */
        double *n = malloc((size_t)r->runs * sizeof *n);
        if (!n) return cjm_summary_exact(CJM_NAN, false);
        for (int run = 0; run < r->runs; run++) {
            const double *row = cjm_result_row(r, run);
            a[run] = row[base + CJM_LC_REVENUE] - row[base + CJM_LC_COGS];
            n[run] = row[base + CJM_LC_CUSTOMERS];
        }
        cjm_summary s = f == CJM_CLASS_GROSS_MARGIN ? plain(r, a) : ratio(r, a, n, 1);
        free(n);
        return s;
    }
    }
}

const cjm_metric_info cjm_source_fields[CJM_SOURCE_FIELDS] = {
    {"prospects", "prospects", CJM_UNIT_COUNT},
    {"converted", "converted", CJM_UNIT_COUNT},
    {"conversion", "conversion", CJM_UNIT_SHARE},
    {"revenue", "revenue", CJM_UNIT_MONEY},
    {"ltv", "LTV", CJM_UNIT_MONEY},
    {"cac", "CAC", CJM_UNIT_MONEY},
};

const char *const cjm_source_names[CJM_SOURCES] = {"organic", "referred"};

static cjm_summary *source_field_mut(cjm_source_metrics *s, int k)
{
    cjm_summary *f[CJM_SOURCE_FIELDS] = {&s->prospects, &s->converted, &s->conversion,
                                         &s->revenue,   &s->ltv,       &s->cac};
    return f[k];
}

const cjm_summary *cjm_source_field(const cjm_source_metrics *s, int k)
{
    return source_field_mut((cjm_source_metrics *)s, k);
}

/* Column `what` of source src in one run: 0 prospects, 1 converted, 2
 * revenue, 3 revenue at and after conversion, 4 acquisition cost. The
 * organic figures are the totals less the referred ones. */
static double source_value(const double *row, int src, int what)
{
    static const int total[] = {CJM_T_PROSPECTS, CJM_T_CONVERTED, CJM_T_REVENUE, CJM_T_CONV_REVENUE,
                                CJM_T_ACQ_COST_ORGANIC};
    static const int referred[] = {CJM_T_REFERRED, CJM_T_CONVERTED_REFERRED, CJM_T_REVENUE_REFERRED,
                                   CJM_T_CONV_REVENUE_REFERRED, CJM_T_ACQ_COST_REFERRED};
    if (src == CJM_REFERRED) return row[referred[what]];
    return what == 4 ? row[total[what]] : row[total[what]] - row[referred[what]];
}

/* Columns what_num (and what_den >= 0: a ratio of totals) of source src. */
static cjm_summary source_summary(const cjm_result *r, int src, int what_num, int what_den,
                                  double *a)
{
    double *b = what_den >= 0 ? malloc((size_t)r->runs * sizeof *b) : NULL;
    if (what_den >= 0 && !b) return cjm_summary_exact(CJM_NAN, false);
    for (int run = 0; run < r->runs; run++) {
        const double *row = cjm_result_row(r, run);
        a[run] = source_value(row, src, what_num);
        if (b) b[run] = source_value(row, src, what_den);
    }
    cjm_summary s = b ? ratio(r, a, b, 1) : plain(r, a);
    free(b);
    return s;
}

/* Field k (cjm_source_fields' order) of source src. */
static cjm_summary source_item(const cjm_result *r, int k, int src, double *a)
{
    static const int num[CJM_SOURCE_FIELDS] = {0, 1, 1, 2, 3, 4};
    static const int den[CJM_SOURCE_FIELDS] = {-1, -1, 0, -1, 1, 1};
    return source_summary(r, src, num[k], den[k], a);
}

/* Item i of a series; a: scratch for r->runs values. The funnel is a share
 * of prospects, who may vary by run; retention[k] and the conversion of
 * those arriving at step t are ratios of totals over runs. */
static cjm_summary series_with(const cjm_result *r, int series, int i, double *a)
{
    const cjm_row_layout *w = &r->row;
    int H = r->horizon;
    switch (series) {
    case CJM_S_FUNNEL:
        return ratio(r, r->totals + w->reached + i, r->totals + CJM_T_PROSPECTS, r->width);
    case CJM_S_RETENTION:
        return ratio(r, r->totals + w->ret_num + i, r->totals + w->ret_den + i, r->width);
    case CJM_S_ARRIVED:
        for (int run = 0; run < r->runs; run++)
            a[run] = cjm_result_row(r, run)[w->arr_prospects + i];
        return plain(r, a);
    case CJM_S_ARRIVAL_CONVERSION:
        return ratio(r, r->totals + w->arr_conv + i, r->totals + w->arr_prospects + i, r->width);
    case CJM_S_BREAKDOWN:
        for (int run = 0; run < r->runs; run++) a[run] = cjm_result_row(r, run)[w->lines + i];
        return plain(r, a);
    case CJM_S_MEMBERS:
        for (int run = 0; run < r->runs; run++) a[run] = cjm_result_row(r, run)[w->members_t + i];
        return plain(r, a);
    case CJM_S_TIER_SHARE:
        return ratio(r, r->totals + w->tier_t + i, r->totals + w->members_t + i % (H + 1),
                     r->width);
    case CJM_S_LOYALTY:
        return loyalty_item(r, i, a);
    case CJM_S_TRANSITIONS:
        return column(r, w->moves + i, a);
    default:
        if (series >= CJM_S_SOURCE) return source_item(r, series - CJM_S_SOURCE, i, a);
        if (series >= CJM_S_CLASS) return class_item(r, series - CJM_S_CLASS, i, a);
        for (int run = 0; run < r->runs; run++)
            a[run] = cashflow_value(r, series - CJM_S_CASHFLOW, run, i);
        return plain(r, a);
    }
}

/* Organic and referred prospects, each source's conversion, revenue, LTV
 * and CAC (the scenario has referrals). */
static void by_source(const cjm_result *r, cjm_metrics *mt, double *a)
{
    mt->by_source = true;
    for (int src = 0; src < CJM_SOURCES; src++)
        for (int k = 0; k < CJM_SOURCE_FIELDS; k++)
            *source_field_mut(&mt->sources[src], k) = series_with(r, CJM_S_SOURCE + k, src, a);
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

/* cashflow_value with the cumulative sums carried in acc[run][2] from step
 * to step, for a whole series at once (the same additions in the same
 * order). */
static double cashflow_running(const cjm_result *r, int k, int run, int t, double *acc)
{
    const double *row = cjm_result_row(r, run);
    const cjm_row_layout *w = &r->row;
    double profit = row[w->revenue_t + t] - row[w->cost_t + t];
    switch (k) {
    case CJM_CF_REVENUE:
        return row[w->revenue_t + t];
    case CJM_CF_COGS:
        return row[w->cogs_t + t];
    case CJM_CF_COST:
        return row[w->cost_t + t];
    case CJM_CF_PROFIT:
        return profit;
    case CJM_CF_CUMULATIVE:
        return acc[2 * run] += profit;
    case CJM_CF_DISCOUNTED:
        return row[w->dprofit_t + t];
    default:
        return acc[2 * run + 1] += row[w->dprofit_t + t];
    }
}

/* The cash flow by step with its intervals, the payback step of the mean
 * cumulative profit, and the share of runs that paid back. */
static cjm_status cashflow(const cjm_result *r, cjm_metrics *mt, double *a, cjm_error *err)
{
    int H = r->horizon;
    double *acc = calloc(2 * (size_t)r->runs, sizeof *acc);
    for (int k = 0; k < CJM_CF_SERIES; k++)
        mt->cashflow[k] = calloc((size_t)H + 1, sizeof *mt->cashflow[k]);
    for (int k = 0; k < CJM_CF_SERIES; k++)
        if (!mt->cashflow[k] || !acc) {
            free(acc);
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        }
    for (int t = 0; t <= H; t++)
        for (int k = 0; k < CJM_CF_SERIES; k++) {
            for (int run = 0; run < r->runs; run++) a[run] = cashflow_running(r, k, run, t, acc);
            mt->cashflow[k][t] = plain(r, a);
        }
    free(acc);
    return cjm_payback(r, &mt->payback, &mt->share_paid_back, err);
}

/* Members and points, the program's costs, members by step and tier, and
 * each class of converted customers. */
static cjm_status loyalty_metrics(const cjm_result *r, cjm_metrics *mt, double *a, cjm_error *err)
{
    cjm_loyalty_metrics *y = &mt->loyalty;
    int H = r->horizon, T = r->model->loyalty.tier_count;
    y->present = true;
    y->tiers = T;
    y->horizon = H;
    cjm_summary *items[CJM_LOYALTY_ITEMS] = {
        &y->joined,      &y->active,      &y->issued,      &y->redeemed,
        &y->expired,     &y->outstanding, &y->breakage,    &y->liability,
        &y->reward_cost, &y->join_cost,   &y->member_cost, &y->purchases_per_customer};
    for (int i = 0; i < CJM_LOYALTY_ITEMS; i++) *items[i] = series_with(r, CJM_S_LOYALTY, i, a);
    y->members_t = calloc((size_t)H + 1, sizeof *y->members_t);
    y->tier_share_t = calloc((size_t)T * (H + 1), sizeof *y->tier_share_t);
    y->classes = calloc((size_t)T + 1, sizeof *y->classes);
    if (!y->members_t || !y->tier_share_t || !y->classes)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int t = 0; t <= H; t++) y->members_t[t] = series_with(r, CJM_S_MEMBERS, t, a);
    for (int i = 0; i < T * (H + 1); i++)
        y->tier_share_t[i] = series_with(r, CJM_S_TIER_SHARE, i, a);
    for (int c = 0; c <= T; c++) {
        cjm_class_metrics *k = &y->classes[c];
        cjm_summary *fields[] = {&k->customers,  &k->revenue,  &k->gross_margin, &k->ltv,
                                 &k->ltv_margin, &k->retained, &k->purchases};
        for (int f = 0; f < 7; f++) *fields[f] = series_with(r, CJM_S_CLASS + f, c, a);
    }
    return CJM_OK;
}

static cjm_status breakdown(const cjm_result *r, cjm_metrics *mt, double *a, cjm_error *err)
{
    mt->line_count = r->line_count;
    mt->lines = calloc((size_t)r->line_count + 1, sizeof *mt->lines);
    if (!mt->lines) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < r->line_count; i++) mt->lines[i] = series_with(r, CJM_S_BREAKDOWN, i, a);
    return CJM_OK;
}

static cjm_status transitions(const cjm_result *r, cjm_metrics *mt, double *a, cjm_error *err)
{
    mt->edge_count = r->model->edge_count;
    mt->moves = calloc((size_t)mt->edge_count + 1, sizeof *mt->moves);
    if (!mt->moves) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int e = 0; e < mt->edge_count; e++) mt->moves[e] = series_with(r, CJM_S_TRANSITIONS, e, a);
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
    if (r->model->has_referrals) by_source(r, mt, a);
    for (int s = 0; s < r->stage_count; s++) mt->reached[s] = series_with(r, CJM_S_FUNNEL, s, a);
    for (int k = 0; k <= r->horizon; k++) mt->retention[k] = series_with(r, CJM_S_RETENTION, k, a);
    cjm_status st = r->model->has_arrivals ? by_arrival(r, mt, a, err) : CJM_OK;
    if (st == CJM_OK) st = cashflow(r, mt, a, err);
    if (st == CJM_OK) st = breakdown(r, mt, a, err);
    if (st == CJM_OK) st = transitions(r, mt, a, err);
    if (st == CJM_OK && r->model->loyalty.present) st = loyalty_metrics(r, mt, a, err);
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
    for (int k = 0; k < CJM_CF_SERIES; k++) free(mt->cashflow[k]), mt->cashflow[k] = NULL;
    free(mt->lines);
    free(mt->moves);
    mt->moves = NULL;
    free(mt->loyalty.members_t);
    free(mt->loyalty.tier_share_t);
    free(mt->loyalty.classes);
    memset(&mt->loyalty, 0, sizeof mt->loyalty);
    mt->reached = mt->retention = mt->arrived = mt->arrival_conversion = mt->lines = NULL;
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
