/* script_limits.c: the work budget, the time limit, the memory cap and Ctrl-C
 * for scenario code (see script_limits.h).
 *
 * The limits live in a struct that is the Lua allocator's userdata, so that
 * the allocator, the count hook and the guarded library functions all reach
 * it from the lua_State alone. */
#include "script_limits.h"

#include <lauxlib.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HOOK_PERIOD 1000   /* instructions between two calls of the count hook */
#define BYTES_PER_UNIT 32  /* bytes allocated that cost one unit of the budget */
#define LOCATE_LEVELS 64   /* stack levels searched for the scenario's line */
#define MAX_REP 0x7fffffff /* the longest string string.rep makes */

#define CALL_COST 256 /* units a protected call costs beyond its instructions (about 0.7 us) */

enum breach {
    BREACH_NONE,
    BREACH_INSTRUCTIONS,
    BREACH_TOTAL,
    BREACH_MEMORY,
    BREACH_TIME,
    BREACH_INTERRUPT
};

typedef struct cjm_limits {
    lua_State *L;
    char *file;  /* the scenario's path */
    char *chunk; /* its chunk name, "@file" */
    size_t cap, used;
    uint64_t budget, work;        /* work: units spent in the current call */
    uint64_t total_budget, total; /* every call of the load, CALL_COST each and their work */
    size_t tables;                /* bytes of tabulated tables, counted against cap */
    double seconds;
    struct timespec start;
    int depth;  /* nesting of cjm_limits_enter */
    int breach; /* enum breach, for the current call */
    char where[512];
    /* A growing allocation that was refused for the cap: Lua collects garbage
     * and asks again; if the same request is refused again (or never asked
     * again), the memory really is exhausted. */
    int mem_pending;
    const void *pend_ptr;
    size_t pend_osize, pend_nsize;
    const cjm_cancel *cancel; /* the load's, or NULL */
    /* The watchdog (below): call_id is odd while a protected call runs. */
    atomic_ulong call_id;
    pthread_t watchdog;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int watching, stop; /* under mu */
} cjm_limits;

static uint64_t default_instructions = CJM_INSTRUCTIONS_DEFAULT;
static double default_seconds = CJM_SECONDS_DEFAULT;
static const char breach_token = 0; /* the error object a breach raises */

void cjm_limits_set_defaults(uint64_t instructions, double seconds)
{
    default_instructions = instructions ? instructions : CJM_INSTRUCTIONS_DEFAULT;
    default_seconds = seconds > 0 ? seconds : CJM_SECONDS_DEFAULT;
}

/* ---- the watchdog ----
 *
 * The hook runs between Lua instructions, so a library call that runs long
 * in C (whatever the guards below missed) would ignore the time limit and
 * Ctrl-C. A thread per state watches the protected calls: one still running
 * WATCH_GRACE seconds after its time limit, or after the load's cancellation
 * was requested, ends the process, since nothing can stop the call safely:
 * the exit hook runs (the CLI removes its temporary files), then one line on
 * standard error and _exit, status 1 ("time limit") or 130 ("interrupted"). */
#define WATCH_GRACE 1.0  /* seconds */
#define WATCH_PERIOD 0.1 /* seconds between two looks */

static void (*volatile exit_hook)(void);

void cjm_set_exit_hook(void (*fn)(void))
{
    exit_hook = fn;
}

static double now_seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void end_process(const cjm_limits *lim, int interrupted)
{
    char msg[700];
    int n = interrupted ? snprintf(msg, sizeof msg, "cjm: interrupted\n")
                        : snprintf(msg, sizeof msg,
                                   "cjm: %s: time limit of %g s exceeded in a library call that "
                                   "cannot be interrupted (ended by the watchdog)\n",
                                   lim->file, lim->seconds);
    void (*hook)(void) = exit_hook;
    if (hook) hook();
    if (n > 0 && write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1) < 0) n = 0;
    _exit(interrupted ? 130 : 1);
}

