// The settings schema's machinery: field access by path (protobuf reflection), the validator,
// the defaults, parsing of typed values and command-line overrides (settings.h).
#include "engine/train/settings.h"

#include <google/protobuf/message.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "engine/data/dataset_registry.h"
#include "engine/graph/model.h"
#include "engine/proto/loom.pb.h"
#include "engine/train/settings_detail.h"

namespace loom {

namespace settings_detail {

SettingValue zeroOf(SettingType type) {
  switch (type) {
    case SettingType::Int:
      return std::int64_t{0};
    case SettingType::Seed:
      return std::uint64_t{0};
    case SettingType::Float:
      return 0.0;
    case SettingType::Bool:
      return false;
    case SettingType::Name:
    case SettingType::Text:
      return std::string();
    case SettingType::IntList:
      return std::vector<std::int64_t>();
  }
  return false;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status outOfRange(const SettingSpec& s, const std::string& name, const std::string& value,
                  const std::string& suffix) {
  return invalidArgument(name + " must be in " + settingRangeText(s) + ", got " + value + suffix);
}

}  // namespace settings_detail

namespace {

using namespace settings_detail;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::uint64_t kSeedMax = std::numeric_limits<std::uint64_t>::max();

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

/// The message holding the field at `path` and the field. Every spec path exists (tested).
template <typename Msg, typename Next>
std::pair<Msg*, const FieldDescriptor*> locate(Msg* training, Msg* dataset, std::string_view path,
                                               Next next) {
  const std::vector<std::string> parts = splitPath(path);
  Msg* msg = parts.front() == "training" ? training : dataset;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i)
    msg = next(msg, msg->GetDescriptor()->FindFieldByName(parts[i]));
  const FieldDescriptor* f = msg->GetDescriptor()->FindFieldByName(parts.back());
  assert(f && "a settings path names no field");
  return {msg, f};
}

std::pair<const Message*, const FieldDescriptor*> field(const pb::TrainingConfig& t,
                                                        const pb::DatasetConfig& d,
                                                        std::string_view path) {
  return locate<const Message>(&t, &d, path, [](const Message* m, const FieldDescriptor* f) {
    return &m->GetReflection()->GetMessage(*m, f);
  });
}

std::pair<Message*, const FieldDescriptor*> mutableField(pb::TrainingConfig& t,
                                                         pb::DatasetConfig& d,
                                                         std::string_view path) {
  return locate<Message>(&t, &d, path, [](Message* m, const FieldDescriptor* f) {
    return m->GetReflection()->MutableMessage(m, f);
  });
}

bool isZero(const SettingValue& v) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string> ||
                      std::is_same_v<T, std::vector<std::int64_t>>)
          return x.empty();
        else
          return x == T{};
      },
      v);
}

double numberOf(const SettingValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
  if (const auto* f = std::get_if<double>(&v)) return *f;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  return 0;
}

/// The canonical spelling of `value` among the spec's names (case-insensitive), or "".
std::string canonicalName(const SettingSpec& spec, const std::string& value) {
  const std::string key = lower(value);
  for (const std::string& name : settingNames(spec))
    if (lower(name) == key) return name;
  return {};
}

std::string joinNames(const std::vector<std::string>& names, const char* separator = ", ",
                      const char* last = ", ") {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? last : separator) + names[i];
  return s;
}

const SettingSpec& specAt(std::string_view path) {
  const SettingSpec* s = findSetting(path);
  assert(s && "a settings rule names an unknown path");
  return *s;
}

bool isUnset(const SettingSpec& s, const pb::TrainingConfig& t, const pb::DatasetConfig& d,
             bool given) {
  if (!s.zeroIsUnset || given || !isZero(getSetting(s, t, d))) return false;
  for (const std::string& other : s.unsetTogetherWith)
    if (!isZero(getSetting(specAt(other), t, d))) return false;
  return true;
}

