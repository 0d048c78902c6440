/* compare.h: the inside of a comparison, for its writers (internal). */
#ifndef CJM_COMPARE_H
#define CJM_COMPARE_H

#include "metrics.h"

/* One side of a comparison: the baseline, a variant, or a set of fixes. */
typedef struct cjm_arm {
    char *name;
    char **fixes; /* the fixes this arm adds (fixes mode) */
    int fix_count;
    cjm_model *model;
    cjm_result *result;
    cjm_metrics metrics;
    cjm_summary delta[CJM_M_COUNT]; /* arm - baseline, paired by run */
    double roi;                     /* delta profit / delta cost; NaN unless cost rises */
    double p_profit_up;             /* share of runs in which profit rose */
} cjm_arm;

typedef enum cjm_comparison_kind { CJM_COMPARE_VARIANTS, CJM_COMPARE_FIXES } cjm_comparison_kind;

struct cjm_comparison {
    cjm_comparison_kind kind;
    cjm_arm base;
    cjm_arm *arms; /* variants in the order asked, or single fixes ranked by delta profit */
    int arm_count;
    cjm_arm *best; /* fixes mode: the greedy combination, or NULL if no fix adds profit */
    /* fixes mode: the greedy path to best, one step per fix in the order
     * added: the fix (a name of arms[].fixes[0]) and the expected profit of
     * the set up to it (the waterfall of the report) */
    int step_count;
    struct cjm_greedy_step {
        const char *fix;
        double profit;
    } * steps;
};

/* cjm_compare_variants with each arm's result made by fn (arm 0: the
 * baseline, 1..: the variants in order) instead of cjm_run: for merging a
 * comparison's shards (cjm_merge_comparison). With settings.shard_count > 0
 * the arms hold only the shard's runs, unsummarised (cjm_report_partial_comparison
 * writes them). */
typedef cjm_status (*cjm_compare_runner)(void *ctx, int arm, const cjm_model *m,
                                         const cjm_settings *s, cjm_result **out, cjm_error *err);
cjm_status cjm_compare_variants_with(const char *path, const cjm_load_options *base,
                                     const char *const *variants, int count, const cjm_settings *s,
                                     cjm_compare_runner fn, void *ctx, cjm_comparison **out,
                                     cjm_error *err);

/* The paired difference of metric i between two results of the same runs. */
cjm_summary cjm_delta(const cjm_result *arm, const cjm_result *base, int metric);

#endif
