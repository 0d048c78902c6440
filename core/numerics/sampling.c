/* sampling.c: the uniforms behind uncertain inputs (plain or Latin
 * hypercube), rank correlation on plain matrices, Spearman's rho. Inputs are
 * drawn by inversion (x = Q(u), model/draws.c) so that plain sampling, Latin
 * hypercube and rank correlation all act on the same uniforms.
 *
 * Iman and Conover (1982), "A distribution-free approach to inducing rank
 * correlation among input variables": reorder each input's draws so that their
 * ranks follow those of normal scores given the target correlation. The
 * target is a rank (Spearman) correlation; normal scores with Pearson
 * correlation 2 sin(pi r / 6) have Spearman correlation r. */
#include "sampling.h"

#include "rng.h"
#include "special.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_UNIFORMS = 1, STREAM_STRATA = 2, STREAM_SCORES = 3 };

uint64_t cjm_path_key(const char *path)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

static void shuffle(int *perm, int n, cjm_rng *rng)
{
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)cjm_rng_bounded(rng, (uint32_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void cjm_input_uniforms(uint64_t seed, uint64_t key, int runs, cjm_sampling method, int *perm,
                        double *u)
{
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, key, STREAM_UNIFORMS);
    for (int r = 0; r < runs; r++) u[r] = cjm_rng_uniform_pos(&rng);
    if (method != CJM_SAMPLING_LHS) return;
    cjm_rng_stream(&rng, seed, key, STREAM_STRATA);
    shuffle(perm, runs, &rng);
    for (int r = 0; r < runs; r++) u[r] = (perm[r] + u[r]) / runs;
}

int cjm_cholesky(const double *a, double *l, int n)
{
    memset(l, 0, (size_t)n * n * sizeof *l);
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double sum = a[i * n + j];
            for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
            if (i == j) {
                if (sum <= 1e-12) return 0;
                l[i * n + i] = sqrt(sum);
            } else {
                l[i * n + j] = sum / l[j * n + j];
            }
        }
    return 1;
}

/* Inverse of a lower-triangular matrix, by forward substitution. */
static void invert_lower(const double *l, double *inv, int n)
{
    memset(inv, 0, (size_t)n * n * sizeof *inv);
    for (int c = 0; c < n; c++)
        for (int i = c; i < n; i++) {
            double sum = i == c ? 1 : 0;
            for (int k = c; k < i; k++) sum -= l[i * n + k] * inv[k * n + c];
            inv[i * n + c] = sum / l[i * n + i];
        }
}

static void correlation(const double *s, int runs, int k, double *e)
{
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double sab = 0, saa = 0, sbb = 0;
            for (int r = 0; r < runs; r++) {
                sab += s[r * k + a] * s[r * k + b];
                saa += s[r * k + a] * s[r * k + a];
                sbb += s[r * k + b] * s[r * k + b];
            }
            e[a * k + b] = sab / sqrt(saa * sbb);
        }
}

typedef struct ranked {
    double key;
    int index;
} ranked;

static int by_key(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key) return (x->key > y->key) - (x->key < y->key);
    return x->index - y->index;
}

/* Rearranges column values x[r * stride] so that their ranks follow t[r * k]. */
static void reorder(double *x, int stride, const double *t, int k, int runs, ranked *buf,
                    double *sorted)
{
    for (int r = 0; r < runs; r++) sorted[r] = x[(size_t)r * stride];
    for (int r = 0; r < runs; r++) buf[r] = (ranked){sorted[r], r};
    qsort(buf, (size_t)runs, sizeof *buf, by_key);
    for (int r = 0; r < runs; r++) sorted[r] = buf[r].key;
    for (int r = 0; r < runs; r++) buf[r] = (ranked){t[r * k], r};
    qsort(buf, (size_t)runs, sizeof *buf, by_key);
    for (int i = 0; i < runs; i++) x[(size_t)buf[i].index * stride] = sorted[i];
}

/* Random permutations of van der Waerden scores, one column per input. */
static void score_matrix(const uint64_t *keys, int k, uint64_t seed, int runs, int *perm, double *s)
{
    for (int j = 0; j < k; j++) {
        cjm_rng rng;
        cjm_rng_stream(&rng, seed, keys[j], STREAM_SCORES);
        shuffle(perm, runs, &rng);
        for (int r = 0; r < runs; r++)
            s[r * k + j] = cjm_normal_quantile((perm[r] + 1.0) / (runs + 1.0));
    }
}

