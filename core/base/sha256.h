/* SHA-256 (FIPS 180-4), used to identify the scenario file in reports. */
#ifndef CJM_SHA256_H
#define CJM_SHA256_H

#include <stddef.h>

/* Writes the digest of data as 64 lowercase hex digits and a NUL into hex. */
void cjm_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
