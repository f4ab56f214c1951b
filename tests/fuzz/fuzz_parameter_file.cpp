// Fuzz target: the parameter-file decoder (engine/graph/parameter_file.h). Each input is tried
// as it is and resealed (its last four bytes replaced by the CRC-32C of the rest, the size and
// CRC given as the model text would give them), so mutations reach the fields behind the digest.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "engine/core/crc32c.h"
#include "engine/graph/parameter_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)loom::decodeParameterFile(bytes, "fuzz.params", nullptr);
  if (bytes.size() >= 4) {
    const std::uint32_t crc = loom::crc32c(bytes.data(), bytes.size() - 4);
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    loom::pb::ParameterFile reference;
    reference.set_path("fuzz.params");
    reference.set_bytes(bytes.size());
    reference.set_crc32c(crc);
    (void)loom::decodeParameterFile(bytes, "fuzz.params", &reference);
  }
  return 0;
}
