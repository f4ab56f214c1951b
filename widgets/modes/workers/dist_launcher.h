// engine/dist/launcher.h and host_check.h for Qt code. HostfileEntry has a member named
// `slots`, which Qt's keyword macro (`slots`, defined empty by <QObject>) would erase; the
// macro is set aside while the engine headers are read and restored afterwards; Qt code
// reads the member through slotCount().
#pragma once

#pragma push_macro("slots")
#undef slots
#include "engine/dist/host_check.h"
#include "engine/dist/launcher.h"

namespace loom::studio {
/// The entry's slot count (0: not given), for code where `slots` is Qt's macro.
inline int slotCount(const HostfileEntry& entry) {
  return entry.slots;
}
}  // namespace loom::studio
#pragma pop_macro("slots")
