/* cli_progress.c: the progress bar on standard error (cli.h), for the
 * sensitivity commands' evaluations and for the runs of run, compare,
 * fixes and report. It is drawn only on a terminal, and only there: the
 * output files and standard output get the same bytes with or without it. */
#include "cli.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_WIDTH 30

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_progress_setup(cli_progress *p, const cli *c, int arms)
{
    *p = (cli_progress){.name = c->cmd->name, .last = -1, .arms = arms};
    p->on = !cli_extra(c, "--quiet") && isatty(2);
    p->start = p->t_arm = now();
    return p->on;
}

void cli_progress_restart(cli_progress *p)
{
    p->arm = p->arms = 0, p->last = -1;
    p->start = p->t_arm = now();
}

/* "12s", "3m05s", "2h10m". */
static void format_left(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(buf, size, "%lds", t);
    else if (t < 3600)
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

/* The time left: from the whole command's pace when the arms are known (or
 * there is one), else from the current arm's. */
static double time_left(const cli_progress *p, double f, double *overall)
{
    double t = now();
    int arms = p->arms > 0 ? p->arms : 1, arm = p->arm > 0 ? p->arm : 1;
    if (p->arms > 0 || p->arm <= 1) {
        *overall = ((arm - 1) + f) / arms;
        if (*overall > 1) *overall = 1;
        return *overall > 0 ? (t - p->start) * (1 - *overall) / *overall : -1;
    }
    *overall = f;
    return f > 0 ? (t - p->t_arm) * (1 - f) / f : -1;
}

void cli_progress_draw(void *ctx, long done, long total)
{
    cli_progress *p = ctx;
    if (!p->on) return;
    if (done == 0) { /* an engine run starts: the next arm */
        p->arm++, p->t_arm = now(), p->last = -1;
        return;
    }
    double f = total > 0 ? (double)done / (double)total : 1, overall;
    double left = time_left(p, f, &overall);
    int per_mille = (int)(1000 * overall);
    if (per_mille == p->last) return;
    p->last = per_mille;
    int fill = per_mille * PROGRESS_WIDTH / 1000;
    char eta[32] = "", arm[32] = "";
    if (left >= 0) format_left(eta, sizeof eta, left);
    if (p->arm > 1 || p->arms > 1)
        p->arms > 0 ? snprintf(arm, sizeof arm, " %d/%d", p->arm, p->arms)
                    : snprintf(arm, sizeof arm, " %d", p->arm);
    fprintf(stderr, "\r%s%s [%.*s%*s] %3d%%%s%s%s\033[K", p->name, arm, fill,
            "##############################", PROGRESS_WIDTH - fill, "", per_mille / 10,
            *eta ? ", " : "", eta, *eta ? " left" : "");
    fflush(stderr);
}

void cli_progress_clear(cli_progress *p)
{
    if (p->on && (p->last >= 0 || p->arm > 0)) fputs("\r\033[K", stderr);
    fflush(stderr);
}
