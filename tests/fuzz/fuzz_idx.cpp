// Fuzz target: the IDX reader (engine/data/idx.h), plain and gzip-compressed inputs alike
// (zlib reads plain files transparently; seeds of both kinds are in the corpus).
#include <cstddef>
#include <cstdint>

#include "engine/data/idx.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)loom::readIdx(loom::fuzz::writeInput(data, size, ".idx"));
  return 0;
}
