#include "app/studio/studio_flags.h"

#include <array>
#include <cstddef>

namespace loom::studio {
namespace {

using enum StudioFlag;
constexpr std::array kFlags{
    StudioFlagSpec{Train, "train", "FILE", "Open FILE in Train mode and start training it.",
                   FlagUse::Everyday},
    StudioFlagSpec{LogDir, "logdir", "DIR",
                   "Open the dashboard on the runs under DIR (as tensorboard --logdir).",
                   FlagUse::Everyday},
    StudioFlagSpec{MaxSteps, "max-steps", "N", "With --train: stop after N optimizer steps.",
                   FlagUse::Everyday},
    StudioFlagSpec{Theme, "theme", "system|light|dark",
                   "Choose the theme (also remembered in the settings).", FlagUse::Everyday},
    StudioFlagSpec{Size, "size", "WxH", "Window size in logical pixels.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{Select, "select", "NODE", "Select NODE before the screenshot.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{Screenshot, "screenshot", "PNG", "Lay the window out, grab it into PNG, exit.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{ScreenshotDelay, "screenshot-delay", "MS",
                   "Wait MS milliseconds (default 400) before --screenshot grabs.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{Mode, "mode", "ID",
                   "Make mode ID current after the start: design, train, export, inspect or "
                   "embeddings (the mode bar, widgets/modes/sources.cmake).",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{Tab, "tab", "NAME", "Train mode: show the dashboard tab NAME (e.g. Scalars).",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{ImageTag, "image-tag", "TAG",
                   "Train mode: show the image tag TAG in the Images tab (e.g. "
                   "probe/attribution/00).",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{TestAutosaveMs, "test-autosave-ms", "MS", "Autosave every MS instead of 30 s.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{TestAddNode, "test-add-node", "OP",
                   "After the start (and recovery) add a node of OP, an edit; prints added=NAME.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{TestRestore, "test-restore", "accept|discard",
                   "Answer the crash-recovery offer without a dialog.",
                   FlagUse::TestsAndScreenshots},
    StudioFlagSpec{TestDump, "test-dump", "FILE",
                   "Write the document as Save would to FILE, print path=PATH modified=0|1, "
                   "exit without touching the autosave.",
                   FlagUse::TestsAndScreenshots},
};

// Row i describes enumerator i, so studioFlag() is an index and cannot miss.
constexpr bool rowsFollowTheEnum() {
  for (std::size_t i = 0; i < kFlags.size(); ++i)
    if (static_cast<std::size_t>(kFlags[i].id) != i) return false;
  return kFlags.size() == static_cast<std::size_t>(TestDump) + 1;
}
static_assert(rowsFollowTheEnum(), "kFlags must list every StudioFlag once, in enum order");

// Markdown table cells: a '|' inside a cell must be escaped.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

void appendGroup(std::string& out, FlagUse use, std::string_view title) {
  out += "**";
  out += title;
  out += "**\n\n| option | meaning |\n|---|---|\n";
  for (const auto& flag : kFlags) {
    if (flag.use != use) continue;
    out += "| `--" + std::string(flag.name) + " " + cell(flag.value) + "` | " + cell(flag.help) +
           " |\n";
  }
}

}  // namespace

std::span<const StudioFlagSpec> studioFlags() {
  return kFlags;
}

const StudioFlagSpec& studioFlag(StudioFlag id) {
  return kFlags[static_cast<std::size_t>(id)];
}

std::string studioFlagsMarkdown() {
  std::string out;
  appendGroup(out, FlagUse::Everyday, "Everyday");
  out += '\n';
  appendGroup(out, FlagUse::TestsAndScreenshots, "For tests and screenshots");
  return out;
}

}  // namespace loom::studio
