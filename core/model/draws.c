/* draws.c: each run's draws of a model's uncertain inputs, before any run
 * starts (so that they depend on the seed and the run, never on threads):
 * by inversion of the uniforms of numerics/sampling.c, then rank correlation
 * within each correlation group. */
#include "model.h"

#include "sampling.h"
#include "special.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void draw_column(const cjm_input *in, const double *u, int runs, double *x, int stride)
{
    for (int r = 0; r < runs; r++) {
        /* a cjm.dirichlet entry: its gamma(w) draw, normalised with its row's below */
        if (in->dirichlet >= 0) {
            x[(size_t)r * stride] = cjm_gamma_quantile(in->dist.p[0], u[r]);
            continue;
        }
        double v = cjm_dist_quantile(&in->dist, u[r]);
        if (in->integral) v = floor(v + 0.5);
        if (v < in->lo) v = in->lo; /* rounding may step just outside */
        if (v > in->hi) v = in->hi;
        x[(size_t)r * stride] = v;
    }
}

static cjm_status correlate_group(const cjm_model *m, const cjm_corr_group *g, uint64_t seed,
                                  int runs, const int *column, double *x, cjm_error *err)
{
    int k = g->size;
    if (runs <= k)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s:%d: cjm.correlate: %d correlated inputs need more than %d runs",
                             m->file, g->line, k, runs);
    int *col = malloc((size_t)k * sizeof *col);
    uint64_t *keys = malloc((size_t)k * sizeof *keys);
    int rc = col && keys ? 0 : -1;
    for (int i = 0; rc == 0 && i < k; i++) {
        col[i] = column[g->inputs[i]];
        keys[i] = cjm_path_key(m->inputs[g->inputs[i]].path);
    }
    if (rc == 0) rc = cjm_iman_conover(x, m->uncertain_count, col, keys, k, g->matrix, seed, runs);
    free(col);
    free(keys);
    if (rc < 0) return cjm_error_set(err, CJM_ENOMEM, "out of memory correlating inputs");
    if (rc > 0)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d: cjm.correlate: the correlations cannot be reached (the "
                             "matrix is not positive definite after conversion to normal scores)",
                             m->file, g->line);
    return CJM_OK;
}

static double mean(const cjm_input *in)
{
    return in->dist.p[0] / (in->dist.p[0] + in->dist.p[1]);
}

/* Each cjm.dirichlet row: gamma(w_j) draws g_j into room x g_j / sum g, a
 * Dirichlet(w) vector (Devroye 1986, XI.4) scaled to what the stage's other
 * exits leave (the conditional distribution of the rest of a Dirichlet
 * vector given some of its entries, by its aggregation property). The uncertain inputs of one row
 * are found by their row number; rows are few and short. */
static void normalise_dirichlet(const cjm_model *m, int runs, double *x)
{
    int U = m->uncertain_count;
    for (int c = 0; c < U; c++) {
        int row = m->inputs[m->uncertain[c]].dirichlet, first = 1;
        if (row < 0) continue;
        for (int d = 0; d < c; d++)
            if (m->inputs[m->uncertain[d]].dirichlet == row) first = 0;
        if (!first) continue;
        for (int r = 0; r < runs; r++) {
            double *xr = x + (size_t)r * U, sum = 0;
            for (int d = c; d < U; d++)
                if (m->inputs[m->uncertain[d]].dirichlet == row) sum += xr[d];
            for (int d = c; d < U; d++)
                if (m->inputs[m->uncertain[d]].dirichlet == row)
                    xr[d] = m->inputs[m->uncertain[d]].room *
                            (sum > 0 ? xr[d] / sum : mean(&m->inputs[m->uncertain[d]]));
        }
    }
}

/* Every run's derived inputs in their ranges, before any run starts: the
 * first run (in order, so for any thread count) that draws one outside is
 * named. */
static cjm_status check_derived(const cjm_model *m, int runs, const double *x, cjm_error *err)
{
    if (m->derived_input_count == 0) return CJM_OK;
    double *v = malloc((size_t)m->derived_input_count * sizeof *v);
    if (!v) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int r = 0; st == CJM_OK && r < runs; r++) {
        char when[48];
        snprintf(when, sizeof when, "in run %d", r + 1);
        st = cjm_model_derived_values(m, x + (size_t)r * m->uncertain_count, v, when, err);
    }
    free(v);
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
        cjm_input_uniforms(seed, cjm_path_key(in->path), runs, method, perm, u);
        draw_column(in, u, runs, x + c, U);
    }
    for (int g = 0; st == CJM_OK && g < m->group_count; g++)
        st = correlate_group(m, &m->groups[g], seed, runs, column, x, err);
    if (st == CJM_OK) normalise_dirichlet(m, runs, x);
    if (st == CJM_OK) st = check_derived(m, runs, x, err);
    free(u), free(perm), free(column);
    return st;
}
