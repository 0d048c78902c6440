/* cjm.h: the public interface of libcjm, the customer-journey Monte Carlo core.
 *
 * Flow: cjm_model_load() reads a Lua scenario into a compiled model (plain C
 * arrays); cjm_run() simulates it with one engine into a cjm_result; the
 * cjm_report_*() writers print a result, and the accessors below give every
 * number they print.
 *
 * Ownership: every object returned by a cjm_*_load/cjm_run/..._new function
 * belongs to the caller, who releases it with the matching cjm_*_free(&p);
 * free takes the pointer's address, nulls it, and accepts NULL. Strings that
 * accessors return belong to the object they came from.
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

cjm_cancel *cjm_cancel_new(void); /* NULL if out of memory */
void cjm_cancel_free(cjm_cancel **c);
void cjm_cancel_request(cjm_cancel *c);
int cjm_cancel_requested(const cjm_cancel *c);

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
int cjm_sampling_parse(const char *text, cjm_sampling *out);

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
} cjm_settings;

/* Defaults: agent engine, 100 runs, the scenario's cohort and horizon, seed 1. */
cjm_settings cjm_settings_default(void);

/* Loads and compiles a scenario file (or opts->text, named path). NULL opts:
 * the baseline with no overrides and the default limits. The Lua state is
 * closed before it returns: the model is plain data. */
cjm_status cjm_model_load(const char *path, const cjm_load_options *opts, cjm_model **out,
                          cjm_error *err);

/* Loads a scenario from text[0 .. len): cjm_model_load with opts->text set.
 * name (NULL: "(buffer)") stands for the file in error messages and in the
 * reports' "scenario" fields; the sha256 is that of the text. */
cjm_status cjm_model_load_buffer(const char *name, const char *text, size_t len,
                                 const cjm_load_options *opts, cjm_model **out, cjm_error *err);
void cjm_model_free(cjm_model **m);

/* Writes the compiled model in words: stages, transitions, what leaves each stage. */
void cjm_model_describe(const cjm_model *m, FILE *f);

/* Simulates (or, for the exact engine, computes) the model. */
cjm_status cjm_run(const cjm_model *m, const cjm_settings *s, cjm_result **out, cjm_error *err);
void cjm_result_free(cjm_result **r);

/* A baseline and its alternatives (variants, or fixes), run with common random
 * numbers: the same seed, so each customer draws the same numbers in every arm. */
typedef struct cjm_comparison cjm_comparison;

/* The baseline (base: --set/--fix for every arm) against each named variant,
 * or against every variant of the scenario when count is 0. */
cjm_status cjm_compare_variants(const char *path, const cjm_load_options *base,
                                const char *const *variants, int count, const cjm_settings *s,
                                cjm_comparison **out, cjm_error *err);

/* Every fix alone against the baseline, ranked by the change in profit, then
 * the best combination found greedily (add the fix that adds most profit while
 * profit still rises). */
cjm_status cjm_compare_fixes(const char *path, const cjm_load_options *base, const cjm_settings *s,
                             cjm_comparison **out, cjm_error *err);

void cjm_comparison_free(cjm_comparison **c);

typedef enum cjm_format { CJM_FORMAT_TABLE, CJM_FORMAT_JSON, CJM_FORMAT_CSV } cjm_format;

/* Writes a run's report in the given format. */
cjm_status cjm_report_run(const cjm_result *r, cjm_format fmt, FILE *f, cjm_error *err);

/* Writes a comparison in the given format. */
cjm_status cjm_report_comparison(const cjm_comparison *c, cjm_format fmt, FILE *f, cjm_error *err);

/* Writes one CSV row per run: the run, every uncertain input's draw (a column
 * named by its path) and the run's metrics, for analysts' notebooks. */
cjm_status cjm_report_runs_csv(const cjm_result *r, FILE *f, cjm_error *err);

/* Parses "table", "json" or "csv". Returns 0 on success. */
int cjm_format_parse(const char *text, cjm_format *fmt);

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
int cjm_precision_parse(const char *text, cjm_precision *p, cjm_error *err);

cjm_status cjm_run_precise(const cjm_model *m, const cjm_settings *s, cjm_precision *p,
                           cjm_result **out, cjm_error *err);

/* cjm_compare_fixes (fixes != 0) or cjm_compare_variants, to a precision. */
cjm_status cjm_compare_precise(const char *path, const cjm_load_options *base,
                               const char *const *variants, int count, int fixes,
                               const cjm_settings *s, cjm_precision *p, cjm_comparison **out,
                               cjm_error *err);

/* The reports, with how many runs the precision took (table and JSON); with
 * p NULL or off, the plain reports. */
cjm_status cjm_report_run_precise(const cjm_result *r, const cjm_precision *p, cjm_format fmt,
                                  FILE *f, cjm_error *err);
cjm_status cjm_report_comparison_precise(const cjm_comparison *c, const cjm_precision *p,
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

/* done of total model evaluations finished; called from worker threads, one
 * call at a time. */
typedef void (*cjm_progress_fn)(void *ctx, long done, long total);

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
} cjm_sens_options;

cjm_status cjm_sweep(const char *path, const cjm_load_options *base, const cjm_settings *s,
                     const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
cjm_status cjm_tornado(const char *path, const cjm_load_options *base, const cjm_settings *s,
                       const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
cjm_status cjm_morris(const char *path, const cjm_load_options *base, const cjm_settings *s,
                      const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
cjm_status cjm_sobol(const char *path, const cjm_load_options *base, const cjm_settings *s,
                     const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err);
void cjm_sensitivity_free(cjm_sensitivity **x);

cjm_status cjm_report_sensitivity(const cjm_sensitivity *x, cjm_format fmt, FILE *f,
                                  cjm_error *err);

#ifdef __cplusplus
}
#endif

#endif
