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

typedef struct cjm_metrics {
    cjm_summary m[CJM_M_COUNT];
    int stage_count, horizon;
    cjm_summary *reached;            /* [stage_count]: share of the cohort */
    cjm_summary *retention;          /* [horizon + 1] */
    bool by_arrival;                 /* the scenario has arrivals: the next two are filled */
    cjm_summary *arrived;            /* [horizon]: organic prospects arriving at step t */
    cjm_summary *arrival_conversion; /* [horizon]: their conversion by the horizon */
} cjm_metrics;

cjm_status cjm_metrics_compute(const cjm_result *r, cjm_metrics *out, cjm_error *err);

/* The series of a result: summaries by stage (funnel), by k (retention), by
 * arrival step (arrived, arrival_conversion), in cjm_metrics' order. */
enum { CJM_S_FUNNEL, CJM_S_RETENTION, CJM_S_ARRIVED, CJM_S_ARRIVAL_CONVERSION, CJM_S_COUNT };

typedef struct cjm_series_info {
    const char *name; /* as in CSV */
    const char *label;
    cjm_unit unit;
} cjm_series_info;

extern const cjm_series_info cjm_series_infos[CJM_S_COUNT];

/* Items of a series for r: stages, horizon + 1, horizon (0 without arrivals). */
int cjm_series_length(const cjm_result *r, int series);

/* One headline metric, or one item of a series, exactly as
 * cjm_metrics_compute gives it (the same code computes both); CJM_ENOMEM
 * if the scratch for the runs cannot be had. */
cjm_status cjm_metric_summary(const cjm_result *r, int metric, cjm_summary *out, cjm_error *err);
cjm_status cjm_series_summary(const cjm_result *r, int series, int i, cjm_summary *out,
                              cjm_error *err);
void cjm_metrics_free(cjm_metrics *mt);

/* The metrics a people's table shows for every scenario (the referral ones
 * only when the scenario has referrals). */
#define CJM_M_CORE (CJM_M_PROFIT + 1)

/* Conversion, CAC, LTV, retained and the CAC by source are ratios of totals
 * over runs (the ratio of expectations that the exact engine gives); the rest
 * are plain. */
bool cjm_metric_is_ratio(int metric);

/* The numerator and denominator of a metric in one run (denominator 1 for a
 * plain metric). */
void cjm_metric_parts(const cjm_result *r, int metric, int run, double *num, double *den);

/* How many metrics a table for people shows for model m. */
int cjm_metrics_shown(const cjm_model *m);

/* Index of a metric by name ("conversion", "cac", ...), -1 if none. */
int cjm_metric_index(const char *name);

#endif
