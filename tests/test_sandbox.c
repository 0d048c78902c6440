/* The sandbox and the limits, through the library: what scenario code may
 * call, what it may spend, and that it cannot catch a breach. The budget here
 * is 10^6 instructions per call (cjm_limits_set_defaults), so that endless
 * loops end fast; test_errors.c checks the defaults through the binary. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "script_limits.h"
#include "testutil.h"

/* A valid scenario after the code under test; its transition a -> b is {P}. */
#define TAIL(P)                                                                                    \
    "return cjm.scenario { horizon = 4, cohort = { size = 10 },\n"                                 \
    "  stages = { { 'a' }, { 'b', converts = true } },\n"                                          \
    "  transitions = { a = { b = " P " } } }\n"

static cjm_status load_cancel(const char *lua, size_t memory, cjm_cancel *cancel, cjm_error *err,
                              cjm_model **out)
{
    char *path = tu_write_temp(lua);
    assert_non_null(path);
    cjm_load_options o = {0};
    o.lua_memory = memory;
    o.cancel = cancel;
    cjm_model *m = NULL;
    memset(err, 0, sizeof *err);
    cjm_status st = cjm_model_load(path, &o, &m, err);
    unlink(path);
    free(path);
    if (out)
        *out = m;
    else
        cjm_model_free(&m);
    return st;
}

static cjm_status load(const char *lua, size_t memory, cjm_error *err, cjm_model **out)
{
    return load_cancel(lua, memory, NULL, err, out);
}

/* Loads, expecting failure with each wanted substring in a one-line message. */
static void expect(const char *lua, size_t memory, cjm_status want_status, const char *w1,
                   const char *w2)
{
    cjm_error err;
    cjm_status st = load(lua, memory, &err, NULL);
    if (st != want_status) fail_msg("status %d, message '%s'", st, err.msg);
    if (strchr(err.msg, '\n')) fail_msg("more than one line: '%s'", err.msg);
    if (w1 && !strstr(err.msg, w1)) fail_msg("'%s' lacks '%s'", err.msg, w1);
    if (w2 && !strstr(err.msg, w2)) fail_msg("'%s' lacks '%s'", err.msg, w2);
}

