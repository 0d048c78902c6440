/* cjm.h: the public interface of libcjm, the customer-journey Monte Carlo core.
 *
 * Flow: cjm_model_load() reads a Lua scenario into a compiled model (plain C
 * arrays); cjm_run() simulates it with one engine into a cjm_result; the
 * cjm_report_*() writers print a result, and the accessors below give every
 * number they print.
 *
 * Ownership: every object returned by a cjm_*_load/cjm_run/..._new function
 * (or by cjm_compare_*, cjm_sweep, cjm_tornado, cjm_morris, cjm_sobol)
 * belongs to the caller, who releases it with the matching cjm_*_free(&p);
 * free takes the pointer's address, nulls it, and accepts NULL. Strings and
 * objects that accessors return belong to the object they came from and live
 * as long as it: never free them.
 *
 * Lifetimes: a cjm_result borrows the model it was run from (free the result
 * first); a comparison owns its arms' models and results, a sensitivity
 * analysis its model. A cjm_cancel token must outlive every load and run
 * given it. Option and settings structs, and what they point to, are read
 * only during the call they are passed to.
 *
 * Threads: a model, once loaded, is never changed (the Lua state is closed):
 * several threads may run it, and read any object, at once. Different
 * objects may be loaded, run and freed in different threads freely.
 *
 * Errors: functions return a cjm_status and fill a cjm_error with one line
 * (file, line, scenario path, and for functions the step and segment). The
 * library never prints and never exits.
 *
 * This file is a template: CMake writes the version of project(cjm VERSION
 * ...) into the copy it compiles against and installs (BUILD/include/cjm.h). */
#ifndef CJM_H
#define CJM_H

#include <stdint.h>
#include <stdio.h>

/* The version of this header, from CMake's project version (the one place it
 * is written). cjm_version() gives the library's, which may be newer. */
/* clang-format off */
#define CJM_VERSION_MAJOR @PROJECT_VERSION_MAJOR@
#define CJM_VERSION_MINOR @PROJECT_VERSION_MINOR@
#define CJM_VERSION_PATCH @PROJECT_VERSION_PATCH@
#define CJM_VERSION "@PROJECT_VERSION@"
/* clang-format on */

/* Every public function is exported from the shared library; everything else
 * in libcjm is hidden (-fvisibility=hidden). */
#ifndef CJM_API
#if defined(__GNUC__) || defined(__clang__)
#define CJM_API __attribute__((visibility("default")))
#else
#define CJM_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* "MAJOR.MINOR.PATCH" of the library linked; a static string. */
CJM_API const char *cjm_version(void);

/* "Did you mean": the name of names[0..n) nearest to word in optimal-
 * string-alignment (Damerau-Levenshtein) distance, if close enough to be a
 * slip: at most 2 edits, and at most a third of the longer name (so "a"
 * never suggests "b"); swapped neighbours are one edit. Of equally near
 * names the first listed; NULL if none is near or word is one of the names. */
CJM_API const char *cjm_suggest(const char *word, const char *const *names, size_t n);

typedef enum cjm_status {
    CJM_OK = 0,
    CJM_ESCENARIO = 1, /* the scenario is wrong: exit status 1 */
    CJM_EUSAGE = 2,    /* the command line is wrong: exit status 2 */
    CJM_ENOMEM = 3,
    CJM_EIO = 4,
    CJM_EINTERRUPT = 5,
} cjm_status;

typedef struct cjm_error {
    cjm_status code;
    char msg[1024];
} cjm_error;

/* A status in words ("ok", "bad scenario", "bad usage", "out of memory",
 * "input or output failed", "interrupted"; "unknown status" for any other
 * value); a static string. */
CJM_API const char *cjm_status_string(cjm_status st);

/* agent: every customer; exact: expected values; cohort: counts per cell,
 * sampled (not per-customer probabilities: those need the agent engine). */
typedef enum cjm_engine_kind {
    CJM_ENGINE_AGENT,
    CJM_ENGINE_EXACT,
    CJM_ENGINE_COHORT
} cjm_engine_kind;

typedef struct cjm_model cjm_model;
typedef struct cjm_result cjm_result;

/* A request to stop, made by the caller (a Ctrl-C handler, say) and seen by
 * the loads and runs given it in their options or settings: they return
 * CJM_EINTERRUPT ("interrupted") at their next check (a block of customers,
 * a run, a Lua instruction count). cjm_cancel_request is async-signal-safe;
 * a request lasts for the life of the token. NULL tokens are never
 * cancelled. */
typedef struct cjm_cancel cjm_cancel;

CJM_API cjm_cancel *cjm_cancel_new(void); /* NULL if out of memory */
CJM_API void cjm_cancel_free(cjm_cancel **c);
CJM_API void cjm_cancel_request(cjm_cancel *c);
CJM_API int cjm_cancel_requested(const cjm_cancel *c);

/* A scenario's code runs under limits (docs/hardening.md). A library call
 * that runs on in C past its time limit, or past a cancellation request,
 * by more than a second cannot be stopped safely, so the library's watchdog
 * ends the process: it calls fn (which must be async-signal-safe: the CLI
 * removes its temporary files), writes one line to standard error and exits
 * with status 1 (time) or 130 (interrupted). NULL: no hook. */
CJM_API void cjm_set_exit_hook(void (*fn)(void));

/* A PATH=VALUE override from --set (or a variant's `set`). */
typedef struct cjm_override {
    const char *path;
    const char *value;
} cjm_override;

/* How to load a scenario. Zero-initialised ({0}), or a NULL pointer where a
 * function takes one, it loads the file's baseline with the default limits.
 * The options and what they point to are only read during the call. */
