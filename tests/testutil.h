/* Helpers shared by the tests: running the cjm binary, reading files. */
#ifndef CJM_TESTUTIL_H
#define CJM_TESTUTIL_H

#include <stddef.h>

/* Runs `CJM_BINARY args` through the shell; captures stdout and stderr
 * (each malloc'd, NUL-terminated; free them) and returns the exit status. */
int tu_run_cjm(const char *args, char **out, char **err);

/* Reads a whole file into a malloc'd NUL-terminated string, or NULL. */
char *tu_read_file(const char *path);

/* Writes text to a fresh temporary .lua file; returns its malloc'd path. */
char *tu_write_temp(const char *text);

#include "cjm.h"
#include "metrics.h"

/* Loads a scenario written in the test (fails the test on error). */
cjm_model *tu_load_text(const char *lua);

/* Loads, expecting failure: returns the status and copies the message. */
cjm_status tu_load_error(const char *lua, char *msg, size_t n);

/* Runs the model with settings and returns its JSON report (fails on error;
 * free it). */
char *tu_report_json(const cjm_model *m, const cjm_settings *s);

/* Runs the model with settings and computes the metrics (fails on error). */
cjm_result *tu_run(const cjm_model *m, const cjm_settings *s, cjm_metrics *mt);

/* ---- Statistical comparisons, judged family-wise ----
 *
 * A test program is one suite. Every statistical comparison it makes is
 * recorded with its two-sided p-value; the suite's last test,
 * tu_fw_verdict, fails if any p-value is below alpha / N, where N is the
 * number of comparisons actually made (Bonferroni: a correct program fails
 * with probability at most alpha, whatever the comparisons' dependence).
 * For a z-score that is |z| > tu_fw_z(alpha, N) = Phi^-1(1 - alpha / (2N)):
 * 3.29 for one comparison, 4.42 for 100, 4.89 for 1000 (alpha = 0.001).
 * The seeds are fixed, so the verdict is too; a comparison that fails is a
 * finding to investigate, never a seed to move or a threshold to widen. */
#define TU_ALPHA 0.001 /* family-wise, per test program */

double tu_fw_z(double alpha, int n);

/* Records the comparison of an estimate with its expected value: z = (got -
 * want) / se. df > 0: se was estimated with df degrees of freedom (Student's
 * t); 0: se is known, or the sample is large enough for the normal. se must
 * be positive (a comparison without spread is an equality: TU_FLOAT_REL). */
void tu_check_z(const char *what, double got, double want, double se, double df);

/* Records a test by its p-value (chi-square, Kolmogorov-Smirnov). */
void tu_check_p(const char *what, double p);

/* Two-sided p-values: of a chi-square statistic with df degrees of freedom
 * (its upper tail), and of the one-sample Kolmogorov-Smirnov statistic D of
 * n draws (Kolmogorov's limit law with Stephens's small-sample correction). */
double tu_chi2_p(double chi2, double df);
double tu_ks_p(double d, double n);

/* Degrees of freedom of the standard error of a difference of two
 * estimates with standard errors se1, se2 on df1, df2 degrees of freedom
 * (Welch-Satterthwaite; an se of 0 contributes nothing). */
double tu_welch_df(double se1, double df1, double se2, double df2);

/* The suite's verdict: list it last in every program that records
 * comparisons, cmocka_unit_test(tu_fw_verdict). Prints N, the threshold and
 * the largest |z|; fails listing every comparison beyond the threshold. */
void tu_fw_verdict(void **state);

/* Two values that are the same number computed two ways in floating point
 * (an exact engine against a closed form, say) agree to within
 * TU_FLOAT_REL x max(1, |want|): each way adds at most ~10^4 terms (steps x
 * stages x segments here), each addition rounding by at most 2^-53 = 1.1e-16
 * relative to the running sum, so the two differ by at most ~2e-12 of the
 * largest partial sum; 1e-9 leaves room for pow(), exp() and sums whose
 * terms are larger than the result. */
#define TU_FLOAT_REL 1e-9

/* Fails unless got is want to within TU_FLOAT_REL x max(1, |want|). */
void tu_assert_float(const char *what, double got, double want);

/* Runs m with the agent engine (runs x customers, seed) and the exact engine
 * and compares every mean family-wise (tu_check_z with the agent's standard
 * error on runs - 1 degrees of freedom; where the agent's runs do not vary,
 * the exact value within TU_FLOAT_REL). Retention only where at least 1000
 * converted customers are observed (the delta method's normal approximation
 * holds there), the customers on each transition only where at least 1000
 * moves are. Counts into tu_engine_checks. */
void tu_compare_engines(const cjm_model *m, int runs, int64_t customers, uint64_t seed);
extern int tu_engine_checks;

/* The kernel choice tu_compare_engines runs the agent engine with
 * (CJM_SIMD_AUTO unless a test sets it). */
extern cjm_simd tu_simd;

/* How tu_compare_engines's agent draws moves (CJM_DRAWS_STEP unless a test
 * sets it). */
extern cjm_draws tu_draws;

#endif
