// Documentation generated from the settings schema (settings.h): the table in docs/optim.md,
// `loom settings` and the help of the `loom train` flags. Nothing here states a rule of its
// own; every word about a range, a default or a condition is read from settingSpecs().
#include <sstream>

#include "engine/data/dataset_registry.h"
#include "engine/train/settings.h"

namespace loom {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? separator : "") + parts[i];
  return s;
}

std::string code(const std::string& s) {
  return "`" + s + "`";
}

std::vector<std::string> coded(const std::vector<std::string>& names) {
  std::vector<std::string> v;
  for (const std::string& n : names) v.push_back(code(n));
  return v;
}

/// Built-in dataset kinds only: the docs must not depend on which plugins are installed.
std::vector<std::string> builtinKinds() {
  std::vector<std::string> names;
  for (const DatasetKind* k : DatasetRegistry::global().all())
    if (k->origin == "builtin") names.push_back(k->name);
  return names;
}

/// What values are allowed, `markdown` with code spans.
std::string allowedText(const SettingSpec& s, bool markdown) {
  auto names = [&](const std::vector<std::string>& n) {
    return join(markdown ? coded(n) : n, ", ");
  };
  std::string text;
  switch (s.type) {
    case SettingType::Name:
      text = s.namesFromDatasets
                 ? "a registered kind, any case (built in: " + names(builtinKinds()) + ")"
                 : names(s.names) + " (any case)";
      break;
    case SettingType::Text:
      text = s.textKind == TextKind::Node ? "a node name of the model" : "a path";
      break;
    case SettingType::Bool:
      text = "true, false";
      break;
    case SettingType::IntList:
      text = "each in " + settingRangeText(s);
      break;
    case SettingType::Int:
    case SettingType::Seed:
    case SettingType::Float:
      text = settingRangeText(s);
      break;
  }
  if (!s.atMost.empty()) text += ", at most " + (markdown ? code(s.atMost) : s.atMost);
  return text;
}

std::string defaultText(const SettingSpec& s) {
  std::vector<std::string> parts;
  for (const auto& [when, value] : s.defaults)
    parts.push_back(when.empty() ? settingValueText(value) : when + ": " + settingValueText(value));
  std::string text = join(parts, s.defaultSelector.empty() ? ", " : "; ");
  if (!s.unsetTogetherWith.empty())
    text += " (when " + join(s.unsetTogetherWith, ", ") + " is 0 too)";
  if (s.requiredWhenApplies) text += text.empty() ? "required" : "; other kinds: required";
  if (!text.empty()) return text;
  switch (s.type) {
    case SettingType::Bool:
      return "false";
    case SettingType::IntList:
      return "none";
    case SettingType::Text:
    case SettingType::Name:
      return "empty";
    case SettingType::Int:
    case SettingType::Seed:
    case SettingType::Float:
      return s.zeroText.empty() ? "0" : "0 (" + s.zeroText + ")";
  }
  return "0";
}

std::string whenText(const SettingSpec& s) {
  std::vector<std::string> parts;
  for (const SettingCondition& c : s.appliesWhen) parts.push_back(c.toString());
  std::string text = join(parts, " and ");
  if (s.refusedWhenNotApplies) text += "; refused otherwise";
  return text;
}

/// The settings whose default `s` picks (learning_rate for optimizer.type).
std::vector<std::string> dependents(const SettingSpec& s) {
  std::vector<std::string> paths;
  for (const SettingSpec& other : settingSpecs())
    if (other.defaultSelector == s.path) paths.push_back(other.path);
  return paths;
}

std::string typeText(const SettingSpec& s) {
  std::string t = settingTypeName(s.type);
  return s.units.empty() ? t : t + ", " + s.units;
}

}  // namespace

std::string settingMetavar(const SettingSpec& s) {
  switch (s.type) {
    case SettingType::Int:
      return "N";
    case SettingType::Seed:
      return "SEED";
    case SettingType::Float:
      return "X";
    case SettingType::Bool:
      return "BOOL";
    case SettingType::Name:
      return "NAME";
    case SettingType::Text:
      return s.textKind == TextKind::Node ? "NODE" : "PATH";
    case SettingType::IntList:
      return "N,...";
  }
  return "VALUE";
}

std::string settingFlagHelp(const SettingSpec& s) {
  const bool numeric =
      s.type == SettingType::Int || s.type == SettingType::Seed || s.type == SettingType::Float;
  std::string help = s.help +
                     (s.type == SettingType::Name   ? " One of "
                      : numeric                     ? " In "
                      : s.type == SettingType::Text ? " Value: "
                                                    : " ") +
                     allowedText(s, false) + "; default " + defaultText(s) + ".";
  if (!s.appliesWhen.empty()) help += " Used when " + whenText(s) + ".";
  for (const std::string& path : dependents(s)) {
    const SettingSpec* dep = findSetting(path);
    help += " Unless " + (dep->flag.empty() ? path : dep->flag) + " is given too, " + path +
            " is this choice's default.";
  }
  return help + " [" + s.path + "]";
}

std::string settingsMarkdown() {
  std::ostringstream out;
  out << "| setting | flag | type | allowed | default | used when | meaning |\n"
      << "|---|---|---|---|---|---|---|\n";
  for (const SettingSpec& s : settingSpecs()) {
    const std::string when = whenText(s);
    out << "| " << code(s.path) << " | " << (s.flag.empty() ? "" : code(s.flag)) << " | "
        << typeText(s) << " | " << allowedText(s, true) << " | " << defaultText(s) << " | " << when
        << " | " << s.help << " |\n";
  }
  return out.str();
}

std::string settingsText() {
  std::ostringstream out;
  for (const SettingSpec& s : settingSpecs()) {
    out << s.path;
    if (!s.flag.empty()) out << "  (" << s.flag << " " << settingMetavar(s) << ")";
    out << "\n    " << typeText(s) << "; " << allowedText(s, false) << "; default "
        << defaultText(s) << "\n";
    if (!s.appliesWhen.empty()) out << "    used when " << whenText(s) << "\n";
    out << "    " << s.help << "\n";
  }
  return out.str();
}

}  // namespace loom