bool conditionHolds(const SettingCondition& c, const pb::TrainingConfig& t,
                    const pb::DatasetConfig& d) {
  const SettingSpec& s = specAt(c.path);
  const SettingValue v = getSetting(s, t, d);
  switch (c.test) {
    case SettingCondition::Test::OneOf: {
      const std::string name = canonicalName(s, std::get<std::string>(v));
      return std::find(c.names.begin(), c.names.end(), name) != c.names.end();
    }
    case SettingCondition::Test::Positive:
      return numberOf(v) > 0;
    case SettingCondition::Test::PixelMeanStd: {
      const DatasetKind* kind =
          DatasetRegistry::global().find(canonicalName(s, std::get<std::string>(v)));
      return !kind || kind->normalization == DatasetNormalization::PixelMeanStd;
    }
  }
  return true;
}

std::string conditionsText(const std::vector<SettingCondition>& conditions) {
  std::vector<std::string> parts;
  for (const SettingCondition& c : conditions) parts.push_back(c.toString());
  return joinNames(parts, ", ", " and ");
}

/// "training.optimizer.type is adam and training.optimizer.momentum is 0": the values the
/// conditions looked at.
std::string conditionValuesText(const std::vector<SettingCondition>& conditions,
                                const pb::TrainingConfig& t, const pb::DatasetConfig& d) {
  std::vector<std::string> parts;
  for (const SettingCondition& c : conditions)
    parts.push_back(c.path + " is " + settingValueText(getSetting(specAt(c.path), t, d)));
  return joinNames(parts, ", ", " and ");
}

/// Range and name checks of one value (not the dependency rules).
Status checkValue(const SettingSpec& s, const SettingValue& v, const std::string& name,
                  const std::string& suffix) {
  switch (s.type) {
    case SettingType::Name:
      if (canonicalName(s, std::get<std::string>(v)).empty())
        return invalidArgument(name + " \"" + std::get<std::string>(v) + "\" is not one of " +
                               joinNames(settingNames(s)) + suffix);
      return Status::ok();
    case SettingType::Text:
    case SettingType::Bool:
      return Status::ok();
    case SettingType::Seed:
      if (std::get<std::uint64_t>(v) < 1) return outOfRange(s, name, settingValueText(v), suffix);
      return Status::ok();
    case SettingType::Int:
    case SettingType::Float:
      if (!s.range.contains(numberOf(v))) return outOfRange(s, name, settingValueText(v), suffix);
      return Status::ok();
    case SettingType::IntList:
      for (std::int64_t x : std::get<std::vector<std::int64_t>>(v))
        if (!s.range.contains(static_cast<double>(x)))
          return invalidArgument(name + " must hold values in " + settingRangeText(s) + ", got " +
                                 std::to_string(x) + suffix);
      return Status::ok();
  }
  return Status::ok();
}

/// Every rule of one setting. `t`, `d` are as given; `et`, `ed` with defaults applied.
Status checkSetting(const SettingSpec& s, const pb::TrainingConfig& t, const pb::DatasetConfig& d,
                    const pb::TrainingConfig& et, const pb::DatasetConfig& ed,
                    const SettingsCheck& check) {
  const auto given = check.givenAs.find(s.path);
  const bool isGiven = given != check.givenAs.end();
  const std::string suffix =
      isGiven && !given->second.empty() ? " (given as " + given->second + ")" : "";
  const SettingValue value = getSetting(s, t, d);
  const bool unset = isUnset(s, t, d, isGiven);
  if (!unset) LOOM_RETURN_IF_ERROR(checkValue(s, value, s.path, suffix));
  const bool applies = settingApplies(s, et, ed);
  if (unset && applies && s.requiredWhenApplies && !settingDefault(s, et, ed)) {
    if (!s.defaultSelector.empty())
      return invalidArgument(s.path + " must be set: " + s.defaultSelector + " \"" +
                             settingValueText(getSetting(specAt(s.defaultSelector), et, ed)) +
                             "\" has no default for it");
    return invalidArgument(s.path + " must be in " + settingRangeText(s) + " when " +
                           conditionsText(s.appliesWhen) + ", got " + settingValueText(value));
  }
  if (!applies && s.refusedWhenNotApplies && !isZero(value))
    return invalidArgument(s.path + " = " + settingValueText(value) + " needs " +
                           conditionsText(s.appliesWhen) + "; here " +
                           conditionValuesText(s.appliesWhen, et, ed) + suffix);
  if (applies && !s.atMost.empty()) {
    const SettingValue limit = getSetting(specAt(s.atMost), et, ed);
    const SettingValue mine = getSetting(s, et, ed);
    if (numberOf(mine) > numberOf(limit))
      return invalidArgument(s.path + " must be at most " + s.atMost + " (" +
                             settingValueText(limit) + ") when " + conditionsText(s.appliesWhen) +
                             ", got " + settingValueText(mine) + suffix);
  }
  return Status::ok();
}

}  // namespace

