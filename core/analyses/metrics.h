/* metrics.h: the reported metrics of a result, each summarised across runs. */
#ifndef CJM_METRICS_H
#define CJM_METRICS_H

#include "result.h"
#include "stats.h"

/* The headline metrics, in report order. */
enum {
    CJM_M_CONVERSION,
    CJM_M_CONVERTED,
    CJM_M_CAC,
    CJM_M_LTV,
    CJM_M_RETAINED,
    CJM_M_REVENUE,
    CJM_M_COST,
    CJM_M_PROFIT,
    CJM_M_GROSS_MARGIN,       /* revenue - cogs */
    CJM_M_LTV_MARGIN,         /* gross margin at and after conversion per converted customer */
    CJM_M_LTV_CAC,            /* ltv_margin / cac */
    CJM_M_NPV,                /* discounted profit */
    CJM_M_LTV_DISCOUNTED,     /* discounted ltv */
    CJM_M_PURCHASES,          /* repeat purchases made */
    CJM_M_REFERRED,           /* prospects who came by referral */
    CJM_M_CONVERTED_REFERRED, /* of the converted, those who came by referral */
    CJM_M_CAC_ORGANIC,        /* acquisition cost per converted organic prospect */
    CJM_M_CAC_REFERRAL,       /* rewards and costs per converted referred prospect */
    CJM_M_COUNT
};

typedef struct cjm_metric_info {
    const char *name; /* as in JSON and CSV */
    const char *label;
    cjm_unit unit;
} cjm_metric_info;

extern const cjm_metric_info cjm_metric_infos[CJM_M_COUNT];

/* The cash flow's series, by step t = 0..H. */
enum {
    CJM_CF_REVENUE,
    CJM_CF_COGS,
    CJM_CF_COST, /* every cost paid at t, cogs included */
    CJM_CF_PROFIT,
    CJM_CF_CUMULATIVE,
    CJM_CF_DISCOUNTED,
    CJM_CF_CUMULATIVE_DISCOUNTED,
    CJM_CF_SERIES
};

extern const char *const cjm_cashflow_names[CJM_CF_SERIES];

/* A class of converted customers (never joined, or in a tier at the end). */
typedef struct cjm_class_metrics {
    cjm_summary customers, revenue, gross_margin, ltv, ltv_margin, retained, purchases;
} cjm_class_metrics;

/* The loyalty program's figures. */
typedef struct cjm_loyalty_metrics {
    bool present;
    cjm_summary joined, active;                         /* members */
    cjm_summary issued, redeemed, expired, outstanding; /* points */
    cjm_summary breakage;                               /* expired / issued, a ratio of totals */
    cjm_summary liability; /* outstanding x the cheapest reward's cost per point */
    cjm_summary reward_cost, join_cost, member_cost;
    cjm_summary purchases_per_customer; /* purchases / converted */
    int tiers, horizon;
    cjm_summary *members_t;     /* [H + 1] */
    cjm_summary *tier_share_t;  /* [tier][H + 1]: members' share in each tier */
    cjm_class_metrics *classes; /* [tiers + 1]: 0 never joined, 1 + k in tier k */
} cjm_loyalty_metrics;

/* The prospects of one source (organic: the cohort and its arrivals;
 * referred) and what they brought: conversion is converted / prospects,
 * revenue all their revenue, LTV their revenue at and after conversion per
 * converted customer, CAC their acquisition cost per converted customer. */
typedef struct cjm_source_metrics {
    cjm_summary prospects, converted, conversion, revenue, ltv, cac;
} cjm_source_metrics;

/* The fields of cjm_source_metrics, in order, as JSON and CSV name them. */
enum { CJM_SOURCE_FIELDS = 6 };
extern const cjm_metric_info cjm_source_fields[CJM_SOURCE_FIELDS];
extern const char *const cjm_source_names[CJM_SOURCES];

/* Field k of a source's metrics (cjm_source_fields' order). */
const cjm_summary *cjm_source_field(const cjm_source_metrics *s, int k);

typedef struct cjm_metrics {
    cjm_summary m[CJM_M_COUNT];
    int stage_count, horizon;
    cjm_summary *cashflow[CJM_CF_SERIES]; /* [horizon + 1] each */
    int payback;                          /* first t with mean cumulative profit >= 0; -1 never */
    double share_paid_back;               /* runs whose cumulative profit reached 0 by H */
    int line_count;
    cjm_summary *lines; /* [line_count]: the breakdown (result->lines) */
    cjm_loyalty_metrics loyalty;
    int edge_count;
    cjm_summary *moves;              /* [edge_count]: customers who took each edge */
    cjm_summary *reached;            /* [stage_count]: share of the cohort */
    cjm_summary *retention;          /* [horizon + 1] */
    bool by_arrival;                 /* the scenario has arrivals: the next two are filled */
    cjm_summary *arrived;            /* [horizon]: organic prospects arriving at step t */
    cjm_summary *arrival_conversion; /* [horizon]: their conversion by the horizon */
    bool by_source;                  /* the scenario has referrals: sources is filled */
    cjm_source_metrics sources[CJM_SOURCES]; /* CJM_ORGANIC, CJM_REFERRED */
} cjm_metrics;

