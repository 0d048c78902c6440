/* paths.c: journey paths (ChannelAttribution's layout) into transition
 * counts of a first-order Markov chain with start, conversion and null
 * states, as ChannelAttribution's markov_model counts them (docs/fitting.md):
 * each row of the file weighs conversions + nulls on every transition of its
 * path, conversions on last channel -> conversion, nulls on last -> null;
 * repeated consecutive channels count once. */
#include "paths.h"
#include "csv.h"
#include "error.h"
#include "optimize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 1000
#define MAX_NAME 128

/* The next channel of s (from *pos): its trimmed name into name. Returns 1
 * with a name, 0 at the end. */
static int next_channel(const char *s, size_t *pos, char *name, size_t *len, size_t *at)
{
    size_t i = *pos, n = strlen(s);
    if (i > n) return 0;
    size_t end = i;
    while (end < n && s[end] != '>') end++;
    size_t a = i, b = end;
    while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
    *len = b - a;
    *at = a;
    if (*len < MAX_NAME) memcpy(name, s + a, *len), name[*len] = '\0';
    *pos = end + 1;
    return 1;
}

static cjm_status check_name(const cjm_csv *t, int row, int col, const char *name, size_t len,
                             cjm_error *err)
{
    const char *s = cjm_csv_cell(t, row, col);
    if (!*s)
        return cjm_csv_error(t, row, col, err, "an empty path (expected channels joined by '>')");
    if (len == 0)
        return cjm_csv_error(t, row, col, err,
                             "path '%.60s': an empty channel (expected channels joined by '>')", s);
    if (len >= MAX_NAME)
        return cjm_csv_error(t, row, col, err, "path '%.60s': a channel name longer than %d bytes",
                             s, MAX_NAME - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 32 || c == 127 || strchr(",|;\"\\", c) || (c == '-' && i + 1 == len))
            return cjm_csv_error(t, row, col, err,
                                 "path '%.60s': channel '%s' has '%c' in it (channels are joined "
                                 "by ' > ', e.g. 'search > email')",
                                 s, name, c < 32 || c == 127 ? '?' : c);
    }
    if (strcmp(name, "start") == 0 || strcmp(name, "conversion") == 0 || strcmp(name, "null") == 0)
        return cjm_csv_error(t, row, col, err,
                             "path '%.60s': a channel named '%s' (start, conversion and null are "
                             "the chain's own states)",
                             s, name);
    return CJM_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pass 1: every channel's name, checked, sorted, unique. */
static cjm_status collect_channels(const cjm_csv *t, int cp, cjm_paths *p, cjm_error *err)
{
    char **names = NULL, name[MAX_NAME];
    int n = 0, cap = 0;
    cjm_status st = CJM_OK;
    for (int r = 0; r < t->rows && !st; r++) {
        const char *s = cjm_csv_cell(t, r, cp);
        size_t pos = 0, len, at;
        if (!*s) st = check_name(t, r, cp, "", 0, err);
        while (!st && next_channel(s, &pos, name, &len, &at)) {
            if ((st = check_name(t, r, cp, name, len, err))) break;
            int known = 0;
            for (int i = n - 1; i >= 0 && !known; i--) known = strcmp(names[i], name) == 0;
            if (known) continue;
            if (n == MAX_CHANNELS) {
                st = cjm_csv_error(t, r, cp, err, "more than %d channels", MAX_CHANNELS);
                break;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **g = realloc(names, (size_t)cap * sizeof *g);
                if (!g) {
                    st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
                    break;
                }
                names = g;
            }
            if (!(names[n] = strdup(name))) {
                st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
                break;
            }
            n++;
        }
    }
    if (!st && n == 0)
        st =
            cjm_error_set(err, CJM_ESCENARIO, "%s: no paths (the file has a header only)", t->name);
    if (st) {
        for (int i = 0; i < n; i++) free(names[i]);
        free(names);
        return st;
    }
    qsort(names, (size_t)n, sizeof *names, compare_names);
    p->nstates = n + 3;
    p->names = calloc((size_t)p->nstates, sizeof *p->names);
    p->count = calloc((size_t)p->nstates * (size_t)p->nstates, sizeof *p->count);
    if (!p->names || !p->count) {
        for (int i = 0; i < n; i++) free(names[i]);
        free(names);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) p->names[i + 1] = names[i];
    free(names);
    double **arrays[] = {&p->first,       &p->last,       &p->linear,    &p->first_val,
                         &p->last_val,    &p->linear_val, &p->value_in,  &p->removal,
                         &p->removal_val, &p->markov,     &p->markov_val};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        if (!(*arrays[i] = calloc((size_t)p->nstates, sizeof **arrays[i])))
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    p->names[0] = strdup("start");
    p->names[n + 1] = strdup("conversion");
    p->names[n + 2] = strdup("null");
    if (!p->names[0] || !p->names[n + 1] || !p->names[n + 2])
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    return CJM_OK;
}

