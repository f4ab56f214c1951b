// CRC-32C (Castagnoli), used by checkpoints and TensorBoard's TFRecord framing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loom {

/// Extends `crc` (start with 0) over `size` bytes. crc32c("123456789") == 0xE3069283.
/// Uses the SSE4.2 crc32 instruction when the CPU has it.
std::uint32_t crc32c(const void* data, size_t size, std::uint32_t crc = 0);
/// The table-driven version (for tests that check both paths agree).
std::uint32_t crc32cPortable(const void* data, size_t size, std::uint32_t crc = 0);

}  // namespace loom
