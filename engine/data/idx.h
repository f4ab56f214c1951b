// IDX files (the MNIST / Fashion-MNIST container, docs/data.md and FORMATS.md §3).
//
// Layout: a 4-byte big-endian magic `00 00 <type> <ndim>`, then `ndim` big-endian uint32
// dimensions, then the elements in row-major order, big-endian for multi-byte types.
// Files may be gzip-compressed or raw; readIdx() handles both transparently.
#pragma once

#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// Reads an IDX file (gzip or raw) into a Plain tensor whose dims are the file's dims.
///
/// Element types: 0x08 uint8 -> DType::U8 (bytes kept as they are); 0x09 int8, 0x0B int16,
/// 0x0C int32 -> DType::I64 (sign-extended); 0x0D float32, 0x0E float64 -> DType::F32
/// (float64 rounded to float).
///
/// Errors name the path: NotFound (no such file), DataCorrupt for a wrong magic (the value
/// read is named), an unknown type code, zero dimensions, or a payload whose size differs
/// from the product of the dims (expected and actual bytes are named; covers truncated
/// files and trailing garbage), IoError for other read failures.
Expected<Tensor> readIdx(const std::string& path);

}  // namespace loom
