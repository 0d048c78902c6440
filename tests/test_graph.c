/* The journey map of `cjm check FILE --format dot|mermaid`: for every example
 * and test scenario the DOT parses with Graphviz (dot -Tsvg, Debian's
 * graphviz, which tools/setup.sh installs) and names every stage and
 * transition; Mermaid has one node line per stage and one arrow per
 * transition; the other commands refuse these formats as usage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static const char *const files[] = {
    "scenarios/beauty_clinic.lua",      "scenarios/wedding_salon.lua",
    "scenarios/b2b_software.lua",       "scenarios/online_school.lua",
    "scenarios/pram_online.lua",        "scenarios/coffee_shop.lua",
    "scenarios/beauty_clinic_club.lua", "tests/scenarios/cycles.lua",
    "tests/scenarios/two_stage.lua",    "tests/scenarios/issue_example.lua",
};

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

static cjm_model *load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, rel);
    cjm_model *m = NULL;
    cjm_error err = {0};
    if (cjm_model_load(path, NULL, &m, &err) != CJM_OK) fail_msg("%s: %s", rel, err.msg);
    return m;
}

static void test_dot_parses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char args[600], *out, *err;
        snprintf(args, sizeof args, "check %s/%s --format dot", CJM_SOURCE_DIR, files[i]);
        assert_int_equal(tu_run_cjm(args, &out, &err), 0);
        char dotfile[] = "/tmp/cjm_graph_XXXXXX";
        int fd = mkstemp(dotfile);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, out, strlen(out)), (ssize_t)strlen(out));
        close(fd);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "dot -Tsvg %s -o %s.svg 2>/dev/null", dotfile, dotfile);
        int rc = system(cmd);
        if (rc != 0) fail_msg("%s: dot -Tsvg failed (status %d) on:\n%s", files[i], rc, out);
        snprintf(cmd, sizeof cmd, "%s.svg", dotfile);
        char *svg = tu_read_file(cmd);
        assert_non_null(svg);
        cjm_model *m = load(files[i]);
        for (int s = 0; s < m->stage_count; s++) {
            char node[160];
            snprintf(node, sizeof node, ">%s</text>", m->stages[s].name);
            if (!strstr(svg, node))
                fail_msg("%s: stage %s is not drawn", files[i], m->stages[s].name);
        }
        assert_int_equal(count(out, "\" -> \""), m->edge_count);
        cjm_model_free(&m);
        unlink(cmd);
        unlink(dotfile);
        free(svg), free(out), free(err);
    }
}

static void test_mermaid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char args[600], *out, *err;
        snprintf(args, sizeof args, "check %s/%s --format mermaid", CJM_SOURCE_DIR, files[i]);
        assert_int_equal(tu_run_cjm(args, &out, &err), 0);
        cjm_model *m = load(files[i]);
        assert_non_null(strstr(out, "\nflowchart LR\n"));
        assert_int_equal(count(out, "-->|") + count(out, "-.->|"), m->edge_count);
        for (int s = 0; s < m->stage_count; s++) {
            char node[160];
            snprintf(node, sizeof node, "\"%s\"", m->stages[s].name);
            assert_non_null(strstr(out, node));
        }
        cjm_model_free(&m);
        free(out), free(err);
    }
}

static void test_only_for_check(void **state)
{
    (void)state;
    char args[600], *out, *err;
    snprintf(args, sizeof args, "run %s/tests/scenarios/two_stage.lua --format dot",
             CJM_SOURCE_DIR);
    assert_int_equal(tu_run_cjm(args, &out, &err), 2);
    assert_non_null(strstr(err, "--format dot draws the journey map: it is for check only"));
    free(out), free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_parses),
        cmocka_unit_test(test_mermaid),
        cmocka_unit_test(test_only_for_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
