// The one way an engine test asks PyTorch for a reference: write tensors and a manifest into
// a scratch directory, run a script of tests/python with LOOM_PYTHON (Debian's
// /usr/bin/python3, which has torch and numpy), read the script's tensors back.
//
// The Python half is tests/python/torch_exchange.py. A tensor entry in a manifest is
// {"file": name, "shape": [dims], "dtype": dtypeName()}, raw little-endian bytes.
//
// PyTorch is a reference the README installs, so a missing interpreter or torch is a test
// failure, never a skip: run() returns an error whose message says what is missing and
// which package provides it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom::test {

class TorchExchange {
 public:
  /// Creates a fresh directory /tmp/<prefix>_XXXXXX. dir() is empty if that failed.
  explicit TorchExchange(const std::string& prefix);
  /// Removes the directory, unless a test of the program failed: then it is kept for
  /// inspection and its path printed.
  ~TorchExchange();
  TorchExchange(const TorchExchange&) = delete;
  TorchExchange& operator=(const TorchExchange&) = delete;

  const std::filesystem::path& dir() const { return m_dir; }

  /// Writes `t` (Plain) as DIR/`name`; returns its manifest entry.
  nlohmann::json write(const std::string& name, const Tensor& t) const;
  /// Writes raw bytes as DIR/`name` (relative paths may name a subdirectory that exists).
  Status writeBytes(const std::string& name, const void* data, std::size_t bytes) const;

  /// DIR/`name` as a Plain tensor of `dims` and `dtype`; an empty tensor when the file is
  /// missing or has another size.
  Tensor read(const std::string& name, const Dims& dims, DType dtype = DType::F32) const;
  /// The whole file (empty when missing).
  std::vector<char> readBytes(const std::string& name) const;
  /// `count` float64 values, or an empty vector when the file is missing or short.
  std::vector<double> readF64(const std::string& name, std::int64_t count) const;
  std::string readText(const std::string& name) const;

  /// Writes `manifest` as DIR/manifest.json and runs
  ///   LOOM_PYTHON tests/python/<script> <args...> DIR
  /// with stdout and stderr in DIR/python.log. Error (naming the script, its exit status
  /// and the end of its log) when the interpreter is missing or the script fails.
  Status run(const std::string& script, const nlohmann::json& manifest,
             const std::vector<std::string>& args = {}) const;

 private:
  std::filesystem::path m_dir;
};

}  // namespace loom::test
