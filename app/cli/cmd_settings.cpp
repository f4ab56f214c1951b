// `loom settings [--markdown]`: every training setting of the schema (engine/train/settings.h)
// with its flag, type, range, default and the rules between settings. `--markdown` prints the
// table committed in docs/optim.md (a test fails when the two differ).
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/train/settings.h"

namespace loom::cli {

int runSettings(const SettingsArgs& args) {
  const std::string text = args.markdown ? settingsMarkdown() : settingsText();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace loom::cli
