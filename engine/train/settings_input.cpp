// Settings typed by a person: parsing text into a setting's type and applying command-line
// overrides (settings.h). Range checks are the validator's (settings.cpp).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "engine/graph/model.h"
#include "engine/train/settings.h"
#include "engine/train/settings_detail.h"

namespace loom {

using namespace settings_detail;

namespace {

bool parseBool(const std::string& text, bool* out) {
  const std::string t = lower(text);
  if (t == "true" || t == "1" || t == "yes" || t == "on") return *out = true, true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return *out = false, true;
  return false;
}

template <typename T>
bool parseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

// ---- typed text and overrides -------------------------------------------------------------------

Expected<SettingValue> parseSettingText(const SettingSpec& s, const std::string& text,
                                        const std::string& givenAs) {
  const std::string suffix = givenAs.empty() ? "" : " (given as " + givenAs + ")";
  auto bad = [&](const char* what) {
    return invalidArgument(s.path + " must be " + what + ", got \"" + text + "\"" + suffix);
  };
  switch (s.type) {
    case SettingType::Int: {
      std::int64_t v = 0;
      if (!parseNumber(text, &v)) return bad("an integer");
      if (v < std::numeric_limits<std::int32_t>::min() ||
          v > std::numeric_limits<std::int32_t>::max())
        return outOfRange(s, s.path, text, suffix);
      return SettingValue{v};
    }
    case SettingType::Seed: {
      std::uint64_t v = 0;
      if (!parseNumber(text, &v)) return bad(("an integer in " + settingRangeText(s)).c_str());
      return SettingValue{v};
    }
    case SettingType::Float: {
      double v = 0;
      if (!parseNumber(text, &v)) return bad("a number");
      return SettingValue{v};
    }
    case SettingType::Bool: {
      bool v = false;
      if (!parseBool(text, &v)) return bad("true or false");
      return SettingValue{v};
    }
    case SettingType::Name:
    case SettingType::Text:
      return SettingValue{text};
    case SettingType::IntList: {
      std::vector<std::int64_t> list;
      std::string_view rest = text;
      while (!rest.empty()) {
        const std::size_t comma = std::min(rest.find(','), rest.size());
        std::int64_t v = 0;
        if (!parseNumber(rest.substr(0, comma), &v))
          return bad("a comma-separated list of integers");
        list.push_back(v);
        rest = comma < rest.size() ? rest.substr(comma + 1) : std::string_view();
      }
      return SettingValue{list};
    }
  }
  return bad("valid");
}

Status applySettingOverrides(const std::vector<SettingOverride>& overrides, pb::TrainingConfig& t,
                             pb::DatasetConfig& d, SettingsCheck* check) {
  const std::vector<SettingSpec>& specs = settingSpecs();
  std::vector<const SettingOverride*> byIndex(specs.size(), nullptr);
  for (const SettingOverride& o : overrides) {
    const SettingSpec* s = findSetting(o.path);
    if (!s)
      return invalidArgument("unknown setting \"" + o.path + "\" (given as " + o.givenAs + ")");
    byIndex[static_cast<std::size_t>(s - specs.data())] = &o;
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const SettingOverride* o = byIndex[i];
    if (!o) continue;
    LOOM_ASSIGN_OR_RETURN(SettingValue value, parseSettingText(specs[i], o->text, o->givenAs));
    setSetting(specs[i], value, t, d);
    check->givenAs[o->path] = o->givenAs;
    // Defaults the new selector value picks replace values chosen for the old one.
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].defaultSelector == specs[i].path && !byIndex[k])
        setSetting(specs[k], zeroOf(specs[k].type), t, d);
  }
  return Status::ok();
}

Status resolveSettings(Model& model, const std::vector<SettingOverride>& overrides,
                       const std::string& modelPath) {
  SettingsCheck check;
  Status st = applySettingOverrides(overrides, model.training, model.dataset, &check);
  if (st) st = validateTrainingSettings(model.training, model.dataset, check);
  if (!st) return st.withContext(modelPath);
  applyDefaults(model);
  return Status::ok();
}

}  // namespace loom
