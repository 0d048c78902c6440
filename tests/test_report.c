/* cjm_report_html (the page of `cjm report`) without a browser: the same
 * inputs give the same bytes for any number of threads; text from the
 * scenario is escaped, so that no name can end a script or add markup; the
 * page refers to nothing outside itself; its tables carry the numbers of
 * the JSON report; a missing result is an error. The page in a browser is
 * tests/report/run.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"
#include "testutil.h"

/* A scenario whose name and step name try to break out of the page. */
static const char hostile[] =
    "return cjm.scenario {\n"
    "  name = [[</script><script>alert('x')</script> & <b>\"bold\"</b>]],\n"
    "  step = [[<i>week</i>]],\n"
    "  horizon = 6, cohort = { size = 500, cost_per_prospect = 1 },\n"
    "  stages = { { 'a', cost_per_step = 0.5 },\n"
    "             { 'b', converts = true, revenue = 20, revenue_per_step = 2 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = { a = { b = 0.3, lost = 0.1 }, b = { a = 0.05, lost = 0.2 } },\n"
    "}\n";

static char *page(const cjm_model *m, int threads, cjm_engine_kind engine, size_t *len)
{
    cjm_settings s = cjm_settings_default();
    s.runs = 30;
    s.threads = threads;
    s.engine = engine;
    cjm_result *r = NULL;
    cjm_error err = {0};
    if (cjm_run(m, &s, &r, &err) != CJM_OK) fail_msg("%s", err.msg);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    cjm_html_report rep = {.result = r};
    assert_int_equal(cjm_report_html(&rep, f, &err), CJM_OK);
    assert_int_equal(fclose(f), 0);
    cjm_result_free(&r);
    return buf;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

static void test_same_bytes(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(hostile);
    size_t n1, n4, n1b;
    char *a = page(m, 1, CJM_ENGINE_AGENT, &n1), *b = page(m, 4, CJM_ENGINE_AGENT, &n4);
    char *c = page(m, 1, CJM_ENGINE_AGENT, &n1b);
    assert_true(n1 > 1000000); /* the library is inlined */
    assert_int_equal(n1, n4);
    assert_memory_equal(a, b, n1);
    assert_int_equal(n1, n1b);
    assert_memory_equal(a, c, n1);
    free(a), free(b), free(c);
    cjm_model_free(&m);
}

/* The scripts of the page are its four blocks: the error catcher, the
 * data, ECharts and the charts; the name and the step appear only escaped. */
static void test_escaped(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(hostile);
    size_t n;
    char *p = page(m, 0, CJM_ENGINE_EXACT, &n);
    assert_int_equal(strlen(p), n); /* no NUL inside */
    assert_int_equal(count(p, "<script"), 4);
    assert_int_equal(count(p, "</script>"), 4);
    /* the data block's text is inert but for "</script>", which cannot
     * appear in it: every slash is escaped */
    assert_non_null(strstr(p, "\"step\":\"<i>week<\\/i>\""));
    assert_int_equal(count(p, "<i>"), 1);
    assert_null(strstr(p, "<b>"));
    assert_non_null(strstr(p, "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
                              "&amp; &lt;b&gt;&quot;bold&quot;&lt;/b&gt;"));
    assert_non_null(strstr(p, "&lt;i&gt;week&lt;/i&gt;s")); /* the horizon, 6 <i>week</i>s */
    free(p);
    cjm_model_free(&m);
}

/* Nothing to fetch: no src, href, url( or @import outside the inlined
 * library, whose only href is a download link's, set when a person asks to
 * save a chart; and the policy forbids any request. */
static void test_self_contained(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(hostile);
    size_t n;
    char *p = page(m, 0, CJM_ENGINE_AGENT, &n);
    char *lib = strstr(p, "Licensed to the Apache Software Foundation");
    assert_non_null(lib);
    char *end = strstr(lib, "</script>");
    assert_non_null(end);
    memset(lib, ' ', (size_t)(end - lib));
    const char *refs[] = {"src=", "href=", "url(", "@import", "http:", "https:", "//cdn"};
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
        if (strstr(p, refs[i])) fail_msg("the page has '%s'", refs[i]);
    assert_non_null(strstr(p, "Content-Security-Policy\" content=\"default-src 'none';"));
    free(p);
    cjm_model_free(&m);
}

/* A table's number is the JSON's: profit's mean, as the table prints it. */
static void test_tables_tagged(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(hostile);
    size_t n;
    char *p = page(m, 0, CJM_ENGINE_EXACT, &n);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    char want[128], buf[64];
    cjm_format_value(buf, sizeof buf, mt.m[CJM_M_PROFIT].mean, CJM_UNIT_MONEY);
    snprintf(want, sizeof want, "data-json=\"run:metrics.profit.mean\">%s</td>", buf);
    assert_non_null(strstr(p, want));
    for (int e = 0; e < m->edge_count; e++) { /* every transition, with its customers */
        cjm_format_value(buf, sizeof buf, mt.moves[e].mean, CJM_UNIT_COUNT);
        snprintf(want, sizeof want, "data-json=\"run:transitions.%d.customers.mean\">%s</td>", e,
                 buf);
        assert_non_null(strstr(p, want));
    }
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    free(p);
    cjm_model_free(&m);
}

static void test_no_result(void **state)
{
    (void)state;
    cjm_error err = {0};
    cjm_html_report rep = {0};
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cjm_report_html(&rep, f, &err), CJM_EUSAGE);
    fclose(f);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "no result"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes),     cmocka_unit_test(test_escaped),
        cmocka_unit_test(test_self_contained), cmocka_unit_test(test_tables_tagged),
        cmocka_unit_test(test_no_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
