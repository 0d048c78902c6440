/* report_loyalty.c: the loyalty program's section of a run's report, in
 * every format: members, points (issued = redeemed + expired +
 * outstanding), breakage and liability, the program's costs, members and
 * tiers by step, and converted customers by class (never joined, or the
 * tier they end in). */
#include "report.h"

#include <math.h>
#include <string.h>

static const char *class_name(const cjm_model *m, int c)
{
    return c == 0 ? "non-members" : m->loyalty.tiers[c - 1].name;
}

/* ---- table ---- */

static void line(FILE *f, const char *label, const cjm_summary *s, cjm_unit unit)
{
    char mean[48], lo[48], hi[48], ci[110] = "-";
    cjm_format_value(mean, sizeof mean, s->defined ? s->mean : CJM_NAN, unit);
    if (isfinite(s->lo)) {
        cjm_format_value(lo, sizeof lo, s->lo, unit);
        cjm_format_value(hi, sizeof hi, s->hi, unit);
        snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
    }
    fprintf(f, "  %-32s %16s  %s\n", label, mean, ci);
}

static void table_classes(const cjm_result *r, const cjm_loyalty_metrics *y, FILE *f)
{
    fprintf(f, "\nconverted customers by membership at the end (money at and after conversion)\n");
    fprintf(f, "  %-16s %12s %16s %16s %12s %12s %12s %10s\n", "class", "customers", "revenue",
            "gross margin", "LTV", "LTV margin", "retained", "purchases");
    for (int c = 0; c <= y->tiers; c++) {
        const cjm_class_metrics *k = &y->classes[c];
        char v[7][48];
        cjm_format_value(v[0], sizeof v[0], k->customers.mean, CJM_UNIT_COUNT);
        cjm_format_value(v[1], sizeof v[1], k->revenue.mean, CJM_UNIT_MONEY);
        cjm_format_value(v[2], sizeof v[2], k->gross_margin.mean, CJM_UNIT_MONEY);
        cjm_format_value(v[3], sizeof v[3], k->ltv.defined ? k->ltv.mean : CJM_NAN, CJM_UNIT_MONEY);
        cjm_format_value(v[4], sizeof v[4], k->ltv_margin.defined ? k->ltv_margin.mean : CJM_NAN,
                         CJM_UNIT_MONEY);
        cjm_format_value(v[5], sizeof v[5], k->retained.defined ? k->retained.mean : CJM_NAN,
                         CJM_UNIT_SHARE);
        cjm_format_value(v[6], sizeof v[6], k->purchases.defined ? k->purchases.mean : CJM_NAN,
                         CJM_UNIT_COUNT);
        fprintf(f, "  %-16s %12s %16s %16s %12s %12s %12s %10s\n", class_name(r->model, c), v[0],
                v[1], v[2], v[3], v[4], v[5], v[6]);
    }
}

static void table_by_step(const cjm_result *r, const cjm_loyalty_metrics *y, FILE *f)
{
    int H = y->horizon, every = H > 26 ? (H + 12) / 13 : 1;
    fprintf(f, "\nmembers by %s (outside a final stage) and their tiers\n", r->model->step_name);
    int w = 12; /* or the longest tier's name: none is cut */
    for (int k = 0; k < y->tiers; k++) {
        int n = (int)strlen(r->model->loyalty.tiers[k].name);
        if (n > w) w = n;
    }
    fprintf(f, "  %-8s %12s", "t", "members");
    for (int k = 0; k < y->tiers; k++) fprintf(f, " %*s", w, r->model->loyalty.tiers[k].name);
    fputc('\n', f);
    for (int t = 0; t <= H; t = t + every > H && t < H ? H : t + every) {
        char n[48];
        cjm_format_value(n, sizeof n, y->members_t[t].mean, CJM_UNIT_COUNT);
        fprintf(f, "  %-8d %12s", t, n);
        for (int k = 0; k < y->tiers; k++) {
            const cjm_summary *s = &y->tier_share_t[k * (H + 1) + t];
            cjm_format_value(n, sizeof n, s->defined ? s->mean : CJM_NAN, CJM_UNIT_SHARE);
            fprintf(f, " %*s", w, n);
        }
        fputc('\n', f);
    }
}

void cjm_table_loyalty(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    const cjm_loyalty_metrics *y = &mt->loyalty;
    fputs("\nloyalty program (points balance: issued = redeemed + expired + outstanding)\n", f);
    line(f, "members joined", &y->joined, CJM_UNIT_COUNT);
    line(f, "members active at the horizon", &y->active, CJM_UNIT_COUNT);
    line(f, "points issued", &y->issued, CJM_UNIT_COUNT);
    line(f, "points redeemed", &y->redeemed, CJM_UNIT_COUNT);
    line(f, "points expired", &y->expired, CJM_UNIT_COUNT);
    line(f, "points outstanding", &y->outstanding, CJM_UNIT_COUNT);
    line(f, "breakage (expired / issued)", &y->breakage, CJM_UNIT_SHARE);
    line(f, "liability (outstanding points)", &y->liability, CJM_UNIT_MONEY);
    line(f, "reward cost", &y->reward_cost, CJM_UNIT_MONEY);
    line(f, "join cost", &y->join_cost, CJM_UNIT_MONEY);
    line(f, "member cost", &y->member_cost, CJM_UNIT_MONEY);
    line(f, "purchases per customer", &y->purchases_per_customer, CJM_UNIT_COUNT);
    table_classes(r, y, f);
    table_by_step(r, y, f);
}