cjm_status cjm_metrics_compute(const cjm_result *r, cjm_metrics *out, cjm_error *err);

/* The series of a result: summaries by stage (funnel), by k (retention), by
 * arrival step (arrived, arrival_conversion), the cash flow by step (one
 * series per CJM_CF_ kind, CJM_S_CASHFLOW + kind), the breakdown by line,
 * and with a loyalty program the members by step and each tier's share of
 * them (item tier x (H + 1) + t), in cjm_metrics' order. */
enum {
    CJM_S_FUNNEL,
    CJM_S_RETENTION,
    CJM_S_ARRIVED,
    CJM_S_ARRIVAL_CONVERSION,
    CJM_S_CASHFLOW,
    CJM_S_BREAKDOWN = CJM_S_CASHFLOW + CJM_CF_SERIES,
    CJM_S_MEMBERS,
    CJM_S_TIER_SHARE,
    CJM_S_LOYALTY, /* the program's figures, CJM_LOYALTY_ITEMS of them */
    CJM_S_CLASS,   /* by class (0 never joined, 1 + tier): CJM_S_CLASS + CJM_CLASS_... */
    CJM_S_TRANSITIONS = CJM_S_CLASS + 7, /* customers who took each edge, by edge */
    CJM_S_SOURCE, /* by source (organic, referred): CJM_S_SOURCE + field (cjm_source_fields) */
    CJM_S_COUNT = CJM_S_SOURCE + CJM_SOURCE_FIELDS
};

/* The items of the "loyalty" series. */
enum {
    CJM_LOY_JOINED,
    CJM_LOY_ACTIVE,
    CJM_LOY_ISSUED,
    CJM_LOY_REDEEMED,
    CJM_LOY_EXPIRED,
    CJM_LOY_OUTSTANDING,
    CJM_LOY_BREAKAGE,
    CJM_LOY_LIABILITY,
    CJM_LOY_REWARD_COST,
    CJM_LOY_JOIN_COST,
    CJM_LOY_MEMBER_COST,
    CJM_LOY_PURCHASES_PER_CUSTOMER,
    CJM_LOYALTY_ITEMS
};

/* The class series, in order. */
enum {
    CJM_CLASS_CUSTOMERS,
    CJM_CLASS_REVENUE,
    CJM_CLASS_GROSS_MARGIN,
    CJM_CLASS_LTV,
    CJM_CLASS_LTV_MARGIN,
    CJM_CLASS_RETAINED,
    CJM_CLASS_PURCHASES
};

extern const char *const cjm_loyalty_items[CJM_LOYALTY_ITEMS];

typedef struct cjm_series_info {
    const char *name; /* as in CSV */
    const char *label;
    cjm_unit unit;
} cjm_series_info;

extern const cjm_series_info cjm_series_infos[CJM_S_COUNT];

/* Items of a series for r: stages, horizon + 1, horizon (0 without
 * arrivals), horizon + 1, lines, horizon + 1 and tiers x (horizon + 1) (0
 * without a program), edges. */
int cjm_series_length(const cjm_result *r, int series);

/* One headline metric, or one item of a series, exactly as
 * cjm_metrics_compute gives it (the same code computes both); CJM_ENOMEM
 * if the scratch for the runs cannot be had. */
cjm_status cjm_metric_summary(const cjm_result *r, int metric, cjm_summary *out, cjm_error *err);
cjm_status cjm_series_summary(const cjm_result *r, int series, int i, cjm_summary *out,
                              cjm_error *err);
void cjm_metrics_free(cjm_metrics *mt);

/* Payback: the first step at which the mean cumulative profit is >= 0 (-1:
 * never within the horizon), and the share of runs whose own cumulative
 * profit reached 0 by the horizon. */
cjm_status cjm_payback(const cjm_result *r, int *step, double *share, cjm_error *err);

/* Conversion, CAC, LTV, retained and the CAC by source are ratios of totals
 * over runs (the ratio of expectations that the exact engine gives); the rest
 * are plain. */
bool cjm_metric_is_ratio(int metric);

/* The numerator and denominator of a metric in one run (denominator 1 for a
 * plain metric). */
void cjm_metric_parts(const cjm_result *r, int metric, int run, double *num, double *den);

/* Does a table for people show metric i for model m? The money ones of
 * cogs only with cogs, the discounted ones only with discounting, the
 * referral ones only with referrals; JSON and CSV always have them all. */
bool cjm_metric_shown(const cjm_model *m, int i);

/* The metrics a table shows for m, in report order, into out[CJM_M_COUNT];
 * returns how many. */
int cjm_metrics_shown(const cjm_model *m, int *out);

/* Index of a metric by name ("conversion", "cac", ...), -1 if none. */
int cjm_metric_index(const char *name);

#endif