typedef struct cjm_load_options {
    const cjm_override *sets;
    int set_count;
    const char *const *fixes; /* barrier names whose fixes apply */
    int fix_count;
    const char *variant; /* NULL: the baseline */
    int horizon;         /* 0: the scenario's horizon */
    size_t lua_memory;   /* the Lua state's memory cap, bytes; 0: 256 MiB */
    cjm_cancel *cancel;  /* NULL: the load cannot be cancelled */
    /* The scenario's text, instead of reading the file: the path is then only
     * its name, in error messages ("NAME:3: ...") and reports. Every function
     * that takes a path and load options (comparisons, sensitivity analyses,
     * which load the scenario once per arm or point) honours it. */
    const char *text; /* NULL: read the file at the path */
    size_t text_len;
    /* Limits of each call into scenario code (the scenario chunk, each
     * evaluation of a probability function): Lua instructions (plus the work
     * of library functions that loop in C) and seconds. 0: 10^8 and 60 s. */
    uint64_t lua_instructions;
    double lua_seconds;
} cjm_load_options;

typedef enum cjm_sampling {
    CJM_SAMPLING_RANDOM, /* plain Monte Carlo draws of the uncertain inputs */
    CJM_SAMPLING_LHS,    /* Latin hypercube: each input's R equal-probability strata hit once */
} cjm_sampling;

/* Parses "random" or "lhs". Returns 0 on success. */
CJM_API int cjm_sampling_parse(const char *text, cjm_sampling *out);

/* Which vectorised kernel the agent engine may use. Every choice gives the
 * same bytes; they differ only in speed. The library never looks at the
 * environment: the cjm program maps its CJM_SIMD variable (0, avx2, avx512)
 * onto this setting. */
typedef enum cjm_simd {
    CJM_SIMD_AUTO = 0, /* the best kernel this CPU has */
    CJM_SIMD_OFF,      /* none: the scalar loop */
    CJM_SIMD_AVX2,     /* the AVX2 kernel at most */
    CJM_SIMD_AVX512,   /* the AVX-512 kernel at most (AUTO's choice where the CPU has it) */
} cjm_simd;

/* How the agent engine draws a customer's moves. STEP (the default): one
 * keyed draw per step spent outside a final stage. STAY: one draw for the
 * clock of each edge out of the stage at each stay (a race of exponential
 * clocks against the edges' hazards over time decides when and where the
 * customer leaves); fewer draws where customers wait, other bytes than STEP
 * (docs/performance.md). Models with purchases or a loyalty program are
 * simulated step by step in either mode. */
typedef enum cjm_draws {
    CJM_DRAWS_STEP = 0,
    CJM_DRAWS_STAY,
} cjm_draws;

/* Parses "step" or "stay". Returns 0 on success. */
CJM_API int cjm_draws_parse(const char *text, cjm_draws *out);
/* done of total pieces of work finished (model evaluations for an
 * analysis; blocks of customers, or runs, for cjm_run); called from worker
 * threads, one call at a time. */
typedef void (*cjm_progress_fn)(void *ctx, long done, long total);

typedef struct cjm_settings {
    cjm_engine_kind engine;
    int runs;          /* >= 1 */
    int64_t customers; /* 0: the scenario's cohort size */
    int horizon;       /* 0: the model's horizon; at most the model's */
    uint64_t seed;
    int threads; /* 0: every core */
    cjm_sampling sampling;
    cjm_cancel *cancel; /* NULL: the run cannot be cancelled */
    cjm_simd simd;      /* CJM_SIMD_AUTO: the best kernel the CPU has */
    /* Only a share of the runs (shard_count > 0): shard shard_index (from 0)
     * of shard_count, the runs [R i / N, R (i + 1) / N); the result then
     * holds those runs alone, for cjm_report_partial and cjm_merge. 0: all. */
    int shard_index, shard_count;
    cjm_draws draws; /* CJM_DRAWS_STEP: one draw per customer-step */
    /* Progress of cjm_run (NULL: none): progress(ctx, 0, total) as the
     * engine starts, then (done, total) as each block of customers (agent
     * engine) or run (cohort engine) finishes; nothing for the exact engine.
     * It never changes a result; cjm_compare_* call it for every arm. */
    cjm_progress_fn progress;
    void *progress_ctx;
} cjm_settings;

/* Defaults: agent engine, 100 runs, the scenario's cohort and horizon, seed 1. */
CJM_API cjm_settings cjm_settings_default(void);

/* Loads and compiles a scenario file (or opts->text, named path). NULL opts:
 * the baseline with no overrides and the default limits. The Lua state is
 * closed before it returns: the model is plain data. */
CJM_API cjm_status cjm_model_load(const char *path, const cjm_load_options *opts, cjm_model **out,
                                  cjm_error *err);

/* What `cjm check` adds to a load: every variant of the scenario at path is
 * loaded too (opts as given, with that variant instead of opts->variant),
 * as compare loads it, and every barrier's fix is applied to m (the
 * scenario loaded with opts) as `compare --fixes` applies it, so a misspelt
 * `set` path or `fixes` entry, or a fix that pushes a stage's exits above
 * 1, fails here with the loader's located message. CJM_OK if all load. */
CJM_API cjm_status cjm_model_check_changes(const char *path, const cjm_load_options *opts,
                                           const cjm_model *m, cjm_error *err);

/* Loads a scenario from text[0 .. len): cjm_model_load with opts->text set.
 * name (NULL: "(buffer)") stands for the file in error messages and in the
 * reports' "scenario" fields; the sha256 is that of the text. */
CJM_API cjm_status cjm_model_load_buffer(const char *name, const char *text, size_t len,
                                         const cjm_load_options *opts, cjm_model **out,
                                         cjm_error *err);
CJM_API void cjm_model_free(cjm_model **m);

/* Writes the compiled model in words: stages, transitions, what leaves each stage. */
CJM_API void cjm_model_describe(const cjm_model *m, FILE *f);

/* Simulates (or, for the exact engine, computes) the model. */
CJM_API cjm_status cjm_run(const cjm_model *m, const cjm_settings *s, cjm_result **out,
                           cjm_error *err);
