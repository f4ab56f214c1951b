// Internal to engine/embed's projector files: path confinement and the sprite codec.
#pragma once

#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/projector.h"

namespace loom::embed::detail {

/// `path` from a config in `dir`, as an absolute path that lies inside `dir` after symlinks
/// are resolved. InvalidArgument (naming `field`, the path and the directory) for an empty
/// path, a NUL byte, an absolute path outside `dir` or a `..` escape; nothing is opened.
Expected<std::string> resolveInside(const std::string& dir, const std::string& path,
                                    const std::string& field);

/// The sprite grid of `images` ([N, C, H, W], U8 or F32 0..1) as PNG bytes, cells scaled down
/// so the grid fits kMaxSpriteSide; `cellWidth`/`cellHeight` receive the cell size used.
Expected<std::string> encodeSprite(const Tensor& images, int& cellWidth, int& cellHeight);

/// A file stem safe on every file system from a tensor name ("fc1/relu:0" -> "fc1_relu_0").
std::string safeStem(const std::string& name);

}  // namespace loom::embed::detail
