/* sobol_seq.c: Sobol' sequences from Joe and Kuo's direction numbers.
 *
 * Dimension 1 has every direction number m_j = 1; dimension d > 1 has a
 * primitive polynomial of degree s with inner coefficients a and initial
 * numbers m_1 .. m_s (sobol_directions.h), and for j > s
 *   m_j = 2 a_1 m_{j-1} ^ 4 a_2 m_{j-2} ^ ... ^ 2^s m_{j-s} ^ m_{j-s},
 * written with V_j = m_j 2^(32 - j) as in Bratley and Fox (1988) and Joe and
 * Kuo's own generator. Point i is the XOR of V_c over the bits c of the Gray
 * code of i, computed incrementally: x_i = x_{i-1} ^ V_c, c the position of
 * the lowest zero bit of i - 1.
 *
 * The direction numbers are Joe and Kuo's, under this licence:
 *
 *   Copyright (c) 2008, Frances Y. Kuo and Stephen Joe. All rights reserved.
 *   Redistribution and use in source and binary forms, with or without
 *   modification, are permitted provided that the following conditions are
 *   met: redistributions of source code must retain the above copyright
 *   notice, this list of conditions and the following disclaimer;
 *   redistributions in binary form must reproduce the above copyright notice,
 *   this list of conditions and the following disclaimer in the
 *   documentation and/or other materials provided with the distribution;
 *   neither the names of the copyright holders nor the names of the
 *   University of New South Wales and the University of Waikato and its
 *   contributors may be used to endorse or promote products derived from this
 *   software without specific prior written permission.
 *   THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS "AS IS" AND ANY EXPRESS
 *   OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
 *   WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
 *   DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE FOR ANY
 *   DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
 *   (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
 *   SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
 *   CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT
 *   LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY
 *   OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
 *   SUCH DAMAGE. */
#include "sobol_seq.h"

#include "rng.h"
#include "sobol_directions.h"

#define BITS 32
#define KEY_SHIFT 0x7368696674ULL /* "shift" */

int cjm_sobol_max_dims(void)
{
    return CJM_SOBOL_DIMS;
}

/* The 32 direction numbers V_1 .. V_32 of dimension d (0-based). */
static void directions(int d, uint32_t *v)
{
    if (d == 0) {
        for (int j = 1; j <= BITS; j++) v[j] = 1u << (BITS - j);
        return;
    }
    int s = sobol_directions[d - 1].s;
    unsigned a = sobol_directions[d - 1].a;
    for (int j = 1; j <= s && j <= BITS; j++)
        v[j] = (uint32_t)sobol_directions[d - 1].m[j - 1] << (BITS - j);
    for (int j = s + 1; j <= BITS; j++) {
        v[j] = v[j - s] ^ (v[j - s] >> s);
        for (int k = 1; k < s; k++)
            if ((a >> (s - 1 - k)) & 1) v[j] ^= v[j - k];
    }
}

int cjm_sobol_points(int64_t n, int dims, int shift, uint64_t seed, double *out)
{
    if (dims < 1 || dims > CJM_SOBOL_DIMS || n < 0 || n > (int64_t)1 << BITS) return 0;
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, KEY_SHIFT, 0);
    for (int d = 0; d < dims; d++) {
        uint32_t v[BITS + 1], x = 0, sh = shift ? cjm_rng_next(&rng) : 0;
        directions(d, v);
        for (int64_t i = 0; i < n; i++) {
            if (i > 0) x ^= v[1 + __builtin_ctzll((uint64_t) ~(i - 1))];
            out[i * dims + d] = ((double)(x ^ sh) + 0.5) / 4294967296.0;
        }
    }
    return 1;
}
