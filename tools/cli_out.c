/* cli_out.c: where a command's output goes, written so that nothing is ever
 * destroyed (docs/hardening.md, "Output safety").
 *
 * A regular file, or a path that does not exist yet, is replaced atomically:
 * the output goes to a temporary file next to it, which is renamed over it
 * only when every byte has been written, flushed and synced. A symlink is
 * followed to the file it names, which is replaced (the link stays a link).
 * Anything else (a FIFO, a character device, a socket, a descriptor of this
 * process named as /dev/stdout or /proc/self/fd/N) is written through: opened
 * for writing, never created, truncated or renamed over.
 *
 * Every write goes through one function that keeps the first error, so that
 * the message names the file and the real reason. Temporary files are on a
 * list that the handlers of the terminating signals remove before the signal
 * takes its default action. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUT_STDOUT, OUT_REPLACE, OUT_DIRECT, OUT_DUP };

#define MAX_HOPS 40 /* symlinks followed, as Linux's own limit */
#define TEMP_SLOTS 8

/* ---- the temporary files, and the signals that remove them ---- */

static char *volatile temps[TEMP_SLOTS];
static volatile sig_atomic_t sigints;
static cjm_cancel *volatile cancel_token; /* what the first SIGINT requests */

/* The signals whose default action ends the process and that a handler may
 * catch. Crash signals (SIGSEGV, SIGABRT, ...) are left to their default and
 * to the sanitizers. */
static const int cleanup_signals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGPIPE, SIGALRM,
                                      SIGTERM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ};
#define SIGNAL_COUNT (sizeof cleanup_signals / sizeof cleanup_signals[0])
static struct sigaction previous[SIGNAL_COUNT];
static int installed[SIGNAL_COUNT];

static void remove_temps(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++) {
        char *p = temps[i];
        if (p) unlink(p);
    }
}

/* Async-signal-safe: removes the temporary files, then lets the signal do
 * what it would have done, so that the exit status is the signal's. */
static void on_fatal_signal(int sig)
{
    remove_temps();
    signal(sig, SIG_DFL);
    raise(sig); /* blocked until the handler returns */
}

/* The first Ctrl-C asks the run to stop (it ends with "interrupted", status
 * 130, every -o file left as it was); a second one ends the program at once. */
static void on_sigint(int sig)
{
    if (sigints++ == 0) {
        if (cancel_token) cjm_cancel_request(cancel_token);
        return;
    }
    on_fatal_signal(sig);
}

static void cleanup_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < SIGNAL_COUNT; i++) sigaddset(set, cleanup_signals[i]);
}

/* A signal that is ignored (nohup, a background job) or already handled
 * (a debugger, a fuzzer) is left as it is. */
void cli_signals_install(cjm_cancel *cancel)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    cleanup_set(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigints = 0;
    cancel_token = cancel;
    cjm_set_exit_hook(remove_temps); /* the library's watchdog ends the process */
    for (size_t i = 0; i < SIGNAL_COUNT; i++) {
        int sig = cleanup_signals[i];
        installed[i] = 0;
        if (sigaction(sig, NULL, &previous[i]) != 0 || (previous[i].sa_flags & SA_SIGINFO) ||
            previous[i].sa_handler != SIG_DFL)
            continue;
        sa.sa_handler = sig == SIGINT ? on_sigint : on_fatal_signal;
        installed[i] = sigaction(sig, &sa, NULL) == 0;
    }
}

void cli_signals_restore(void)
{
    for (size_t i = 0; i < SIGNAL_COUNT; i++)
        if (installed[i]) sigaction(cleanup_signals[i], &previous[i], NULL);
    cancel_token = NULL;
    cjm_set_exit_hook(NULL);
}

/* A closed standard descriptor would be given to the next file opened, so a
 * temporary file could become "standard output". Each closed one is taken by
 * /dev/null opened read-only: writing to it fails (EBADF) as writing to a
 * closed descriptor does, and is reported. */
void cli_std_fds_reserve(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int got = open("/dev/null", O_RDONLY);
            if (got >= 0 && got != fd) close(got);
        }
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    cleanup_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Puts path on the list: its slot, or -1 when the list is full. Called with
 * the signals blocked. */