static void *watch(void *arg)
{
    cjm_limits *lim = arg;
    unsigned long seen = 0;
    double since = 0, cancel_since = -1;
    pthread_mutex_lock(&lim->mu);
    while (!lim->stop) {
        double wake = now_seconds(CLOCK_MONOTONIC) + WATCH_PERIOD;
        struct timespec until = {(time_t)wake, (long)((wake - floor(wake)) * 1e9)};
        pthread_cond_timedwait(&lim->cv, &lim->mu, &until);
        if (lim->stop) break;
        unsigned long id = atomic_load(&lim->call_id);
        double t = now_seconds(CLOCK_MONOTONIC);
        if (id != seen) { /* a new call (or none): its clock starts now */
            seen = id, since = t, cancel_since = -1;
            continue;
        }
        if (!(id & 1)) continue;
        if (cjm_cancel_requested(lim->cancel)) {
            if (cancel_since < 0) cancel_since = t;
            if (t - cancel_since > WATCH_GRACE) end_process(lim, 1);
        }
        if (t - since > lim->seconds + WATCH_GRACE) end_process(lim, 0);
    }
    pthread_mutex_unlock(&lim->mu);
    return NULL;
}

/* Starts the watchdog; without it (no thread) the limits still hold
 * between instructions. */
static void watch_start(cjm_limits *lim)
{
    pthread_condattr_t ca;
    lim->watching = 0;
    if (pthread_condattr_init(&ca) != 0) return;
    int ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&lim->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok) return;
    if (pthread_mutex_init(&lim->mu, NULL) != 0) {
        pthread_cond_destroy(&lim->cv);
        return;
    }
    lim->watching = pthread_create(&lim->watchdog, NULL, watch, lim) == 0;
    if (!lim->watching) {
        pthread_mutex_destroy(&lim->mu);
        pthread_cond_destroy(&lim->cv);
    }
}

static void watch_stop(cjm_limits *lim)
{
    if (!lim->watching) return;
    pthread_mutex_lock(&lim->mu);
    lim->stop = 1;
    pthread_cond_signal(&lim->cv);
    pthread_mutex_unlock(&lim->mu);
    pthread_join(lim->watchdog, NULL);
    pthread_mutex_destroy(&lim->mu);
    pthread_cond_destroy(&lim->cv);
    lim->watching = 0;
}

static cjm_limits *limits_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* "file:line:" of the innermost frame in the scenario file, else of the
 * innermost Lua frame with a line (returns 0 for those two), else "file:". */
static int where(cjm_limits *lim, lua_State *L, char *buf, size_t n)
{
    lua_Debug ar;
    buf[0] = '\0';
    for (int level = 0; level < LOCATE_LEVELS && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        if (strcmp(ar.source, lim->chunk) == 0) {
            snprintf(buf, n, "%.400s:%d:", lim->file, ar.currentline);
            return 1;
        }
        if (!buf[0]) snprintf(buf, n, "%.400s:%d:", ar.short_src, ar.currentline);
    }
    if (!buf[0]) snprintf(buf, n, "%.400s:", lim->file);
    return 0;
}

static void locate(cjm_limits *lim, lua_State *L)
{
    where(lim, L, lim->where, sizeof lim->where);
}

int cjm_limits_where(lua_State *L, char *buf, size_t n)
{
    return where(limits_of(L), L, buf, n);
}

static double elapsed(const cjm_limits *lim)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - lim->start.tv_sec) +
           (double)(now.tv_nsec - lim->start.tv_nsec) * 1e-9;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* Records the breach and makes the hook fire at every instruction, so that
 * scenario code cannot get past it (a pcall that catches it is followed by
 * another instruction, which raises again). */
static void set_breach(cjm_limits *lim, lua_State *L, int kind, int locate_now)
{
    lim->breach = kind;
    if (locate_now) locate(lim, L);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
}

