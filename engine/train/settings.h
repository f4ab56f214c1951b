// Training settings as data: every field of a model's `training` and `dataset` blocks
// (engine/proto/loom.proto) described once, the way OpSchema/AttrSpec (engine/ops/op.h)
// describe node attributes. The validator, the defaults, the lists of names, the `loom train`
// flags and their help, the studio's Training Settings editors (ranges, choices, enabled-when)
// and the settings table of docs/optim.md (`loom settings --markdown`) all come from
// settingSpecs(); nothing else spells a range, a default or a name.
//
// The one rule for "unset" (proto3 cannot tell an absent field from a zero one): a setting
// marked `zeroIsUnset` reads 0 / "" as "not given", and applyTrainingDefaults() puts its
// default there; a setting without the mark reads 0 as the value 0 (momentum 0 = none,
// threads 0 = idle cores). A value typed explicitly (a command-line flag, see
// SettingsCheck::givenAs) is never "unset": `--epochs 0` is refused, a file's `epochs: 0`
// means the default.
//
// The one rule for names (optimizer, schedule, loss, dataset kind): matched without regard to
// case ("SGD" is "sgd"); applyTrainingDefaults() rewrites them to the canonical spelling, the
// one listed here (dataset kinds: the spelling DatasetRegistry::global() holds).
//
// Files: the rows are in settings_table.cpp (adding a setting = a proto field and a row there;
// a test fails when a proto field has no row); the validator and defaults in settings.cpp;
// parsing typed values and command-line overrides in settings_input.cpp; the generated docs
// and help in settings_docs.cpp.
//
// Layering: this file is the bottom of engine/train. It depends on core, proto and the dataset
// registry only, so optim/ (which resolves its configs through it) and the apps may include it.
// engine/graph does not: a loaded model keeps the file's values as they are, and code that
// consumes settings calls applyDefaults() (graph/model.h; defined here, in settings.cpp) or
// applyTrainingDefaults() first. That keeps graph free of train and keeps "explicit" and
// "default" apart until the settings are used.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/core/status.h"

namespace loom {

namespace pb {
class TrainingConfig;
class DatasetConfig;
}  // namespace pb
struct Model;

/// Optimizers and schedules, in the order of optimizerNames() / scheduleNames().
enum class OptimizerKind { Sgd, Adam, AdamW, RmsProp };
enum class ScheduleKind { Constant, Step, Cosine };

/// The canonical names of `training.optimizer.type`, in OptimizerKind order:
/// sgd, adam, adamw, rmsprop.
const std::vector<std::string>& optimizerNames();
/// `training.schedule.type`, in ScheduleKind order: constant, step, cosine.
const std::vector<std::string>& scheduleNames();
/// `training.loss.type`: softmax_cross_entropy, mse, binary_cross_entropy.
const std::vector<std::string>& lossNames();

enum class SettingType {
  Int,      ///< int32 field
  Seed,     ///< uint64 field
  Float,    ///< double field
  Bool,     ///< bool field
  Name,     ///< string field holding one of a list of names (an enum)
  Text,     ///< free string field: a path or a node name (SettingSpec::textKind)
  IntList,  ///< repeated int32 field; the range applies to every element
};
/// "int", "uint64", "float", "bool", "name", "text", "int list".
const char* settingTypeName(SettingType type);

/// A numeric interval; an infinite end is unbounded (and always open).
struct SettingRange {
  double min = -INFINITY;
  double max = INFINITY;
  bool minOpen = false;
  bool maxOpen = false;

  bool contains(double value) const;  ///< false for NaN
  /// "[1, 2147483647]", "(0, 1)", "[0, inf)", "(-inf, inf)".
  std::string toString() const;
};

/// A setting's value: Bool, Int (int64), Seed (uint64), Float (double), Name/Text (string),
/// IntList. The alternative always matches the spec's type.
using SettingValue =
    std::variant<bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::int64_t>>;

/// One condition on the (effective) value of another setting.
struct SettingCondition {
  enum class Test {
    OneOf,         ///< the Name setting at `path` is one of `names`
    Positive,      ///< the number at `path` is > 0
    PixelMeanStd,  ///< the dataset kind at `path` normalises by mean/std (DatasetRegistry)
  };
  Test test = Test::OneOf;
  std::string path;
  std::vector<std::string> names;

