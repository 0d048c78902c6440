/* report.c: picks the writer for a format. */
#include "report.h"

#include <string.h>

const char *cjm_engine_name(cjm_engine_kind kind)
{
    return kind == CJM_ENGINE_EXACT ? "exact" : kind == CJM_ENGINE_COHORT ? "cohort" : "agent";
}

int cjm_format_parse(const char *text, cjm_format *fmt)
{
    static const char *const names[] = {"table", "json", "csv", "dot", "mermaid"};
    for (int i = 0; i < 5; i++)
        if (strcmp(text, names[i]) == 0) {
            *fmt = (cjm_format)i;
            return 0;
        }
    return -1;
}

cjm_status cjm_report_run(const cjm_result *r, cjm_format fmt, FILE *f, cjm_error *err)
{
    cjm_metrics mt;
    cjm_status st = cjm_metrics_compute(r, &mt, err);
    if (st != CJM_OK) return st;
    if (fmt == CJM_FORMAT_JSON)
        st = cjm_json_write(cjm_json_run(r, &mt), f, err);
    else if (fmt == CJM_FORMAT_CSV)
        st = cjm_report_csv(r, &mt, f);
    else
        st = cjm_report_table(r, &mt, f);
    cjm_metrics_free(&mt);
    return st;
}
