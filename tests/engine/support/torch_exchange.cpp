#include "torch_exchange.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace loom::test {

namespace fs = std::filesystem;

namespace {

// The last `lines` lines of `text`: a failing script's traceback ends there.
std::string tail(const std::string& text, int lines) {
  size_t pos = text.size();
  for (int n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

}  // namespace

TorchExchange::TorchExchange(const std::string& prefix) {
  std::string templ = (fs::temp_directory_path() / (prefix + "_XXXXXX")).string();
  if (char* d = mkdtemp(templ.data())) m_dir = d;
}

TorchExchange::~TorchExchange() {
  if (m_dir.empty()) return;
  const bool failed = ::testing::Test::HasFailure() || ::testing::UnitTest::GetInstance()->Failed();
  if (failed) {
    std::printf("PyTorch exchange files kept in %s\n", m_dir.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

nlohmann::json TorchExchange::write(const std::string& name, const Tensor& t) const {
  const Tensor plain = t.toLayout(Layout::Plain);
  (void)writeBytes(name, plain.raw(), plain.bytes());
  return {{"file", name}, {"shape", plain.dims()}, {"dtype", dtypeName(plain.dtype())}};
}

Status TorchExchange::writeBytes(const std::string& name, const void* data,
                                 std::size_t bytes) const {
  std::ofstream out(m_dir / name, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out.good()) return ioError("cannot write " + (m_dir / name).string());
  return Status::ok();
}

Tensor TorchExchange::read(const std::string& name, const Dims& dims, DType dtype) const {
  Tensor t(dims, dtype);
  std::ifstream in(m_dir / name, std::ios::binary);
  if (!in) return {};
  in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  if (in.gcount() != static_cast<std::streamsize>(t.bytes()) || in.peek() != EOF) return {};
  return t;
}

std::vector<char> TorchExchange::readBytes(const std::string& name) const {
  std::ifstream in(m_dir / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<double> TorchExchange::readF64(const std::string& name, std::int64_t count) const {
  const std::vector<char> bytes = readBytes(name);
  if (bytes.size() != static_cast<size_t>(count) * sizeof(double)) return {};
  std::vector<double> v(static_cast<size_t>(count));
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(v.data()));
  return v;
}

std::string TorchExchange::readText(const std::string& name) const {
  std::ifstream in(m_dir / name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Status TorchExchange::run(const std::string& script, const nlohmann::json& manifest,
                          const std::vector<std::string>& args) const {
  if (m_dir.empty()) return ioError("no scratch directory for " + script + " (mkdtemp failed)");
  if (::access(LOOM_PYTHON, X_OK) != 0)
    return notFound(std::string("LOOM_PYTHON = ") + LOOM_PYTHON +
                    " is not an executable; the reference tests need Debian's python3 with "
                    "python3-torch and python3-numpy (packaging/install-deps.sh installs them)");
  std::ofstream(m_dir / "manifest.json") << manifest.dump(1);
  const fs::path log = m_dir / "python.log";
  std::string cmd =
      std::string(LOOM_PYTHON) + " '" + LOOM_SOURCE_DIR + "/tests/python/" + script + "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " '" + m_dir.string() + "' > '" + log.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc == 0) return Status::ok();
  const std::string status = WIFEXITED(rc) ? "exit status " + std::to_string(WEXITSTATUS(rc))
                                           : "raw status " + std::to_string(rc);
  return internalError(script + " failed (" + status + "); the end of " + log.string() + ":\n" +
                       tail(readText("python.log"), 15));
}

}  // namespace loom::test