  /// "training.optimizer.type is sgd or rmsprop", "training.optimizer.momentum > 0".
  std::string toString() const;
};

/// What a Text setting's string names: how help shows it (metavar) and how editors offer it
/// (the studio gives a path a Browse button, a node name none).
enum class TextKind {
  Path,  ///< a file or directory ("PATH")
  Node,  ///< the name of a node of the model's graph ("NODE"); checked against the graph by the
         ///< code that uses it (a settings validator has no graph)
};

struct SettingSpec {
  std::string path;  ///< field path in the .loom file: "training.optimizer.learning_rate"
  SettingType type = SettingType::Int;
  std::string group;   ///< the studio's group box: "Run", "Optimizer", "Schedule", "Loss &
                       ///< validation", "Data"
  std::string label;   ///< short label for editors: "Learning rate"
  std::string help;    ///< one sentence: what it does
  std::string units;   ///< "epochs", "samples", "threads", ... (empty: none)
  std::string flag;    ///< `loom train` flag ("--lr"); empty = none
  SettingRange range;  ///< Int, Seed, Float, IntList
  std::vector<std::string> names;      ///< Name: the allowed values (see namesFromDatasets)
  TextKind textKind = TextKind::Path;  ///< Text: what the string names
  bool namesFromDatasets =
      false;  ///< Name: the allowed values are DatasetRegistry::global()'s kinds

  /// 0 / "" / false means "not given" (see the file comment); the default then applies.
  bool zeroIsUnset = false;
  /// The setting is unset only when these settings are 0 too (dataset.mean and dataset.std:
  /// 0/0 means the Fashion-MNIST constants, mean 0 with std 0.5 means mean 0).
  std::vector<std::string> unsetTogetherWith;
  /// What an in-range 0 means, for settings where 0 is a value: "none", "off", "idle cores".
  std::string zeroText;

  /// Defaults: (value of `defaultSelector`, default). A key "" applies whatever the selector.
  /// No entry for the selector's value: no default (see requiredWhenApplies).
  std::string defaultSelector;  ///< e.g. "training.optimizer.type"; empty = one default
  std::vector<std::pair<std::string, SettingValue>> defaults;