// ---- ranges, conditions, names ------------------------------------------------------------------

const char* settingTypeName(SettingType type) {
  switch (type) {
    case SettingType::Int:
      return "int";
    case SettingType::Seed:
      return "uint64";
    case SettingType::Float:
      return "float";
    case SettingType::Bool:
      return "bool";
    case SettingType::Name:
      return "name";
    case SettingType::Text:
      return "text";
    case SettingType::IntList:
      return "int list";
  }
  return "?";
}

bool SettingRange::contains(double v) const {
  if (std::isnan(v)) return false;
  if (std::isinf(v)) return false;  // every setting is finite; infinite ends are open
  return (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
}

std::string SettingRange::toString() const {
  return std::string(minOpen || std::isinf(min) ? "(" : "[") + settingValueText(min) + ", " +
         settingValueText(max) + (maxOpen || std::isinf(max) ? ")" : "]");
}

std::string SettingCondition::toString() const {
  switch (test) {
    case Test::OneOf:
      return path + " is " + joinNames(names, ", ", " or ");
    case Test::Positive:
      return path + " > 0";
    case Test::PixelMeanStd:
      return path + " normalises by mean and std";
  }
  return path;
}

std::string settingRangeText(const SettingSpec& s) {
  if (s.type == SettingType::Seed) return "[1, " + std::to_string(kSeedMax) + "]";
  return s.range.toString();
}

const std::vector<std::string>& passThroughSettingPaths() {
  static const std::vector<std::string> paths = {"dataset.options"};
  return paths;
}

const SettingSpec* findSetting(std::string_view path) {
  for (const SettingSpec& s : settingSpecs())
    if (s.path == path) return &s;
  return nullptr;
}

const SettingSpec* findSettingByFlag(std::string_view flag) {
  if (flag.empty()) return nullptr;
  for (const SettingSpec& s : settingSpecs())
    if (s.flag == flag) return &s;
  return nullptr;
}

std::vector<std::string> settingNames(const SettingSpec& spec) {
  if (!spec.namesFromDatasets) return spec.names;
  std::vector<std::string> names;
  for (const DatasetKind* k : DatasetRegistry::global().all()) names.push_back(k->name);
  return names;
}

// ---- values -------------------------------------------------------------------------------------

SettingValue getSetting(const SettingSpec& s, const pb::TrainingConfig& t,
                        const pb::DatasetConfig& d) {
  const auto [msg, f] = field(t, d, s.path);
  const auto* r = msg->GetReflection();
  switch (s.type) {
    case SettingType::Int:
      return std::int64_t{r->GetInt32(*msg, f)};
    case SettingType::Seed:
      return std::uint64_t{r->GetUInt64(*msg, f)};
    case SettingType::Float:
      return r->GetDouble(*msg, f);
    case SettingType::Bool:
      return r->GetBool(*msg, f);
    case SettingType::Name:
    case SettingType::Text:
      return r->GetString(*msg, f);
    case SettingType::IntList: {
      std::vector<std::int64_t> v;
      for (int i = 0; i < r->FieldSize(*msg, f); ++i) v.push_back(r->GetRepeatedInt32(*msg, f, i));
      return v;
    }
  }
  return false;
}

void setSetting(const SettingSpec& s, const SettingValue& v, pb::TrainingConfig& t,
                pb::DatasetConfig& d) {
  const auto [msg, f] = mutableField(t, d, s.path);
  const auto* r = msg->GetReflection();
  switch (s.type) {
    case SettingType::Int:
      r->SetInt32(msg, f, static_cast<std::int32_t>(std::get<std::int64_t>(v)));
      break;
    case SettingType::Seed:
      r->SetUInt64(msg, f, std::get<std::uint64_t>(v));
      break;
    case SettingType::Float:
      r->SetDouble(msg, f, std::get<double>(v));
      break;
    case SettingType::Bool:
      r->SetBool(msg, f, std::get<bool>(v));
      break;
    case SettingType::Name:
    case SettingType::Text:
      r->SetString(msg, f, std::get<std::string>(v));
      break;
    case SettingType::IntList:
      r->ClearField(msg, f);
      for (std::int64_t x : std::get<std::vector<std::int64_t>>(v))
        r->AddInt32(msg, f, static_cast<std::int32_t>(x));
      break;
  }
}

std::string settingValueText(const SettingValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&value)) return std::to_string(*u);
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* list = std::get_if<std::vector<std::int64_t>>(&value)) {
    std::string s = "[";
    for (std::size_t k = 0; k < list->size(); ++k)
      s += (k ? ", " : "") + std::to_string((*list)[k]);
    return s + "]";
  }
  const double x = std::get<double>(value);
  if (std::isnan(x)) return "nan";
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);  // shortest round-trip form
  return ec == std::errc() ? std::string(buf, end) : std::to_string(x);
}

