// The list of Loom Studio's modes, in mode-bar order (Ctrl+1 is the first).
//
// The list itself is one line per mode, `loom_studio_mode(<folder> <factory>)`, in
// widgets/modes/sources.cmake: CMake includes each mode's folder and writes studioModes() from
// those lines (modes.cpp.in), so the build files and the table cannot disagree. Adding a mode:
// docs/howto/add-a-studio-mode.md.
#pragma once

#include <vector>

class QObject;

namespace loom::studio {

class StudioMode;
struct ModeContext;

/// Creates a mode over `context`, owned by `parent` (Qt parent). Never null.
using ModeFactory = StudioMode* (*)(const ModeContext& context, QObject* parent);

/// Every mode of the studio, in mode-bar order.
const std::vector<ModeFactory>& studioModes();

}  // namespace loom::studio