static int raise_breach(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&breach_token);
    return lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    cjm_limits *lim = limits_of(L);
    if (lim->depth == 0) return;
    if (!lim->breach) {
        /* Called early by the allocator (lua_sethook is safe anywhere, even
         * in a signal handler): count what really ran, and restore the period. */
        int period = lua_gethookcount(L);
        lim->work += (uint64_t)period;
        if (period != HOOK_PERIOD) lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_PERIOD);
        if (lim->mem_pending)
            set_breach(lim, L, BREACH_MEMORY, 0); /* located when it was refused */
        else if (lim->work > lim->budget)
            set_breach(lim, L, BREACH_INSTRUCTIONS, 1);
        else if (lim->work > lim->total_budget - lim->total)
            set_breach(lim, L, BREACH_TOTAL, 1);
        else if (cjm_cancel_requested(lim->cancel))
            set_breach(lim, L, BREACH_INTERRUPT, 0);
        else if (elapsed(lim) > lim->seconds)
            set_breach(lim, L, BREACH_TIME, 1);
        else
            return;
    }
    raise_breach(L);
}

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cjm_limits *lim = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lim->used -= old;
        return NULL;
    }
    if (nsize > old && lim->depth > 0) {
        size_t grow = nsize - old;
        int again = lim->mem_pending && lim->pend_ptr == ptr && lim->pend_osize == osize &&
                    lim->pend_nsize == nsize;
        if (grow > lim->cap - lim->tables || lim->used > lim->cap - lim->tables - grow) {
            if (!lim->mem_pending && !lim->breach) locate(lim, lim->L);
            lim->mem_pending = 1;
            lim->pend_ptr = ptr;
            lim->pend_osize = osize;
            lim->pend_nsize = nsize;
            lua_sethook(lim->L, count_hook, LUA_MASKCOUNT, 1); /* decide at the next instruction */
            return NULL;
        }
        void *p = realloc(ptr, nsize);
        if (!p) return NULL; /* the machine's memory, not the cap: Lua says "not enough memory" */
        if (again) lim->mem_pending = 0;
        lim->used += grow;
        int within = lim->work <= lim->budget && lim->work <= lim->total_budget - lim->total;
        lim->work += grow / BYTES_PER_UNIT;
        if (within && (lim->work > lim->budget || lim->work > lim->total_budget - lim->total))
            lua_sethook(lim->L, count_hook, LUA_MASKCOUNT, 1);
        return p;
    }
    void *p = realloc(ptr, nsize);
    if (!p && nsize <= old) p = ptr; /* Lua assumes shrinking never fails: keep the block */
    if (p) lim->used = lim->used - old + nsize;
    return p;
}

static int panic(lua_State *L)
{
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    fprintf(stderr, "cjm: internal error: a Lua error outside a protected call: %s\n", msg);
    return 0; /* Lua aborts */
}

lua_State *cjm_limits_newstate(const cjm_load_options *opts, const char *file)
{
    size_t memory = opts ? opts->lua_memory : 0;
    uint64_t instructions = opts ? opts->lua_instructions : 0;
    double seconds = opts ? opts->lua_seconds : 0;
    cjm_limits *lim = calloc(1, sizeof *lim);
    if (!lim) return NULL;
    size_t n = strlen(file) + 2;
    lim->file = strdup(file);
    lim->chunk = malloc(n);
    lim->cap = memory ? memory : CJM_LUA_MEMORY_DEFAULT;
    lim->budget = instructions ? instructions : default_instructions;
    lim->total_budget =
        lim->budget > UINT64_MAX / CJM_TOTAL_CALLS ? UINT64_MAX : lim->budget * CJM_TOTAL_CALLS;
    lim->seconds = seconds > 0 ? seconds : default_seconds;
    lim->cancel = opts ? opts->cancel : NULL;
    lua_State *L = lim->file && lim->chunk ? lua_newstate(limited_alloc, lim) : NULL;
    if (!L) {
        free(lim->file);
        free(lim->chunk);
        free(lim);
        return NULL;
    }
    snprintf(lim->chunk, n, "@%s", file);
    lim->L = L;
    lua_atpanic(L, panic);
    watch_start(lim);
    return L;
}

