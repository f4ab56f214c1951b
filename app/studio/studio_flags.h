#pragma once
// The command-line flags of loom-studio, as data. This table is the one source of truth:
// main.cpp builds its QCommandLineParser from it, `loom-studio --help` prints it, and the
// flag table in docs/studio.md is `loom-studio --flags-markdown` (a ctest compares the two).
//
// Adding a flag: add an enumerator to StudioFlag and a row to the table in studio_flags.cpp,
// handle it in main.cpp, then regenerate the docs table (docs/studio.md says how).

#include <span>
#include <string>
#include <string_view>

namespace loom::studio {

enum class StudioFlag {
  Train,
  LogDir,
  MaxSteps,
  Theme,
  Size,
  Select,
  Screenshot,
  ScreenshotDelay,
  Mode,
  Tab,
  ImageTag,
  TestAutosaveMs,
  TestAddNode,
  TestRestore,
  TestDump,  // the last: studio_flags.cpp's static_assert counts up to it
};

/// Who a flag is for; the docs list the groups separately.
enum class FlagUse {
  Everyday,            ///< what a user types (open the demo, a log directory)
  TestsAndScreenshots  ///< what the test suite and the documentation screenshots use
};

struct StudioFlagSpec {
  StudioFlag id;
  std::string_view name;   ///< without the leading "--"
  std::string_view value;  ///< the value's placeholder, e.g. "FILE"; every flag takes one
  std::string_view help;   ///< one sentence, shown by --help and in the docs
  FlagUse use;
};

/// Every flag, in the order --help and the docs list them.
std::span<const StudioFlagSpec> studioFlags();

/// The row of `id` (every enumerator has exactly one, in enum order: a static_assert checks).
const StudioFlagSpec& studioFlag(StudioFlag id);

/// The docs table: a Markdown table per FlagUse group, each under a bold group title.
std::string studioFlagsMarkdown();

}  // namespace loom::studio
