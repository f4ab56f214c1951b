#include "engine/core/exception_boundary.h"

#include <new>

#include "engine/core/memory_budget.h"

namespace loom {

Status statusFromException(std::exception_ptr error, const std::string& context) {
  try {
    std::rethrow_exception(error);
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::OutOfMemory,
                  context + ": out of memory (an allocation failed; the memory budget is " +
                      formatBytes(static_cast<double>(memoryBudgetBytes())) +
                      ", LOOM_MEMORY_BUDGET; try a smaller batch size)");
  } catch (const std::exception& e) {
    return internalError(context + ": unexpected exception: " + e.what());
  } catch (...) {
    return internalError(context + ": unexpected exception of unknown type");
  }
}

}  // namespace loom