// ---- defaults and applicability -----------------------------------------------------------------

const SettingValue* settingDefault(const SettingSpec& s, const pb::TrainingConfig& t,
                                   const pb::DatasetConfig& d) {
  std::string key;
  if (!s.defaultSelector.empty()) {
    const SettingSpec& selector = specAt(s.defaultSelector);
    key = canonicalName(selector, std::get<std::string>(getSetting(selector, t, d)));
  }
  for (const auto& [when, value] : s.defaults)
    if (when.empty() || when == key) return &value;
  return nullptr;
}

double settingDefaultNumber(std::string_view path) {
  const SettingSpec& s = specAt(path);
  assert(s.defaults.size() == 1 && "the setting has no single default");
  return numberOf(s.defaults.front().second);
}

bool settingApplies(const SettingSpec& s, const pb::TrainingConfig& t, const pb::DatasetConfig& d) {
  for (const SettingCondition& c : s.appliesWhen)
    if (!conditionHolds(c, t, d)) return false;
  return true;
}

namespace {

/// applyTrainingDefaults() except for the settings in `check.givenAs` (explicit values).
void applyDefaultsExcept(pb::TrainingConfig& t, pb::DatasetConfig& d, const SettingsCheck& check) {
  const std::vector<SettingSpec>& specs = settingSpecs();
  // Decide what is unset first: filling dataset.mean must not make dataset.std look given.
  std::vector<bool> unset(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i)
    unset[i] = isUnset(specs[i], t, d, check.givenAs.count(specs[i].path) != 0);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const SettingSpec& s = specs[i];
    if (s.type == SettingType::Name) {
      const std::string name = canonicalName(s, std::get<std::string>(getSetting(s, t, d)));
      if (!name.empty()) setSetting(s, name, t, d);
    }
    if (!unset[i]) continue;
    if (const SettingValue* value = settingDefault(s, t, d)) setSetting(s, *value, t, d);
  }
}

}  // namespace

void applyTrainingDefaults(pb::TrainingConfig& t, pb::DatasetConfig& d) {
  applyDefaultsExcept(t, d, {});
}

void applyDefaults(Model& model) {
  applyTrainingDefaults(model.training, model.dataset);
}

// ---- the validator ------------------------------------------------------------------------------

Status validateTrainingSettings(const pb::TrainingConfig& t, const pb::DatasetConfig& d,
                                const SettingsCheck& check) {
  pb::TrainingConfig et = t;
  pb::DatasetConfig ed = d;
  applyDefaultsExcept(et, ed, check);
  for (const SettingSpec& s : settingSpecs()) {
    if (s.path.compare(0, check.pathPrefix.size(), check.pathPrefix) != 0) continue;
    LOOM_RETURN_IF_ERROR(checkSetting(s, t, d, et, ed, check));
  }
  return Status::ok();
}

Status checkSettingValue(const SettingSpec& spec, const SettingValue& value,
                         const std::string& name) {
  return checkValue(spec, value, name, "");
}

}  // namespace loom