CJM_API void cjm_result_free(cjm_result **r);

/* A baseline and its alternatives (variants, or fixes), run with common random
 * numbers: the same seed, so each customer draws the same numbers in every arm. */
typedef struct cjm_comparison cjm_comparison;

/* The baseline (base: --set/--fix for every arm) against each named variant,
 * or against every variant of the scenario when count is 0. */
CJM_API cjm_status cjm_compare_variants(const char *path, const cjm_load_options *base,
                                        const char *const *variants, int count,
                                        const cjm_settings *s, cjm_comparison **out,
                                        cjm_error *err);

/* Every fix alone against the baseline, ranked by the change in profit, then
 * the best combination found greedily (add the fix that adds most profit while
 * profit still rises). */
CJM_API cjm_status cjm_compare_fixes(const char *path, const cjm_load_options *base,
                                     const cjm_settings *s, cjm_comparison **out, cjm_error *err);

CJM_API void cjm_comparison_free(cjm_comparison **c);

/* Reports: table, JSON, CSV; the journey map (cjm_model_graph): Graphviz
 * DOT and Mermaid. */
typedef enum cjm_format {
    CJM_FORMAT_TABLE,
    CJM_FORMAT_JSON,
    CJM_FORMAT_CSV,
    CJM_FORMAT_DOT,
    CJM_FORMAT_MERMAID
} cjm_format;

/* Writes a run's report in the given format. */
CJM_API cjm_status cjm_report_run(const cjm_result *r, cjm_format fmt, FILE *f, cjm_error *err);

/* Writes a comparison in the given format. */
CJM_API cjm_status cjm_report_comparison(const cjm_comparison *c, cjm_format fmt, FILE *f,
                                         cjm_error *err);

/* Writes one CSV row per run: the run, every uncertain input's draw (a column
 * named by its path) and the run's metrics, for analysts' notebooks. */
CJM_API cjm_status cjm_report_runs_csv(const cjm_result *r, FILE *f, cjm_error *err);

/* Parses "table", "json", "csv", "dot" or "mermaid". Returns 0 on success. */
CJM_API int cjm_format_parse(const char *text, cjm_format *fmt);

/* The journey map of the compiled model, without running it: stages and
 * transitions with their written probabilities and barriers, as Graphviz DOT
 * (fmt CJM_FORMAT_DOT) or a Mermaid flowchart (CJM_FORMAT_MERMAID). */
CJM_API cjm_status cjm_model_graph(const cjm_model *m, cjm_format fmt, FILE *f, cjm_error *err);

/* An HTML report (`cjm report`; docs/report.md): one self-contained page
 * with the scenario, its file's sha256, engine, seed and settings at the top,
 * then charts drawn in the page (Apache ECharts, inlined: the page makes no
 * network request), each with its numbers in a table beside it: the journey
 * (customers on every transition), the funnel, retention with its interval,
 * the cash flow and cumulative profit with the payback step, profit across
 * runs, the variants against the baseline and the fixes ranked (when given),
 * the loyalty program (when the scenario has one), a tornado (when given).
 * The same inputs give the same bytes. */
typedef struct cjm_html_report {
    const cjm_result *result;       /* the run (with variants: their comparison's baseline) */
    const cjm_comparison *variants; /* cjm_compare_variants, or NULL */
    const cjm_comparison *fixes;    /* cjm_compare_fixes, or NULL */
    const cjm_load_options *load;   /* its --set and --fix are listed at the top; NULL: none */
    const struct cjm_sensitivity *tornado; /* cjm_tornado, or NULL */
    const char *metric; /* a metric's histogram beside profit's (NULL or "profit": none) */
} cjm_html_report;

CJM_API cjm_status cjm_report_html(const cjm_html_report *rep, FILE *f, cjm_error *err);

/* ---- Precision and sensitivity (core/sensitivity.c; docs/sensitivity.md) ---- */

/* --precision METRIC=REL: runs R, 2R, 4R, ... (each from scratch, so the
 * result is exactly that of --runs FINAL) until the 95% interval's half-width
 * is at most rel x |mean| (of every arm's difference from the baseline, in a
 * comparison), or max_runs is reached. */
typedef struct cjm_precision {
    char metric[32]; /* a metric name ("conversion", ...); "" = off */
    double rel;      /* > 0 */
    int max_runs;    /* 0: 100000 */
    int runs;        /* out: the runs of the result */
    int reached;     /* out: 1 if the precision was reached */
} cjm_precision;

/* Parses "METRIC=REL" (REL a fraction, 0.01, or a percentage, 1%). Returns 0
 * on success, -1 with a one-line message in err. */
CJM_API int cjm_precision_parse(const char *text, cjm_precision *p, cjm_error *err);

CJM_API cjm_status cjm_run_precise(const cjm_model *m, const cjm_settings *s, cjm_precision *p,
                                   cjm_result **out, cjm_error *err);

/* cjm_compare_fixes (fixes != 0) or cjm_compare_variants, to a precision. */
CJM_API cjm_status cjm_compare_precise(const char *path, const cjm_load_options *base,
                                       const char *const *variants, int count, int fixes,
                                       const cjm_settings *s, cjm_precision *p,
                                       cjm_comparison **out, cjm_error *err);

/* The reports, with how many runs the precision took (table and JSON); with
 * p NULL or off, the plain reports. */
CJM_API cjm_status cjm_report_run_precise(const cjm_result *r, const cjm_precision *p,
                                          cjm_format fmt, FILE *f, cjm_error *err);
CJM_API cjm_status cjm_report_comparison_precise(const cjm_comparison *c, const cjm_precision *p,
                                                 cjm_format fmt, FILE *f, cjm_error *err);

/* A sweep, tornado, Morris screening or Sobol analysis. Every point is the
 * scenario loaded anew with --set overrides on top of the base options, run
 * with the same settings and seed (common random numbers). */
