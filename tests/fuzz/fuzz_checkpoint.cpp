// Fuzz target: the checkpoint loader (engine/train/checkpoint.h), with and without an expected
// model hash.
#include <cstddef>
#include <cstdint>

#include "engine/train/checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = loom::fuzz::writeInput(data, size, ".ckpt");
  (void)loom::readCheckpoint(path);
  (void)loom::readCheckpoint(path, "0123456789abcdef");
  return 0;
}