static int channel_index(const cjm_paths *p, const char *name)
{
    const char *key = name;
    char **hit =
        bsearch(&key, p->names + 1, (size_t)p->nstates - 3, sizeof *p->names, compare_names);
    return hit ? (int)(hit - p->names) : -1;
}

static cjm_status weight(const cjm_csv *t, int r, int c, double *out, cjm_error *err)
{
    *out = 0;
    if (c < 0) return CJM_OK;
    cjm_status st = cjm_csv_number(t, r, c, out, err);
    if (!st && *out < 0) return cjm_csv_error(t, r, c, err, "expected a number >= 0, got %g", *out);
    return st;
}

/* Pass 2: the counts. */
static cjm_status count_paths(const cjm_csv *t, int cp, int cc, int cv, int cn, cjm_paths *p,
                              cjm_error *err)
{
    int S = p->nstates, conv = S - 2, null = S - 1;
    for (int r = 0; r < t->rows; r++) {
        double nc, nn, val;
        cjm_status st = weight(t, r, cc, &nc, err);
        if (!st) st = weight(t, r, cn, &nn, err);
        if (!st) st = weight(t, r, cv, &val, err);
        if (st) return st;
        if (cv >= 0 && nc == 0 && val > 0)
            return cjm_csv_error(t, r, cv, err, "a conversion value (%g) with no conversion", val);
        double w = nc + nn;
        p->journeys += w, p->conversions += nc, p->value += val;
        const char *s = cjm_csv_cell(t, r, cp);
        char name[MAX_NAME];
        size_t pos = 0, len, at;
        int prev = 0, steps = 0, touches = 0;
        while (next_channel(s, &pos, name, &len, &at)) touches++;
        pos = 0;
        while (next_channel(s, &pos, name, &len, &at)) {
            int c = channel_index(p, name);
            if (!steps) p->first[c] += nc, p->first_val[c] += val;
            /* linear: every touch, repeats included, an equal share (as ChannelAttribution) */
            p->linear[c] += nc / touches, p->linear_val[c] += val / touches;
            if (c == prev) continue; /* a repeat counts once */
            p->count[(size_t)prev * S + c] += w;
            prev = c;
            steps++;
        }
        p->last[prev] += nc, p->last_val[prev] += val;
        p->value_in[prev] += val;
        p->count[(size_t)prev * S + conv] += nc;
        p->count[(size_t)prev * S + null] += nn;
        if (w > 0 && steps > p->max_len) p->max_len = steps;
    }
    if (!(p->journeys > 0))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: every path has 0 conversions and 0 nulls: nothing to count",
                             t->name);
    return CJM_OK;
}

cjm_status cjm_paths_fit(const char *path, const cjm_paths_options *o, cjm_paths **out,
                         cjm_error *err)
{
    cjm_csv *t = NULL;
    *out = NULL;
    double prior = o && o->prior > 0 ? o->prior : 1;
    cjm_status st = cjm_csv_read(path, 0, &t, err);
    if (st) return st;
    cjm_paths *p = calloc(1, sizeof *p);
    int cp, cc;
    if (!p || !(p->file = strdup(path))) {
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        goto out;
    }
    p->prior = prior;
    p->rows = t->rows;
    if ((st = cjm_csv_require(t, "path", &cp, err)) ||
        (st = cjm_csv_require(t, "total_conversions", &cc, err)))
        goto out;
    int cv = cjm_csv_find(t, "total_conversion_value"), cn = cjm_csv_find(t, "total_null");
    if (o && o->ignore_null) cn = -1;
    p->has_value = cv >= 0, p->has_null = cn >= 0;
    if (!(st = collect_channels(t, cp, p, err))) st = count_paths(t, cp, cc, cv, cn, p, err);
out:
    cjm_csv_free(&t);
    if (st)
        cjm_paths_free(&p);
    else
        *out = p;
    return st;
}

int cjm_paths_state_count(const cjm_paths *p)
{
    return p ? p->nstates : 0;
}

const char *cjm_paths_state(const cjm_paths *p, int i)
{
    return p && i >= 0 && i < p->nstates ? p->names[i] : NULL;
}

int cjm_paths_possible(const cjm_paths *p, int from, int to)
{
    if (!p || from < 0 || to < 0 || from >= p->nstates || to >= p->nstates) return 0;
    int S = p->nstates;
    if (from >= S - 2 || to == 0 || from == to) return 0;
    if (from == 0) return to < S - 2;
    return 1;
}

double cjm_paths_count(const cjm_paths *p, int from, int to)
{
    if (!cjm_paths_possible(p, from, to)) return 0;
    return p->count[(size_t)from * p->nstates + to];
}

