/* loyalty.h: repeat purchases and the loyalty program, as the engines see
 * them (plain C data; docs/loyalty.md).
 *
 * A customer-step in a stage with purchases makes a Poisson number of
 * purchases, each earning the stage's basket (and costing its basket cogs).
 * A converted non-member in an eligible stage joins with the program's join
 * probability; a member holds a tier, a points balance, the steps since its
 * last purchase (for expiry) and its purchases since its last review (for
 * the tier rules), and is reviewed every `review` steps from joining. */
#ifndef CJM_LOYALTY_H
#define CJM_LOYALTY_H

#include <stdbool.h>
#include <stdint.h>

#define CJM_MAX_TIERS 8
#define CJM_MAX_REWARDS 16

/* What a tier's benefits multiply. */
enum { CJM_BENEFIT_PURCHASES, CJM_BENEFIT_BASKET, CJM_BENEFIT_POINTS, CJM_BENEFITS };

typedef struct cjm_tier {
    char *name;
    int qualify; /* purchases within the review window to move up into it (0: none) */
    int keep;    /* purchases within the window to stay in it (0: kept anyway) */
    double benefit[CJM_BENEFITS];
    double *on; /* [edge]: multiplier of the edge's probability for its members (1: none) */
} cjm_tier;

typedef struct cjm_reward {
    int at;      /* points it takes */
    double cost; /* what a redemption costs */
} cjm_reward;

typedef struct cjm_loyalty {
    bool present; /* the scenario has a loyalty block */
    int line;
    /* join[(t * G + g) * S + s]: the probability that a converted non-member
     * in stage s joins at step t (0 where s is not eligible). */
    double *join;
    unsigned char *eligible; /* [S] */
    double join_cost, member_cost_per_step;
    int per_purchase; /* points per purchase */
    double per_unit;  /* points per unit of money spent */
    int expire_after; /* the balance expires after this many steps without a purchase; 0 never */
    int64_t cap;      /* the balance never exceeds it (INT64_MAX: no cap) */
    int reward_count; /* sorted by `at` */
    cjm_reward rewards[CJM_MAX_REWARDS];
    int tier_count; /* >= 1 when present: a program without tiers has one, "member" */
    cjm_tier tiers[CJM_MAX_TIERS];
    int review;          /* steps between reviews (0: no tier rules) */
    int counter_cap;     /* purchases since a review are counted up to this */
    int64_t balance_cap; /* after redemptions the balance is below this (INT64_MAX: unbounded) */
    double point_cost;   /* cost per point of the cheapest reward (0: no rewards) */
} cjm_loyalty;

#endif