typedef struct cjm_sensitivity cjm_sensitivity;

/* --param PATH, PATH=LO:HI, or (sweep) PATH=FROM:TO:STEPS. */
typedef struct cjm_sens_param {
    const char *path;
    double lo, hi; /* sweep: FROM, TO */
    int steps;     /* sweep: >= 2 points from FROM to TO */
    int ranged;    /* 0: PATH alone (its own swing, or its own distribution) */
} cjm_sens_param;

/* Sobol's design of A and B: plain pseudo-random uniforms, or the Sobol'
 * low-discrepancy sequence (Joe-Kuo direction numbers, a random digital
 * shift drawn from the seed) in 2k dimensions, A the first k, B the rest. */
typedef enum cjm_design { CJM_DESIGN_RANDOM, CJM_DESIGN_SOBOL } cjm_design;

typedef struct cjm_sens_options {
    const cjm_sens_param *params;
    int param_count;
    const char *metric;       /* NULL: profit */
    double swing;             /* tornado: in (0, 1]; 0: 0.2 */
    int trajectories, levels; /* morris: >= 1 (0: 10); even, >= 2 (0: 4) */
    int samples, bootstrap;   /* sobol: >= 2 (0: 1024); replicates (0: 1000) */
    cjm_precision precision;  /* sweep */
    cjm_progress_fn progress;
    void *progress_ctx;
    cjm_design design; /* sobol: CJM_DESIGN_RANDOM (0, the default) or CJM_DESIGN_SOBOL */
    /* tornado, morris, sobol: only shard shard_index (from 0) of shard_count
     * of the evaluations, for cjm_report_partial_sensitivity (0: all) */
    int shard_index, shard_count;
    /* set by cjm_merge_sensitivity (leave them 0): every evaluation's value
     * and refusal (NULL: none) and the settings they ran with */
    const double *given_y;
    const char *const *given_errors;
    const cjm_settings *given_ran;
    int given_count;
} cjm_sens_options;

