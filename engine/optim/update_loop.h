// Internal: the shape of every optimizer update loop.
#pragma once

#include <cstdint>

namespace loom::optim_detail {

/// Tensors smaller than this are updated by the calling thread alone: below it the cost of
/// waking the OpenMP team exceeds the (memory-bound) work.
inline constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;

}  // namespace loom::optim_detail