void cjm_limits_close(lua_State *L)
{
    if (!L) return;
    cjm_limits *lim = limits_of(L);
    watch_stop(lim);
    lua_close(L);
    free(lim->file);
    free(lim->chunk);
    free(lim);
}

void cjm_limits_enter(lua_State *L)
{
    cjm_limits *lim = limits_of(L);
    if (lim->depth++ > 0) return;
    atomic_fetch_add(&lim->call_id, 1); /* odd: in a call */
    lim->work = 0;
    lim->breach = BREACH_NONE;
    lim->mem_pending = 0;
    lim->where[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &lim->start);
    /* A load that has spent its total budget stops at the call's first
     * instruction (a small call never reaches the hook's period). */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, lim->total < lim->total_budget ? HOOK_PERIOD : 1);
}

int cjm_limits_breached(lua_State *L)
{
    cjm_limits *lim = limits_of(L);
    return lim->breach != BREACH_NONE || lim->mem_pending;
}

cjm_status cjm_limits_leave(lua_State *L, cjm_error *err)
{
    cjm_limits *lim = limits_of(L);
    if (lim->depth == 0 || --lim->depth > 0) return CJM_OK;
    atomic_fetch_add(&lim->call_id, 1); /* even: between calls */
    lua_sethook(L, NULL, 0, 0);
    uint64_t spent = lim->work + CALL_COST;
    lim->total = spent > lim->total_budget - lim->total ? lim->total_budget : lim->total + spent;
    int kind = lim->breach ? lim->breach : lim->mem_pending ? BREACH_MEMORY : BREACH_NONE;
    lim->breach = BREACH_NONE;
    lim->mem_pending = 0;
    const size_t mib = (size_t)1 << 20;
    switch (kind) {
    case BREACH_INSTRUCTIONS:
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s instruction limit of %llu exceeded (an endless loop?)", lim->where,
                             (unsigned long long)lim->budget);
    case BREACH_TOTAL:
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s total work limit of %llu units for loading the scenario exceeded "
                             "(its code and every evaluation of its functions: a shorter horizon, "
                             "fewer functions or simpler ones)",
                             lim->where, (unsigned long long)lim->total_budget);
    case BREACH_MEMORY:
        if (lim->cap % mib == 0)
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s memory limit of %zu MiB exceeded (--lua-memory raises it)",
                                 lim->where, lim->cap / mib);
        return cjm_error_set(err, CJM_ESCENARIO, "%s memory limit of %zu bytes exceeded",
                             lim->where, lim->cap);
    case BREACH_TIME:
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s time limit of %g s exceeded (an endless loop?)", lim->where,
                             lim->seconds);
    case BREACH_INTERRUPT:
        return cjm_error_set(err, CJM_EINTERRUPT, "interrupted");
    default:
        return CJM_OK;
    }
}

int cjm_limits_reserve(lua_State *L, size_t bytes, char *why, size_t n)
{
    cjm_limits *lim = limits_of(L);
    const size_t mib = (size_t)1 << 20;
    if (bytes <= lim->cap - lim->tables && lim->used <= lim->cap - lim->tables - bytes) {
        lim->tables += bytes;
        return 0;
    }
    snprintf(why, n,
             "%.0f MiB, which with the other tables (%.0f MiB) and the scenario's Lua memory "
             "(%.0f MiB) is over the memory limit of %.0f MiB (--lua-memory raises it)",
             (double)bytes / mib, (double)lim->tables / mib, (double)lim->used / mib,
             (double)lim->cap / mib);
    return -1;
}

