#include <filesystem>
#include <system_error>

#include "engine/embed/projector_detail.h"

namespace loom::embed::detail {

namespace fs = std::filesystem;

namespace {
/// True when `p` (normalised) is `root` or lies under it.
bool isUnder(const fs::path& p, const fs::path& root) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty()) continue;  // trailing separator of a directory
    if (q == p.end() || *q != *r) return false;
  }
  return true;
}
}  // namespace

Expected<std::string> resolveInside(const std::string& dir, const std::string& path,
                                    const std::string& field) {
  const std::string where = field + " \"" + path + "\" in " + dir + "/" + kProjectorConfigFile;
  if (path.empty()) return invalidArgument(where + " is empty");
  if (path.find('\0') != std::string::npos) return invalidArgument(where + " contains a NUL byte");
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (ec) return ioError("cannot resolve the projector directory " + dir + ": " + ec.message());
  const fs::path given(path);
  const fs::path joined = given.is_absolute() ? given : root / given;
  // Lexical check first: a `..` escape is refused without touching the file system there.
  const fs::path lexical = joined.lexically_normal();
  if (!isUnder(lexical, root))
    return invalidArgument(
        where + (given.is_absolute() ? " is an absolute path outside " : " leaves the directory ") +
        root.string() + "; projector files must lie inside it");
  // Then through symlinks: a link inside the directory may point anywhere.
  const fs::path real = fs::weakly_canonical(lexical, ec);
  if (ec) return ioError(where + ": " + ec.message());
  if (!isUnder(real, root))
    return invalidArgument(where + " resolves through a symlink to " + real.string() +
                           ", outside " + root.string() + "; projector files must lie inside it");
  return real.string();
}

std::string safeStem(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    s += ok ? c : '_';
  }
  if (s.empty() || s == "." || s == "..") s = "tensor";
  return s;
}

}  // namespace loom::embed::detail
