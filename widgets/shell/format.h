// Human-readable numbers for the studio's panels and status bar.
#pragma once

#include <QString>
#include <cstdint>

#include "engine/core/tensor.h"

namespace loom::studio {

/// 1234 -> "1,234"; 1234567 -> "1.23 M"; 3.2e9 -> "3.20 G". Exact below 10 000.
QString formatCount(std::int64_t value);
/// Bytes with binary units: "512 B", "3.1 KiB", "24.0 MiB", "1.50 GiB".
QString formatBytes(std::int64_t bytes);
/// "[N, 32, 28, 28]" with the batch dimension shown as `N` (the batch is chosen in the status bar).
QString formatShape(const Dims& dims);

}  // namespace loom::studio