CJM_API cjm_status cjm_sweep(const char *path, const cjm_load_options *base, const cjm_settings *s,
                             const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
CJM_API cjm_status cjm_tornado(const char *path, const cjm_load_options *base,
                               const cjm_settings *s, const cjm_sens_options *o,
                               cjm_sensitivity **out, cjm_error *err);
CJM_API cjm_status cjm_morris(const char *path, const cjm_load_options *base, const cjm_settings *s,
                              const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
CJM_API cjm_status cjm_sobol(const char *path, const cjm_load_options *base, const cjm_settings *s,
                             const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
CJM_API void cjm_sensitivity_free(cjm_sensitivity **x);

CJM_API cjm_status cjm_report_sensitivity(const cjm_sensitivity *x, cjm_format fmt, FILE *f,
                                          cjm_error *err);

/* ---- Reading models and results (core/analyses/api.c) ----
 *
 * Every number a report prints can be read without printing it. The
 * accessors only read: any number of threads may call them on the same
 * objects at once (and run the same model at once: cjm_run does not change
 * it). Lists are read by index with a count; metrics, series and named
 * values are found by name, so that a new metric or series is a new name,
 * not a new function: a program that lists cjm_metric_count() metrics or
 * cjm_series_count() series shows the new ones too.
 *
 * An index out of range gives NULL, NaN, -1 or CJM_EUSAGE, as each
 * function says; a NULL object is an error of the caller, not checked. */

typedef enum cjm_unit { CJM_UNIT_SHARE, CJM_UNIT_COUNT, CJM_UNIT_MONEY, CJM_UNIT_RATIO } cjm_unit;

/* A quantity summarised across runs: a metric, an item of a series, or the
 * difference of an arm from the baseline. Where the writers print null or
 * "-" the number here is NaN: se, the interval and the percentiles of one
 * run, or of a ratio with nothing in its denominator. */
typedef struct cjm_value {
    const char *name;  /* a metric's name ("conversion", as in JSON and CSV); in a
                          series, the item's (the stage of the funnel), or NULL */
    const char *label; /* for people, as in the table ("CAC"); in a series, its label */
    cjm_unit unit;
    int index;           /* the metric's index, or the item's position (stage, k, t) */
    double mean, se;     /* se: standard error of the mean */
    double lo, hi;       /* the 95% interval */
    double p5, p50, p95; /* percentiles of the per-run values */
    int defined;         /* 0: no value at all (CAC when nobody converted); the
                            table prints "-" */
    int exact;           /* 1: the exact engine's value without sampling (one run, no
                            uncertain inputs): se 0, every percentile the mean */
} cjm_value;

/* The metrics every result has, in report order: 0 .. cjm_metric_count()-1.
 * name (JSON and CSV), label (table) and unit of metric i, NULL (unit:
 * CJM_UNIT_COUNT) out of range; cjm_metric_find gives the index of a name,
 * -1 if there is none. */
CJM_API int cjm_metric_count(void);
CJM_API const char *cjm_metric_name(int metric);
CJM_API const char *cjm_metric_label(int metric);
CJM_API cjm_unit cjm_metric_unit(int metric);
CJM_API int cjm_metric_find(const char *name);

/* The series a result has, by name: "funnel" (share of the cohort that ever
 * entered each stage, by stage), "retention" (share of converted customers
 * not lost k steps after converting, k = 0 .. horizon), "arrived" and
 * "arrival_conversion" (prospects arriving at step t < horizon, and their
 * conversion by the horizon; empty without arrivals); the cash flow by step
 * t = 0 .. horizon: "cashflow_revenue", "cashflow_cogs", "cashflow_cost",
 * "cashflow_profit", "cashflow_cumulative_profit",
 * "cashflow_discounted_profit", "cashflow_cumulative_discounted_profit";
 * "breakdown" (each money line: the item's name is its path, its label its
 * kind, "revenue", "cogs" or "cost"); with a loyalty program (else empty):
 * "loyalty" (its figures, named: members_joined, ..., breakage, liability,
 * ...), "loyalty_members" and "loyalty_tier_share" (by step; the share item
 * tier x (horizon + 1) + t, named by its tier), and by class of converted
 * customers ("non-members", then each tier they end in):
 * "loyalty_class_customers", "loyalty_class_revenue",
 * "loyalty_class_gross_margin", "loyalty_class_ltv",
 * "loyalty_class_ltv_margin", "loyalty_class_retained",
 * "loyalty_class_purchases"; "transitions" (the customers who took each
 * transition over the horizon, by edge in the model's order: the item's
 * name is the edge's scenario path, "transitions.aware.consider"); with
 * referrals (else empty), by source, items "organic" (the cohort and its
 * arrivals) and "referred": "by_source_prospects", "by_source_converted",
 * "by_source_conversion", "by_source_revenue" (all their revenue),
 * "by_source_ltv" (revenue at and after conversion per converted customer)
 * and "by_source_cac". */
CJM_API int cjm_series_count(void);
CJM_API const char *cjm_series_name(int series);

/* The scenario: its name, file (the path loaded, or the buffer's name),
 * sha256 (64 hex digits), the name of a step ("week"), the variant it was
 * loaded as (NULL: the baseline), horizon and cohort size. */
CJM_API const char *cjm_model_name(const cjm_model *m);
CJM_API const char *cjm_model_file(const cjm_model *m);
CJM_API const char *cjm_model_sha256(const cjm_model *m);
CJM_API const char *cjm_model_step_name(const cjm_model *m);
CJM_API const char *cjm_model_variant(const cjm_model *m);
CJM_API int cjm_model_horizon(const cjm_model *m);
CJM_API int64_t cjm_model_cohort_size(const cjm_model *m);

/* The model's named lists: "stages", "segments" (one, "all", without
 * segments), "inputs" (every number a sensitivity analysis may move, by
 * scenario path), "uncertain" (the inputs drawn once per run, in the order
 * of cjm_result_run_input), "variants", "barriers", "fixes" (the barriers
 * with a fix, in the same order); the transitions in the
 * model's order (that of the "transitions" series): "edges" (their scenario
 * paths), "edge_from" and "edge_to" (their stages). cjm_model_count gives
 * -1 for an unknown list; cjm_model_item NULL out of range. */
CJM_API int cjm_model_count(const cjm_model *m, const char *list);
CJM_API const char *cjm_model_item(const cjm_model *m, const char *list, int i);

/* 1 if the model has a feature: "segments", "arrivals", "referrals"
 * (the table shows the referral metrics only then), "uncertain",
 * "purchases" (repeat purchases), "loyalty" (a loyalty program: the
 * loyalty series exist); 0 if not or for an unknown name. */
CJM_API int cjm_model_has(const cjm_model *m, const char *feature);

/* The model the result was run from (borrowed by the result). */
CJM_API const cjm_model *cjm_result_model(const cjm_result *r);

/* The settings as run: runs, customers, horizon and threads resolved (the
 * exact engine's single run, the scenario's cohort); cancel is NULL. */
CJM_API cjm_settings cjm_result_settings(const cjm_result *r);

/* Random numbers the agent engine's scalar path drew for the moves (and
 * segments) of the result's own runs: each customer's segment draw, then
 * with draws = step one per step outside a final stage (a model with
 * purchases or a program: four, with its purchase and join draws), with
 * draws = stay one per edge of the stage at each stay. Referrals' and per-customer
 * draws are not counted. The vectorised kernel draws the same numbers but
 * does not count them: 0 for its runs, and for the other engines. */
CJM_API int64_t cjm_result_draws(const cjm_result *r);

/* Metric `metric` of the result, as the reports print it. CJM_EUSAGE for a
 * metric out of range, CJM_ENOMEM if the scratch for the runs cannot be had. */
CJM_API cjm_status cjm_result_metric(const cjm_result *r, int metric, cjm_value *out);

/* The number of items of a series (-1: no such series) and item i of it. */
CJM_API int cjm_result_series_length(const cjm_result *r, const char *series);
CJM_API cjm_status cjm_result_series(const cjm_result *r, const char *series, int i,
                                     cjm_value *out);

/* A single number of the result by name: "payback_step" (the first step at
 * which the expected cumulative profit is >= 0; NaN if never within the
 * horizon), "share_paid_back" (the share of runs whose cumulative profit
 * reached 0 by the horizon). CJM_EUSAGE for another name. */
CJM_API cjm_status cjm_result_value(const cjm_result *r, const char *name, double *out);

/* One run's value of a metric (run 0 .. runs-1; NaN where undefined or out
 * of range), and its draw of uncertain input u (cjm_model_item(m,
 * "uncertain", u)): the rows of cjm_report_runs_csv. */
CJM_API double cjm_result_run_metric(const cjm_result *r, int run, int metric);
CJM_API double cjm_result_run_input(const cjm_result *r, int run, int input);

/* The arms of a comparison, in report order: 0 is the baseline, then the
 * variants as asked (or the single fixes, ranked by the change in profit),
 * then, for fixes, the best combination found greedily if any fix adds
 * profit. Role: "baseline", "variant", "fix" or "best"; the fixes an arm adds
 * (fixes mode). NULL (count: -1) out of range. An arm's result (its model:
 * cjm_result_model) lives as long as the comparison. */
CJM_API int cjm_comparison_arm_count(const cjm_comparison *c);
CJM_API const char *cjm_comparison_arm_name(const cjm_comparison *c, int arm);
CJM_API const char *cjm_comparison_arm_role(const cjm_comparison *c, int arm);
CJM_API int cjm_comparison_arm_fix_count(const cjm_comparison *c, int arm);
CJM_API const char *cjm_comparison_arm_fix(const cjm_comparison *c, int arm, int i);
CJM_API const cjm_result *cjm_comparison_arm_result(const cjm_comparison *c, int arm);

/* An arm's difference from the baseline in a metric, paired by run (common
 * random numbers): the mean, se and interval the reports print (the
 * percentiles are of the per-run differences of a plain metric, NaN for a
 * ratio); zero for the baseline itself. CJM_EUSAGE out of range. */
CJM_API cjm_status cjm_comparison_delta(const cjm_comparison *c, int arm, int metric,
                                        cjm_value *out);

/* An arm's named values: "roi" (change in profit per unit of extra cost;
 * NaN unless cost rises) and "p_profit_up" (share of runs in which profit
 * rose). NaN for the baseline; CJM_EUSAGE for an unknown name or arm. */
CJM_API cjm_status cjm_comparison_arm_value(const cjm_comparison *c, int arm, const char *name,
                                            double *out);

/* A sensitivity analysis: its kind ("sweep", "tornado", "morris",
 * "sobol"), the metric analysed (-1: a sweep of every metric), the scenario
 * as the options load it, and the settings as one evaluation ran. */
CJM_API const char *cjm_sensitivity_kind(const cjm_sensitivity *x);
CJM_API int cjm_sensitivity_metric(const cjm_sensitivity *x);
CJM_API const cjm_model *cjm_sensitivity_model(const cjm_sensitivity *x);
CJM_API cjm_settings cjm_sensitivity_settings(const cjm_sensitivity *x);

/* The analysis's named values, as in its JSON: "evaluations" (model loads
 * and runs); tornado: "baseline" (the metric with nothing moved) and
 * "relative_swing"; morris: "trajectories", "levels", "pinned"; sobol:
 * "samples", "bootstrap", "pinned"; sweep: "pinned" is not one. CJM_EUSAGE
 * for a name the kind does not have. */
CJM_API cjm_status cjm_sensitivity_value(const cjm_sensitivity *x, const char *name, double *out);

/* The inputs of a tornado, Morris or Sobol analysis, in report order (none
 * for a sweep): the scenario path, the point the scenario refused (tornado;
 * NULL if none), and the row's named values: every kind has "value" (as
 * written; an uncertain input's median), "uncertain" (1: moved over its
 * distribution), "low", "high" (the values, or the range, moved over);
 * tornado: "metric_low", "metric_high", "swing"; morris: "mu_star", "mu",
 * "sigma"; sobol: "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi" (the
 * indices and their 95% intervals). CJM_EUSAGE for a name the kind does not
 * have or a row out of range. */
CJM_API int cjm_sensitivity_row_count(const cjm_sensitivity *x);
CJM_API const char *cjm_sensitivity_row_path(const cjm_sensitivity *x, int row);
CJM_API const char *cjm_sensitivity_row_error(const cjm_sensitivity *x, int row);
CJM_API cjm_status cjm_sensitivity_row_value(const cjm_sensitivity *x, int row, const char *name,
                                             double *out);

/* A sweep's grid: the parameters' paths, the points (each a value per
 * parameter), why the scenario refused a point (NULL if it did not), and a
 * point's metrics. Counts are 0 for the other kinds; NaN, NULL or
 * CJM_EUSAGE out of range (and a point's metric for a refused point). */
CJM_API int cjm_sensitivity_param_count(const cjm_sensitivity *x);
CJM_API const char *cjm_sensitivity_param_path(const cjm_sensitivity *x, int param);
CJM_API int cjm_sensitivity_point_count(const cjm_sensitivity *x);
CJM_API double cjm_sensitivity_point_param(const cjm_sensitivity *x, int point, int param);
CJM_API const char *cjm_sensitivity_point_error(const cjm_sensitivity *x, int point);
CJM_API cjm_status cjm_sensitivity_point_metric(const cjm_sensitivity *x, int point, int metric,
                                                cjm_value *out);

/* A sweep's precision as asked and its outcome (runs, reached); metric ""
 * when it had none. (cjm_run_precise and cjm_compare_precise write theirs
 * into the caller's cjm_precision.) */
CJM_API cjm_precision cjm_sensitivity_precision(const cjm_sensitivity *x);

/* ---- Shards (docs/scale.md) ----
 *
 * A run with settings.shard_count = N computes only shard shard_index's runs;
 * cjm_report_partial writes them as a partial result file (JSON, versioned:
 * the scenario's sha256, the command line's arguments `args`, the settings,
 * the shard, and the shard's rows of totals with every bit of each number).
 * cjm_merge checks that parts belong together (same scenario, settings,
 * arguments and N, every shard once) and rebuilds the whole result, which
 * then reports byte for byte as the run made whole. */
typedef struct cjm_partial cjm_partial;
CJM_API cjm_status cjm_report_partial(const cjm_result *r, const char *const *args, int argc,
                                      FILE *f, cjm_error *err);
/* Reads a partial result file; `name` stands for it in messages. */
CJM_API cjm_status cjm_partial_read(const char *path, cjm_partial **out, cjm_error *err);
CJM_API void cjm_partial_free(cjm_partial **p);
/* The arguments the shard's command line had (after the command name). */
CJM_API int cjm_partial_arg_count(const cjm_partial *p);
CJM_API const char *cjm_partial_arg(const cjm_partial *p, int i);
/* The whole result from every shard's part, for the model loaded as the
 * parts' arguments say and their settings (without the shard). */
CJM_API cjm_status cjm_merge(const cjm_model *m, const cjm_settings *s,
                             const cjm_partial *const *parts, int n, cjm_result **out,
                             cjm_error *err);

/* The sensitivity analyses' entry points, for cjm_merge_sensitivity. */
typedef cjm_status (*cjm_sensitivity_fn)(const char *path, const cjm_load_options *base,
                                         const cjm_settings *s, const cjm_sens_options *o,
                                         cjm_sensitivity **out, cjm_error *err);
/* A shard of a tornado, Morris or Sobol analysis (o->shard_count > 0) as a
 * partial result file: its evaluations' values. */
CJM_API cjm_status cjm_report_partial_sensitivity(const cjm_sensitivity *x, const char *const *args,
                                                  int argc, FILE *f, cjm_error *err);
/* A shard of a comparison of variants (settings.shard_count > 0): every
 * arm's rows of the shard's runs. */
CJM_API cjm_status cjm_report_partial_comparison(const cjm_comparison *c, const char *const *args,
                                                 int argc, FILE *f, cjm_error *err);
/* The whole comparison from every shard's part: each arm loaded as
 * cjm_compare_variants does and its rows merged as cjm_merge does; the same
 * bytes as the comparison run whole. */
CJM_API cjm_status cjm_merge_comparison(const char *path, const cjm_load_options *base,
                                        const char *const *variants, int count,
                                        const cjm_settings *s, const cjm_partial *const *parts,
                                        int n, cjm_comparison **out, cjm_error *err);
/* The command a part was made by: "run", "compare", "tornado", "morris" or
 * "sobol". */
CJM_API const char *cjm_partial_command(const cjm_partial *p);
/* The whole analysis fn (cjm_tornado, cjm_morris, cjm_sobol) from every
 * shard's part: the design made again, every evaluation's value taken from
 * the parts; the same bytes as the analysis run whole. */
CJM_API cjm_status cjm_merge_sensitivity(cjm_sensitivity_fn fn, const char *path,
                                         const cjm_load_options *base, const cjm_settings *s,
                                         const cjm_sens_options *o, const cjm_partial *const *parts,
                                         int n, cjm_sensitivity **out, cjm_error *err);

/* ---- Decisions (docs/decisions.md) ----
 *
 * cjm_goal: the value of one input at which a metric reaches a target
 * (the Illinois method on the engine's mean, every evaluation with the same
 * seed; with sampling, also the values at which the metric's 95% interval
 * crosses the target). Refuses, as a scenario error, a target out of reach
 * in the range searched: the input's valid range, or [lo, hi] when ranged.
 *
 * cjm_optimize: the set of the scenario's fixes with the highest metric
 * whose cost (the fixes' own lines of the breakdown: their one-off and
 * per-customer costs and the fixed costs that belong to them) fits the
 * budget, found by the exact engine over every set (at most 16 fixes not
 * already applied), and the greedy set (adding the best fix while it fits)
 * for comparison; then the baseline, the best and the greedy sets run with
 * the settings' engine under common random numbers.
 *
 * cjm_voi: the expected value of perfect information for choosing among the
 * baseline and variants (EVPI), and of partial perfect information (EVPPI)
 * on each uncertain input and each group, from per-run exact net benefits
 * (the settings' runs of the uncertain inputs' draws) by regression (Strong
 * and Oakley 2014), with bootstrap standard errors.
 *
 * Values by name (cjm_decision_value) and rows with named fields
 * (cjm_decision_row_value) are listed in docs/decisions.md. */
typedef struct cjm_decision cjm_decision;

typedef struct cjm_goal_options {
    const char *param;  /* the input moved: its path, as --param */
    const char *metric; /* NULL: profit */
    double target;
    int ranged; /* 1: search [lo, hi]; 0: the input's valid range */
    double lo, hi;
} cjm_goal_options;

typedef struct cjm_optimize_options {
    double budget;      /* the most the chosen fixes may cost, >= 0 */
    const char *metric; /* maximised; NULL: profit */
    int search_runs;    /* exact runs of each set when inputs are uncertain (0: 20) */
} cjm_optimize_options;

typedef struct cjm_voi_options {
    const char *metric;          /* the net benefit; NULL: profit */
    const char *const *variants; /* the options beside the baseline (0 of them: every variant) */
    int variant_count;
    const char *const *groups; /* inputs studied together: "NAME=PATH,PATH" or "PATH,PATH" */
    int group_count;
    int bootstrap; /* resamples for the EVPPI's standard errors (0: 200) */
} cjm_voi_options;

CJM_API cjm_status cjm_goal(const char *path, const cjm_load_options *base, const cjm_settings *s,
                            const cjm_goal_options *o, cjm_decision **out, cjm_error *err);
CJM_API cjm_status cjm_optimize(const char *path, const cjm_load_options *base,
                                const cjm_settings *s, const cjm_optimize_options *o,
                                cjm_decision **out, cjm_error *err);
CJM_API cjm_status cjm_voi(const char *path, const cjm_load_options *base, const cjm_settings *s,
                           const cjm_voi_options *o, cjm_decision **out, cjm_error *err);
CJM_API void cjm_decision_free(cjm_decision **x);
CJM_API cjm_status cjm_report_decision(const cjm_decision *x, cjm_format fmt, FILE *f,
                                       cjm_error *err);
/* "goal", "optimize" or "voi". */
CJM_API const char *cjm_decision_kind(const cjm_decision *x);
CJM_API cjm_status cjm_decision_value(const cjm_decision *x, const char *name, double *out);
CJM_API int cjm_decision_row_count(const cjm_decision *x);
CJM_API const char *cjm_decision_row_name(const cjm_decision *x, int row);
/* optimize: "best", "greedy", "best, greedy" or ""; voi: "option", "input", "group". */
CJM_API const char *cjm_decision_row_role(const cjm_decision *x, int row);
CJM_API cjm_status cjm_decision_row_value(const cjm_decision *x, int row, const char *name,
                                          double *out);

/* ---- Fitting from data (core/analyses/fit.c; docs/fitting.md) ---- */

/* A model fitted by maximum likelihood to a data file: its parameters with
 * standard errors from the observed information (the inverse Hessian of the
 * log-likelihood, found on log parameters), the log-likelihood at the
 * maximum, and a scenario fragment that uses the fit. */
typedef struct cjm_fit cjm_fit;

typedef struct cjm_fit_options {
    int periods; /* sbg, survival table: fit t = 1..periods only (0: every row) */
} cjm_fit_options;

/* The shifted-beta-geometric retention model (Fader & Hardie 2007) on a
 * survival table (columns t, alive: t = 0, 1, 2, ..., alive nonincreasing)
 * or per customer (columns tenure, churned: churned 1, the customer left in
 * period tenure >= 1; 0, still there after tenure >= 0 periods). */
CJM_API cjm_status cjm_fit_sbg(const char *path, const cjm_fit_options *o, cjm_fit **out,
                               cjm_error *err);

/* BG/NBD (Fader, Hardie & Lee 2005) on one row per customer with columns
 * frequency (repeat purchases x), recency (t_x, the time of the last one; 0
 * when x = 0) and T (the time observed), as in the CDNOW summary. */
CJM_API cjm_status cjm_fit_bgnbd(const char *path, const cjm_fit_options *o, cjm_fit **out,
                                 cjm_error *err);

typedef struct cjm_fit_param {
    const char *name;    /* "alpha", "beta"; "r", "alpha", "a", "b" */
    double estimate, se; /* se: the delta method on the log scale */
    double lo, hi;       /* 95%: exp(log estimate +- 1.96 se(log estimate)) */
} cjm_fit_param;

CJM_API const char *cjm_fit_model(const cjm_fit *f); /* "sbg", "bgnbd" */
CJM_API int cjm_fit_param_count(const cjm_fit *f);
CJM_API cjm_fit_param cjm_fit_param_at(const cjm_fit *f, int i); /* name NULL out of range */
CJM_API double cjm_fit_loglik(const cjm_fit *f);
CJM_API long cjm_fit_observations(const cjm_fit *f);    /* customers */
CJM_API const char *cjm_fit_fragment(const cjm_fit *f); /* Lua, ends with a newline */

/* The fit as a table (estimates, intervals, log-likelihood, the fragment),
 * JSON or CSV (one row per parameter). */
CJM_API cjm_status cjm_report_fit(const cjm_fit *f, cjm_format fmt, FILE *out, cjm_error *err);
CJM_API void cjm_fit_free(cjm_fit **f);

/* Journey paths (ChannelAttribution's layout: columns path,
 * total_conversions and optionally total_conversion_value, total_null;
 * channels joined by ">", surrounding spaces trimmed) counted as a
 * first-order Markov chain: (start) -> the first channel -> ... -> the last
 * -> (conversion) for each conversion and (null) for each path without one.
 * Repeated consecutive channels count once (as ChannelAttribution). States:
 * 0 "start", 1..C the channels in alphabetical order, C + 1 "conversion",
 * C + 2 "null". */
typedef struct cjm_paths cjm_paths;

typedef struct cjm_paths_options {
    double prior;    /* Dirichlet weight added to every possible transition (0: 1) */
    int ignore_null; /* 1: leave total_null out (ChannelAttribution without var_null) */
} cjm_paths_options;

CJM_API cjm_status cjm_paths_fit(const char *path, const cjm_paths_options *o, cjm_paths **out,
                                 cjm_error *err);
CJM_API int cjm_paths_state_count(const cjm_paths *p);
CJM_API const char *cjm_paths_state(const cjm_paths *p, int i); /* NULL out of range */
/* The weighted count of from -> to, and whether the transition is possible
 * (no self-transitions, nothing into start, nothing out of conversion and
 * null, start to a channel only). */
CJM_API double cjm_paths_count(const cjm_paths *p, int from, int to);
CJM_API int cjm_paths_possible(const cjm_paths *p, int from, int to);
/* The posterior of from -> to: Dirichlet(count + prior) over the row's
 * possible transitions, whose marginal is beta(a, b); mean a / (a + b). */
CJM_API void cjm_paths_posterior(const cjm_paths *p, int from, int to, double *a, double *b);

/* CJM_FORMAT_TABLE: a runnable scenario (Lua) whose rows are
 * cjm.dirichlet posteriors; JSON and CSV: the counts and posteriors. */
CJM_API cjm_status cjm_report_paths(const cjm_paths *p, cjm_format fmt, FILE *out, cjm_error *err);
CJM_API void cjm_paths_free(cjm_paths **p);

/* Attribution (cjm attribution; docs/fitting.md): the paths' chain with
 * maximum-likelihood transition probabilities (counts / row totals), solved
 * exactly for the probability of conversion from start (absorption
 * probabilities, no simulation) and again with each channel removed (its
 * incoming transitions sent to null). removal_effect = 1 - CR(without c) /
 * CR; conversions attributed = total conversions x removal effect / the sum
 * of removal effects (ChannelAttribution's markov_model). The value's
 * removal effect uses the expected value instead, each conversion worth the
 * mean value of those from its last channel. Heuristics as
 * ChannelAttribution's heuristic_models: first touch, last touch, linear
 * (each touch of a path, repeats included, an equal share). */
CJM_API cjm_status cjm_attribution(const char *path, const cjm_paths_options *o, cjm_paths **out,
                                   cjm_error *err);

typedef struct cjm_attribution_row {
    const char *channel; /* NULL out of range */
    double removal_effect, removal_effect_value;
    double conversions, value; /* Markov */
    double first_touch, first_touch_value, last_touch, last_touch_value;
    double linear_touch, linear_touch_value;
} cjm_attribution_row;

/* Channel state i (1 .. cjm_paths_state_count - 3) of an attribution. */
CJM_API cjm_attribution_row cjm_paths_attribution(const cjm_paths *p, int i);

/* Every channel's row as a table, JSON or CSV. */
CJM_API cjm_status cjm_report_attribution(const cjm_paths *p, cjm_format fmt, FILE *out,
                                          cjm_error *err);

#ifdef __cplusplus
}
#endif

#endif
