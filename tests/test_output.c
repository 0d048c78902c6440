/* Output safety (docs/hardening.md, "Output safety"), through the real cjm
 * binary: what is replaced and what is written through, two outputs that are
 * one file, modes, write failures in every command and format, a closed
 * standard output, and signals while a temporary file exists.
 *
 * Nothing here writes into /dev. Outputs are files, symlinks and FIFOs in a
 * temporary directory; a full disk, a failing sync or close, and a write
 * that stops until a signal come from tests/fail_shim.c (LD_PRELOAD), and a
 * real kernel failure from RLIMIT_FSIZE. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#define TWO CJM_SOURCE_DIR "/tests/scenarios/two_stage.lua"
#define LONG CJM_SOURCE_DIR "/tests/scenarios/issue_example.lua"
#define BEAUTY CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua"
#define LONG_RUN "run " LONG " --customers 100000000 --runs 1000"
#define CLOSED (-1)
#define ENOSPC_TEXT "No space left on device"

/* ---- running cjm ---- */

typedef struct opts {
    const char *env[6]; /* "NAME=VALUE" for the child, NULL-ended */
    int shim;           /* preload tests/fail_shim.c */
    int out;            /* standard output: 0 captured, CLOSED, or this descriptor */
    int umask_set;
    mode_t umask;
    int ignore;        /* a signal the child starts with ignored (0: none) */
    long long fsize;   /* RLIMIT_FSIZE in bytes (0: unlimited) */
    const char *shell; /* a temporary file for standard output, made by run() */
} opts;

typedef struct ran {
    int status; /* as waitpid gives it */
    char *out, *err;
} ran;

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    assert_true(vasprintf(&s, f, ap) >= 0);
    va_end(ap);
    return s;
}

/* The child: default signals (but o->ignore), the limits, the environment
 * and descriptors asked for, then cjm with args split on spaces. */
static void child(const char *args, const opts *o, int out, int err)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    if (o->ignore) signal(o->ignore, SIG_IGN);
    if (o->umask_set) umask(o->umask);
    struct rlimit none_core = {0, 0}, fsize = {(rlim_t)o->fsize, (rlim_t)o->fsize};
    setrlimit(RLIMIT_CORE, &none_core);
    if (o->fsize) setrlimit(RLIMIT_FSIZE, &fsize);
    if (o->shim) {
        const char *asan = getenv("ASAN_OPTIONS");
        char *both = fmt("%s%sverify_asan_link_order=0", asan ? asan : "", asan ? ":" : "");
        setenv("ASAN_OPTIONS", both, 1);
        setenv("LD_PRELOAD", CJM_SHIM, 1);
    }
    for (int i = 0; o->env[i]; i++) putenv((char *)o->env[i]);
    dup2(err, 2);
    if (out == CLOSED)
        close(1);
    else
        dup2(out, 1);
    char *copy = strdup(args), *argv[64];
    int n = 0;
    argv[n++] = "cjm";
    for (char *w = strtok(copy, " "); w && n < 63; w = strtok(NULL, " ")) argv[n++] = w;
    argv[n] = NULL;
    execv(CJM_BINARY, argv);
    _exit(127);
}

/* Starts cjm; its standard error goes to errpath. */
static pid_t start(const char *args, const opts *o, int out, const char *errpath)
{
    int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(err >= 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) child(args, o, out, err);
    close(err);
    return pid;
}

static ran run(const char *args, const opts *o)
{
    char outp[] = "/tmp/cjm_output_out_XXXXXX", errp[] = "/tmp/cjm_output_err_XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    assert_true(fo >= 0 && fe >= 0);
    close(fe);
    pid_t pid = start(args, o, o->out ? o->out : fo, errp);
    ran r;
    assert_int_equal(waitpid(pid, &r.status, 0), pid);
    close(fo);
    r.out = tu_read_file(outp);
    r.err = tu_read_file(errp);
    unlink(outp);
    unlink(errp);
    return r;
}

