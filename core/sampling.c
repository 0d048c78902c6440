/* sampling.c: drawing the uncertain inputs of every run, by inversion
 * (x = Q(u)) so that plain sampling, Latin hypercube and rank correlation
 * all act on the same uniforms.
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

static uint64_t path_key(const char *path)
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

/* Uniforms on (0, 1) for one input: independent, or one per stratum. */
static void uniforms(uint64_t seed, uint64_t key, int runs, cjm_sampling method, int *perm,
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

static void draw_column(const cjm_input *in, const double *u, int runs, double *x, int stride)
{
    for (int r = 0; r < runs; r++) {
        double v = cjm_dist_quantile(&in->dist, u[r]);
        if (in->integral) v = floor(v + 0.5);
        if (v < in->lo) v = in->lo; /* rounding may step just outside */
        if (v > in->hi) v = in->hi;
        x[(size_t)r * stride] = v;
    }
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
static void score_matrix(const cjm_model *m, const cjm_corr_group *g, uint64_t seed, int runs,
                         int *perm, double *s)
{
    int k = g->size;
    for (int j = 0; j < k; j++) {
        cjm_rng rng;
        cjm_rng_stream(&rng, seed, path_key(m->inputs[g->inputs[j]].path), STREAM_SCORES);
        shuffle(perm, runs, &rng);
        for (int r = 0; r < runs; r++)
            s[r * k + j] = cjm_normal_quantile((perm[r] + 1.0) / (runs + 1.0));
    }
}

/* M = P Q^-1, with P the Cholesky factor of the normal-score target and Q
 * that of the scores' own correlation: rows t = M s have the target. */
static int mixing(const cjm_corr_group *g, const double *s, int runs, double *mix)
{
    int k = g->size, ok;
    double *target = malloc((size_t)k * k * sizeof *target), *e = malloc((size_t)k * k * sizeof *e);
    double *p = malloc((size_t)k * k * sizeof *p), *q = malloc((size_t)k * k * sizeof *q);
    double *qi = malloc((size_t)k * k * sizeof *qi);
    if (!(ok = target && e && p && q && qi)) goto done;
    for (int i = 0; i < k * k; i++) target[i] = 2 * sin(3.14159265358979323846 * g->matrix[i] / 6);
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

static cjm_status correlate_group(const cjm_model *m, const cjm_corr_group *g, uint64_t seed,
                                  int runs, const int *column, double *x, cjm_error *err)
{
    int k = g->size, U = m->uncertain_count;
    if (runs <= k)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s:%d: cjm.correlate: %d correlated inputs need more than %d runs",
                             m->file, g->line, k, runs);
    double *s = malloc((size_t)runs * k * sizeof *s), *t = malloc((size_t)runs * k * sizeof *t);
    double *mix = malloc((size_t)k * k * sizeof *mix),
           *sorted = malloc((size_t)runs * sizeof *sorted);
    int *perm = malloc((size_t)runs * sizeof *perm);
    ranked *buf = malloc((size_t)runs * sizeof *buf);
    cjm_status st = s && t && mix && sorted && perm && buf
                        ? CJM_OK
                        : cjm_error_set(err, CJM_ENOMEM, "out of memory correlating inputs");
    if (st == CJM_OK) score_matrix(m, g, seed, runs, perm, s);
    if (st == CJM_OK && !mixing(g, s, runs, mix))
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s:%d: cjm.correlate: the correlations cannot be reached (the matrix "
                           "is not positive definite after conversion to normal scores)",
                           m->file, g->line);
    for (int r = 0; st == CJM_OK && r < runs; r++)
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) sum += mix[i * k + j] * s[r * k + j];
            t[r * k + i] = sum;
        }
    for (int i = 0; st == CJM_OK && i < k; i++)
        reorder(x + column[g->inputs[i]], U, t + i, k, runs, buf, sorted);
    free(s), free(t), free(mix), free(sorted), free(perm), free(buf);
    return st;
}

cjm_status cjm_sample_inputs(const cjm_model *m, int runs, uint64_t seed, cjm_sampling method,
                             double *x, cjm_error *err)
{
    int U = m->uncertain_count;
    double *u = malloc((size_t)runs * sizeof *u);
    int *perm = malloc((size_t)runs * sizeof *perm);
    int *column = malloc((size_t)(m->input_count + 1) * sizeof *column);
    cjm_status st = u && perm && column
                        ? CJM_OK
                        : cjm_error_set(err, CJM_ENOMEM, "out of memory drawing inputs");
    for (int c = 0; st == CJM_OK && c < U; c++) {
        const cjm_input *in = &m->inputs[m->uncertain[c]];
        column[m->uncertain[c]] = c;
        uniforms(seed, path_key(in->path), runs, method, perm, u);
        draw_column(in, u, runs, x + c, U);
    }
    for (int g = 0; st == CJM_OK && g < m->group_count; g++)
        st = correlate_group(m, &m->groups[g], seed, runs, column, x, err);
    free(u), free(perm), free(column);
    return st;
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
