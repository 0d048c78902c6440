/* "did you mean": cjm_suggest's distance and thresholds, cjm_suggest_hint's
 * text. The distances are counted by hand (optimal string alignment: an
 * insertion, deletion, substitution or swap of neighbours is one edit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "suggest.h"

static const char *const stages[] = {"lead", "consult", "client", "lost"};

static void test_nearest(void **state)
{
    (void)state;
    assert_string_equal(cjm_suggest("consul", stages, 4), "consult");  /* a deletion */
    assert_string_equal(cjm_suggest("lcient", stages, 4), "client");   /* one swap */
    assert_string_equal(cjm_suggest("clients", stages, 4), "client");  /* an insertion */
    assert_string_equal(cjm_suggest("cnosutl", stages, 4), "consult"); /* two swaps */
    assert_null(cjm_suggest("cnosult", stages, 0));                    /* no names */
    assert_null(cjm_suggest("lead", stages, 4));                       /* not a slip */
    assert_null(cjm_suggest("buyer", stages, 4));                      /* far from all */
    /* three edits are too many even for long names */
    const char *const long_names[] = {"cost_per_prospect"};
    assert_non_null(cjm_suggest("cost_per_prospcet", long_names, 1));
    assert_null(cjm_suggest("cost_pr_prspct", long_names, 1));
    /* a third of the longer name: one letter never suggests another, and
     * "lst" (1 edit from "lost", 3 <= 4) does, "ab" -> "b" (1 edit, 3 > 2) not */
    const char *const one[] = {"b"};
    assert_null(cjm_suggest("a", one, 1));
    assert_null(cjm_suggest("ab", one, 1));
    assert_string_equal(cjm_suggest("lst", stages, 4), "lost");
}

static void test_ties_and_nulls(void **state)
{
    (void)state;
    const char *const names[] = {"last", NULL, "lost", "list"};
    assert_string_equal(cjm_suggest("lust", names, 4), "last"); /* all 1 edit: the first */
    assert_null(cjm_suggest(NULL, names, 4));
    assert_null(cjm_suggest("x", NULL, 3));
}

static void test_hint(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(cjm_suggest_hint(buf, sizeof buf, "consul", "stages", stages, 4),
                        " (did you mean 'consult'?)");
    assert_string_equal(cjm_suggest_hint(buf, sizeof buf, "zz", "stages", stages, 4),
                        " (stages: lead, consult, client, lost)");
    const char *const nine[] = {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"};
    assert_string_equal(cjm_suggest_hint(buf, sizeof buf, "zzzz", "names", nine, 9), "");
    assert_string_equal(cjm_suggest_hint(buf, sizeof buf, "zzzz", "names", nine, 8),
                        " (names: a1, a2, a3, a4, a5, a6, a7, a8)");
    char tiny[12]; /* cut, never overrun, always terminated */
    cjm_suggest_hint(tiny, sizeof tiny, "zz", "stages", stages, 4);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_ties_and_nulls),
        cmocka_unit_test(test_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