static void ran_free(ran *r)
{
    free(r->out);
    free(r->err);
}

static int exited(const ran *r, int code)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

/* cjm args must exit with code and print exactly want on standard error. */
static void expect(const char *args, const opts *o, int code, const char *want)
{
    ran r = run(args, o);
    if (!exited(&r, code) || strcmp(r.err, want) != 0)
        fail_msg("cjm %s: status %#x, stderr '%s'; want exit %d, '%s'", args, r.status, r.err, code,
                 want);
    ran_free(&r);
}

/* What cjm args prints on standard output (it must succeed). */
static char *output_of(const char *args)
{
    opts o = {0};
    ran r = run(args, &o);
    if (!exited(&r, 0)) fail_msg("cjm %s: status %#x: %s", args, r.status, r.err);
    free(r.err);
    return r.out;
}

/* ---- a scratch directory ---- */

static char *scratch(void)
{
    char *d = strdup("/tmp/cjm_output_XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static void scratch_remove(char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *p = fmt("%s/%s", dir, e->d_name);
        if (unlink(p) != 0) rmdir(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
    free(dir);
}

/* Temporary files (NAME.tmpXXXXXX) left in dir. */
static int temps_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

static void put(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void expect_text(const char *path, const char *want)
{
    char *got = tu_read_file(path);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s holds '%.60s', want '%.60s'", path, got ? got : "(nothing)", want);
    free(got);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ---- what is replaced, what is written through ---- */

/* A symlink is followed: its target is replaced (keeping its mode), the link
 * stays a link; a chain and a relative link too; a dangling link creates its
 * target. The report is the same bytes as on standard output. */
static void test_symlinks_followed(void **state)
{
    (void)state;
    char *dir = scratch(), *report = output_of("run " TWO " --runs 5 --format json");
    char *target = fmt("%s/target.json", dir), *link1 = fmt("%s/link1", dir);
    char *link2 = fmt("%s/link2", dir), *sub = fmt("%s/sub", dir), *rel = fmt("%s/sub/rel", dir);
    char *dangling = fmt("%s/dangling", dir), *fresh = fmt("%s/fresh.json", dir);
    put(target, "old\n", 0640);
    assert_int_equal(symlink(target, link1), 0);
    assert_int_equal(symlink("link1", link2), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(symlink("../target.json", rel), 0);
    assert_int_equal(symlink("fresh.json", dangling), 0);
    opts o = {0};
    const char *links[] = {link1, link2, rel};
    for (int i = 0; i < 3; i++) {
        put(target, "old\n", 0640);
        char *args = fmt("run " TWO " --runs 5 --format json -o %s", links[i]);
        expect(args, &o, 0, "");
        expect_text(target, report);
        assert_int_equal(mode_of(target), 0640);
        free(args);
    }
    char *args = fmt("run " TWO " --runs 5 --format json -o %s", dangling);
    expect(args, &o, 0, "");
    expect_text(fresh, report);
    struct stat st;
    const char *all[] = {link1, link2, rel, dangling};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(lstat(all[i], &st), 0);
        assert_true(S_ISLNK(st.st_mode));
    }
    assert_int_equal(temps_in(dir), 0);
    free(args), free(report), free(target), free(link1), free(link2), free(rel), free(dangling);
    free(fresh);
    rmdir(sub);
    free(sub);
    scratch_remove(dir);
}

/* Reads the FIFO at path into got (in a child) until the writer closes;
 * SIGALRM ends it after 60 s if no writer ever comes. */
static pid_t fifo_reader(const char *path, const char *got)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid) return pid;
    alarm(60);
    int in = open(path, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char buf[4096];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) _exit(1);
    _exit(in >= 0 && out >= 0 ? 0 : 1);
}

/* A FIFO is written through: the reader gets the report and the FIFO stays. */
static void test_fifo_written_through(void **state)
{
    (void)state;
    char *dir = scratch(), *fifo = fmt("%s/fifo", dir), *got = fmt("%s/got", dir);
    char *report = output_of("run " TWO " --runs 5 --format csv");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t reader = fifo_reader(fifo, got);
    char *args = fmt("run " TWO " --runs 5 --format csv -o %s", fifo);
    opts o = {0};
    expect(args, &o, 0, "");
    int status;
    assert_int_equal(waitpid(reader, &status, 0), reader);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    expect_text(got, report);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(temps_in(dir), 0);
    free(args), free(report), free(got), free(fifo);
    scratch_remove(dir);
}

/* -o /proc/self/fd/1 (what /dev/stdout leads to), directly or through a
 * symlink, writes through cjm's own standard output: a file opened for
 * appending is appended to, not replaced (same inode, no temporary file). */
static void test_own_descriptor_written_through(void **state)
{
    (void)state;
    char *dir = scratch(), *log = fmt("%s/log", dir), *link = fmt("%s/stdout", dir);
    char *report = output_of("run " TWO " --runs 5"), *want = fmt("head\n%s", report);
    assert_int_equal(symlink("/proc/self/fd/1", link), 0);
    const char *paths[] = {"/proc/self/fd/1", link};
    for (int i = 0; i < 2; i++) {
        put(log, "head\n", 0600);
        struct stat before, after;
        assert_int_equal(stat(log, &before), 0);
        opts o = {.out = open(log, O_WRONLY | O_APPEND)};
        char *args = fmt("run " TWO " --runs 5 -o %s", paths[i]);
        expect(args, &o, 0, "");
        close(o.out);
        expect_text(log, want);
        assert_int_equal(stat(log, &after), 0);
        assert_true(before.st_ino == after.st_ino);
        assert_int_equal(temps_in(dir), 0);
        free(args);
    }
    free(report), free(want), free(log), free(link);
    scratch_remove(dir);
}

/* A directory, a missing directory: exit 1 with the reason, nothing made. */
static void test_cannot_write_there(void **state)
{
    (void)state;
    char *dir = scratch(), *args = fmt("run " TWO " -o %s", dir);
    char *want = fmt("cjm: -o %s: cannot write there: Is a directory\n", dir);
    opts o = {0};
    expect(args, &o, 1, want);
    free(args), free(want);
    args = fmt("run " TWO " -o %s/missing/report.txt", dir);
    want =
        fmt("cjm: -o %s/missing/report.txt: cannot write there: No such file or directory\n", dir);
    expect(args, &o, 1, want);
    assert_int_equal(temps_in(dir), 0);
    free(args), free(want);
    scratch_remove(dir);
}

/* A file cjm may not write is refused as `>` would refuse it (not replaced
 * because the directory is writable). Root may write it: then it is
 * replaced and keeps its mode. */
static void test_read_only_file(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/ro.txt", dir), *args = fmt("run " TWO " -o %s", path);
    put(path, "old\n", 0444);
    opts o = {0};
    if (geteuid() != 0) {
        char *want = fmt("cjm: -o %s: cannot write there: Permission denied\n", path);
        expect(args, &o, 1, want);
        expect_text(path, "old\n");
        free(want);
    } else {
        expect(args, &o, 0, "");
        char *report = output_of("run " TWO), *got = tu_read_file(path);
        assert_string_equal(got, report);
        free(report), free(got);
    }
    assert_int_equal(mode_of(path), 0444);
    free(path), free(args);
    scratch_remove(dir);
}

/* ---- two outputs, one file ---- */

/* Each pair is refused (exit 2, one line) before anything is written. */
static void test_same_file_refused(void **state)
{
    (void)state;
    char *dir = scratch(), *x = fmt("%s/x.csv", dir), *hard = fmt("%s/hard.csv", dir);
    char *soft = fmt("%s/soft.csv", dir), *dangling = fmt("%s/dangling", dir);
    char *scn = fmt("%s/scenario.lua", dir), *scn_link = fmt("%s/scenario_link", dir);
    char *lua = tu_read_file(TWO);
    put(x, "old\n", 0644);
    put(scn, lua, 0644);
    assert_int_equal(link(x, hard), 0);
    assert_int_equal(symlink(x, soft), 0);
    assert_int_equal(symlink("new.csv", dangling), 0);
    assert_int_equal(symlink(scn, scn_link), 0);
    const char *pairs[][2] = {{x, x}, {x, hard}, {soft, x}, {dangling, "new.csv"}};
    opts o = {0};
    for (int i = 0; i < 4; i++) {
        char *second = pairs[i][1][0] == '/' ? strdup(pairs[i][1]) : fmt("%s/./%s", dir, "new.csv");
        char *args = fmt("run " TWO " -o %s --runs-out %s", pairs[i][0], second);
        char *want = fmt("cjm: --runs-out %s is the same file as -o %s (cjm --help for usage)\n",
                         second, pairs[i][0]);
        expect(args, &o, 2, want);
        free(args), free(want), free(second);
    }
    /* standard output redirected to x, and --runs-out x */
    opts to_x = {.out = open(x, O_WRONLY)};
    char *args = fmt("run " TWO " --runs-out %s", hard);
    char *want = fmt("cjm: --runs-out %s is the same file as standard output (cjm --help for "
                     "usage)\n",
                     hard);
    expect(args, &to_x, 2, want);
    close(to_x.out);
    free(args), free(want);
    /* the scenario itself, directly and through a symlink */
    const char *cmds[] = {"run", "check", "compare", "sweep"};
    for (int i = 0; i < 4; i++) {
        args = fmt("%s %s -o %s", cmds[i], scn, i % 2 ? scn : scn_link);
        want =
            fmt("cjm: -o %s is the scenario file (cjm --help for usage)\n", i % 2 ? scn : scn_link);
        expect(args, &o, 2, want);
        free(args), free(want);
    }
    expect_text(x, "old\n");
    expect_text(scn, lua);
    char *fresh = fmt("%s/new.csv", dir);
    assert_int_equal(access(fresh, F_OK), -1);
    assert_int_equal(temps_in(dir), 0);
    /* two different files are fine */
    args = fmt("run " TWO " --runs 3 -o %s --runs-out %s", x, fresh);
    expect(args, &o, 0, "");
    free(args), free(fresh), free(x), free(hard), free(soft), free(dangling), free(scn);
    free(scn_link), free(lua);
    scratch_remove(dir);
}

/* ---- modes ---- */

/* A new file gets 0666 less the umask; a replaced one keeps its mode. */
static void test_umask_and_mode(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report.txt", dir);
    char *args = fmt("run " TWO " --runs 3 -o %s", path);
    const mode_t masks[] = {022, 077, 002, 0}, want[] = {0644, 0600, 0664, 0666};
    for (int i = 0; i < 4; i++) {
        unlink(path);
        opts o = {.umask_set = 1, .umask = masks[i]};
        expect(args, &o, 0, "");
        if (mode_of(path) != want[i])
            fail_msg("umask %03o: mode %03o, want %03o", masks[i], mode_of(path), want[i]);
    }
    const mode_t kept[] = {0604, 0640, 0755};
    for (int i = 0; i < 3; i++) {
        put(path, "old\n", kept[i]);
        opts o = {.umask_set = 1, .umask = 077};
        expect(args, &o, 0, "");
        assert_int_equal(mode_of(path), kept[i]);
    }
    free(args), free(path);
    scratch_remove(dir);
}

/* ---- write failures ---- */

typedef struct command {
    const char *name, *args; /* args: after the command, before --format */
    int formats;             /* 0: check, which has one */
} command;

static const command commands[] = {
    {"run", TWO " --runs 5", 1},
    {"check", BEAUTY, 0},
    {"compare", BEAUTY " --engine exact", 1},
    {"fixes", BEAUTY " --engine exact", 1},
    {"sweep", BEAUTY " --engine exact --param cohort.cost_per_prospect=0.1:0.3:3", 1},
    {"tornado", BEAUTY " --engine exact", 1},
    {"morris", BEAUTY " --engine exact --trajectories 4 --param cohort.cost_per_prospect=0.1:0.3",
     1},
    {"sobol",
     BEAUTY " --engine exact --samples 16 --bootstrap 20 --param cohort.cost_per_prospect=0.1:0.3",
     1},
};
static const char *const formats[] = {"table", "json", "csv"};

/* Every command in every format, with the disk full: after 64 bytes into
 * -o (the old file kept, no temporary file left), and at once on standard
 * output. Each time exit 1 and one line naming the output. */
static void test_write_failure_every_command(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report", dir);
    char *shim_path = fmt("CJM_SHIM_PATH=%s", path);
    char *want_o = fmt("cjm: -o %s: cannot write: " ENOSPC_TEXT "\n", path);
    int checked = 0;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        for (int f = 0; f < (commands[c].formats ? 3 : 1); f++) {
            char *args = fmt("%s %s --format %s", commands[c].name, commands[c].args, formats[f]);
            char *to_file = fmt("%s -o %s", args, path);
            put(path, "old\n", 0644);
            opts o = {.shim = 1, .env = {shim_path, "CJM_SHIM_AFTER=64"}};
            expect(to_file, &o, 1, want_o);
            expect_text(path, "old\n");
            assert_int_equal(temps_in(dir), 0);
            opts s = {.shim = 1, .env = {"CJM_SHIM_FD=1"}};
            expect(args, &s, 1, "cjm: standard output: cannot write: " ENOSPC_TEXT "\n");
            free(args), free(to_file);
            checked += 2;
        }
    assert_int_equal(checked, 2 * (7 * 3 + 1));
    free(path), free(shim_path), free(want_o);
    scratch_remove(dir);
}

/* cjm report's page (1,149,879 bytes for two_stage, 5 runs) with the disk
 * full after 64 bytes, in the inlined library and in the page's own script
 * after it, and with a failing rename: exit 1, one line naming -o, the old
 * file kept, no temporary file left. */
static void test_report_write_failure(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report.html", dir);
    char *shim_path = fmt("CJM_SHIM_PATH=%s", path);
    char *args = fmt("report " TWO " --runs 5 -o %s", path);
    char *want = fmt("cjm: -o %s: cannot write: " ENOSPC_TEXT "\n", path);
    const char *after[] = {"CJM_SHIM_AFTER=64", "CJM_SHIM_AFTER=600000", "CJM_SHIM_AFTER=1145000"};
    for (int i = 0; i < 3; i++) {
        put(path, "old\n", 0644);
        opts o = {.shim = 1, .env = {shim_path, after[i]}};
        expect(args, &o, 1, want);
        expect_text(path, "old\n");
        assert_int_equal(temps_in(dir), 0);
    }
    char *want_rename = fmt("cjm: -o %s: cannot replace it: Input/output error\n", path);
    opts r = {.shim = 1, .env = {shim_path, "CJM_SHIM_OP=rename", "CJM_SHIM_ERRNO=5"}};
    expect(args, &r, 1, want_rename);
    expect_text(path, "old\n");
    assert_int_equal(temps_in(dir), 0);
    free(path), free(shim_path), free(args), free(want), free(want_rename);
    scratch_remove(dir);
}

/* --runs-out fails as --runs-out (the report before it is complete). */
static void test_runs_out_failure_named(void **state)
{
    (void)state;
    char *dir = scratch(), *report = fmt("%s/report", dir), *runs = fmt("%s/runs.csv", dir);
    char *shim_path = fmt("CJM_SHIM_PATH=%s", runs);
    char *want = fmt("cjm: --runs-out %s: cannot write: " ENOSPC_TEXT "\n", runs);
    for (int f = 0; f < 3; f++) {
        char *args =
            fmt("run " TWO " --runs 5 --format %s -o %s --runs-out %s", formats[f], report, runs);
        char *plain = fmt("run " TWO " --runs 5 --format %s", formats[f]);
        char *whole = output_of(plain);
        put(runs, "old\n", 0644);
        opts o = {.shim = 1, .env = {shim_path}};
        expect(args, &o, 1, want);
        expect_text(runs, "old\n");
        expect_text(report, whole);
        assert_int_equal(temps_in(dir), 0);
        free(args), free(plain), free(whole);
    }
    free(report), free(runs), free(shim_path), free(want);
    scratch_remove(dir);
}

/* A failing fsync or close is a failed write, a failing rename a failed
 * replacement: exit 1, the old file kept, no temporary file left. */
static void test_sync_and_close_failures(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report", dir), *out = fmt("%s/stdout", dir);
    char *shim_path = fmt("CJM_SHIM_PATH=%s", path), *shim_out = fmt("CJM_SHIM_PATH=%s", out);
    char *args = fmt("run " TWO " --runs 5 -o %s", path);
    char *want = fmt("cjm: -o %s: cannot write: Input/output error\n", path);
    char *want_rename = fmt("cjm: -o %s: cannot replace it: Input/output error\n", path);
    const char *ops[] = {"CJM_SHIM_OP=fsync", "CJM_SHIM_OP=close", "CJM_SHIM_OP=rename"};
    for (int i = 0; i < 3; i++) {
        put(path, "old\n", 0644);
        opts o = {.shim = 1, .env = {shim_path, ops[i], "CJM_SHIM_ERRNO=5"}};
        expect(args, &o, 1, i < 2 ? want : want_rename);
        expect_text(path, "old\n");
        assert_int_equal(temps_in(dir), 0);
    }
    /* standard output: a failing close of it (as NFS reports a late error) */
    opts s = {.shim = 1, .env = {shim_out, "CJM_SHIM_OP=close", "CJM_SHIM_ERRNO=5"}};
    s.out = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    expect("run " TWO " --runs 5", &s, 1,
           "cjm: standard output: cannot write: Input/output error\n");
    close(s.out);
    free(path), free(out), free(shim_path), free(shim_out), free(args), free(want);
    free(want_rename);
    scratch_remove(dir);
}

/* A closed standard output is an error for every command that writes to it,
 * --help and --version included. */
static void test_closed_stdout(void **state)
{
    (void)state;
    const char *const args[] = {"check " TWO, "--help", "--version", "run " TWO " --runs 3",
                                "tornado " BEAUTY " --engine exact --format csv"};
    opts o = {.out = CLOSED};
    for (int i = 0; i < 5; i++)
        expect(args[i], &o, 1, "cjm: standard output: cannot write: Bad file descriptor\n");
    opts full = {.shim = 1, .env = {"CJM_SHIM_FD=1"}};
    expect("--help", &full, 1, "cjm: standard output: cannot write: " ENOSPC_TEXT "\n");
    expect("--version", &full, 1, "cjm: standard output: cannot write: " ENOSPC_TEXT "\n");
}

/* A real failure from the kernel: the file size limit (RLIMIT_FSIZE) at 512
 * bytes. With SIGXFSZ ignored the write fails (EFBIG): exit 1, the message.
 * With its default action the signal ends cjm, which removes its temporary
 * file first. The old file is kept both ways. */
static void test_file_size_limit(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report", dir);
    char *args = fmt("run " TWO " --runs 5 -o %s", path);
    char *want = fmt("cjm: -o %s: cannot write: File too large\n", path);
    put(path, "old\n", 0644);
    opts o = {.fsize = 512, .ignore = SIGXFSZ};
    expect(args, &o, 1, want);
    expect_text(path, "old\n");
    assert_int_equal(temps_in(dir), 0);
    opts d = {.fsize = 512};
    ran r = run(args, &d);
    assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGXFSZ);
    ran_free(&r);
    expect_text(path, "old\n");
    assert_int_equal(temps_in(dir), 0);
    free(path), free(args), free(want);
    scratch_remove(dir);
}

/* check -o writes the description to the file, nothing to standard output. */
static void test_check_to_file(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/check.txt", dir);
    char *args = fmt("check " TWO " -o %s", path), *want = output_of("check " TWO);
    opts o = {0};
    ran r = run(args, &o);
    assert_true(exited(&r, 0));
    assert_string_equal(r.out, "");
    expect_text(path, want);
    ran_free(&r);
    free(args), free(want), free(path);
    scratch_remove(dir);
}

/* ---- signals ---- */

static void pause_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000}, NULL);
}