  /// The setting is used only when all of these hold (the studio disables its editor otherwise).
  std::vector<SettingCondition> appliesWhen;
  /// Unset while it applies and no default exists: refused (step_epochs for step, path for csv).
  bool requiredWhenApplies = false;
  /// Set (true / non-zero) while it does not apply: refused (nesterov without sgd + momentum).
  bool refusedWhenNotApplies = false;
  /// While it applies, the value must also be <= this setting's effective value
  /// (min_lr <= learning_rate).
  std::string atMost;
};

/// Every setting, in a fixed order: a setting that picks defaults or applicability for others
/// (optimizer.type, schedule.type, loss.type, dataset.kind) comes before them. The validator
/// reports the first problem in this order.
const std::vector<SettingSpec>& settingSpecs();
/// Null for an unknown path or flag.
const SettingSpec* findSetting(std::string_view path);
/// Fields of the `training` and `dataset` blocks that are deliberately not settings: they pass
/// through untouched to the code that owns them, and no validator, default or editor here
/// touches them. "dataset.options" holds the dataset kind's own key=value options (a plugin's,
/// e.g. image_folder's image_size), validated and documented by that kind (docs/plugins.md).
const std::vector<std::string>& passThroughSettingPaths();
const SettingSpec* findSettingByFlag(std::string_view flag);

/// The spec's range as messages and docs show it ("[1, 2147483647]"; Seed: the uint64 range).
std::string settingRangeText(const SettingSpec& spec);
/// The allowed names of a Name setting (the dataset registry's kinds for dataset.kind).
std::vector<std::string> settingNames(const SettingSpec& spec);
/// The default for the current selector value in (training, dataset), or nothing.
const SettingValue* settingDefault(const SettingSpec& spec, const pb::TrainingConfig& training,
                                   const pb::DatasetConfig& dataset);
/// The schema default of a numeric setting with a single default (e.g. beta1: 0.9). Asserts
/// that the path exists and has one numeric default.
double settingDefaultNumber(std::string_view path);

SettingValue getSetting(const SettingSpec& spec, const pb::TrainingConfig& training,
                        const pb::DatasetConfig& dataset);
/// Stores `value` (its alternative must match the spec's type) into the field at spec.path.
void setSetting(const SettingSpec& spec, const SettingValue& value, pb::TrainingConfig& training,
                pb::DatasetConfig& dataset);
/// The value as text: "0.001", "adam", "true", "42", "[1, 5]" (floats shortest round-trip).
std::string settingValueText(const SettingValue& value);

/// True when every appliesWhen condition holds on (training, dataset), which should have
/// their defaults applied.
bool settingApplies(const SettingSpec& spec, const pb::TrainingConfig& training,
                    const pb::DatasetConfig& dataset);

/// How settings reached the validator. givenAs: path -> how a person typed it
/// ("--epochs 0"); such a value is explicit: checked as given (0 is not "unset", no default
/// replaces it) and a message about it ends with " (given as --epochs 0)" (no suffix when the
/// text is empty: values that come from code, e.g. a resolved OptimizerSettings).
struct SettingsCheck {
  std::map<std::string, std::string> givenAs;
  /// Check only the settings whose path starts with this ("training.optimizer.").
  std::string pathPrefix;
};

/// THE validator. InvalidArgument for the first setting (in settingSpecs() order) that is out
/// of range, not a known name, required but unset, or breaks a dependency rule; the message
/// names the field path, the value and what is allowed, e.g.
///   training.schedule.gamma must be in (0, 1], got 1.5
///   training.optimizer.type "adamax" is not one of sgd, adam, adamw, rmsprop
/// Validating the settings before or after applyTrainingDefaults() gives the same verdict.
Status validateTrainingSettings(const pb::TrainingConfig& training,
                                const pb::DatasetConfig& dataset, const SettingsCheck& check = {});

/// THE defaults function: canonical names, and every unset setting with a default gets it
/// (learning rate by optimizer: sgd 0.01, adam/adamw 0.001, rmsprop 0.01 as in PyTorch).
/// Out-of-range values are left as they are for the validator to report. Idempotent.
void applyTrainingDefaults(pb::TrainingConfig& training, pb::DatasetConfig& dataset);

/// Parses text typed by a person ("0.01", "SGD", "true", "1,5") into the spec's type; no range
/// check (the validator does that). InvalidArgument "<path> must be <type>, got "<text>"
/// (given as <givenAs>)" when it does not parse.
Expected<SettingValue> parseSettingText(const SettingSpec& spec, const std::string& text,
                                        const std::string& givenAs);
/// Checks one value against the spec's range / names, calling it `name` in the message
/// ("--batch-size must be in [1, 2147483647], got 0"). For values that are not a model setting
/// but share a setting's rules (`loom eval --batch-size`).
Status checkSettingValue(const SettingSpec& spec, const SettingValue& value,
                         const std::string& name);

/// One command-line override: `path` set from `text`, typed as `givenAs` ("--lr 0.1").
struct SettingOverride {
  std::string path;
  std::string text;
  std::string givenAs;
};
/// Applies overrides in settingSpecs() order, recording each in check->givenAs. Overriding a
/// selector (optimizer.type) resets the settings whose default it picks (learning_rate) to
/// unset unless they are overridden too: `--optimizer rmsprop` trains at RMSprop's default
/// rate, not at the rate the file chose for its own optimizer. Parse errors as
/// parseSettingText(); an unknown path is InvalidArgument.
Status applySettingOverrides(const std::vector<SettingOverride>& overrides,
                             pb::TrainingConfig& training, pb::DatasetConfig& dataset,
                             SettingsCheck* check);

/// What every command that trains or runs a model does with its settings: the model file's
/// settings with the command line's `overrides`, validated before any default is applied (a
/// default must never hide a bad value, e.g. `--epochs 0`), then with the defaults filled in.
/// Errors carry `modelPath` as their context.
Status resolveSettings(Model& model, const std::vector<SettingOverride>& overrides,
                       const std::string& modelPath);

/// Documentation generated from the schema. settingsMarkdown(): the table committed in
/// docs/optim.md; settingsText(): the same for a terminal (`loom settings`); settingFlagHelp():
/// the help of one `loom train` flag.
std::string settingsMarkdown();
std::string settingsText();
std::string settingFlagHelp(const SettingSpec& spec);
/// "N", "X", "NAME", "PATH", "NODE", "SEED", ... for help texts.
std::string settingMetavar(const SettingSpec& spec);

}  // namespace loom
