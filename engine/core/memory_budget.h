// The memory budget: the most bytes one tensor, or one model's parameters, may claim before
// anything is allocated. A model file, a checkpoint or a command line that asks for more gets
// a typed error naming the node, the dimension and the size, instead of std::bad_alloc (which
// would abort the process) or minutes of zero-filling swap.
#pragma once

#include <cstdint>
#include <string>

namespace loom {

/// The budget in bytes: $LOOM_MEMORY_BUDGET when set (a number of bytes, optionally with a
/// K, M, G or T suffix, powers of 1024), else 3/4 of the machine's physical memory. Read once.
std::int64_t memoryBudgetBytes();
/// Empty when $LOOM_MEMORY_BUDGET is unset or a valid size; else the message saying why it is
/// not ("abc", "0", "-5", "10X"). The `loom` command and the studio refuse to start with one
/// (an invalid budget was once silently replaced by the default, or read as 10 bytes).
std::string memoryBudgetProblem();

/// "1.5 GiB", "40.0 B": bytes in binary units with one decimal (messages, `loom info`).
std::string formatBytes(double bytes);

}  // namespace loom
