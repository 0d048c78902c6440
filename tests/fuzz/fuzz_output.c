/* fuzz_output.c: libFuzzer harness for where a command's output goes
 * (tools/cli_out.c; the rules are docs/hardening.md, "Output safety").
 *
 * The input chooses what two output paths lead to (nothing, a regular file,
 * a symlink to one, a dangling or looping symlink, a directory, a path under
 * a missing directory, a FIFO with a reader, a symlink chain, a file with its
 * own mode; the second also the first's path, a symlink or a hard link to
 * it), the umask, whether the writer fails, and the bytes written. Then it
 * opens both as -o and --runs-out do, writes, and closes, and checks the
 * promises:
 *   - a refused pair (the same file twice) is status 2 and nothing changed;
 *   - a failed open is status 1 or 2 and nothing changed;
 *   - a failed writer leaves every existing file as it was, status nonzero;
 *   - a kept output holds exactly the bytes written (through the link, to the
 *     FIFO's reader), a replaced file keeps its mode, a new one gets
 *     0666 & ~umask, a symlink stays a symlink;
 *   - no temporary file is ever left behind.
 * Every case runs in a fresh directory under /dev/shm (or /tmp) that the
 * harness removes; nothing outside it is touched. */
#define _GNU_SOURCE
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    K_NONE,
    K_FILE,
    K_LINK,
    K_DANGLING,
    K_DIR,
    K_LOOP,
    K_NODIR,
    K_FIFO,
    K_CHAIN,
    K_MODE,
    K_KINDS
};
enum { B_SAME = K_KINDS, B_LINK_A, B_HARD_A, B_ABSENT, B_KINDS };

#define OLD "old contents\n"

typedef struct place {
    int kind;
    char path[256];   /* given to cli_out */
    char target[256]; /* the regular file it leads to ("" if none) */
    int reader;       /* a FIFO's read end */
} place;

static char root[128];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(root, sizeof root, "%s/cjm_fuzz_output_%d", dir, (int)getpid());
    return 0;
}

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_output: %s (%s)\n", what, path);
    abort();
}

static void put(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0)
        fail("cannot set up", path);
    if (chmod(path, mode) != 0) fail("cannot chmod", path);
}

/* The file's whole contents in buf (NUL-terminated); -1 if it cannot be read. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return -1;
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0) n += (size_t)r;
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

static void set_up(place *p, int kind, const char *name)
{
    p->kind = kind;
    p->reader = -1;
    p->target[0] = '\0';
    snprintf(p->path, sizeof p->path, "%s/%s", root, name);
    char t[256];
    snprintf(t, sizeof t, "%s/t_%s", root, name);
    switch (kind) {
    case K_FILE:
        put(p->path, OLD, 0644), snprintf(p->target, sizeof p->target, "%s", p->path);
        break;
    case K_MODE:
        put(p->path, OLD, 0640), snprintf(p->target, sizeof p->target, "%s", p->path);
        break;
    case K_LINK:
        put(t, OLD, 0644);
        if (symlink(t, p->path) != 0) fail("symlink", p->path);
        snprintf(p->target, sizeof p->target, "%s", t);
        break;
    case K_DANGLING:
        if (symlink(t, p->path) != 0) fail("symlink", p->path);
        break;
    case K_DIR:
        if (mkdir(p->path, 0755) != 0) fail("mkdir", p->path);
        break;
    case K_LOOP:
        if (symlink(p->path, p->path) != 0) fail("symlink", p->path);
        break;
    case K_NODIR:
        snprintf(p->path, sizeof p->path, "%s/missing/%s", root, name);
        break;
    case K_FIFO:
        if (mkfifo(p->path, 0644) != 0) fail("mkfifo", p->path);
        p->reader = open(p->path, O_RDONLY | O_NONBLOCK);
        if (p->reader < 0) fail("fifo reader", p->path);
        break;
    case K_CHAIN: {
        char mid[256];
        snprintf(mid, sizeof mid, "%s/m_%s", root, name);
        put(t, OLD, 0644);
        if (symlink(t, mid) != 0 || symlink(mid, p->path) != 0) fail("symlink", p->path);
        snprintf(p->target, sizeof p->target, "%s", t);
        break;
    }
    default:
        break;
    }
}

/* The second place may be the first again, under its own or another name. */
static void set_up_second(place *b, int kind, const place *a)
{
    if (kind < K_KINDS) return set_up(b, kind, "b");
    *b = *a;
    b->kind = kind;
    b->reader = -1;
    if (kind == B_SAME) return;
    snprintf(b->path, sizeof b->path, "%s/b", root);
    if (kind == B_LINK_A && symlink(a->path, b->path) != 0) fail("symlink", b->path);
    if (kind == B_HARD_A && (a->kind != K_FILE || link(a->path, b->path) != 0)) b->kind = B_ABSENT;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* No name in root looks like a temporary file (FILE.tmpXXXXXX). */
static void no_temporaries(void)
{
    DIR *d = opendir(root);
    if (!d) fail("opendir", root);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) fail("temporary file left", e->d_name);
    closedir(d);
}