static int temp_register(char *path)
{
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (!temps[i]) {
            temps[i] = path;
            return i;
        }
    return -1;
}

static void release(cli_out *o)
{
    free(o->target);
    o->target = NULL;
}

/* ---- messages ---- */

/* The output's name as the user wrote it ("-o out.json", or "standard
 * output"), control characters escaped so that a message stays one line. */
static void name_of(const cli_out *o, char *buf, size_t size)
{
    if (!o->path) {
        snprintf(buf, size, "standard output");
        return;
    }
    size_t n = (size_t)snprintf(buf, size, "%s ", o->option);
    for (const unsigned char *p = (const unsigned char *)o->path; *p && n + 5 < size; p++)
        n += (size_t)snprintf(buf + n, size - n, *p < 0x20 || *p == 0x7f ? "\\x%02x" : "%c", *p);
}

static int out_error(const cli_out *o, const char *what, int e)
{
    char name[PATH_MAX + 64];
    name_of(o, name, sizeof name);
    fprintf(stderr, "cjm: %s: %s: %s\n", name, what, strerror(e));
    return 1;
}

/* ---- where a path leads ---- */

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", name);
    return s;
}

/* The directory path's last name is in, resolved (every symlink followed),
 * and *name, that last name; NULL with errno set. */
static char *real_dir(const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash ? slash + 1 : path;
    if (!**name) {
        errno = EISDIR;
        return NULL;
    }
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) return NULL;
    char *real = realpath(dir, NULL);
    int e = errno;
    free(dir);
    errno = e;
    return real;
}

/* The descriptor of this process that dir/name is, or -1. dir is resolved,
 * so /dev/stdout, /dev/fd/1 and /proc/self/fd/1 all arrive here as
 * /proc/<pid>/fd/1 (or /proc/<pid>/task/<tid>/fd/1). */
static int own_descriptor(const char *dir, const char *name)
{
    char mine[48];
    size_t n = (size_t)snprintf(mine, sizeof mine, "/proc/%ld/", (long)getpid());
    if (strncmp(dir, mine, n) != 0) return -1;
    const char *rest = dir + n;
    if (strncmp(rest, "task/", 5) == 0) {
        rest += 5 + strspn(rest + 5, "0123456789");
        if (*rest++ != '/') return -1;
    }
    size_t digits = strspn(name, "0123456789");
    if (strcmp(rest, "fd") != 0 || !digits || name[digits] || digits > 9) return -1;
    return atoi(name);
}

/* o leads to full, which st describes (NULL: it does not exist yet). Takes
 * full. A regular file must be writable, as the shell's `>` would need. */
static int settle(cli_out *o, char *full, const struct stat *st)
{
    o->target = full;
    o->kind = OUT_REPLACE;
    if (!st) return 0;
    o->exists = 1, o->dev = st->st_dev, o->ino = st->st_ino;
    o->mode = st->st_mode & 07777, o->uid = st->st_uid, o->gid = st->st_gid;
    if (S_ISDIR(st->st_mode)) return EISDIR;
    if (!S_ISREG(st->st_mode)) o->kind = OUT_DIRECT;
    return o->kind == OUT_REPLACE && access(full, W_OK) != 0 ? errno : 0;
}

/* A descriptor of this process (/dev/stdout, /proc/self/fd/N) is duplicated
 * and written through its own open file, so that `>>` still appends and a
 * file is never truncated or replaced behind the shell's back. Takes full. */
