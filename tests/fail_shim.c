/* fail_shim.c: an LD_PRELOAD library for tests/test_output.c. It makes
 * write(), fsync() or close() fail, or write() stop, on chosen files, so that
 * a full disk, a failing sync and a signal in the middle of writing are tested
 * without a full disk, without privileges and without touching /dev.
 *
 *   CJM_SHIM_FD=N         act on descriptor N, or
 *   CJM_SHIM_PATH=TEXT    on every descriptor whose file's path (as
 *                         /proc/self/fd shows it) contains TEXT
 *   CJM_SHIM_OP=OP        write (default), fsync, close or rename (of a file
 *                         to a path that contains CJM_SHIM_PATH): what fails
 *   CJM_SHIM_ERRNO=N      its errno (default ENOSPC)
 *   CJM_SHIM_AFTER=BYTES  write: let this many bytes through first (default 0)
 *   CJM_SHIM_STALL=MARK   write: instead of failing, create the file MARK and
 *                         wait for signals, forever, or with
 *   CJM_SHIM_STALL_ONCE=1 until the first one, then write as usual
 *
 * It is built without sanitizers; a sanitized cjm needs
 * ASAN_OPTIONS=verify_asan_link_order=0 to accept it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long passed; /* bytes let through so far */

static int matches(int fd)
{
    const char *want_fd = getenv("CJM_SHIM_FD"), *want_path = getenv("CJM_SHIM_PATH");
    if (want_fd) return fd == atoi(want_fd);
    if (!want_path) return 0;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) return 0;
    target[n] = '\0';
    return strstr(target, want_path) != NULL;
}

static int acts_on(const char *op, int fd)
{
    const char *want = getenv("CJM_SHIM_OP");
    return strcmp(want ? want : "write", op) == 0 && matches(fd);
}

static int failure(void)
{
    const char *e = getenv("CJM_SHIM_ERRNO");
    errno = e ? atoi(e) : ENOSPC;
    return -1;
}

static void stall(const char *mark)
{
    int fd = open(mark, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0) close(fd);
    if (getenv("CJM_SHIM_STALL_ONCE"))
        pause();
    else
        for (;;) pause();
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (n == 0 || !acts_on("write", fd)) return real(fd, buf, n);
    const char *mark = getenv("CJM_SHIM_STALL"), *after = getenv("CJM_SHIM_AFTER");
    if (mark) {
        static int stalled;
        if (!stalled++) stall(mark);
        return real(fd, buf, n);
    }
    long long left = (after ? atoll(after) : 0) - passed;
    if (left <= 0) return failure();
    ssize_t w = real(fd, buf, (size_t)left < n ? (size_t)left : n);
    if (w > 0) passed += w;
    return w;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return acts_on("fsync", fd) ? failure() : real(fd);
}

int close(int fd)
{
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "close");
    int hit = acts_on("close", fd), rc = real(fd);
    return hit ? failure() : rc;
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real) real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    const char *op = getenv("CJM_SHIM_OP"), *want = getenv("CJM_SHIM_PATH");
    if (op && strcmp(op, "rename") == 0 && want && strstr(to, want)) return failure();
    return real(from, to);
}
