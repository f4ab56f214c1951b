// Fuzz target: the .npy reader (engine/core/npy.h) used by `loom predict --input` and tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/core/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)loom::parseNpy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  return 0;
}