static int settle_descriptor(cli_out *o, char *full, int fd)
{
    struct stat st;
    o->target = full;
    o->kind = OUT_DUP;
    o->dup_of = fd;
    if (fstat(fd, &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    o->exists = 1, o->dev = st.st_dev, o->ino = st.st_ino;
    return 0;
}

/* full (in the resolved directory real) is a symlink: *next is where it
 * leads. Takes full. */
static int follow(char *full, const char *real, char **next)
{
    char link[PATH_MAX];
    ssize_t n = readlink(full, link, sizeof link);
    int e = errno;
    free(full);
    if (n < 0) return e;
    if ((size_t)n == sizeof link) return ENAMETOOLONG;
    link[n] = '\0';
    *next = link[0] == '/' ? strdup(link) : join(real, link);
    return *next ? 0 : ENOMEM;
}

/* Frees full, keeping errno (what went wrong with it). */
static int give_up(char *full)
{
    int e = errno;
    free(full);
    return e;
}

/* One step along path: settles o, or sets *next to where a symlink leads. */
static int resolve_step(cli_out *o, const char *path, char **next)
{
    const char *name;
    char *real = real_dir(path, &name), *full = real ? join(real, name) : NULL;
    struct stat st;
    int e, fd;
    if (!real || !full)
        e = real ? ENOMEM : errno;
    else if ((fd = own_descriptor(real, name)) >= 0)
        e = settle_descriptor(o, full, fd);
    else if (lstat(full, &st) != 0)
        e = errno == ENOENT ? settle(o, full, NULL) : give_up(full);
    else
        e = S_ISLNK(st.st_mode) ? follow(full, real, next) : settle(o, full, &st);
    free(real);
    return e;
}

/* What o->path leads to: its kind, its target and the identity of the file. */
static int locate(cli_out *o)
{
    struct stat st;
    if (!o->path) {
        o->kind = OUT_STDOUT;
        if (fstat(1, &st) == 0) o->exists = 1, o->dev = st.st_dev, o->ino = st.st_ino;
        return 0;
    }
    char *path = strdup(o->path);
    int e = path ? 0 : ENOMEM;
    for (int hop = 0; path && !e; hop++) {
        char *next = NULL;
        e = hop == MAX_HOPS ? ELOOP : resolve_step(o, path, &next);
        free(path);
        path = next;
    }
    free(path);
    return e;
}

/* ---- two outputs, one file ---- */

static int same_file(const cli_out *a, const cli_out *b)
{
    if (a->exists || b->exists)
        return a->exists && b->exists && a->dev == b->dev && a->ino == b->ino;
    return a->target && b->target && strcmp(a->target, b->target) == 0;
}

/* Two outputs that are one file would destroy one another; an output that
 * is the scenario would destroy it. Usage errors. */
static int refuse_same(const cli_out *outs, int n, const char *scenario)
{
    char a[PATH_MAX + 64], b[PATH_MAX + 64];
    struct stat st;
    cli_out input = {.exists = 1};
    int known = scenario && stat(scenario, &st) == 0;
    if (known) input.dev = st.st_dev, input.ino = st.st_ino;
    for (int i = 0; i < n; i++) {
        name_of(&outs[i], a, sizeof a);
        if (known && same_file(&outs[i], &input))
            return cli_usage_error("%s is the scenario file", a);
        for (int j = 0; j < i; j++)
            if (same_file(&outs[i], &outs[j])) {
                name_of(&outs[j], b, sizeof b);
                return cli_usage_error("%s is the same file as %s", a, b);
            }
    }
    return 0;
}

/* ---- opening ---- */

static mode_t current_umask(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return mask;
}

/* The temporary file next to the target, on the list before a signal can
 * come. It gets the mode of the file it replaces (and, best effort, its
 * owner), or for a new file 0666 less the umask, as `>` would. */
static int open_temp(cli_out *o)
{
    size_t n = strlen(o->target) + sizeof ".tmpXXXXXX";
    if (!(o->tmp = malloc(n))) return ENOMEM;
    snprintf(o->tmp, n, "%s.tmpXXXXXX", o->target);
    sigset_t old;
    block_signals(&old);
    o->fd = mkstemp(o->tmp);
    int e = errno;
    if (o->fd >= 0 && (o->slot = temp_register(o->tmp)) < 0) {
        unlink(o->tmp), close(o->fd);
        o->fd = -1, e = ENFILE;
    }
    restore_signals(&old);
    if (o->fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        return e;
    }
    if (o->exists && (o->uid != geteuid() || o->gid != getegid()) &&
        fchown(o->fd, o->uid, o->gid) != 0) {
        /* best effort: only root may give a file away */
    }
    if (fchmod(o->fd, o->exists ? o->mode : 0666 & ~current_umask()) != 0) {
        /* best effort: a file system without modes keeps mkstemp's 0600 */
    }
    return 0;
}

static int wait_writable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int rc;
    while ((rc = poll(&p, 1, -1)) < 0 && errno == EINTR) {
    }
    return rc < 0 ? errno : 0;
}

/* The stream's only way out: writes everything or keeps the first error
 * (and then writes nothing more). */
static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    cli_out *o = cookie;
    size_t done = 0;
    while (!o->err && !o->dropping && done < size) {
        ssize_t n = write(o->fd, buf + done, size - done);
        if (n > 0)
            done += (size_t)n;
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            o->err = wait_writable(o->fd);
        else if (n == 0 || errno != EINTR)
            o->err = n < 0 ? errno : EIO;
    }
    return o->err ? 0 : (ssize_t)size;
}

