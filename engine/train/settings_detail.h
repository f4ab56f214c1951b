// Internals shared by the settings implementation files (settings.cpp, settings_input.cpp).
// Not for use outside engine/train/settings*.
#pragma once

#include <string>

#include "engine/train/settings.h"

namespace loom::settings_detail {

/// The value that means "unset" for a type (0, false, "", []).
SettingValue zeroOf(SettingType type);
/// ASCII lower case (names match without regard to case).
std::string lower(std::string s);
/// "<name> must be in <range>, got <value><suffix>".
Status outOfRange(const SettingSpec& s, const std::string& name, const std::string& value,
                  const std::string& suffix);

}  // namespace loom::settings_detail
