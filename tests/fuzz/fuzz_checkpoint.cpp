// Fuzz target: the checkpoint loader (engine/train/checkpoint.h), with and without an expected
// model hash. Each input is read as it is and again *resealed*: its last four bytes replaced by
// the CRC-32C of the rest (docs/formats.md#checkpoints). A mutant almost never matches the
// whole-file digest by chance, so without the second read the fuzzer would only ever exercise
// the digest check; resealed, it reaches the header, the tensor table and the size checks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/core/crc32c.h"
#include "engine/train/checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = loom::fuzz::writeInput(data, size, ".ckpt");
  (void)loom::readCheckpoint(path);
  (void)loom::readCheckpoint(path, "0123456789abcdef");
  if (size < 4) return 0;
  std::vector<std::uint8_t> sealed(data, data + size);
  const std::uint32_t crc = loom::crc32c(sealed.data(), size - 4);
  std::memcpy(sealed.data() + size - 4, &crc, 4);  // little-endian, as the writer puts it
  const std::string resealed = loom::fuzz::writeInput(sealed.data(), size, ".sealed.ckpt");
  (void)loom::readCheckpoint(resealed);
  (void)loom::readCheckpoint(resealed, "0123456789abcdef");
  return 0;
}