void cjm_limits_charge(lua_State *L, uint64_t units)
{
    cjm_limits *lim = limits_of(L);
    if (lim->depth == 0) return;
    if (!lim->breach) {
        lim->work = units > UINT64_MAX - lim->work ? UINT64_MAX : lim->work + units;
        if (lim->work <= lim->budget && lim->work <= lim->total_budget - lim->total) return;
        set_breach(lim, L, lim->work > lim->budget ? BREACH_INSTRUCTIONS : BREACH_TOTAL, 1);
    }
    raise_breach(L);
}

/* ---- library functions that would loop in C without the budget seeing it ---- */

/* string.rep(s, n [, sep]): an empty s and sep give "" at once (rather than n
 * empty copies); otherwise the result's size is paid for by the allocator. */
static int guard_rep(lua_State *L)
{
    size_t len, seplen;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &seplen);
    if (n <= 0 || len + seplen == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (len + seplen < len || (lua_Unsigned)n > MAX_REP / (len + seplen))
        return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * len + (size_t)(n - 1) * seplen;
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    for (lua_Integer i = 0; i < n; i++) {
        memcpy(p, s, len);
        p += len;
        if (seplen > 0 && i + 1 < n) {
            memcpy(p, sep, seplen);
            p += seplen;
        }
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

/* table.move(a1, f, e, t [, a2]): pays one unit per element. */
static int guard_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int dst = lua_isnoneornil(L, 5) ? 1 : 5;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, dst, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        cjm_limits_charge(L, (uint64_t)n);
        int forward = t > e || t <= f || (dst != 1 && !lua_compare(L, 1, dst, LUA_OPEQ));
        for (lua_Integer k = 0; k < n; k++) {
            lua_Integer i = forward ? k : n - 1 - k;
            lua_geti(L, 1, f + i);
            lua_seti(L, dst, t + i);
        }
    }
    lua_pushvalue(L, dst);
    return 1;
}