/* M = P Q^-1, with P the Cholesky factor of the normal-score target and Q
 * that of the scores' own correlation: rows t = M s have the target. */
static int mixing(const double *matrix, int k, const double *s, int runs, double *mix)
{
    int ok;
    double *target = malloc((size_t)k * k * sizeof *target), *e = malloc((size_t)k * k * sizeof *e);
    double *p = malloc((size_t)k * k * sizeof *p), *q = malloc((size_t)k * k * sizeof *q);
    double *qi = malloc((size_t)k * k * sizeof *qi);
    if (!(ok = target && e && p && q && qi)) goto done;
    for (int i = 0; i < k * k; i++) target[i] = 2 * sin(3.14159265358979323846 * matrix[i] / 6);
    correlation(s, runs, k, e);
    if (!(ok = cjm_cholesky(target, p, k))) goto done;
    if (!cjm_cholesky(e, q, k)) /* few runs: the scores themselves are collinear */
        for (int i = 0; i < k * k; i++) q[i] = i % (k + 1) == 0;
    invert_lower(q, qi, k);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double sum = 0;
            for (int l = 0; l < k; l++) sum += p[i * k + l] * qi[l * k + j];
            mix[i * k + j] = sum;
        }
done:
    free(target), free(e), free(p), free(q), free(qi);
    return ok;
}

int cjm_iman_conover(double *x, int stride, const int *col, const uint64_t *keys, int k,
                     const double *matrix, uint64_t seed, int runs)
{
    double *s = malloc((size_t)runs * k * sizeof *s), *t = malloc((size_t)runs * k * sizeof *t);
    double *mix = malloc((size_t)k * k * sizeof *mix),
           *sorted = malloc((size_t)runs * sizeof *sorted);
    int *perm = malloc((size_t)runs * sizeof *perm);
    ranked *buf = malloc((size_t)runs * sizeof *buf);
    int rc = s && t && mix && sorted && perm && buf ? 0 : -1;
    if (rc == 0) score_matrix(keys, k, seed, runs, perm, s);
    if (rc == 0 && !mixing(matrix, k, s, runs, mix)) rc = 1;
    for (int r = 0; rc == 0 && r < runs; r++)
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) sum += mix[i * k + j] * s[r * k + j];
            t[r * k + i] = sum;
        }
    for (int i = 0; rc == 0 && i < k; i++) reorder(x + col[i], stride, t + i, k, runs, buf, sorted);
    free(s), free(t), free(mix), free(sorted), free(perm), free(buf);
    return rc;
}

static void ranks(const double *v, int n, int stride, double *out, ranked *buf)
{
    for (int i = 0; i < n; i++) buf[i] = (ranked){v[(size_t)i * stride], i};
    qsort(buf, (size_t)n, sizeof *buf, by_key);
    for (int i = 0; i < n;) { /* ties share their mean rank */
        int j = i;
        while (j + 1 < n && buf[j + 1].key == buf[i].key) j++;
        for (int k = i; k <= j; k++) out[buf[k].index] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
}

double cjm_spearman(const double *a, const double *b, int n, int stride)
{
    double *ra = malloc((size_t)n * sizeof *ra), *rb = malloc((size_t)n * sizeof *rb);
    ranked *buf = malloc((size_t)n * sizeof *buf);
    double rho = ((double)NAN);
    if (ra && rb && buf && n > 1) {
        ranks(a, n, stride, ra, buf);
        ranks(b, n, stride, rb, buf);
        double mean = (n + 1) / 2.0, sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++) {
            sab += (ra[i] - mean) * (rb[i] - mean);
            saa += (ra[i] - mean) * (ra[i] - mean);
            sbb += (rb[i] - mean) * (rb[i] - mean);
        }
        rho = sab / sqrt(saa * sbb);
    }
    free(ra), free(rb), free(buf);
    return rho;
}

int cjm_sampling_parse(const char *text, cjm_sampling *out)
{
    if (strcmp(text, "random") == 0)
        *out = CJM_SAMPLING_RANDOM;
    else if (strcmp(text, "lhs") == 0)
        *out = CJM_SAMPLING_LHS;
    else
        return -1;
    return 0;
}