static int open_one(cli_out *o)
{
    int e = 0;
    if (o->kind == OUT_STDOUT)
        o->fd = 1;
    else if (o->kind == OUT_DUP)
        o->fd = fcntl(o->dup_of, F_DUPFD_CLOEXEC, 3);
    else if (o->kind == OUT_DIRECT)
        o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    else
        e = open_temp(o);
    if (!e && o->fd < 0) e = errno;
    if (!e && !(o->f = fopencookie(o, "w", (cookie_io_functions_t){.write = stream_write})))
        e = errno ? errno : ENOMEM;
    return e;
}

void cli_out_init(cli_out *o, const char *option, const char *path)
{
    memset(o, 0, sizeof *o);
    o->option = path ? option : NULL;
    o->path = path;
    o->fd = o->dup_of = o->slot = -1;
}

int cli_out_open(cli_out *outs, int n, const char *scenario)
{
    int rc = 0, e = 0, opened = 0;
    for (int i = 0; i < n && !rc; i++)
        if ((e = locate(&outs[i]))) rc = out_error(&outs[i], "cannot write there", e);
    if (!rc) rc = refuse_same(outs, n, scenario);
    for (; opened < n && !rc; opened++)
        if ((e = open_one(&outs[opened]))) rc = out_error(&outs[opened], "cannot write there", e);
    if (rc) {
        for (int i = 0; i < opened; i++) cli_out_discard(&outs[i]);
        for (int i = 0; i < n; i++) release(&outs[i]);
    }
    return rc;
}

/* ---- closing ---- */

/* After the stream: a replaced file synced, every descriptor closed, each
 * checked while the output is to be kept. Standard output stays open; a
 * duplicate of it is closed, which reports a delayed error (NFS) as close
 * would. */
static void close_fd(cli_out *o, int keep)
{
    keep = keep && !o->err;
    if (o->kind == OUT_STDOUT) {
        int d = keep ? dup(1) : -1;
        if (keep && (d < 0 || close(d) != 0)) o->err = errno;
        return;
    }
    if (keep && o->kind == OUT_REPLACE && fsync(o->fd) != 0) o->err = errno;
    if (close(o->fd) != 0 && keep && !o->err) o->err = errno;
    o->fd = -1;
}

/* The temporary file renamed into place (rc 0) or removed, and off the list,
 * signals blocked so that no handler sees it half done. */
static int put_in_place(cli_out *o, int rc)
{
    if (!o->tmp) return rc;
    sigset_t old;
    int e = 0;
    block_signals(&old);
    if (rc == 0 && rename(o->tmp, o->target) != 0) e = errno;
    if (rc != 0 || e) unlink(o->tmp);
    temps[o->slot] = NULL;
    restore_signals(&old);
    free(o->tmp);
    o->tmp = NULL;
    return e ? out_error(o, "cannot replace it", e) : rc;
}

int cli_out_close(cli_out *o, const cjm_error *err)
{
    o->dropping = err != NULL;
    if (fclose(o->f) != 0 && !o->err && !err) o->err = EIO;
    o->f = NULL;
    close_fd(o, !err);
    int rc = 0;
    if (o->err)
        rc = out_error(o, "cannot write", o->err);
    else if (err)
        rc = cli_fail(err);
    else if (sigints > 0)
        rc = (fputs("cjm: interrupted\n", stderr), 130);
    rc = put_in_place(o, rc);
    release(o);
    return rc;
}

void cli_out_discard(cli_out *o)
{
    if (!o->f) return;
    o->dropping = 1;
    fclose(o->f);
    o->f = NULL;
    close_fd(o, 0);
    put_in_place(o, 1);
    release(o);
}
