// NumPy's .npy files: the one array exchange format of `loom predict --input/--save-outputs`,
// `loom explain` (raw attributions) and tests that compare with Python.
//
// Reads format versions 1.0, 2.0 and 3.0 holding a C-ordered ('fortran_order': False)
// little-endian float32 ('<f4') array; other dtypes are refused with the dtype named, not
// converted. Writes version 1.0 (2.0 when the header would not fit in 65,535 bytes), dtype
// '<f4', C order, the header padded so the data starts on a 64-byte boundary as NumPy does.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// The array in `bytes` (the whole file), as a Plain F32 tensor with the file's shape (a 0-d
/// array becomes shape [1]). `source` names the file in every message ("x.npy: header
/// declares shape (3, 4) = 12 float32 values (48 bytes) but 40 data bytes follow").
/// DataCorrupt for a damaged or inconsistent file; Unsupported for a valid file Loom does not
/// take (another dtype, Fortran order, big-endian). Sizes are checked before allocating and
/// stay within the engine's memory budget (core/memory_budget.h).
Expected<Tensor> parseNpy(std::string_view bytes, const std::string& source);

/// Reads and parses `path` (a regular file; core/file_util.h's rules).
Expected<Tensor> readNpy(const std::string& path);

/// The .npy bytes of `tensor` (F32; a NHWC tensor is written in logical NCHW order).
std::string encodeNpy(const Tensor& tensor);

/// Writes `tensor` to `path` atomically (core/file_util.h's writeFileAtomically).
Status writeNpy(const std::string& path, const Tensor& tensor);

}  // namespace loom
