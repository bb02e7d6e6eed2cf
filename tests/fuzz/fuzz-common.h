/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-common.h — helpers shared by the libFuzzer targets.
 *
 * Contract
 * - FUZZ_CHECK(cond) aborts with file:line and the condition when an
 *   invariant fails, also in builds with NDEBUG (assert() would vanish),
 *   so libFuzzer records the input as a crash.
 * - Header-only; each target includes it once.
 */
#ifndef XCMUX_TESTS_FUZZ_COMMON_H
#define XCMUX_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