void cjm_paths_posterior(const cjm_paths *p, int from, int to, double *a, double *b)
{
    *a = *b = (double)NAN;
    if (!cjm_paths_possible(p, from, to)) return;
    double total = 0;
    for (int j = 0; j < p->nstates; j++)
        if (cjm_paths_possible(p, from, j)) total += cjm_paths_count(p, from, j) + p->prior;
    *a = cjm_paths_count(p, from, to) + p->prior;
    *b = total - *a;
}

/* ---- Markov attribution: removal effects from absorption probabilities ---- */

/* The probability of conversion (value 0) or the expected value (value 1)
 * from start, with channel `removed` (-1: none) sent to null: the transient
 * states are start and the channels, x = (I - Q)^-1 r with r the chance of
 * converting next, times the mean value of a conversion from there. */
static int absorb(const cjm_paths *p, int removed, int value, double *A, double *x, double *out)
{
    int S = p->nstates, n = S - 2, conv = S - 2;
    for (int i = 0; i < n; i++) {
        double total = 0;
        for (int j = 1; j < S; j++) total += p->count[(size_t)i * S + j];
        for (int j = 0; j < n; j++) {
            double q =
                total > 0 && i != removed && j != removed ? p->count[(size_t)i * S + j] / total : 0;
            A[(size_t)i * n + j] = (i == j) - q;
        }
        double c = p->count[(size_t)i * S + conv];
        double r = total > 0 && i != removed ? c / total : 0;
        x[i] = value ? (c > 0 ? r * p->value_in[i] / c : 0) : r;
    }
    if (cjm_solve_linear(n, A, x)) return -1;
    *out = x[0];
    return 0;
}

cjm_status cjm_paths_attribute(cjm_paths *p, cjm_error *err)
{
    int S = p->nstates, n = S - 2;
    double *A = malloc((size_t)n * n * sizeof *A), *x = malloc((size_t)n * sizeof *x);
    cjm_status st = A && x ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (!st && (absorb(p, -1, 0, A, x, &p->cr) || absorb(p, -1, 1, A, x, &p->ev)))
        st = cjm_error_set(err, CJM_ESCENARIO, "%s: the chain's equations are singular", p->file);
    if (!st && !(p->cr > 0))
        st = cjm_error_set(err, CJM_ESCENARIO, "%s: no path converts: nothing to attribute",
                           p->file);
    double sum = 0, sum_val = 0;
    for (int c = 1; !st && c < n; c++) {
        double cr, ev;
        if (absorb(p, c, 0, A, x, &cr) || absorb(p, c, 1, A, x, &ev)) {
            st = cjm_error_set(err, CJM_ESCENARIO, "%s: the chain's equations are singular",
                               p->file);
            break;
        }
        p->removal[c] = 1 - cr / p->cr;
        p->removal_val[c] = p->ev > 0 ? 1 - ev / p->ev : 0;
        sum += p->removal[c], sum_val += p->removal_val[c];
    }
    for (int c = 1; !st && c < n; c++) {
        p->markov[c] = sum > 0 ? p->conversions * p->removal[c] / sum : 0;
        p->markov_val[c] = sum_val > 0 ? p->value * p->removal_val[c] / sum_val : 0;
    }
    free(A), free(x);
    if (!st) p->attributed = 1;
    return st;
}

cjm_status cjm_attribution(const char *path, const cjm_paths_options *o, cjm_paths **out,
                           cjm_error *err)
{
    cjm_status st = cjm_paths_fit(path, o, out, err);
    if (!st && (st = cjm_paths_attribute(*out, err))) cjm_paths_free(out);
    return st;
}

cjm_attribution_row cjm_paths_attribution(const cjm_paths *p, int i)
{
    cjm_attribution_row r;
    memset(&r, 0, sizeof r);
    if (!p || !p->attributed || i < 1 || i >= p->nstates - 2) return r;
    r.channel = p->names[i];
    r.removal_effect = p->removal[i];
    r.removal_effect_value = p->removal_val[i];
    r.conversions = p->markov[i], r.value = p->markov_val[i];
    r.first_touch = p->first[i], r.first_touch_value = p->first_val[i];
    r.last_touch = p->last[i], r.last_touch_value = p->last_val[i];
    r.linear_touch = p->linear[i], r.linear_touch_value = p->linear_val[i];
    return r;
}

void cjm_paths_free(cjm_paths **pp)
{
    cjm_paths *p = pp ? *pp : NULL;
    if (!p) return;
    double *arrays[] = {p->first,       p->last,       p->linear,    p->first_val,
                        p->last_val,    p->linear_val, p->value_in,  p->removal,
                        p->removal_val, p->markov,     p->markov_val};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
    if (p->names)
        for (int i = 0; i < p->nstates; i++) free(p->names[i]);
    free(p->names);
    free(p->count);
    free(p->file);
    free(p);
    *pp = NULL;
}
