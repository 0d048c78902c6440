/* The Sobol' sequence: its first points against the values Joe and Kuo
 * publish for dimensions 1-3, and the net property of every dimension (the
 * first 2^m points fall one in each interval of length 2^-m), plain and
 * with a digital shift. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sobol_seq.h"

/* Joe and Kuo's sobol.cc output for dimensions 1-3 (points 0-7). */
static const double published[8][3] = {
    {0, 0, 0},
    {0.5, 0.5, 0.5},
    {0.75, 0.25, 0.25},
    {0.25, 0.75, 0.75},
    {0.375, 0.375, 0.625},
    {0.875, 0.875, 0.125},
    {0.625, 0.125, 0.875},
    {0.125, 0.625, 0.375},
};

static void test_first_points(void **state)
{
    (void)state;
    double x[8 * 3];
    assert_true(cjm_sobol_points(8, 3, 0, 0, x));
    for (int i = 0; i < 8; i++)
        for (int d = 0; d < 3; d++) /* each coordinate sits at the middle of its 2^-32 cell */
            assert_true(fabs(x[i * 3 + d] - published[i][d] - 0x1p-33) < 1e-15);
}

/* One point in each of the 2^m intervals, in every dimension. */
static void check_net(int shift, uint64_t seed)
{
    enum { M = 10, N = 1 << M };
    int dims = cjm_sobol_max_dims();
    double *x = malloc((size_t)N * dims * sizeof *x);
    unsigned char *seen = malloc(N);
    assert_true(cjm_sobol_points(N, dims, shift, seed, x));
    for (int d = 0; d < dims; d++) {
        memset(seen, 0, N);
        for (int i = 0; i < N; i++) {
            double u = x[(size_t)i * dims + d];
            assert_true(u > 0 && u < 1);
            int cell = (int)(u * N);
            assert_int_equal(seen[cell], 0);
            seen[cell] = 1;
        }
    }
    free(x);
    free(seen);
}

static void test_net_property(void **state)
{
    (void)state;
    check_net(0, 0);
    check_net(1, 42);
}

static void test_limits(void **state)
{
    (void)state;
    double x[4];
    assert_int_equal(cjm_sobol_points(1, cjm_sobol_max_dims() + 1, 0, 0, x), 0);
    assert_int_equal(cjm_sobol_points(1, 0, 0, 0, x), 0);
    assert_true(cjm_sobol_max_dims() >= 512);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_points),
        cmocka_unit_test(test_net_property),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