static void expect_ok(const char *lua)
{
    cjm_error err;
    cjm_status st = load(lua, 0, &err, NULL);
    if (st != CJM_OK) fail_msg("load failed: %s", err.msg);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static int setup(void **state)
{
    (void)state;
    cjm_limits_set_defaults(1000000, 30);
    return 0;
}

static void test_load_is_text_only(void **state)
{
    (void)state;
    expect_ok(
        "local f = assert(load('return 1 + 1'))\nassert(f() == 2)\n"
        "local g = assert(load('return x', 'chunk', 't', { x = 7 }))\nassert(g() == 7)\n"
        "assert(load('return cjm')() == cjm) -- the sandbox is the default environment\n" TAIL(
            "0.5"));
    expect("local code = string.dump(function() return 1 end)\nassert(load(code))\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":2:", "attempt to load a binary chunk (mode is 't')");
    expect("local code = string.dump(function() return 1 end)\nassert(load(code, 'x', 'b'))\n" TAIL(
               "0.5"),
           0, CJM_ESCENARIO, ":2:", "binary chunks cannot be loaded in a scenario");
    expect("local f = load(function() return nil end)\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1:", "load: a scenario may load strings only");
    expect("local f = assert(load('os.exit(3)'))\nf()\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1:", "undefined global 'os'");
}

static void test_no_finalizers(void **state)
{
    (void)state;
    expect("setmetatable({}, { __gc = function() while true do end end })\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":1:", "__gc (finalizers) is not available");
    /* Other metatables still work, and protected ones stay protected. */
    expect_ok("local t = setmetatable({}, { __index = function(t, k) return k * 2 end })\n"
              "assert(t[21] == 42)\n"
              "local p = setmetatable({}, { __metatable = 'locked' })\n"
              "assert(not pcall(setmetatable, p, {}))\n" TAIL("0.5"));
}

static void test_instruction_limit(void **state)
{
    (void)state;
    expect("local n = 0\nwhile true do n = n + 1 end\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":2: instruction limit of 1000000 exceeded (an endless loop?)", NULL);
    /* A probability function: its own budget, and the path, step and segment. */
    expect(TAIL("function(c) if c.t == 2 then while true do end end return 0.1 end"), 0,
           CJM_ESCENARIO, ":3: instruction limit of 1000000 exceeded",
           "(transitions.a.b: at step 2, segment all)");
    /* Each call has its own budget: 4 calls of 600000 instructions pass. */
    expect_ok(TAIL("function(c) for i = 1, 200000 do end return 0.1 end"));
}

static void test_breach_cannot_be_caught(void **state)
{
    (void)state;
    static const char *const catchers[] = {
        "for i = 1, 10 do pcall(function() while true do end end) end\n",
        "while true do pcall(function() while true do end end) end\n",
        "local ok, e = pcall(function() while true do end end)\nerror('not the breach: ' .. "
        "tostring(e))\n",
        "xpcall(function() while true do end end, function(m) while true do end end)\n",
        "xpcall(function() while true do end end, function(m) return 'handled' end)\n",
        "local ok = xpcall(function() error('x') end, function(m) while true do end end)\n",
        "do local t <close> = setmetatable({}, { __close = function() while true do end end })\n"
        "  while true do end end\n",
        "error(setmetatable({}, { __tostring = function() while true do end end }))\n",
        "local t = setmetatable({}, { __index = function(t, k) while true do end end })\n"
        "local ok = pcall(function() return t.x end)\n",
    };
    for (size_t i = 0; i < sizeof catchers / sizeof catchers[0]; i++) {
        char lua[1024];
        snprintf(lua, sizeof lua, "%s%s", catchers[i], TAIL("0.5"));
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cjm_error err;
        cjm_status st = load(lua, 0, &err, NULL);
        if (st != CJM_ESCENARIO || !strstr(err.msg, "instruction limit of 1000000 exceeded"))
            fail_msg("case %zu: status %d, message '%s'", i, st, err.msg);
        if (seconds_since(&t0) > 20) fail_msg("case %zu took %.1f s", i, seconds_since(&t0));
    }
}

static void test_library_loops_are_paid_for(void **state)
{
    (void)state;
    /* Loops in C that no instruction counts. */
    expect("table.move({}, 1, 1e15, 2)\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1: instruction limit of 1000000 exceeded", NULL);
    expect("local t = setmetatable({}, { __len = function() return 1 << 60 end })\n"
           "table.insert(t, 1, 'x')\n" TAIL("0.5"),
           0, CJM_ESCENARIO, ":2: instruction limit", NULL);
    expect("local t = setmetatable({}, { __len = function() return 1 << 60 end })\n"
           "table.remove(t, 1)\n" TAIL("0.5"),
           0, CJM_ESCENARIO, ":2: instruction limit", NULL);
    /* Allocation is paid for too: a loop of big garbage strings ends. */
    expect("for i = 1, 1e9 do local s = string.rep('x', 1 << 22) end\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":1: instruction limit", NULL);
    /* The replacements behave as the originals. */
    expect_ok("assert(string.rep('', 1e15) == '')\n"
              "assert(string.rep('', 1e15, '') == '')\n"
              "assert(string.rep('ab', 3, ',') == 'ab,ab,ab')\n"
              "assert(('x'):rep(3) == 'xxx' and ('x'):rep(0) == '' and ('x'):rep(-1) == '')\n"
              "assert(string.rep('', 3, '-') == '--')\n"
              "assert(not pcall(string.rep, 'x', 1 << 40))\n"
              "local t = { 1, 2, 3 }\n"
              "table.insert(t, 4); table.insert(t, 1, 0)\n"
              "assert(table.concat(t, ',') == '0,1,2,3,4')\n"
              "assert(table.remove(t) == 4 and table.remove(t, 1) == 0)\n"
              "assert(table.concat(t, ',') == '1,2,3')\n"
              "assert(not pcall(table.insert, t, 9, 1) and not pcall(table.insert, t))\n"
              "assert(table.remove({}) == nil)\n"
              "local m = table.move({ 1, 2, 3 }, 1, 3, 2)\n"
              "assert(table.concat(m, ',') == '1,1,2,3')\n"
              "local d = table.move({ 1, 2, 3 }, 2, 3, 1, {})\n"
              "assert(table.concat(d, ',') == '2,3')\n" TAIL("0.5"));
}

/* Pattern matching backtracks in C, out of the budget's sight: a pattern whose
 * worst case is over the budget is refused before it runs. */
static void test_patterns(void **state)
{
    (void)state;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect("string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b')\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":1: string.find: this pattern may take about",
           "more than the budget of 1000000");
    expect(
        "for w in string.rep('a', 5000):gmatch(string.rep('a-', 30) .. 'b') do end\n" TAIL("0.5"),
        0, CJM_ESCENARIO, ":1: string.gmatch: this pattern may take", NULL);
    expect("local s = string.rep('a', 3000)\nlocal n = s:gsub('a*b', '')\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":2: string.gsub: this pattern may take", NULL);
    if (seconds_since(&t0) > 10) fail_msg("refusing took %.1f s", seconds_since(&t0));
    /* Everyday patterns still work, with their usual errors. */
    expect_ok("assert(('  hi  '):match('^%s*(.-)%s*$') == 'hi')\n"
              "assert(('k = v'):find('=', 1, true) == 3)\n"
              "assert(select(2, ('a,b,,c'):gsub(',', ';')) == 3)\n"
              "local n = 0 for w in ('one two three'):gmatch('%a+') do n = n + 1 end\n"
              "assert(n == 3)\n"
              "assert(('[x]'):find('[]]') == 3)\n"
              "assert(('f(a(b)c)'):match('%b()') == '(a(b)c)')\n"
              "assert(('THE (quick) fox'):find('%f[%a]%a+') == 1)\n"
              "assert(('hello world'):gsub('o', { o = '0' }) == 'hell0 w0rld')\n"
              "assert(('abc'):gsub('%w', '%0%0') == 'aabbcc')\n"
              "assert(('abc'):gsub('', '-') == '-a-b-c-')\n"
              "local s = string.rep('word ', 50000)\n"
              "assert(select(2, s:gsub('%a+', 'x')) == 50000)\n"
              "local ok, e = pcall(string.find, 'x', '%')\n"
              "assert(not ok and e:find('malformed pattern'))\n" TAIL("0.5"));
    expect("string.gsub('abc', 'b', true)\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1: bad argument #3 to 'gsub' (string/function/table expected, got boolean)", NULL);
    expect("string.find('abc', '[a')\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1: malformed pattern (missing ']')", NULL);
}

static void test_memory_limit(void **state)
{
    (void)state;
    const size_t mib = (size_t)1 << 20;
    cjm_limits_set_defaults(0, 30); /* the default budget: memory runs out first */
    expect("local t = {}\nfor i = 1, 1e12 do t[i] = i end\n" TAIL("0.5"), 16 * mib, CJM_ESCENARIO,
           ":2: memory limit of 16 MiB exceeded", NULL);
    expect("local s = 'x'\nwhile true do s = s .. s end\n" TAIL("0.5"), 16 * mib, CJM_ESCENARIO,
           ":2: memory limit of 16 MiB exceeded", NULL);
    /* Caught by pcall, it is still the breach. */
    expect("local ok = pcall(string.rep, 'x', 1 << 26)\nlocal x = 1\n" TAIL("0.5"), 16 * mib,
           CJM_ESCENARIO, ":1: memory limit of 16 MiB exceeded", NULL);
    /* In a probability function: the path, step and segment as well. */
    expect(TAIL("function(c) local s = 'x' while true do s = s .. s end end"), 16 * mib,
           CJM_ESCENARIO, ":3: memory limit of 16 MiB exceeded",
           "(transitions.a.b: at step 0, segment all)");
    /* Garbage is collected before the cap is called exceeded. */
    cjm_error err;
    cjm_status st = load("for i = 1, 200 do local s = string.rep('x', 1 << 20) end\n" TAIL("0.5"),
                         16 * mib, &err, NULL);
    if (st != CJM_OK) fail_msg("status %d, message '%s'", st, err.msg);
    /* The default cap is 256 MiB: 64 MiB of live data is fine. */
    expect_ok("local keep = string.rep('x', 64 << 20)\n" TAIL("0.5"));
    cjm_limits_set_defaults(1000000, 30);
}

static void test_time_limit(void **state)
{
    (void)state;
    cjm_limits_set_defaults(UINT64_MAX, 0.3);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect("while true do end\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1: time limit of 0.3 s exceeded (an endless loop?)", NULL);
    double took = seconds_since(&t0);
    cjm_limits_set_defaults(1000000, 30);
    if (took < 0.3 || took > 10) fail_msg("the time limit took %.2f s", took);
}

/* The whole load's budget: CJM_TOTAL_CALLS calls' worth (10^8 units here),
 * each call paying its work and a fixed cost. A function under the per-call
 * budget evaluated at every step, and a cheap one at every (step, time in
 * stage), both run out of it; the same functions on a shorter horizon load. */
#define SPEND(H, P)                                                                                \
    "return cjm.scenario { horizon = " H ", cohort = { size = 10 },\n"                             \
    "  stages = { { 'a' }, { 'b', converts = true } },\n"                                          \
    "  transitions = { a = { b = " P " } } }\n"
#define COSTLY "function(c) local x = 0 for i = 1, 100000 do x = x + i end return 0.1 end"
#define CHEAP "function(c) return c.dwell > 3 and 0.1 or 0.2 end"

static void test_total_budget(void **state)
{
    (void)state;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect(SPEND("2000", COSTLY), 0, CJM_ESCENARIO, ":3: total work limit of 100000000 units",
           "exceeded (its code and every evaluation of its functions");
    expect(SPEND("1000", CHEAP), 0, CJM_ESCENARIO, ":3: total work limit of 100000000 units", NULL);
    expect_ok(SPEND("200", COSTLY));
    expect_ok(SPEND("300", CHEAP));
    if (seconds_since(&t0) > 20) fail_msg("took %.1f s", seconds_since(&t0));
}

/* Tabulated tables count against the Lua memory cap: c.dwell at horizon
 * 2000 is 2000 x 2000 doubles, 30.5 MiB. */
static void test_table_memory(void **state)
{
    (void)state;
    const size_t mib = (size_t)1 << 20;
    cjm_limits_set_defaults(UINT64_MAX / 1000, 30);
    expect(SPEND("2000", CHEAP), 16 * mib, CJM_ESCENARIO,
           ":3: transitions.a.b: c.dwell needs a table of 2000 x 2000 x 1 values: 31 MiB, which "
           "with the other tables (0 MiB) and the scenario's Lua memory",
           "is over the memory limit of 16 MiB (--lua-memory raises it)");
    cjm_error err;
    cjm_model *m = NULL;
    cjm_status st = load(SPEND("2000", CHEAP), 64 * mib, &err, &m);
    if (st != CJM_OK) fail_msg("load failed: %s", err.msg);
    cjm_model_free(&m);
    cjm_limits_set_defaults(1000000, 30);
}

static void test_stack_overflow(void **state)
{
    (void)state;
    cjm_limits_set_defaults(0, 30); /* the default budget: the stack runs out first */
    expect("local function f(n) return 1 + f(n + 1) end\nf(1)\n" TAIL("0.5"), 0, CJM_ESCENARIO,
           ":1: stack overflow", NULL);
    expect("local function f() return string.gsub('x', 'x', f) end\nf()\n" TAIL("0.5"), 0,
           CJM_ESCENARIO, ":1: C stack overflow", NULL);
    expect(
        "local function f() local ok, e = pcall(f) if not ok then error(e, 0) end end\nf()\n" TAIL(
            "0.5"),
        0, CJM_ESCENARIO, "C stack overflow", NULL);
    cjm_limits_set_defaults(1000000, 30);
}

static void test_plain_data(void **state)
{
    (void)state;
    expect("local s = cjm.scenario { horizon = 4, cohort = { size = 10 },\n"
           "  stages = { { 'a' }, { 'b', converts = true } },\n"
           "  transitions = { a = { b = 0.5 } } }\n"
           "getmetatable(s).__index = function(t, k) error('boom') end\n"
           "return s\n",
           0, CJM_ESCENARIO, "has a __index metamethod", "must be plain data");
    expect("return cjm.scenario { horizon = 4,\n"
           "  cohort = setmetatable({ size = 10 }, { __newindex = error }),\n"
           "  stages = { { 'a' }, { 'b', converts = true } },\n"
           "  transitions = { a = { b = 0.5 } } }\n",
           0, CJM_ESCENARIO, ":2: cohort: a table here has a __newindex metamethod", NULL);
    expect("return cjm.scenario { horizon = 4, cohort = { size = 10 },\n"
           "  stages = { { 'a' }, setmetatable({ 'b', converts = true }, { __len = rawlen }) },\n"
           "  transitions = { a = { b = 0.5 } } }\n",
           0, CJM_ESCENARIO, ":2: stages.b: a table here has a __len metamethod", NULL);
    /* An __index table is read through, and checked too. */
    expect_ok("local defaults = { size = 10 }\n"
              "return cjm.scenario { horizon = 4,\n"
              "  cohort = setmetatable({}, { __index = defaults }),\n"
              "  stages = { { 'a' }, { 'b', converts = true } },\n"
              "  transitions = { a = { b = cjm.uniform(0.1, 0.2) } } }\n");
}

static void test_messages_stay_one_line(void **state)
{
    (void)state;
    expect("return cjm.scenario { horizon = 4, cohort = { size = 10 }, ['a\\nb\\tc'] = 1,\n"
           "  stages = { { 'a' }, { 'b', converts = true } },\n"
           "  transitions = { a = { b = 0.5 } } }\n",
           0, CJM_ESCENARIO, "a\\nb\\x09c: unknown key", NULL);
    expect("error('first line\\nsecond line')\n" TAIL("0.5"), 0, CJM_ESCENARIO, ":1: first line",
           NULL);
    expect("error({})\n" TAIL("0.5"), 0, CJM_ESCENARIO, ":1: (error object is a table value)",
           NULL);
}

/* Ctrl-C during a load or a run: a requested token stops the calls given
 * it (an endless loop in the scenario, the engines), and only those: a load
 * and a run without it go on. */
static void test_interrupt(void **state)
{
    (void)state;
    cjm_limits_set_defaults(UINT64_MAX, 600);
    cjm_cancel *cancel = cjm_cancel_new();
    assert_non_null(cancel);
    assert_int_equal(cjm_cancel_requested(cancel), 0);
    cjm_cancel_request(cancel);
    assert_int_equal(cjm_cancel_requested(cancel), 1);
    cjm_error err;
    assert_int_equal(load_cancel("while true do end\n" TAIL("0.5"), 0, cancel, &err, NULL),
                     CJM_EINTERRUPT);
    assert_string_equal(err.msg, "interrupted");
    cjm_model *m = NULL;
    assert_int_equal(load(TAIL("0.5"), 0, &err, &m), CJM_OK);
    cjm_limits_set_defaults(0, 0);
    cjm_result *r = NULL;
    cjm_settings s = cjm_settings_default();
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_OK);
    cjm_result_free(&r);
    s.cancel = cancel;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EINTERRUPT);
    assert_null(r);
    assert_int_equal(cjm_cancel_requested(NULL), 0);
    cjm_model_free(&m);
    cjm_cancel_free(&cancel);
    assert_null(cancel);
}

/* The watchdog, in a child process (it ends the process): a plain find
 * that compares 10^6 x 10^5 bytes in C, under a huge budget, runs past a
 * time limit of 0.3 s, or past a cancellation request made 0.3 s in (from
 * a signal handler, as Ctrl-C does). The exit hook runs first. */
#define SLOW_FIND "local s = ('a'):rep(1e6) s:find(('a'):rep(1e5) .. 'b', 1, true)\n"
static cjm_cancel *child_cancel;

static void on_alarm(int sig)
{
    (void)sig;
    cjm_cancel_request(child_cancel);
}

static void exit_hook(void)
{
    if (write(2, "hook ", 5) < 0) _exit(99);
}

static void watchdog_case(double seconds, int cancel, int want_status, const char *head,
                          const char *tail)
{
    char errp[] = "/tmp/cjm_watchdog_XXXXXX";
    int fe = mkstemp(errp);
    assert_true(fe >= 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fe, 2);
        cjm_limits_set_defaults(UINT64_MAX / 1000, seconds);
        cjm_set_exit_hook(exit_hook);
        child_cancel = cjm_cancel_new();
        if (cancel) {
            signal(SIGALRM, on_alarm);
            ualarm(300000, 0);
        }
        cjm_error err;
        cjm_status st = load_cancel(SLOW_FIND TAIL("0.5"), 0, child_cancel, &err, NULL);
        fprintf(stderr, "returned %d: %s\n", st, err.msg);
        _exit(st == CJM_OK ? 0 : 2);
    }
    close(fe);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    double took = seconds_since(&t0);
    char *err = tu_read_file(errp);
    unlink(errp);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != want_status)
        fail_msg("status %#x, want exit %d: %s", status, want_status, err);
    size_t n = strlen(err), hn = strlen(head), tn = strlen(tail);
    if (n < hn + tn || strncmp(err, head, hn) != 0 || strcmp(err + n - tn, tail) != 0)
        fail_msg("'%s' is not '%s...%s'", err, head, tail);
    if (took > 0.3 + 1.0 + 2.0) fail_msg("the watchdog took %.2f s", took);
    free(err);
}

static void test_watchdog(void **state)
{
    (void)state;
    watchdog_case(0.3, 0, 1, "hook cjm: /tmp/",
                  ": time limit of 0.3 s exceeded in a library call that cannot be interrupted "
                  "(ended by the watchdog)\n");
    watchdog_case(600, 1, 130, "hook cjm: interrupted\n", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_is_text_only),
        cmocka_unit_test(test_no_finalizers),
        cmocka_unit_test(test_instruction_limit),
        cmocka_unit_test(test_breach_cannot_be_caught),
        cmocka_unit_test(test_library_loops_are_paid_for),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_total_budget),
        cmocka_unit_test(test_table_memory),
        cmocka_unit_test(test_stack_overflow),
        cmocka_unit_test(test_plain_data),
        cmocka_unit_test(test_messages_stay_one_line),
        cmocka_unit_test(test_interrupt),
        cmocka_unit_test(test_watchdog),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