/* table.insert(t, [pos,] v): pays one unit per element shifted. */
static int guard_insert(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer end = luaL_intop(+, luaL_len(L, 1), 1); /* the first empty slot */
    lua_Integer pos = end;
    switch (lua_gettop(L)) {
    case 2:
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        cjm_limits_charge(L, (uint64_t)(end - pos));
        for (lua_Integer i = end; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos); /* the value is on top */
    return 0;
}

/* table.remove(t [, pos]): pays one unit per element shifted. */
static int guard_remove(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer size = luaL_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos); /* the result */
    if (pos < size) cjm_limits_charge(L, (uint64_t)(size - pos));
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

/* Lua's pattern matcher backtracks: with k repetitions (*, +, -) a match
 * from one position may try about (n+1)^k ways on an n-byte subject, each
 * comparing up to the pattern's m items (a pattern without specials is
 * memchr and memcmp: m bytes at each start), all in
 * C, where neither the budget nor the time limit can stop it. So find, match,
 * gmatch and gsub first bound that worst case, and refuse a pattern whose
 * worst case on this subject is over the budget. */
static double pattern_worst_case(const char *p, size_t plen, size_t n)
{
    const char *end = p + plen;
    int anchored = p < end && *p == '^';
    double k = 0, q = 0, items = 0;
    const char *last_repeat = NULL; /* just after the last * + - */
    for (p += anchored; p < end;) {
        if (*p == '(' || *p == ')') {
            p++;
            continue;
        }
        if (*p == '%' && p + 1 < end && (p[1] == 'b' || p[1] == 'f')) {
            if (p[1] == 'b') {
                p += p + 4 <= end ? 4 : (size_t)(end - p);
                continue;
            }
            p += 2; /* %f[set]: the set follows */
        }
        items++;
        if (p < end && *p == '%') {
            p += p + 2 <= end ? 2 : 1;
        } else if (p < end && *p == '[') {
            p++;
            if (p < end && *p == '^') p++;
            do { /* the first ']' is a member, not the end */
                if (p < end && *p == '%') p++;
                if (p < end) p++;
            } while (p < end && *p != ']');
            if (p < end) p++;
        } else if (p < end) {
            p++;
        }
        if (p < end && (*p == '*' || *p == '+' || *p == '-')) {
            k++;
            last_repeat = ++p;
        } else if (p < end && *p == '?') {
            q++;
            p++;
        }
    }
    /* A repetition that ends the pattern never backtracks: what follows it
     * cannot fail. */
    if (last_repeat && last_repeat + strspn(last_repeat, ")") >= end) k--;
    double starts = anchored ? 1 : (double)n + 1;
    return starts * pow((double)n + 1, k) * pow(2, q) * fmax(items, 1) + (double)n;
}

static int guard_pattern(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    size_t n, plen;
    luaL_checklstring(L, 1, &n);
    const char *pattern = luaL_checklstring(L, 2, &plen);
    int plain = name[0] == 'f' && lua_toboolean(L, 4);
    if (name[1] == 's') { /* gsub(s, pattern, repl [, n]) */
        int t = lua_type(L, 3);
        luaL_argexpected(
            L, t == LUA_TNUMBER || t == LUA_TSTRING || t == LUA_TTABLE || t == LUA_TFUNCTION, 3,
            "string/function/table");
        luaL_optinteger(L, 4, 0);
    } else {
        luaL_optinteger(L, 3, 1);
    }
    /* A plain find is memchr and memcmp: up to plen bytes compared at each
     * of the n + 1 starts. */
    double worst = plain ? ((double)n + 1) * (plen > 0 ? (double)plen : 1)
                         : pattern_worst_case(pattern, plen, n);
    cjm_limits *lim = limits_of(L);
    if (lim->depth > 0 && worst > (double)lim->budget) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "string.%s: this pattern may take about %.2g steps on a subject of %zu bytes, "
                 "more than the budget of %llu (use fewer repetitions such as .* or .-, "
                 "or a shorter subject)",
                 name, worst, n, (unsigned long long)lim->budget);
        return luaL_error(L, "%s", msg);
    }
    cjm_limits_charge(L, (uint64_t)(n + plen) / 8); /* a scan of both, at the least */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* table.sort(t [, comp]): n log2 n comparisons, in C when comp is absent,
 * paid before sorting; a length that __len makes up (2^31) is refused at
 * once rather than sorted for hours. */
static int guard_sort(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_Integer n = luaL_len(L, 1);
    if (n > 1) {
        double cost = (double)n * log2((double)n);
        cjm_limits *lim = limits_of(L);
        if (lim->depth > 0 && cost > (double)lim->budget) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "table.sort: sorting %lld elements may take about %.2g steps, more than the "
                     "budget of %llu",
                     (long long)n, cost, (unsigned long long)lim->budget);
            return luaL_error(L, "%s", msg);
        }
        cjm_limits_charge(L, (uint64_t)cost);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

void cjm_limits_open_guards(lua_State *L)
{
    static const luaL_Reg string_guards[] = {{"rep", guard_rep}, {NULL, NULL}};
    static const char *const matchers[] = {"find", "match", "gmatch", "gsub", NULL};
    lua_getglobal(L, "string");
    for (const char *const *m = matchers; *m; m++) {
        lua_getfield(L, -1, *m);
        lua_pushstring(L, *m);
        lua_pushcclosure(L, guard_pattern, 2);
        lua_setfield(L, -2, *m);
    }
    lua_pop(L, 1);
    static const luaL_Reg table_guards[] = {
        {"move", guard_move}, {"insert", guard_insert}, {"remove", guard_remove}, {NULL, NULL}};
    lua_getglobal(L, "string");
    luaL_setfuncs(L, string_guards, 0);
    lua_getglobal(L, "table");
    luaL_setfuncs(L, table_guards, 0);
    lua_getfield(L, -1, "sort");
    lua_pushcclosure(L, guard_sort, 1);
    lua_setfield(L, -2, "sort");
    lua_pop(L, 2);
}
