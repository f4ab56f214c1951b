// `loom exit-codes [--markdown]`: every exit code of `loom` and what it means, from the one
// table in exit_codes.h. `--markdown` prints the table committed in docs/cli.md (a test fails
// when the two differ).
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"

namespace loom::cli {

std::string exitCodeHelp() {
  std::string text = "Exit codes:";
  std::size_t line = text.size();
  for (const ExitCodeInfo& e : kExitCodes) {
    const std::string item = " " + std::to_string(e.code) + " " + e.brief + ",";
    if (line + item.size() > 88) {  // wrap as a terminal-width footer
      text += "\n";
      line = 0;
    }
    text += item;
    line += item.size();
  }
  text.back() = '.';
  return text + " See `loom exit-codes`.";
}

std::string exitCodesMarkdown() {
  std::string text = "| code | meaning |\n|---|---|\n";
  for (const ExitCodeInfo& e : kExitCodes)
    text += "| " + std::to_string(e.code) + " | " + e.meaning + " |\n";
  return text;
}

int runExitCodes(const ExitCodesArgs& args) {
  std::string text;
  if (args.markdown) {
    text = exitCodesMarkdown();
  } else {
    for (const ExitCodeInfo& e : kExitCodes)
      text += (e.code < 10 ? "  " : "") + std::to_string(e.code) + "  " + e.meaning + "\n";
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace loom::cli
