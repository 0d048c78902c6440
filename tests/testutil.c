
#define _DEFAULT_SOURCE
#include "testutil.h"

#include "special.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

char *tu_write_temp(const char *text)
{
    char tmpl[] = "/tmp/cjm_test_XXXXXX.lua";
    int fd = mkstemps(tmpl, 4);
    if (fd < 0) return NULL;
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return NULL;
    }
    close(fd);
    return strdup(tmpl);
}

int tu_run_cjm(const char *args, char **out, char **err)
{
    char outp[] = "/tmp/cjm_out_XXXXXX", errp[] = "/tmp/cjm_err_XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    close(fo);
    close(fe);
    size_t cap = strlen(args) + strlen(CJM_BINARY) + 2 * sizeof outp + 32;
    char *cmd = malloc(cap);
    snprintf(cmd, cap, "%s %s >%s 2>%s", CJM_BINARY, args, outp, errp);
    int status = system(cmd);
    free(cmd);
    *out = tu_read_file(outp);
    *err = tu_read_file(errp);
    unlink(outp);
    unlink(errp);
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

cjm_model *tu_load_text(const char *lua)
{
    char *path = tu_write_temp(lua);
    assert_non_null(path);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_model_load(path, NULL, &m, &err);
    if (st != CJM_OK) fprintf(stderr, "load failed: %s\n", err.msg);
    unlink(path);
    free(path);
    assert_int_equal(st, CJM_OK);
    return m;
}

cjm_status tu_load_error(const char *lua, char *msg, size_t n)
{
    char *path = tu_write_temp(lua);
    assert_non_null(path);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_model_load(path, NULL, &m, &err);
    snprintf(msg, n, "%s", err.msg);
    cjm_model_free(&m);
    unlink(path);
    free(path);
    return st;
}

char *tu_report_json(const cjm_model *m, const cjm_settings *s)
{
    cjm_result *r = NULL;
    cjm_error err = {0};
    if (cjm_run(m, s, &r, &err) != CJM_OK) fail_msg("run failed: %s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(cjm_report_run(r, CJM_FORMAT_JSON, f, &err), CJM_OK);
    fclose(f);
    cjm_result_free(&r);
    return buf;
}

cjm_result *tu_run(const cjm_model *m, const cjm_settings *s, cjm_metrics *mt)
{
    cjm_result *r = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_run(m, s, &r, &err);
    if (st != CJM_OK) fprintf(stderr, "run failed: %s\n", err.msg);
    assert_int_equal(st, CJM_OK);
    assert_int_equal(cjm_metrics_compute(r, mt, &err), CJM_OK);
    return r;
}

int tu_engine_checks;
cjm_simd tu_simd = CJM_SIMD_AUTO;
cjm_draws tu_draws = CJM_DRAWS_STEP;

/* ---- the family-wise suite ---- */

typedef struct tu_comparison {
    char what[160];
    double p, z, got, want, se;
} tu_comparison;

/* The program's comparisons, in the order made. */
static struct {
    tu_comparison *c;
    int n, cap;
} suite;

double tu_fw_z(double alpha, int n)
{
    return cjm_normal_quantile(1 - alpha / (2.0 * (n > 0 ? n : 1)));
}

static void record(const char *what, double p, double z, double got, double want, double se)
{
    if (suite.n == suite.cap) {
        suite.cap = suite.cap ? 2 * suite.cap : 256;
        suite.c = realloc(suite.c, (size_t)suite.cap * sizeof *suite.c);
        assert_non_null(suite.c);
    }
    tu_comparison *c = &suite.c[suite.n++];
    snprintf(c->what, sizeof c->what, "%s", what);
    c->p = p, c->z = z, c->got = got, c->want = want, c->se = se;
}

void tu_check_z(const char *what, double got, double want, double se, double df)
{
    if (!(se > 0) || !isfinite(se) || !isfinite(got) || !isfinite(want))
        fail_msg("%s: %.10g against %.10g with standard error %g: not a comparison", what, got,
                 want, se);
    double z = (got - want) / se;
    double tail = df > 0 ? cjm_student_t_cdf(-fabs(z), df) : cjm_normal_cdf(-fabs(z));
    record(what, 2 * tail, z, got, want, se);
}

void tu_check_p(const char *what, double p)
{
    if (!(p >= 0 && p <= 1)) fail_msg("%s: p-value %g", what, p);
    /* the z of the same two-sided p, for the report */
    record(what, p, -cjm_normal_quantile(p / 2), CJM_NAN, CJM_NAN, CJM_NAN);
}

double tu_chi2_p(double chi2, double df)
{
    return cjm_gammainc_upper(df / 2, chi2 / 2);
}

double tu_ks_p(double d, double n)
{
    double x = d * (sqrt(n) + 0.12 + 0.11 / sqrt(n)), p = 0;
    if (x < 0.2) return 1; /* the series converges slowly there; the tail is 1 to 1e-40 */
    for (int k = 1; k <= 100; k++) p += (k % 2 ? 2 : -2) * exp(-2.0 * k * k * x * x);
    return fmin(1, fmax(0, p));
}

double tu_welch_df(double se1, double df1, double se2, double df2)
{
    double v1 = se1 * se1, v2 = se2 * se2, den = 0;
    if (v1 > 0) den += v1 * v1 / df1;
    if (v2 > 0) den += v2 * v2 / df2;
    return den > 0 ? (v1 + v2) * (v1 + v2) / den : 0;
}

void tu_fw_verdict(void **state)
{
    (void)state;
    int n = suite.n, bad = 0, worst = -1;
    double limit = TU_ALPHA / (n > 0 ? n : 1);
    for (int i = 0; i < n; i++)
        if (worst < 0 || suite.c[i].p < suite.c[worst].p) worst = i;
    fprintf(stderr, "family-wise: %d comparisons, alpha %g: fails below p = %.3g (|z| > %.2f)", n,
            TU_ALPHA, limit, tu_fw_z(TU_ALPHA, n));
    if (worst >= 0)
        fprintf(stderr, "; smallest p %.3g (|z| %.2f): %s", suite.c[worst].p,
                fabs(suite.c[worst].z), suite.c[worst].what);
    fputc('\n', stderr);
    assert_true(n > 0); /* a suite that records nothing is not one */
    for (int i = 0; i < n; i++) {
        const tu_comparison *c = &suite.c[i];
        if (!(c->p < limit)) continue;
        bad++;
        if (isfinite(c->se))
            fprintf(stderr, "  FAILED %s: %.10g against %.10g, se %.4g: z = %+.2f, p = %.3g\n",
                    c->what, c->got, c->want, c->se, c->z, c->p);
        else
            fprintf(stderr, "  FAILED %s: p = %.3g\n", c->what, c->p);
    }
    if (bad) fail_msg("%d of %d comparisons beyond the family-wise threshold", bad, n);
}

void tu_assert_float(const char *what, double got, double want)
{
    if (!(fabs(got - want) <= TU_FLOAT_REL * fmax(1, fabs(want))))
        fail_msg("%s: got %.15g, want %.15g", what, got, want);
}

/* An agent engine's mean against the exact value: family-wise on the
 * agent's standard error from runs - 1 degrees of freedom; where the runs
 * did not vary (se 0: a certain event), the same number to within
 * TU_FLOAT_REL. */
static void agent_vs_exact(const char *what, const cjm_summary *agent, const cjm_summary *exact,
                           int runs)
{
    tu_engine_checks++;
    if (!exact->defined) {
        assert_false(agent->defined && agent->mean != 0);
        return;
    }
    if (agent->se > 0) {
        tu_check_z(what, agent->mean, exact->mean, agent->se, runs - 1);
        return;
    }
    tu_assert_float(what, agent->mean, exact->mean); /* the runs did not vary */
}

/* Converted customers observed k steps on, over all runs. */
static double retention_denominator(const cjm_result *r, int k)
{
    double sum = 0;
    for (int i = 0; i < r->runs; i++) sum += cjm_result_row(r, i)[r->row.ret_den + k];
    return sum;
}

/* The loyalty program's figures: totals, members by step and, where at
 * least 1000 members (or customers of a class) are observed over the runs,
 * the ratios (tier shares, a class's figures per customer). */
static void compare_loyalty(const cjm_model *m, const cjm_metrics *ma, const cjm_metrics *me,
                            int runs, uint64_t seed)
{
    const cjm_loyalty_metrics *a = &ma->loyalty, *e = &me->loyalty;
    const cjm_summary *const pairs[][2] = {
        {&a->joined, &e->joined},
        {&a->active, &e->active},
        {&a->issued, &e->issued},
        {&a->redeemed, &e->redeemed},
        {&a->expired, &e->expired},
        {&a->outstanding, &e->outstanding},
        {&a->liability, &e->liability},
        {&a->reward_cost, &e->reward_cost},
        {&a->join_cost, &e->join_cost},
        {&a->member_cost, &e->member_cost},
        {&a->purchases_per_customer, &e->purchases_per_customer},
    };
    static const char *const names[] = {"joined",
                                        "active",
                                        "issued",
                                        "redeemed",
                                        "expired",
                                        "outstanding",
                                        "liability",
                                        "reward cost",
                                        "join cost",
                                        "member cost",
                                        "purchases per customer"};
    char what[200];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        snprintf(what, sizeof what, "%s (seed %llu): loyalty %s", m->name, (unsigned long long)seed,
                 names[i]);
        agent_vs_exact(what, pairs[i][0], pairs[i][1], runs);
    }
    if (a->issued.mean * runs >= 1000) {
        snprintf(what, sizeof what, "%s (seed %llu): loyalty breakage", m->name,
                 (unsigned long long)seed);
        agent_vs_exact(what, &a->breakage, &e->breakage, runs);
    }
    for (int t = 0; t <= a->horizon; t++) {
        snprintf(what, sizeof what, "%s (seed %llu): members at %d", m->name,
                 (unsigned long long)seed, t);
        agent_vs_exact(what, &a->members_t[t], &e->members_t[t], runs);
        for (int k = 0; a->members_t[t].mean * runs >= 1000 && k < a->tiers; k++) {
            snprintf(what, sizeof what, "%s (seed %llu): tier %d's share at %d", m->name,
                     (unsigned long long)seed, k, t);
            agent_vs_exact(what, &a->tier_share_t[k * (a->horizon + 1) + t],
                           &e->tier_share_t[k * (a->horizon + 1) + t], runs);
        }
    }
    for (int c = 0; c <= a->tiers; c++) {
        const cjm_class_metrics *x = &a->classes[c], *y = &e->classes[c];
        const cjm_summary *const fields[][2] = {
            {&x->customers, &y->customers},       {&x->revenue, &y->revenue},
            {&x->gross_margin, &y->gross_margin}, {&x->ltv, &y->ltv},
            {&x->ltv_margin, &y->ltv_margin},     {&x->retained, &y->retained},
            {&x->purchases, &y->purchases}};
        static const char *const field_names[] = {"customers",  "revenue",  "gross margin", "LTV",
                                                  "LTV margin", "retained", "purchases"};
        int count = x->customers.mean * runs >= 1000 ? 7 : 3; /* then the ratios too */
        for (int f = 0; f < count; f++) {
            snprintf(what, sizeof what, "%s (seed %llu): class %d %s", m->name,
                     (unsigned long long)seed, c, field_names[f]);
            agent_vs_exact(what, fields[f][0], fields[f][1], runs);
        }
    }
}

void tu_compare_engines(const cjm_model *m, int runs, int64_t customers, uint64_t seed)
{
    cjm_settings s = cjm_settings_default();
    s.runs = runs;
    s.customers = customers;
    s.seed = seed;
    s.simd = tu_simd;
    s.draws = tu_draws;
    cjm_metrics ma, me;
    cjm_result *ra = tu_run(m, &s, &ma);
    s.engine = CJM_ENGINE_EXACT;
    cjm_result *re = tu_run(m, &s, &me);
    char what[160];
    for (int i = 0; i < CJM_M_COUNT; i++) {
        snprintf(what, sizeof what, "%s (seed %llu): %s", m->name, (unsigned long long)seed,
                 cjm_metric_infos[i].name);
        agent_vs_exact(what, &ma.m[i], &me.m[i], runs);
    }
    for (int st = 0; st < m->stage_count; st++) {
        snprintf(what, sizeof what, "%s (seed %llu): reached %s", m->name, (unsigned long long)seed,
                 m->stages[st].name);
        agent_vs_exact(what, &ma.reached[st], &me.reached[st], runs);
    }
    if (ma.loyalty.present) compare_loyalty(m, &ma, &me, runs, seed);
    for (int k = 0; k <= ma.horizon; k++) {
        if (retention_denominator(ra, k) < 1000) continue;
        snprintf(what, sizeof what, "%s (seed %llu): retention[%d]", m->name,
                 (unsigned long long)seed, k);
        agent_vs_exact(what, &ma.retention[k], &me.retention[k], runs);
    }
    for (int e = 0; e < ma.edge_count; e++) { /* where 1000 moves are observed, as retention */
        double moved = 0;
        for (int i = 0; i < ra->runs; i++) moved += cjm_result_row(ra, i)[ra->row.moves + e];
        if (moved < 1000) continue;
        snprintf(what, sizeof what, "%s (seed %llu): %s", m->name, (unsigned long long)seed,
                 m->edges[e].path);
        agent_vs_exact(what, &ma.moves[e], &me.moves[e], runs);
    }
    cjm_result_free(&ra);
    cjm_result_free(&re);
    cjm_metrics_free(&ma);
    cjm_metrics_free(&me);
}
