/* mpi.c: `mpirun -np K cjm COMMAND ...` (the build with -DCJM_MPI=ON;
 * docs/scale.md, "MPI").
 *
 * The ranks share a command's work items as K shards do: rank r runs the
 * command as `--shard r+1/K` into a partial result in its own temporary
 * file, which it sends to rank 0 whole; rank 0 merges the K parts in rank
 * order, as `cjm merge` does, and alone writes the output (-o, --format,
 * --runs-out). The bytes are therefore those of the command run in one
 * process, for any K: the shards and the merge guarantee it (tests/mpi/).
 *
 * run, compare, tornado, morris and sobol are shared; any other command
 * (check, fixes, report, ...) runs on rank 0 alone while the others wait. Every
 * rank ends with the same exit status. A failure is reported once: rank 0's
 * own message, or else the message of the lowest rank that failed (the
 * other ranks' standard error is kept in a temporary file, not printed). */
#define _GNU_SOURCE
#include "cli.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const shared_commands[] = {"run", "compare", "tornado", "morris", "sobol", NULL};

/* The options whose value belongs to the merge (rank 0's output). */
static const char *const output_options[] = {"-o", "--output", "--format", "--runs-out", NULL};

static int is_shared(const char *command)
{
    for (const char *const *c = shared_commands; *c; c++)
        if (strcmp(command, *c) == 0) return 1;
    return 0;
}

/* 1 if a (as `-o X` or `-o=X`) is an output option; *value: X follows. */
static int output_option(const char *a, int *value)
{
    for (const char *const *n = output_options; *n; n++) {
        size_t len = strlen(*n);
        if (strcmp(a, *n) == 0) return *value = 1, 1;
        if (strncmp(a, *n, len) == 0 && a[len] == '=') return *value = 0, 1;
    }
    return 0;
}

static int has_option(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], name) == 0 || (strncmp(argv[i], name, len) == 0 && argv[i][len] == '='))
            return 1;
    return 0;
}

/* The command line split in two: the shard's (without the output options,
 * with --shard I/K -o PART) and the merge's (merge, the parts, and
 * the output options). Both arrays are allocated with room for them. */
typedef struct lines {
    char **shard, **merge;
    int shard_n, merge_n;
    char shard_arg[32];
} lines;

static int split_lines(lines *l, int argc, char **argv, int rank, int size, char *part,
                       char **parts)
{
    l->shard = calloc((size_t)argc + 6, sizeof *l->shard);
    l->merge = calloc((size_t)argc + (size_t)size + 3, sizeof *l->merge);
    if (!l->shard || !l->merge) return -1;
    snprintf(l->shard_arg, sizeof l->shard_arg, "%d/%d", rank + 1, size);
    l->shard[l->shard_n++] = argv[0];
    l->merge[l->merge_n++] = argv[0];
    l->merge[l->merge_n++] = "merge";
    for (int r = 0; r < size; r++) l->merge[l->merge_n++] = parts[r];
    for (int i = 1; i < argc; i++) {
        int value = 0;
        if (i >= 2 && output_option(argv[i], &value)) {
            l->merge[l->merge_n++] = argv[i];
            if (value && i + 1 < argc) l->merge[l->merge_n++] = argv[++i];
            continue;
        }
        l->shard[l->shard_n++] = argv[i];
    }
    char **s = l->shard + l->shard_n;
    s[0] = "--shard", s[1] = l->shard_arg, s[2] = "-o", s[3] = part;
    l->shard_n += 4;
    return 0;
}

/* A temporary file's name in TMPDIR (or /tmp), created empty; 0 or -1. */
static int temp_name(char *buf, size_t size, const char *what)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, size, "%s/cjm-mpi-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
    int fd = mkstemp(buf);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/* The file's bytes, malloc'd (*len of them); NULL if it cannot be read. */
static char *slurp(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f && fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)*len + 1)) && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
        free(buf);
        buf = NULL;
    }
    if (f) fclose(f);
    return buf;
}

