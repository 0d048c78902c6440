/* sobol_seq.h: Sobol' low-discrepancy sequences (Joe-Kuo direction
 * numbers), with a random digital shift. */
#ifndef CJM_SOBOL_SEQ_H
#define CJM_SOBOL_SEQ_H

#include <stdint.h>

/* The most dimensions cjm_sobol_points can make. */
int cjm_sobol_max_dims(void);

/* Points 0 .. n-1 of the dims-dimensional Sobol' sequence (Gray-code order,
 * 32 bits) into out[n][dims], each coordinate's bits XORed with a shift
 * drawn from the PCG stream (seed, "shift") and then mapped to the middle
 * of its 2^-32 cell, so that every coordinate is in (0, 1). shift 0 (seed
 * ignored) gives the plain sequence, point 0 at 2^-33. A digital shift keeps
 * the sequence's net structure: the first 2^m points of every dimension
 * still fall one in each interval of length 2^-m. Returns 0 if dims is
 * above cjm_sobol_max_dims() or n above 2^32. */
int cjm_sobol_points(int64_t n, int dims, int shift, uint64_t seed, double *out);

#endif
