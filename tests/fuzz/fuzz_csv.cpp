// Fuzz target: the CSV data-set reader (engine/data/csv.h).
#include <cstddef>
#include <cstdint>

#include "engine/data/csv.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)loom::readCsv(loom::fuzz::writeInput(data, size, ".csv"));
  return 0;
}