/* The place is as set up: its target (if any) still holds OLD. */
static void unchanged(const place *p)
{
    char buf[64];
    if (p->target[0] && (slurp(p->target, buf, sizeof buf) < 0 || strcmp(buf, OLD) != 0))
        fail("an existing file changed", p->target);
    struct stat st;
    if ((p->kind == K_LINK || p->kind == K_CHAIN) &&
        (lstat(p->path, &st) != 0 || !S_ISLNK(st.st_mode)))
        fail("a symlink was replaced", p->path);
}

/* A kept output: the bytes written, where they should be, with the mode. */
static void kept(const place *p, const char *bytes, size_t n, mode_t mask)
{
    static char buf[8192];
    const char *where = p->kind == K_LINK || p->kind == K_CHAIN ? p->target : p->path;
    ssize_t got =
        p->kind == K_FIFO ? read(p->reader, buf, sizeof buf) : slurp(where, buf, sizeof buf);
    if (got < 0) got = 0; /* an empty FIFO reads EAGAIN */
    if ((size_t)got != n || memcmp(buf, bytes, n) != 0)
        fail("output is not the bytes written", where);
    struct stat st;
    if (p->kind == K_FIFO || stat(where, &st) != 0) return;
    mode_t want = p->kind == K_MODE                            ? 0640
                  : p->kind == K_NONE || p->kind == K_DANGLING ? (0666 & ~mask)
                                                               : 0644;
    if ((st.st_mode & 07777) != want) fail("mode not kept", where);
    if ((p->kind == K_LINK || p->kind == K_CHAIN) &&
        (lstat(p->path, &st) != 0 || !S_ISLNK(st.st_mode)))
        fail("a symlink was replaced", p->path);
}

static int write_all(cli_out *o, const char *bytes, size_t n)
{
    return fwrite(bytes, 1, n, o->f) == n ? 0 : -1;
}

static void finish(place *a, place *b)
{
    if (a->reader >= 0) close(a->reader);
    if (b->reader >= 0) close(b->reader);
    no_temporaries();
    remove_tree(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 4096) return 0;
    remove_tree(root);
    if (mkdir(root, 0755) != 0) fail("mkdir", root);
    mode_t mask = data[2] & 8 ? 077 : 022, saved = umask(mask);
    place a, b;
    set_up(&a, data[0] % K_KINDS, "a");
    set_up_second(&b, data[1] % B_KINDS, &a);
    const char *bytes = (const char *)data + 3;
    size_t n = size - 3, na = n / 2, nb = n - na;
    int two = b.kind != B_ABSENT;
    cli_out outs[2];
    cli_out_init(&outs[0], "-o", a.path);
    cli_out_init(&outs[1], "--runs-out", b.path);
    int rc = cli_out_open(outs, two ? 2 : 1, NULL);
    if (rc) {
        if (rc != 1 && rc != 2) fail("open: status neither 1 nor 2", a.path);
        if (b.kind == B_SAME || b.kind == B_LINK_A || b.kind == B_HARD_A)
            if (rc != 2 && a.kind != K_DIR && a.kind != K_LOOP && a.kind != K_NODIR)
                fail("same file not usage", b.path);
        unchanged(&a);
        if (two) unchanged(&b);
        umask(saved);
        finish(&a, &b);
        return 0;
    }
    if (b.kind == B_SAME || b.kind == B_LINK_A || b.kind == B_HARD_A)
        fail("the same file opened twice", b.path);
    int fail_a = data[2] & 1, fail_b = data[2] & 2;
    cjm_error err = {.code = CJM_ESCENARIO};
    snprintf(err.msg, sizeof err.msg, "the writer failed");
    if (write_all(&outs[0], bytes, na) != 0) fail("fwrite", a.path);
    if (data[2] & 4)
        cli_out_discard(&outs[0]), fail_a = 1;
    else if (cli_out_close(&outs[0], fail_a ? &err : NULL) != (fail_a ? 1 : 0))
        fail("close: wrong status", a.path);
    if (two) {
        if (write_all(&outs[1], bytes + na, nb) != 0) fail("fwrite", b.path);
        if (cli_out_close(&outs[1], fail_b ? &err : NULL) != (fail_b ? 1 : 0))
            fail("close: wrong status", b.path);
    }
    umask(saved);
    if (fail_a || a.kind == K_FIFO) unchanged(&a);
    if (!fail_a) kept(&a, bytes, na, mask);
    if (two && fail_b) unchanged(&b);
    if (two && !fail_b) kept(&b, bytes + na, nb, mask);
    finish(&a, &b);
    return 0;
}