/* ---- JSON ---- */

static json_t *json_class(const cjm_model *m, int c, const cjm_class_metrics *k)
{
    json_t *o = json_pack("{s:s}", "class", class_name(m, c));
    json_object_set_new(o, "customers", cjm_json_summary(&k->customers));
    json_object_set_new(o, "revenue", cjm_json_summary(&k->revenue));
    json_object_set_new(o, "gross_margin", cjm_json_summary(&k->gross_margin));
    json_object_set_new(o, "ltv", cjm_json_summary(&k->ltv));
    json_object_set_new(o, "ltv_margin", cjm_json_summary(&k->ltv_margin));
    json_object_set_new(o, "retained", cjm_json_summary(&k->retained));
    json_object_set_new(o, "purchases", cjm_json_summary(&k->purchases));
    return o;
}

static json_t *json_by_step(const cjm_model *m, const cjm_loyalty_metrics *y)
{
    json_t *arr = json_array();
    for (int t = 0; t <= y->horizon; t++) {
        json_t *tiers = json_object();
        for (int k = 0; k < y->tiers; k++) {
            const cjm_summary *s = &y->tier_share_t[k * (y->horizon + 1) + t];
            json_object_set_new(tiers, m->loyalty.tiers[k].name, cjm_json_number(s->mean));
        }
        json_array_append_new(arr,
                              json_pack("{s:i, s:o, s:o}", "t", t, "members",
                                        cjm_json_summary(&y->members_t[t]), "tier_shares", tiers));
    }
    return arr;
}

json_t *cjm_json_loyalty(const cjm_result *r, const cjm_metrics *mt)
{
    const cjm_loyalty_metrics *y = &mt->loyalty;
    json_t *members = json_pack("{s:o, s:o}", "joined", cjm_json_summary(&y->joined), "active",
                                cjm_json_summary(&y->active));
    json_t *points = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o}", "issued", cjm_json_summary(&y->issued), "redeemed",
        cjm_json_summary(&y->redeemed), "expired", cjm_json_summary(&y->expired), "outstanding",
        cjm_json_summary(&y->outstanding), "breakage", cjm_json_summary(&y->breakage), "liability",
        cjm_json_summary(&y->liability));
    json_t *costs =
        json_pack("{s:o, s:o, s:o}", "rewards", cjm_json_summary(&y->reward_cost), "join",
                  cjm_json_summary(&y->join_cost), "membership", cjm_json_summary(&y->member_cost));
    json_t *classes = json_array();
    for (int c = 0; c <= y->tiers; c++)
        json_array_append_new(classes, json_class(r->model, c, &y->classes[c]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "members", members, "points", points,
                     "costs", costs, "purchases_per_customer",
                     cjm_json_summary(&y->purchases_per_customer), "classes", classes, "by_step",
                     json_by_step(r->model, y));
}

/* ---- CSV ---- */

void cjm_csv_loyalty(const cjm_result *r, const cjm_metrics *mt, FILE *f,
                     void (*row)(FILE *, const char *, const char *, const cjm_summary *))
{
    const cjm_loyalty_metrics *y = &mt->loyalty;
    const struct {
        const char *key;
        const cjm_summary *s;
    } scalars[] = {
        {"members_joined", &y->joined},   {"members_active", &y->active},
        {"points_issued", &y->issued},    {"points_redeemed", &y->redeemed},
        {"points_expired", &y->expired},  {"points_outstanding", &y->outstanding},
        {"breakage", &y->breakage},       {"liability", &y->liability},
        {"reward_cost", &y->reward_cost}, {"join_cost", &y->join_cost},
        {"member_cost", &y->member_cost}, {"purchases_per_customer", &y->purchases_per_customer},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        row(f, "loyalty", scalars[i].key, scalars[i].s);
    for (int c = 0; c <= y->tiers; c++) {
        const cjm_class_metrics *k = &y->classes[c];
        const char *name = class_name(r->model, c);
        char metric[64];
        const struct {
            const char *field;
            const cjm_summary *s;
        } fields[] = {{"customers", &k->customers},       {"revenue", &k->revenue},
                      {"gross_margin", &k->gross_margin}, {"ltv", &k->ltv},
                      {"ltv_margin", &k->ltv_margin},     {"retained", &k->retained},
                      {"purchases", &k->purchases}};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            snprintf(metric, sizeof metric, "loyalty_class_%s", fields[i].field);
            row(f, metric, name, fields[i].s);
        }
    }
    for (int t = 0; t <= y->horizon; t++) {
        char key[16];
        snprintf(key, sizeof key, "%d", t);
        row(f, "loyalty_members", key, &y->members_t[t]);
        for (int k = 0; k < y->tiers; k++) {
            char metric[64];
            snprintf(metric, sizeof metric, "loyalty_tier_share_%s",
                     r->model->loyalty.tiers[k].name);
            row(f, metric, key, &y->tier_share_t[k * (y->horizon + 1) + t]);
        }
    }
}
