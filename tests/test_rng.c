/* PCG32 against O'Neill's published reference output, and the stream,
 * jump and bounded helpers against plain sequential draws. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rng.h"
#include "testutil.h"

/* pcg32-demo (pcg-c-basic): initstate 42, initseq 54. */
static void test_reference_outputs(void **state)
{
    (void)state;
    static const uint32_t expected[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                         0x83d2f293, 0xbfa4784b, 0xcbed606e};
    cjm_rng rng;
    cjm_rng_seed(&rng, 42u, 54u);
    for (int i = 0; i < 6; i++) assert_int_equal(cjm_rng_next(&rng), expected[i]);
}

static void test_advance_matches_sequential(void **state)
{
    (void)state;
    cjm_rng a, b;
    cjm_rng_stream(&a, 7, 3, 11);
    b = a;
    for (int i = 0; i < 12345; i++) (void)cjm_rng_next(&a);
    cjm_rng_advance(&b, 12345);
    assert_int_equal(a.state, b.state);
    assert_int_equal(cjm_rng_next(&a), cjm_rng_next(&b));
}

static void test_jump_is_affine_advance(void **state)
{
    (void)state;
    cjm_rng a;
    cjm_rng_stream(&a, 1, 2, 3);
    cjm_rng_jump j = cjm_rng_jump_make(53, a.inc);
    uint64_t s = a.state;
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < 53; i++) (void)cjm_rng_next(&a);
        s = cjm_rng_jump_apply(j, s);
        assert_int_equal(a.state, s);
    }
}

static void test_streams_differ(void **state)
{
    (void)state;
    cjm_rng a, b, c;
    cjm_rng_stream(&a, 1, 0, 0);
    cjm_rng_stream(&b, 1, 0, 1);
    cjm_rng_stream(&c, 1, 1, 0);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = cjm_rng_next(&a), y = cjm_rng_next(&b), z = cjm_rng_next(&c);
        same_ab += x == y;
        same_ac += x == z;
    }
    /* independent streams agree on a 32-bit output with probability 2^-32:
     * 3 or more of 1000 has probability C(1000, 3) 2^-96 ~ 2e-21 */
    assert_true(same_ab < 3 && same_ac < 3);
    assert_true(a.inc != b.inc && a.inc != c.inc);
}

static void test_streams_are_reproducible(void **state)
{
    (void)state;
    cjm_rng a, b;
    cjm_rng_stream(&a, 99, 5, 6);
    cjm_rng_stream(&b, 99, 5, 6);
    for (int i = 0; i < 100; i++) assert_int_equal(cjm_rng_next(&a), cjm_rng_next(&b));
}

/* Each of 10 values equally often: chi-square on 9 degrees of freedom. */
static void test_bounded_is_uniform(void **state)
{
    (void)state;
    cjm_rng rng;
    cjm_rng_stream(&rng, 5, 0, 0);
    int counts[10] = {0};
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        uint32_t v = cjm_rng_bounded(&rng, 10);
        assert_true(v < 10);
        counts[v]++;
    }
    double chi2 = 0;
    for (int i = 0; i < 10; i++)
        chi2 += (counts[i] - n / 10.0) * (counts[i] - n / 10.0) / (n / 10.0);
    tu_check_p("cjm_rng_bounded(10): chi-square", tu_chi2_p(chi2, 9));
}

static void test_uniform_range_and_mean(void **state)
{
    (void)state;
    cjm_rng rng;
    cjm_rng_stream(&rng, 8, 0, 0);
    const int n = 200000;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double u = cjm_rng_uniform(&rng);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    /* mean 1/2, sd of the mean sqrt(1/12/n) */
    tu_check_z("cjm_rng_uniform: mean", sum / n, 0.5, sqrt(1.0 / 12 / n), 0);
}

/* The fast log of a draw against libm's, at both ends, at every slice
 * boundary of every binade, and at a million draws. */
static void check_log(uint32_t x, double *worst)
{
    double want = log(((double)x + 0.5) * 0x1p-32), got = cjm_log_u32(x);
    double err = fabs(got - want) / (fabs(want) > 1 ? fabs(want) : 1);
    if (err > *worst) *worst = err;
}

static void test_log_u32(void **state)
{
    (void)state;
    double worst = 0;
    for (uint32_t x = 0; x < 4096; x++) check_log(x, &worst);
    for (uint32_t x = 0xffffffffu; x > 0xffffffffu - 4096; x--) check_log(x, &worst);
    for (int e = 1; e < 32; e++)
        for (int i = 0; i <= 128; i++) {
            uint64_t at = (1ull << e) + ((uint64_t)i << e) / 128;
            for (int d = -2; d <= 2; d++)
                if (at + d < (1ull << 32)) check_log((uint32_t)(at + d), &worst);
        }
    cjm_rng rng;
    cjm_rng_seed(&rng, 12345, 7);
    for (int k = 0; k < 1000000; k++) check_log(cjm_rng_next(&rng), &worst);
    printf("cjm_log_u32: largest relative error %.3g\n", worst);
    assert_true(worst < 1e-15); /* a few units in the last place */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs),
        cmocka_unit_test(test_advance_matches_sequential),
        cmocka_unit_test(test_jump_is_affine_advance),
        cmocka_unit_test(test_streams_differ),
        cmocka_unit_test(test_streams_are_reproducible),
        cmocka_unit_test(test_bounded_is_uniform),
        cmocka_unit_test(test_uniform_range_and_mean),
        cmocka_unit_test(test_log_u32),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
