/* sensitivity.h: the inside of a sensitivity analysis, for its writers and
 * tests (internal). The public entry points are in cjm.h. */
#ifndef CJM_SENSITIVITY_H
#define CJM_SENSITIVITY_H

#include "metrics.h"

typedef enum cjm_sens_kind {
    CJM_SENS_SWEEP,
    CJM_SENS_TORNADO,
    CJM_SENS_MORRIS,
    CJM_SENS_SOBOL
} cjm_sens_kind;

/* One input of a tornado, Morris or Sobol analysis, in report order. */
typedef struct cjm_sens_row {
    char *path;
    double value;   /* as the scenario has it (an uncertain input: its median) */
    double lo, hi;  /* tornado: the low and high values; morris/sobol: the range */
    bool uncertain; /* moved over its distribution's quantiles */
    /* tornado */
    double metric_lo, metric_hi, width; /* width: |metric_hi - metric_lo| */
    char *error;                        /* a point the scenario refused, or NULL */
    /* morris: elementary effects per unit of the normalised range */
    double mu, mu_star, sigma;
    /* sobol */
    double s1, s1_lo, s1_hi, st, st_lo, st_hi;
    /* sobol: the indices from the first N/8, N/4, N/2 and N rows (converged
     * when they settle; see conv_samples) */
    double conv_s1[4], conv_st[4];
} cjm_sens_row;

struct cjm_sensitivity {
    cjm_sens_kind kind;
    int metric;       /* CJM_M_* analysed (tornado, morris, sobol; sweep: -1 = all) */
    cjm_model *model; /* the scenario as the command line loads it */
    cjm_settings ran; /* the settings as one evaluation ran (runs, customers resolved) */
    long evaluations; /* model loads and runs it took */
    cjm_precision precision;
    double swing;    /* tornado */
    double baseline; /* tornado: the metric with nothing moved */
    int trajectories, levels, samples, bootstrap;
    int pinned;          /* morris/sobol: uncertain inputs pinned at their medians */
    cjm_design design;   /* sobol */
    int conv_count;      /* sobol: 0 (N < 16) or 4 */
    int conv_samples[4]; /* N/8, N/4, N/2, N */
    int row_count;
    cjm_sens_row *rows;
    /* sweep */
    int param_count;
    char **param_paths; /* [param_count] */
    int point_count;
    double *points;       /* [point_count][param_count] */
    cjm_metrics *metrics; /* [point_count] */
    char **errors;        /* [point_count]: why the scenario refused a point, or NULL */
    /* A shard's evaluations (cjm_sens_options.shard_count > 0): points
     * [shard_from, shard_to) of shard_points, their metric's values and
     * refusals (NULL), as the first of them ran; the rows above are then
     * not the analysis's (docs/scale.md). */
    int shard_index, shard_count, shard_points, shard_from, shard_to;
    cjm_settings shard_ran;
    double *shard_y;
    char **shard_errors;
};

/* Morris's step on a p-level grid of [0, 1]: p / (2 (p - 1)). */
double cjm_morris_delta(int levels);

/* Sobol indices of k inputs from the N(k + 2) values of the Saltelli design:
 * y[0..N) = f(A), y[N..2N) = f(B), y[(2 + i) N + j] = f(A_B^(i)) row j.
 * Writes S1 and ST (Jansen's estimators) into s1[k], st[k]; with idx,
 * uses the resampled rows idx[0..N), else rows 0..N-1. */
void cjm_sobol_indices(const double *y, int n, int k, const int *idx, double *s1, double *st);

#endif
