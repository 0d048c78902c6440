/* report.h: the writers' shared pieces (internal). */
#ifndef CJM_REPORT_H
#define CJM_REPORT_H

#include "metrics.h"

#include <jansson.h>
#include <stdio.h>

/* {"mean","se","ci95":[lo,hi],"p5","p50","p95"}; NaN becomes null. */
json_t *cjm_json_summary(const cjm_summary *s);

/* A number, or null for NaN and infinities (JSON has neither). */
json_t *cjm_json_number(double v);

/* The header every cjm document starts with: cjm, schema, scenario, settings. */
json_t *cjm_json_header(const cjm_model *m, const cjm_settings *s);

/* The whole `run` document body: cjm, schema, scenario, settings, metrics,
 * funnel, retention. */
json_t *cjm_json_run(const cjm_result *r, const cjm_metrics *mt);

/* Dumps a document with the project's fixed formatting, and a newline. */
cjm_status cjm_json_write(json_t *doc, FILE *f, cjm_error *err);

/* A value for people: 12.34%, 1,234.5, 56.78; "-" where undefined. */
void cjm_format_value(char *buf, size_t n, double v, cjm_unit unit);

/* A difference for people: signed, a share's in percentage points
 * ("+0.84 pp"), one that rounds to zero unsigned ("0.00", "0.00 pp"). */
void cjm_format_delta(char *buf, size_t n, double v, cjm_unit unit);

/* The headers' "N customers": the cohort alone ("10000 customers"); with
 * arrivals every organic prospect, "2600 customers (500 at the start + 2100
 * arriving)"; with referrals "... + 235.6 referred" (NaN: not known). Counts
 * are means over runs where they differ by run. */
void cjm_format_customers(char *buf, size_t n, int64_t start, double organic, double referred,
                          bool arrivals, bool referrals);

/* cjm_format_customers for a result (its runs' means). */
void cjm_result_customers_text(const cjm_result *r, char *buf, size_t n);

/* The block every CSV document starts with, comment lines that
 * pandas.read_csv(comment='#') skips, each "# key: value": "# cjm: VERSION",
 * "# schema: 1", "# scenario: NAME", "# file:", "# sha256:", "# engine:", "# runs:",
 * "# customers:", "# horizon:", "# seed:". */
void cjm_csv_settings(FILE *f, const cjm_model *m, const cjm_settings *s);

/* A number in CSV: %.12g, nothing for NaN and infinities, 0 for -0. */
void cjm_csv_value(FILE *f, double v);

cjm_status cjm_report_table(const cjm_result *r, const cjm_metrics *mt, FILE *f);
cjm_status cjm_report_csv(const cjm_result *r, const cjm_metrics *mt, FILE *f);

/* The loyalty program's section (report_loyalty.c): in the table, as the
 * JSON "loyalty" object, and as CSV rows written by `row`. */
void cjm_table_loyalty(const cjm_result *r, const cjm_metrics *mt, FILE *f);
json_t *cjm_json_loyalty(const cjm_result *r, const cjm_metrics *mt);
void cjm_csv_loyalty(const cjm_result *r, const cjm_metrics *mt, FILE *f,
                     void (*row)(FILE *, const char *, const char *, const cjm_summary *));

/* Is edge e written once for every segment (describe.c)? */
int cjm_edge_is_shared(const cjm_model *m, const cjm_edge *e);

/* The written probability of edge e for segment g, in words: "0.07",
 * "per customer beta(2, 5)", "function[0.02..0.06]". */
void cjm_describe_prob(const cjm_model *m, int e, int g, FILE *f);

/* The engine's name as printed. */
const char *cjm_engine_name(cjm_engine_kind kind);

#endif