/* Waits (up to 60 s) until test(arg) holds; if it never does, kills pid
 * (so that no run is left behind) and fails. */
static void wait_for(int (*test)(const char *), const char *arg, pid_t pid, const char *what)
{
    for (int i = 0; i < 6000; i++) {
        if (test(arg)) return;
        pause_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_msg("waited 60 s for %s", what);
}

static int has_temp(const char *dir)
{
    return temps_in(dir) > 0;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static int still_running(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

/* What a signal did to the child: its wait status. */
static int reap(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* SIGTERM, SIGHUP or SIGINT during a long run with -o (its temporary file
 * is made before the run starts): the temporary file is gone and the old
 * file is as it was. SIGTERM and SIGHUP end cjm by that signal, silently;
 * the first SIGINT stops the run: "interrupted", exit status 130. */
static void test_signal_during_run(void **state)
{
    (void)state;
    const int sigs[] = {SIGTERM, SIGHUP, SIGINT};
    for (int i = 0; i < 3; i++) {
        char *dir = scratch(), *path = fmt("%s/report", dir), *errp = fmt("%s/err", dir);
        char *args = fmt(LONG_RUN " -o %s", path);
        put(path, "old\n", 0644);
        opts o = {0};
        pid_t pid = start(args, &o, 1, errp);
        wait_for(has_temp, dir, pid, "the temporary file");
        assert_int_equal(kill(pid, sigs[i]), 0);
        int status = reap(pid);
        if (sigs[i] == SIGINT ? !WIFEXITED(status) || WEXITSTATUS(status) != 130
                              : !WIFSIGNALED(status) || WTERMSIG(status) != sigs[i])
            fail_msg("signal %d: wait status %#x", sigs[i], status);
        expect_text(path, "old\n");
        assert_int_equal(temps_in(dir), 0);
        expect_text(errp, sigs[i] == SIGINT ? "cjm: interrupted\n" : "");
        unlink(errp);
        free(path), free(errp), free(args);
        scratch_remove(dir);
    }
}

/* SIGHUP ignored (nohup) stays ignored; SIGTERM then still cleans up. */
static void test_ignored_signal_respected(void **state)
{
    (void)state;
    char *dir = scratch(), *path = fmt("%s/report", dir), *errp = fmt("%s/err", dir);
    char *args = fmt(LONG_RUN " -o %s", path);
    opts o = {.ignore = SIGHUP};
    pid_t pid = start(args, &o, 1, errp);
    wait_for(has_temp, dir, pid, "the temporary file");
    assert_int_equal(kill(pid, SIGHUP), 0);
    pause_ms(300);
    assert_true(still_running(pid));
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status = reap(pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    assert_int_equal(temps_in(dir), 0);
    assert_false(exists(path));
    unlink(errp);
    free(path), free(errp), free(args);
    scratch_remove(dir);
}

/* Ctrl-C while the report is being written (the shim stops the write until
 * a signal comes): once, cjm finishes writing, keeps the old file and exits
 * 130 with "interrupted"; twice, the second ends it by SIGINT at once. No
 * temporary file either way. */
static void test_ctrl_c_while_writing(void **state)
{
    (void)state;
    for (int twice = 0; twice < 2; twice++) {
        char *dir = scratch(), *path = fmt("%s/report", dir), *errp = fmt("%s/err", dir);
        char *mark = fmt("%s/stalled", dir), *args = fmt("run " TWO " --runs 5 -o %s", path);
        char *stall = fmt("CJM_SHIM_STALL=%s", mark), *match = fmt("CJM_SHIM_PATH=%s", path);
        put(path, "old\n", 0644);
        opts o = {.shim = 1, .env = {stall, match, twice ? NULL : "CJM_SHIM_STALL_ONCE=1"}};
        pid_t pid = start(args, &o, 1, errp);
        wait_for(exists, mark, pid, "the write to stall");
        assert_int_equal(kill(pid, SIGINT), 0);
        if (twice) {
            pause_ms(200);
            assert_true(still_running(pid)); /* the first Ctrl-C only asks */
            assert_int_equal(kill(pid, SIGINT), 0);
        }
        int status = reap(pid);
        if (twice) {
            assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
            expect_text(errp, "");
        } else {
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 130);
            expect_text(errp, "cjm: interrupted\n");
        }
        expect_text(path, "old\n");
        assert_int_equal(temps_in(dir), 0);
        unlink(errp), unlink(mark);
        free(path), free(errp), free(mark), free(args), free(stall), free(match);
        scratch_remove(dir);
    }
}

/* Standard output a pipe whose reader goes away: SIGPIPE ends cjm quietly
 * (the usual way, as `cjm run f | head` wants), after removing --runs-out's
 * temporary file; the old runs file is kept. The shim holds the report's
 * write until the test has seen the temporary file and closed the pipe's
 * reading end; a first SIGINT (which only asks a run to stop) lets it go. */
static void test_sigpipe(void **state)
{
    (void)state;
    char *dir = scratch(), *runs = fmt("%s/runs.csv", dir), *errp = fmt("%s/err", dir);
    char *mark = fmt("%s/stalled", dir), *stall = fmt("CJM_SHIM_STALL=%s", mark);
    char *args = fmt("run " TWO " --runs 5 --runs-out %s", runs);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFD, FD_CLOEXEC), 0); /* cjm must not hold it */
    put(runs, "old\n", 0644);
    opts o = {.shim = 1, .env = {stall, "CJM_SHIM_PATH=pipe:", "CJM_SHIM_STALL_ONCE=1"}};
    pid_t pid = start(args, &o, p[1], errp);
    close(p[1]);
    wait_for(exists, mark, pid, "the write to stall");
    assert_int_equal(temps_in(dir), 1);
    close(p[0]);
    assert_int_equal(kill(pid, SIGINT), 0);
    int status = reap(pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE) fail_msg("wait status %#x", status);
    expect_text(errp, "");
    expect_text(runs, "old\n");
    assert_int_equal(temps_in(dir), 0);
    unlink(errp), unlink(mark);
    free(runs), free(errp), free(mark), free(stall), free(args);
    scratch_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symlinks_followed),
        cmocka_unit_test(test_fifo_written_through),
        cmocka_unit_test(test_own_descriptor_written_through),
        cmocka_unit_test(test_cannot_write_there),
        cmocka_unit_test(test_read_only_file),
        cmocka_unit_test(test_same_file_refused),
        cmocka_unit_test(test_umask_and_mode),
        cmocka_unit_test(test_write_failure_every_command),
        cmocka_unit_test(test_runs_out_failure_named),
        cmocka_unit_test(test_report_write_failure),
        cmocka_unit_test(test_sync_and_close_failures),
        cmocka_unit_test(test_closed_stdout),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_check_to_file),
        cmocka_unit_test(test_signal_during_run),
        cmocka_unit_test(test_ignored_signal_respected),
        cmocka_unit_test(test_ctrl_c_while_writing),
        cmocka_unit_test(test_sigpipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
