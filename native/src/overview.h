// Block reduce of overview strips (see overview.cc). No N-API here.
#pragma once
#include <cstdint>

namespace arraylens {

enum class ReduceMode { Mean, Min, Max };

/**
 * Reduces `n` rows of `C` values (`f64`: doubles, else floats; row i starts at x + i * stride) to ceil(n/factor) × ceil(C/factor) blocks:
 * `acc` the sum (mean), min or max of each block's finite values (filled with 0 / +Inf / -Inf first), `cnt` their
 * number, `flags` bit 1 NaN, 2 +Inf, 4 -Inf seen. The caller finishes (divides, applies the flags) as the JS does.
 */
void reduce_blocks(const void* x, bool f64, int64_t n, int64_t C, int64_t stride, int64_t factor, ReduceMode m, double* acc,
                   double* cnt, uint8_t* flags);

}  // namespace arraylens