static int spill(const char *path, const char *bytes, long len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(bytes, 1, (size_t)len, f) == (size_t)len;
    if (f && fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

/* Every rank's status and bytes (its part, or its captured messages) to
 * rank 0, in rank order: *all (rank 0 only) holds them back to back. */
static void gather(int rc, const char *bytes, long len, int size, int *rcs, int *lens, int *offs,
                   char **all)
{
    int rank, mine[2] = {rc, (int)len}, *both = malloc(2 * (size_t)size * sizeof *both);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (!both) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gather(mine, 2, MPI_INT, both, 2, MPI_INT, 0, MPI_COMM_WORLD);
    long long total = 0;
    for (int r = 0; rank == 0 && r < size; r++) {
        rcs[r] = both[2 * r], lens[r] = both[2 * r + 1], offs[r] = (int)total;
        total += lens[r];
    }
    if (total > INT_MAX) MPI_Abort(MPI_COMM_WORLD, 1); /* parts of over 2 GiB in all */
    if (rank == 0 && !(*all = malloc((size_t)total + 1))) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gatherv(bytes, (int)len, MPI_CHAR, *all, lens, offs, MPI_CHAR, 0, MPI_COMM_WORLD);
    free(both);
}

/* Rank 0: the parts into files of its own, merged into the output. */
static int merge_parts(lines *l, char **parts, int size, const int *lens, const int *offs,
                       const char *all, int (*whole)(int, char **))
{
    int rc = 0;
    for (int r = 0; r < size && !rc; r++)
        if (temp_name(parts[r], 256, "part") != 0 || spill(parts[r], all + offs[r], lens[r]) != 0)
            rc = cli_usage_error("mpi: cannot write a part to a temporary file");
    if (!rc) rc = whole(l->merge_n, l->merge);
    for (int r = 0; r < size; r++)
        if (parts[r][0]) unlink(parts[r]);
    return rc;
}

/* The lowest failed rank's status, its messages printed by rank 0 (rank
 * 0's own were printed as they came). */
static int first_failure(const int *rcs, const int *lens, const int *offs, const char *all,
                         int size)
{
    for (int r = 0; r < size; r++) {
        if (!rcs[r]) continue;
        if (r > 0) fprintf(stderr, "%.*s", lens[r], all + offs[r]);
        return rcs[r];
    }
    return 0;
}

/* Rank r's share: the shard run into part; its bytes (or, on failure, its
 * captured standard error) returned malloc'd. */
static int run_share(lines *l, const char *part, const char *errs, int (*whole)(int, char **),
                     char **bytes, long *len)
{
    int rc = whole(l->shard_n, l->shard);
    fflush(stderr);
    *bytes = slurp(rc == 0 ? part : errs, len);
    if (rc == 0 && (!*bytes || *len > INT_MAX)) {
        free(*bytes);
        rc = cli_usage_error("mpi: the shard's part cannot be read back (or is over 2 GiB)");
        *bytes = errs[0] ? slurp(errs, len) : NULL;
    }
    if (!*bytes) *bytes = calloc(1, 1), *len = 0;
    return rc;
}

static int shared_run(int argc, char **argv, int rank, int size, int (*whole)(int, char **))
{
    char part[256] = "", errs[256] = "", **parts = calloc((size_t)size, sizeof *parts);
    int *rcs = calloc(3 * (size_t)size, sizeof *rcs), rc = 0;
    lines l = {0};
    for (int r = 0; parts && r < size; r++) parts[r] = calloc(256, 1);
    if (!parts || !rcs || !parts[size - 1] || temp_name(part, sizeof part, "shard") != 0 ||
        split_lines(&l, argc, argv, rank, size, part, parts) != 0)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (rank > 0 && (temp_name(errs, sizeof errs, "stderr") != 0 || !freopen(errs, "w", stderr)))
        MPI_Abort(MPI_COMM_WORLD, 1);
    char *bytes = NULL, *all = NULL;
    long len = 0;
    rc = run_share(&l, part, errs, whole, &bytes, &len);
    gather(rc, bytes, len, size, rcs, rcs + size, rcs + 2 * size, &all);
    if (rank == 0) {
        rc = first_failure(rcs, rcs + size, rcs + 2 * size, all, size);
        if (!rc) rc = merge_parts(&l, parts, size, rcs + size, rcs + 2 * size, all, whole);
    }
    unlink(part);
    if (errs[0]) unlink(errs);
    for (int r = 0; r < size; r++) free(parts[r]);
    free(parts), free(rcs), free(bytes), free(all), free(l.shard), free(l.merge);
    return rc;
}

/* A usage error found before any rank starts: said once, by rank 0. */
static int refuse(int rank, const char *command, int precision)
{
    if (rank == 0 && precision)
        cli_usage_error("%s: --precision chooses the runs as it goes: under mpirun give --runs",
                        command);
    else if (rank == 0)
        cli_usage_error("%s: --shard and mpirun both split the work: use one", command);
    return 2;
}

int cli_mpi_main(int argc, char **argv, int (*whole)(int, char **))
{
    int rank = 0, size = 1, rc;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1 || argc < 3 || !is_shared(argv[1]))
        rc = rank == 0 ? whole(argc, argv) : 0;
    else if (has_option(argc, argv, "--shard"))
        rc = refuse(rank, argv[1], 0);
    else if (has_option(argc, argv, "--precision"))
        rc = refuse(rank, argv[1], 1);
    else if (has_option(argc, argv, "--help") || has_option(argc, argv, "-h"))
        rc = rank == 0 ? whole(argc, argv) : 0;
    else
        rc = shared_run(argc, argv, rank, size, whole);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
